// Runs the analysis of @n8n/scan-community-package (n8n's verified-node scanner) on this package folder.
// The scanner's CLI only scans published packages; its exported analyzePackage lints a folder with the same rules.
// It scans the TypeScript sources (where its node and credential rules are written for) and the built dist/.
//   npm run scan          (builds first)
import { analyzePackage } from '@n8n/scan-community-package/scanner/scanner.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const targets = [
	{ label: 'sources', patterns: ['nodes/**/*.ts', 'credentials/**/*.ts', 'nodes/**/*.json', 'package.json'] },
	{ label: 'dist', patterns: ['dist/**/*.js', 'dist/**/*.json', 'package.json', 'index.js'] },
];

let failed = false;
for (const { label, patterns } of targets) {
	const result = await analyzePackage(root, patterns);
	if (result.passed) {
		process.stdout.write(`scan ${label}: passed${result.message ? ` (${result.message})` : ''}\n`);
	} else {
		failed = true;
		process.stdout.write(`scan ${label}: FAILED: ${result.message}\n${result.details ?? ''}\n`);
	}
}
process.exit(failed ? 1 : 0);
