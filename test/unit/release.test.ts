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
	const guard = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [join(ROOT, 'scripts', 'publish-guard.cjs')], { env, encoding: 'utf8' });

	// npm publish as typed in a fresh clone, refused by this guard before any registry: test/package/pack.test.ts.
	it('prepublishOnly refuses a publish from a shell, and says why and how to release', () => {
		const refused = guard(shell());
		expect(refused.status).toBe(1);
		expect(refused.stderr).toContain("npm publish refused: n8n verifies a community node only when npm provenance ties the package to its source");
		expect(refused.stderr).toContain('npm run release:tag -- patch');
		// GitHub Actions alone is not the Release workflow: n8n-node release sets RELEASE_MODE there.
		expect(guard({ ...shell(), GITHUB_ACTIONS: 'true' }).status).toBe(1);
		expect(guard({ ...shell(), RELEASE_MODE: 'true' }).status).toBe(1);
		expect(guard({ ...shell(), GITHUB_ACTIONS: 'true', RELEASE_MODE: 'true' }).status).toBe(0);
	});

	it('a publish that skips the scripts (--ignore-scripts) is still refused, by npm itself: it can make no provenance outside CI', () => {
		// A real publish, not a dry run (which stops before provenance), to a closed loopback port with a dummy token.
		const registry = 'http://127.0.0.1:9/';
		const args = ['publish', '--ignore-scripts', `--registry=${registry}`, '--//127.0.0.1:9/:_authToken=dummy', '--fetch-retries=0'];
		const publish = spawnSync('npm', args, { cwd: ROOT, env: shell(), encoding: 'utf8' });
		expect(publish.status).not.toBe(0);
		expect(publish.stderr).toMatch(/provenance generation not supported/i);
	}, 60_000);

	it('publishes from the Release workflow through n8n-node release, which passes the guard and asks for provenance', () => {
		const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
		expect(manifest.scripts.release).toBe('n8n-node release');
		expect(manifest.scripts.prepublishOnly).toBe('node scripts/publish-guard.cjs');
		expect(manifest.publishConfig.provenance).toBe(true);
		// What the guard lets through is what n8n-node release sets for its npm publish inside GitHub Actions.
		const release = readFileSync(join(ROOT, 'node_modules', '@n8n', 'node-cli', 'dist', 'commands', 'release.js'), 'utf8');
		expect(release).toMatch(/isCI = Boolean\(process\.env\.GITHUB_ACTIONS\)/);
		expect(release).toMatch(/RELEASE_MODE: 'true',\s+NPM_CONFIG_PROVENANCE: 'true'/);
		const workflow = readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8');
		expect(workflow).toMatch(/^\s+id-token: write\b/m);
		expect(workflow).toMatch(/^\s+- run: npm run release$/m);
		expect(workflow).not.toMatch(/^\s+(- )?run: .*npm publish/m);
	});
});
