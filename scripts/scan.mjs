// Runs n8n's verified-node scanner (@n8n/scan-community-package) on this checkout, the way it scans a published
// version: its lint rules over the sources (package.json, nodes/ and credentials/, as the scanner reads them from the
// commit the npm provenance names) and over the tarball's JavaScript and package.json.
//   npm run scan          (builds and packs the package first: scripts/pack.sh)
// The scanner's own CLI (`npx @n8n/scan-community-package n8n-nodes-cogvideox`) also checks the provenance of a
// published version; that needs the version on npm, so it runs after a release (docs/verification.md).
import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'cogvideox-scan-'));

try {
	// The build and the pack as the Release workflow makes them (or the tarball a CI run built once and shares).
	const tarball = execFileSync('bash', [join(root, 'scripts', 'pack.sh'), work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
	const filename = basename(tarball);
	const unpacked = join(work, 'package');
	mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);

	const legs = [
		{ label: `sources (${SOURCE_FILE_PATTERNS.join(', ')})`, dir: root, patterns: SOURCE_FILE_PATTERNS },
		{ label: `tarball ${filename} (**/*.js, package.json)`, dir: unpacked, patterns: ['**/*.js', 'package.json'] },
	];
	let failed = false;
	for (const { label, dir, patterns } of legs) {
		const result = await analyzePackage(dir, patterns);
		if (result.passed) {
			process.stdout.write(`scan ${label}: passed${result.message ? ` (${result.message})` : ''}\n`);
		} else {
			failed = true;
			process.stdout.write(`scan ${label}: FAILED: ${result.message}\n${result.details ?? ''}\n`);
		}
	}
	process.exitCode = failed ? 1 : 0;
} finally {
	rmSync(work, { recursive: true, force: true });
}
