#!/usr/bin/env node
// The `node-gyp` of this checkout's dev tree (a devDependency, so npm links it into node_modules/.bin, which comes
// before npm's own node-gyp on the PATH of every install script it runs here). Install scripts of the packages below
// call node-gyp to compile a native module that nothing in this repository loads; their build is skipped, and every
// other package's goes on to npm's own node-gyp ($npm_config_node_gyp).
// - isolated-vm 7 (n8n-workflow >= 2.13's expression engine, deep under @n8n/node-cli): needs Node 24, and fails to
//   compile on Node 20 and 22, which would fail `npm ci`;
// - ssh2's optional crypto binding and cpu-features (under the same n8n-workflow): optional, and minutes of compiling.
// The n8n installs that do need their native modules run in their own folders under ~/.cache, where npm's node-gyp
// comes first (scripts/install-n8n.sh).
const { spawnSync } = require('node:child_process');

const SKIPPED = new Set(['isolated-vm', 'ssh2', 'cpu-features']);
const name = process.env.npm_package_name;
if (name && SKIPPED.has(name)) {
	console.error(`[no-native-build] ${name}: node-gyp ${process.argv.slice(2).join(' ')} skipped: the dev tools never load this native module (scripts/no-native-build)`);
	process.exit(0);
}
const nodeGyp = process.env.npm_config_node_gyp;
if (!nodeGyp) {
	console.error('[no-native-build] npm_config_node_gyp is not set: run node-gyp through npm, or call npm\'s own');
	process.exit(1);
}
const result = spawnSync(process.execPath, [nodeGyp, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
