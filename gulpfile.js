const { src, dest } = require('gulp');

// tsc emits only JavaScript; the node and credential icons are copied beside it.
function copyIcons() {
	return src(['nodes/**/*.{png,svg,json}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(
		dest('dist'),
	);
}

exports['build:icons'] = copyIcons;
