import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { releaseChangelog } from '../../scripts/release';

const ROOT = join(__dirname, '..', '..');

const changelog = `# Changelog

Intro.

## [Unreleased]

### Added
- Thing one.

## [0.1.0] - 2026-11-01

### Added
- First.
`;

describe('release changelog', () => {
	it('moves the Unreleased entries under the new version and leaves an empty Unreleased section', () => {
		expect(releaseChangelog(changelog, '0.2.0', '2026-11-25')).toBe(`# Changelog

Intro.

## [Unreleased]

## [0.2.0] - 2026-11-25

### Added
- Thing one.

## [0.1.0] - 2026-11-01

### Added
- First.
`);
	});

	it('refuses to release with nothing listed', () => {
		const released = releaseChangelog(changelog, '0.2.0', '2026-11-25');
		expect(() => releaseChangelog(released, '0.2.1', '2026-11-26')).toThrow(/Unreleased section of CHANGELOG.md is empty/);
	});
});

describe('publishing', () => {
	// A maintainer's shell: none of the variables npm run or the Release workflow would set.
	const shell = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|RELEASE_MODE$|GITHUB_ACTIONS$|GITLAB_CI$)/i.test(key)));

	it('refuses an npm publish that does not come from the Release workflow: npm can make no provenance there', () => {
		// A real publish, not a dry run (which stops before provenance), to a closed loopback port with a dummy token:
		// even if npm went past the provenance check, nothing could reach a registry.
		const registry = 'http://127.0.0.1:9/';
		const args = ['publish', `--registry=${registry}`, '--//127.0.0.1:9/:_authToken=dummy', '--fetch-retries=0'];
		const publish = spawnSync('npm', args, { cwd: ROOT, env: shell(), encoding: 'utf8' });
		expect(publish.status).not.toBe(0);
		expect(publish.stderr).toMatch(/provenance generation not supported/i);
	}, 60_000);

	it('and where npm runs lifecycle scripts (the project\'s .npmrc turns them off), n8n-node prerelease refuses it first', () => {
		const publish = spawnSync('npm', ['publish', '--dry-run', '--ignore-scripts=false'], { cwd: ROOT, env: shell(), encoding: 'utf8' });
		expect(publish.status).not.toBe(0);
		expect(publish.stdout).toContain('Run `npm run release` to publish the package');
	}, 60_000);

	it('publishes from the Release workflow through n8n-node release, with provenance', () => {
		const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
		expect(manifest.scripts.release).toBe('n8n-node release');
		expect(manifest.scripts.prepublishOnly).toBe('n8n-node prerelease');
		expect(manifest.publishConfig.provenance).toBe(true);
		const workflow = readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8');
		expect(workflow).toMatch(/^\s+id-token: write\b/m);
		expect(workflow).toMatch(/^\s+- run: npm run release$/m);
		expect(workflow).not.toMatch(/^\s+(- )?run: .*npm publish/m);
	});
});
