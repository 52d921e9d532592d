/**
 * The package as a maintainer's shell makes it from a fresh clone: the repository's files (what `git clone` would
 * give once they are committed: tracked and untracked, nothing git ignores, so no dist/) with this checkout's
 * node_modules, and no npm settings of the caller's. There scripts/check-pack.mjs runs `npm pack` as typed, which must
 * build (prepack) and hold the built node and credential, and `npm publish` as typed, which must be refused with the
 * reason before it reaches any registry. CI runs the same check in its fresh clones, after `npm ci`, with npm 10.9 and
 * 11 (.ci/run); this test runs it with the npm first on PATH (10.8.2 in CI).
 * The CLI's build copies every .png and .svg of the repository into dist/, test images included: package.json's
 * `files` ships only dist/nodes and dist/credentials.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

describe('npm pack and npm publish from a fresh clone', () => {
	const clone = mkdtempSync(join(tmpdir(), 'cogvideox-clone-'));
	const kept = mkdtempSync(join(tmpdir(), 'cogvideox-pack-'));
	let check: { status: number | null; stdout: string; stderr: string };
	let entries: string[] = [];

	beforeAll(() => {
		const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
		for (const file of files) {
			mkdirSync(dirname(join(clone, file)), { recursive: true });
			try {
				copyFileSync(join(ROOT, file), join(clone, file));
			} catch {
				// deleted in the work tree, not yet in git: a clone of the commit to come would not have it either
			}
		}
		symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
		check = spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-pack.mjs'), clone, '--keep', kept], { encoding: 'utf8', timeout: 4 * 60_000 });
		const [tarball] = readdirSync(kept).filter((file) => file.endsWith('.tgz'));
		if (tarball) entries = execFileSync('tar', ['tzf', join(kept, tarball)], { encoding: 'utf8' }).split('\n').filter(Boolean).map((entry) => entry.replace(/^package\//, ''));
	}, 5 * 60_000);

	afterAll(() => {
		rmSync(clone, { recursive: true, force: true });
		rmSync(kept, { recursive: true, force: true });
	});

	it('npm pack builds, and the tarball holds the built node, the credential, their icons and the codex file; npm publish is refused with the reason, reaching no registry', () => {
		expect({ status: check.status, failures: check.stderr.trim() }).toEqual({ status: 0, failures: '' });
		expect(check.stdout).toContain('dist/nodes/CogVideoX/CogVideoX.node.js, dist/credentials/ZhipuAiApi.credentials.js');
		expect(check.stdout).toContain('npm publish refused');
	});

	it('ships no tests, sources, type declarations, maps or images from outside the node and the credential', () => {
		expect(entries.length).toBeGreaterThan(0);
		const shipped = /^(dist\/(nodes|credentials)\/.+\.(js|json|svg)|index\.js|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
		expect(entries.filter((path) => !shipped.test(path))).toEqual([]);
	});
});
