/**
 * What the Release workflow puts in the tarball, made as it makes it: from the repository with no dist/ yet,
 * `npm run build` (`n8n-node build`), then npm packs (n8n-node release runs `npm publish` after its build). The
 * project's .npmrc keeps npm from running lifecycle scripts, prepack included, so the build is never left to npm. The
 * CLI's build copies every .png and .svg of the repository into dist/, test images included: package.json's `files`
 * ships only dist/nodes and dist/credentials.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

interface PackResult {
	filename: string;
	files: Array<{ path: string }>;
}

describe('npm run build, then npm pack, from a checkout without dist/', () => {
	let packed: PackResult;
	const destination = mkdtempSync(join(tmpdir(), 'cogvideox-pack-'));

	beforeAll(() => {
		rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
		// The caller's npm settings are not the maintainer's: only the repository's own configuration counts here.
		const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
		execFileSync('npm', ['run', 'build'], { cwd: ROOT, env, stdio: 'ignore' });
		const stdout = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], { cwd: ROOT, env, encoding: 'utf8' });
		[packed] = JSON.parse(stdout) as PackResult[];
	}, 120_000);

	afterAll(() => rmSync(destination, { recursive: true, force: true }));

	it('holds the built node, the credential, their icons and the codex file', () => {
		const paths = packed.files.map((file) => file.path);
		expect(paths).toEqual(
			expect.arrayContaining([
				'dist/nodes/CogVideoX/CogVideoX.node.js',
				'dist/nodes/CogVideoX/CogVideoX.node.json',
				'dist/nodes/CogVideoX/cogvideox.svg',
				'dist/nodes/CogVideoX/cogvideox.dark.svg',
				'dist/credentials/ZhipuAiApi.credentials.js',
				'dist/credentials/zhipuAi.svg',
				'dist/credentials/zhipuAi.dark.svg',
				'index.js',
				'package.json',
			]),
		);
		expect(existsSync(join(destination, packed.filename))).toBe(true);
	});

	it('ships no tests, sources, type declarations, maps or images from outside the node and the credential', () => {
		const shipped = /^(dist\/(nodes|credentials)\/.+\.(js|json|svg)|index\.js|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
		const stray = packed.files.map((file) => file.path).filter((path) => !shipped.test(path));
		expect(stray).toEqual([]);
	});

	it('names every file package.json points n8n at', () => {
		const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[]; credentials: string[] } };
		const paths = packed.files.map((file) => file.path);
		for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) expect(paths).toContain(file);
	});
});
