#!/usr/bin/env node
// Checks, in a package folder (a fresh clone after `npm ci`, by default this one), what a maintainer's shell gets
// from the two release commands, with whatever npm is first on PATH:
// - `npm pack` builds (prepack) and the tarball holds the built node, the credential, their icons and the codex file:
//   every file package.json's "n8n" section names, among them dist/nodes/CogVideoX/CogVideoX.node.js and
//   dist/credentials/ZhipuAiApi.credentials.js;
// - `npm publish` is refused with the reason (prepublishOnly: scripts/publish-guard.cjs), and reaches no registry:
//   it is pointed at a loopback port that counts every connection, and must see none.
// The caller's npm settings are not the maintainer's: every npm_* variable is dropped, so only the folder's own
// configuration (.npmrc) counts. One line per finding; exit 1 if any check fails.
//   node scripts/check-pack.mjs [package folder] [--keep <folder>]   --keep: leave the tarball there
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const keepAt = args.includes('--keep') ? resolve(args.splice(args.indexOf('--keep'), 2)[1]) : undefined;
const folder = resolve(args[0] ?? join(import.meta.dirname, '..'));
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const npm = (args) => spawnSync('npm', args, { cwd: folder, env, encoding: 'utf8', timeout: 5 * 60_000 });
const version = npm(['--version']).stdout.trim();
const failures = [];
const say = (line) => console.log(`[check-pack] npm ${version}: ${line}`);

// npm pack, as typed.
const destination = keepAt ?? mkdtempSync(join(tmpdir(), 'cogvideox-check-pack-'));
try {
	const packed = npm(['pack', '--pack-destination', destination]);
	const tarball = packed.stdout.trim().split('\n').pop() ?? '';
	if (packed.status !== 0 || !tarball.endsWith('.tgz')) {
		failures.push(`npm pack failed (exit ${packed.status}): ${(packed.stderr || packed.stdout).trim().split('\n').slice(-5).join(' | ')}`);
	} else {
		const listed = spawnSync('tar', ['tzf', join(destination, tarball)], { encoding: 'utf8' });
		const entries = listed.stdout.split('\n').filter(Boolean).map((entry) => entry.replace(/^package\//, ''));
		const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
		const required = [...manifest.n8n.nodes, ...manifest.n8n.credentials, 'dist/nodes/CogVideoX/CogVideoX.node.json', 'dist/nodes/CogVideoX/cogvideox.svg', 'dist/nodes/CogVideoX/cogvideox.dark.svg', 'dist/credentials/zhipuAi.svg', 'dist/credentials/zhipuAi.dark.svg'];
		const missing = required.filter((file) => !entries.includes(file));
		say(`npm pack made ${tarball}: ${entries.length} files, ${entries.filter((entry) => entry.startsWith('dist/')).length} of them built`);
		if (missing.length) failures.push(`the tarball lacks ${missing.join(', ')}: npm pack did not build the node (is prepack skipped, e.g. by ignore-scripts?)`);
		else say(`it holds ${required.join(', ')}`);
	}
} finally {
	if (!keepAt) rmSync(destination, { recursive: true, force: true });
}

// npm publish, as typed, against a registry that must never be reached.
let connections = 0;
const registry = createServer((socket) => {
	connections++;
	socket.destroy();
});
await new Promise((listening) => registry.listen(0, '127.0.0.1', listening));
const url = `http://127.0.0.1:${registry.address().port}/`;
// Not spawnSync: the counting server must answer while npm runs.
const published = await npmAsync(['publish', `--registry=${url}`, `--${url.slice(5)}:_authToken=dummy`, '--fetch-retries=0']);
registry.close();
const output = `${published.stdout}\n${published.stderr}`;
if (published.status === 0) failures.push('npm publish was not refused');
else if (!/npm publish refused: n8n verifies a community node only when npm provenance/.test(output)) {
	failures.push(`npm publish failed without the refusal's reason (exit ${published.status}): ${output.trim().split('\n').slice(-5).join(' | ')}`);
} else say('npm publish refused: n8n verifies a community node only with npm provenance, which npm makes only in GitHub Actions');
if (connections > 0) failures.push(`npm publish reached the registry (${connections} connections to ${url})`);
else say(`npm publish made no connection to the registry it was given (${url})`);

for (const failure of failures) console.error(`[check-pack] npm ${version}: FAILED: ${failure}`);
process.exit(failures.length ? 1 : 0);

function npmAsync(args) {
	return new Promise((done) => {
		const child = spawn('npm', args, { cwd: folder, env });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('close', (status) => done({ status, stdout, stderr }));
	});
}
