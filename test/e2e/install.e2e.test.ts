/**
 * The install scripts as a newcomer's machine runs them: from inside `npm test` or `npm start`, npm exports its
 * configuration to them (npm_config_*), e.g. ignore-scripts from a user's ~/.npmrc. Whatever it says, an n8n install
 * must build its native modules and prove itself before it is used, and a cached install that no longer works must
 * be installed again, not reused.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { DEFAULT_TARGET, selectedTargets, type E2eTarget } from './targets';

const ROOT = resolve(__dirname, '..', '..');
const MINUTE = 60_000;

/** Settings a caller may export that would break an install run with them: no scripts, a dry run, a global install. */
const HOSTILE_NPM = {
	npm_config_ignore_scripts: 'true',
	npm_config_dry_run: 'true',
	npm_config_global: 'true',
	NPM_CONFIG_OMIT: 'optional',
	npm_config_package_lock: 'false',
};

function script(name: string, args: string[], env: NodeJS.ProcessEnv = {}) {
	const result = spawnSync('bash', [join(ROOT, 'scripts', name), ...args], {
		cwd: ROOT,
		env: { ...process.env, ...HOSTILE_NPM, ...env },
		encoding: 'utf8',
		timeout: 25 * MINUTE,
	});
	return { status: result.status, stdout: result.stdout.trim().split('\n').pop() ?? '', stderr: result.stderr };
}

function verify(nodeBinary: string, n8nDir: string, smoke = false) {
	const args = [join(ROOT, 'scripts', 'verify-n8n.cjs'), n8nDir, ...(smoke ? ['--smoke'] : [])];
	const result = spawnSync(nodeBinary, args, { encoding: 'utf8', timeout: 5 * MINUTE });
	const lines = result.stderr.trim().split('\n').filter(Boolean);
	// A crash of n8n itself is said in one line and that step runs once more (scripts/verify-n8n.cjs): passed on here.
	const crashes = lines.filter((line) => line.startsWith('n8n itself crashed') && line.endsWith('running that step once more'));
	for (const line of crashes) process.stderr.write(`[install check] ${line}\n`);
	return { status: result.status, problem: lines.filter((line) => !crashes.includes(line)).join('\n') };
}

/** The target's n8n, installed (or found in the cache) by the scripts under the hostile settings. */
function install(target: E2eTarget): { n8nDir: string; nodeBinary: string } {
	const nodeBinary = target.nodeVersion ? script('install-node.sh', [target.nodeVersion]).stdout : process.execPath;
	expect(existsSync(nodeBinary)).toBe(true);
	const installed = script('install-n8n.sh', [target.n8nVersion, ...(target.nodeVersion ? [nodeBinary] : [])]);
	expect({ status: installed.status, stderr: installed.stderr }).toMatchObject({ status: 0 });
	expect(existsSync(join(installed.stdout, 'node_modules', 'n8n', 'bin', 'n8n'))).toBe(true);
	return { n8nDir: installed.stdout, nodeBinary };
}

const TARGETS_HERE = selectedTargets();
/** The repair is the install script's, not a target's: checked once, on the default target, when this run has it. */
const repairTest = TARGETS_HERE.includes(DEFAULT_TARGET) ? test : test.skip;

describe('installing n8n under a caller whose npm settings would break it', () => {
	test.each(TARGETS_HERE.map((target) => [target.name, target] as const))(
		'%s: the n8n install works, and proves it: sqlite3 opens a database, the expression engine runs a workflow',
		(_name, target) => {
			const { n8nDir, nodeBinary } = install(target);
			expect(verify(nodeBinary, n8nDir, true)).toEqual({ status: 0, problem: '' });
		},
		30 * MINUTE,
	);

	repairTest(`${DEFAULT_TARGET.name}: a cached install whose sqlite3 no longer loads is not reused: its native modules are built again, and it says why in one line`, () => {
		const source = install(DEFAULT_TARGET);
		const cache = mkdtempSync(join(tmpdir(), 'n8n-cache-broken-'));
		try {
			// A copy of the cached install (hard links: no extra disk), then its sqlite3 binary removed, as an install
			// run with scripts off leaves it.
			const version = DEFAULT_TARGET.n8nVersion;
			const major = spawnSync(source.nodeBinary, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim();
			const copy = join(cache, `n8n-${version}-node${major}`);
			// The real folder: a cache entry that is a symbolic link would be copied as the link, and the removal below
			// would then reach the cached install itself.
			expect(spawnSync('cp', ['-al', realpathSync(source.n8nDir), copy]).status).toBe(0);
			const release = join(copy, 'node_modules', 'sqlite3', 'build', 'Release');
			for (const file of readdirSync(release).filter((entry) => entry.endsWith('.node'))) unlinkSync(join(release, file));
			expect(verify(source.nodeBinary, copy).problem).toMatch(/cannot open its database: sqlite3's native module was never built/);

			const again = script('install-n8n.sh', [version, ...(DEFAULT_TARGET.nodeVersion ? [source.nodeBinary] : [])], { N8N_CACHE_DIR: cache });
			expect(again.status).toBe(0);
			const said = again.stderr.split('\n').filter((line) => line.includes('failed its check'));
			expect(said).toHaveLength(1);
			expect(said[0]).toMatch(/the cached n8n \S+ failed its check, so its native modules are built again: .*sqlite3's native module was never built/);
			expect(again.stderr).toMatch(/repaired and checked/);
			expect(again.stdout).toBe(copy);
			expect(verify(source.nodeBinary, copy)).toEqual({ status: 0, problem: '' });
		} finally {
			rmSync(cache, { recursive: true, force: true });
		}
	}, 30 * MINUTE);
});
