/**
 * A real n8n in queue mode for end-to-end tests and benchmarks: a private Postgres and Redis
 * (scripts/queue-services.sh), one main (`n8n start`: editor and production webhooks) and W workers
 * (`n8n worker --concurrency=C`) that run the executions, all sharing one user folder with the package installed
 * the way a user's instance gets it (N8nHarness in n8n.ts), and one encryption key.
 *
 *   const n8n = await QueueN8n.setup({ workers: 2, concurrency: 10 });  // services, n8n, package, user folder
 *   await n8n.importCredentials([...]); await n8n.importWorkflows([workflowWithWebhook]);
 *   await n8n.publish([workflowWithWebhook.id]);                          // before start(): the main activates it
 *   await n8n.start({ binaryDataMode: 'database' });                      // main + workers, until all are ready
 *   const call = await n8n.runWebhook('my-path', { any: 'json' });        // { status, body, executionId }
 *   const run = await n8n.execution(call.executionId);                    // like N8nHarness.execute(): output, binaries hashed
 *   n8n.ranOn(call.executionId);                                          // 'worker-1' | 'worker-2' | ... (from their logs)
 *   await n8n.stop();                                                     // main and workers; start() again to restart
 *   await n8n.cleanup();                                                  // everything: processes, Postgres, Redis, temp folders
 *
 * What this relies on in n8n 2.8.4 (read in its dist/):
 * - Production webhooks are taken by the main, which creates the execution in Postgres and enqueues a job in Redis
 *   ("Enqueued execution <id> (job <job>)" at info); a worker picks it up ("Worker started execution <id> (job <job>)",
 *   then "Worker finished execution ..."), scaling/scaling.service.js and scaling/job-processor.js.
 * - Manual executions go to workers too only with OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS=true (workflow-runner.js reads
 *   process.env directly); without it the main runs them and logs a deprecation warning. Set here for every process.
 * - `publish:workflow --id=X` sets the workflow active with its current version; a running main does not notice, so
 *   publish before start() (or stop() and start() again).
 * - Binary data: N8N_DEFAULT_BINARY_DATA_MODE; unset in queue mode it is `database` (n8n-core's binary-data.config.js).
 *   The database store (n8n's binary-data/database.manager.js) keeps each file in table `binary_data` (fileId uuid,
 *   sourceType, sourceId = execution id, data bytea, mimeType, fileName, fileSize); an item's binary id is
 *   `database:<fileId>`. The filesystem store is the shared user folder, as in n8n.ts.
 * - Executions: `execution_entity` (id, "workflowId", status, mode, ...) and `execution_data` ("executionId", data:
 *   the run data serialized with the `flatted` package), read here with n8n's own `pg` and `flatted`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import {
	freePort,
	N8nHarness,
	readRun,
	runCommand,
	type CliResult,
	type N8nHarnessOptions,
	type OutputBinary,
	type OutputItem,
	type RawBinary,
	type RawRun,
	type RunError,
} from './n8n';

const REPO_ROOT = resolve(__dirname, '..', '..');
const SECOND = 1000;
const MINUTE = 60 * SECOND;

export type BinaryDataMode = 'database' | 'filesystem';

/**
 * Bull's lock settings shortened, so that n8n notices a killed worker within about 20 s instead of its default minute
 * or two (measured: about 90 s in 2.8.4, 150 s in 2.41.1). What n8n does then is the same. Not shorter: a worker on
 * a loaded machine that renews its lock late has its running job taken for lost.
 */
export const FAST_STALL_DETECTION = {
	QUEUE_WORKER_LOCK_DURATION: '15000',
	QUEUE_WORKER_LOCK_RENEW_TIME: '5000',
	QUEUE_WORKER_STALLED_INTERVAL: '5000',
};

export interface QueueStartOptions {
	/**
	 * Where output binaries go (N8N_DEFAULT_BINARY_DATA_MODE). Undefined: the variable is not set, so n8n picks its
	 * queue-mode default, `database`. Default: undefined.
	 */
	binaryDataMode?: BinaryDataMode;
	/** How many `n8n worker` processes. Default 2. */
	workers?: number;
	/** Each worker's `--concurrency` (jobs at once). Default 10. */
	concurrency?: number;
}

export interface QueueN8nOptions extends N8nHarnessOptions, QueueStartOptions {
	/**
	 * One n8n in regular mode on the same Postgres instead (EXECUTIONS_MODE=regular, no workers, no Redis in use): the
	 * main runs every execution itself, as a single n8n does.
	 */
	regular?: boolean;
	/** Extra environment for the workers only (after `env`, which every n8n process gets, the CLI included). */
	workerEnv?: Record<string, string>;
	/** N8N_LOG_LEVEL of the main and workers: at least info, or ranOn() has nothing to read. Default: info. */
	logLevel?: 'info' | 'debug';
	/** How long start() waits for the main and every worker. Default: 3 minutes. */
	startTimeoutMs?: number;
}

/** A running (or stopped) n8n process of the setup. */
export interface QueueProcess {
	/** 'main', or 'worker-1' … 'worker-N'. */
	name: string;
	role: 'main' | 'worker';
	pid: number;
	/** The main's HTTP port, or the worker's health-check port. */
	port: number;
	/** Everything it printed so far (stdout and stderr, interleaved as they came). */
	output(): string;
	/** Its peak resident set size in kB (VmHWM), read from /proc while it runs and just before it is stopped. */
	peakRssKb?: number;
	exitCode?: number | null;
	/** Sends a signal to its process group (n8n and its task runners), e.g. SIGKILL as an out-of-memory kill does. */
	signal(signal: NodeJS.Signals): void;
	/** Settles when it has exited. */
	readonly exited: Promise<void>;
}

export interface WebhookCall {
	status: number;
	/** The answer, parsed as JSON when it is JSON. */
	body: unknown;
	/** The execution the call made, found in Postgres (the newest of the webhook's workflow since the call). */
	executionId: string;
	durationMs: number;
}

/** An execution read back from Postgres, in the shape of N8nHarness.execute()'s result. */
export interface QueueExecution {
	executionId: string;
	workflowId: string;
	/** n8n's execution status: 'success', 'error', 'crashed', ... */
	status: string;
	/** n8n's execution mode: 'webhook', 'manual', ... */
	mode: string;
	succeeded: boolean;
	error?: RunError;
	/** Per node name: the items of its main output 0 (last run), each binary hashed from the store it is in. */
	output: Record<string, OutputItem[]>;
	nodeErrors: Record<string, RunError>;
	run: RawRun;
}

/** The part of the `pg` package's Client this harness uses. */
interface PgClient {
	connect(): Promise<void>;
	query<Row>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
	end(): Promise<void>;
	on(event: 'error', listener: (error: Error) => void): void;
}

/** A long-running n8n process in its own process group (so its task runners stop with it). */
class RunningProcess implements QueueProcess {
	readonly pid: number;
	peakRssKb?: number;
	exitCode?: number | null;
	readonly exited: Promise<void>;
	private readonly chunks: string[] = [];

	constructor(
		readonly name: string,
		readonly role: 'main' | 'worker',
		readonly port: number,
		child: ChildProcess,
	) {
		this.pid = child.pid!;
		child.stdout!.on('data', (chunk: Buffer) => this.chunks.push(chunk.toString('utf8')));
		child.stderr!.on('data', (chunk: Buffer) => this.chunks.push(chunk.toString('utf8')));
		this.exited = new Promise((resolveExit) =>
			child.on('close', (code) => {
				this.exitCode = code;
				resolveExit();
			}),
		);
	}

	get running(): boolean {
		return this.exitCode === undefined;
	}

	output(): string {
		return this.chunks.join('');
	}

	/** Reads VmHWM (the peak RSS so far) from /proc while the process lives. */
	async sampleRss(): Promise<number | undefined> {
		if (!this.running) return this.peakRssKb;
		const status = await readFile(`/proc/${this.pid}/status`, 'utf8').catch(() => '');
		const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
		if (kb) this.peakRssKb = Math.max(this.peakRssKb ?? 0, kb);
		return this.peakRssKb;
	}

	/** SIGTERM to the group (n8n shuts down gracefully), SIGKILL after `graceMs`. */
	async stop(graceMs = 30 * SECOND): Promise<void> {
		if (!this.running) return;
		await this.sampleRss();
		this.signal('SIGTERM');
		const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
		await this.exited;
		clearTimeout(timer);
		this.signal('SIGKILL'); // task runners left in the group
	}

	signal(signal: NodeJS.Signals): void {
		try {
			process.kill(-this.pid, signal);
		} catch {
			// gone already
		}
	}
}

/** Every live process group this module started, killed if the test process exits without cleanup(). */
const liveProcesses = new Set<RunningProcess>();
process.on('exit', () => liveProcesses.forEach((child) => child.signal('SIGKILL')));

export class QueueN8n {
	/** The n8n install, user folder, package and CLI (with the Postgres and queue environment). */
	readonly base: N8nHarness;
	/** What scripts/queue-services.sh printed: DB_POSTGRESDB_*, QUEUE_BULL_REDIS_*, and the two services' pids. */
	readonly services: Record<string, string>;
	/** Every process started so far, the stopped ones of earlier start()s included (for leak checks). */
	readonly processes: QueueProcess[] = [];
	/** How long each step took, in ms (setup and the last start()). */
	readonly timings: Record<string, number>;

	private running: RunningProcess[] = [];
	private current: QueueStartOptions & { workers: number; concurrency: number };
	private db?: Promise<PgClient>;
	/** The owner's session on the running main (runManually()). */
	private cookie?: string;
	private readonly requireFromN8n: NodeRequire;
	private stopped = false;
	/** The workflows publish() activated: start() waits until the main has registered their webhooks. */
	private readonly published = new Set<string>();

	private constructor(
		base: N8nHarness,
		private readonly servicesDir: string,
		services: Record<string, string>,
		private readonly options: QueueN8nOptions,
	) {
		this.base = base;
		this.services = services;
		this.timings = base.timings;
		this.current = { binaryDataMode: options.binaryDataMode, workers: options.workers ?? 2, concurrency: options.concurrency ?? 10 };
		this.requireFromN8n = createRequire(join(base.n8nDir, 'node_modules', 'n8n', 'package.json'));
	}

	/** Starts Postgres and Redis, then sets up n8n as N8nHarness.setup() does, with every CLI call on Postgres. */
	static async setup(options: QueueN8nOptions = {}): Promise<QueueN8n> {
		const log = options.log ?? (() => undefined);
		// Postgres runs as the `postgres` OS user when the tests run as root: its folder's parent must let it through.
		const servicesRoot = await mkdtemp(join(tmpdir(), 'n8n-cogvideox-queue-'));
		await chmod(servicesRoot, 0o755);
		const servicesDir = join(servicesRoot, 'services');
		let services: Record<string, string> | undefined;
		try {
			const started = Date.now();
			const result = await runCommand('bash', [join(REPO_ROOT, 'scripts', 'queue-services.sh'), 'start', servicesDir, '--watch-pid', String(process.pid)], {
				env: process.env,
				timeoutMs: 10 * MINUTE, // the first time, apt-get may install Postgres and Redis
				onStderr: (text) => text.split('\n').filter(Boolean).forEach((line) => log(line)),
			});
			if (result.exitCode !== 0) throw new Error(`scripts/queue-services.sh start failed (exit ${result.exitCode}):\n${result.stderr.slice(-3000)}`);
			services = Object.fromEntries(
				result.stdout
					.split('\n')
					.filter((line) => /^[A-Z_]+=/.test(line))
					.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
			);
			log(`postgres and redis: ${((Date.now() - started) / 1000).toFixed(1)} s`);
			const queueEnv = {
				DB_TYPE: services.DB_TYPE,
				DB_POSTGRESDB_HOST: services.DB_POSTGRESDB_HOST,
				DB_POSTGRESDB_PORT: services.DB_POSTGRESDB_PORT,
				DB_POSTGRESDB_DATABASE: services.DB_POSTGRESDB_DATABASE,
				DB_POSTGRESDB_USER: services.DB_POSTGRESDB_USER,
				DB_POSTGRESDB_PASSWORD: services.DB_POSTGRESDB_PASSWORD,
				QUEUE_BULL_REDIS_HOST: services.QUEUE_BULL_REDIS_HOST,
				QUEUE_BULL_REDIS_PORT: services.QUEUE_BULL_REDIS_PORT,
				EXECUTIONS_MODE: options.regular ? 'regular' : 'queue',
				OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
				N8N_LOG_LEVEL: options.logLevel ?? 'info',
			};
			const base = await N8nHarness.setup({ ...options, env: { ...queueEnv, ...options.env } });
			return new QueueN8n(base, servicesRoot, services, options);
		} catch (error) {
			await QueueN8n.stopServices(servicesRoot);
			throw error;
		}
	}

	private static async stopServices(servicesRoot: string): Promise<void> {
		await runCommand('bash', [join(REPO_ROOT, 'scripts', 'queue-services.sh'), 'stop', join(servicesRoot, 'services'), '--delete'], {
			env: process.env,
			timeoutMs: MINUTE,
		}).catch(() => undefined);
		await rm(servicesRoot, { recursive: true, force: true });
	}

	/** The binary data mode (n8n's default filled in), workers and concurrency of the running (or last) start(). */
	get settings(): Readonly<Required<QueueStartOptions>> {
		return { ...this.current, binaryDataMode: this.current.binaryDataMode ?? 'database' };
	}

	get main(): QueueProcess | undefined {
		return this.running.find((child) => child.role === 'main');
	}

	get workers(): QueueProcess[] {
		return this.running.filter((child) => child.role === 'worker');
	}

	/** The main's base URL, e.g. http://127.0.0.1:41234. */
	get url(): string {
		const main = this.main;
		if (!main) throw new Error('n8n is not running: call start() first');
		return `http://127.0.0.1:${main.port}`;
	}

	webhookUrl(path: string): string {
		return `${this.url}/webhook/${path}`;
	}

	importCredentials(...args: Parameters<N8nHarness['importCredentials']>): Promise<CliResult> {
		return this.base.importCredentials(...args);
	}

	importWorkflows(...args: Parameters<N8nHarness['importWorkflows']>): Promise<CliResult> {
		return this.base.importWorkflows(...args);
	}

	/** `n8n publish:workflow --id=<id>` for each (two at a time: each call boots n8n's CLI). Before start(). */
	async publish(workflowIds: string[]): Promise<void> {
		if (this.running.length) throw new Error('publish before start(), or stop() first: a running main does not see a workflow published by the CLI');
		const queue = [...workflowIds];
		const publishNext = async (): Promise<void> => {
			for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
				// n8n 1.x has no publishing: a workflow is activated.
				const args = this.options.version?.startsWith('1.') ? ['update:workflow', `--id=${id}`, '--active=true'] : ['publish:workflow', `--id=${id}`];
				const result = await this.base.cli(args);
				if (result.exitCode !== 0 || /GOT ERROR/.test(result.stdout + result.stderr)) {
					throw new Error(`n8n publish:workflow --id=${id} failed:\n${(result.stdout + result.stderr).slice(-3000)}`);
				}
			}
		};
		await Promise.all([publishNext(), publishNext()]);
		for (const id of workflowIds) this.published.add(id);
	}

	/** Starts the main and the workers, and waits until the editor is up, webhooks are registered and every worker is ready. */
	async start(options: QueueStartOptions = {}): Promise<void> {
		if (this.running.length) throw new Error('n8n is already running: stop() it first');
		if (this.stopped) throw new Error('cleanup() was called');
		this.current = { ...this.current, ...options, ...(this.options.regular ? { workers: 0 } : {}) };
		const { binaryDataMode, workers, concurrency } = this.current;
		const started = Date.now();
		const common: NodeJS.ProcessEnv = {
			...this.base.processEnv,
			...(binaryDataMode ? { N8N_DEFAULT_BINARY_DATA_MODE: binaryDataMode } : {}),
			// Each process listens only on loopback: the main's owner account is not set up.
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		};
		this.common = common;
		try {
			for (let index = 1; index <= workers; index++) await this.launchWorker(`worker-${index}`);
			const mainPort = await freePort();
			await this.launch('main', 'main', ['start'], { ...common, N8N_PORT: String(mainPort) }, mainPort);
			await this.waitUntilReady(this.options.startTimeoutMs ?? 3 * MINUTE);
		} catch (error) {
			const outputs = this.running.map((child) => `--- ${child.name} (exit ${child.exitCode}):\n${child.output().slice(-2500)}`).join('\n');
			await this.stop();
			throw new Error(`${(error as Error).message}\n${outputs}`);
		}
		this.timings.start = Date.now() - started;
		this.options.log?.(
			`queue mode up in ${(this.timings.start / 1000).toFixed(1)} s: main ${this.main!.pid} on ${this.url}, ` +
				`${this.workers.map((worker) => `${worker.name} ${worker.pid}`).join(', ')} (concurrency ${concurrency}), binary data: ${binaryDataMode ?? "n8n's default (database)"}`,
		);
	}

	/** The environment of every process of the running setup (set by start()). */
	private common: NodeJS.ProcessEnv = {};

	private async launch(name: string, role: 'main' | 'worker', args: string[], env: NodeJS.ProcessEnv, port: number): Promise<RunningProcess> {
		const bin = join(this.base.n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
		const child = spawn(this.base.nodeBinary, [bin, ...args], {
			cwd: this.base.workDir,
			env: { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) },
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const running = new RunningProcess(name, role, port, child);
		liveProcesses.add(running);
		void running.exited.then(() => liveProcesses.delete(running));
		this.running.push(running);
		this.processes.push(running);
		return running;
	}

	private async launchWorker(name: string): Promise<RunningProcess> {
		const port = await freePort();
		const env = { ...this.common, QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port), ...this.options.workerEnv };
		return await this.launch(name, 'worker', ['worker', `--concurrency=${this.current.concurrency}`], env, port);
	}

	/**
	 * A worker that exited (killed) is replaced by a new one of the same name, as a container platform does, and the
	 * call returns once the new one answers its health check. The others run on meanwhile.
	 */
	async replaceWorker(gone: QueueProcess): Promise<QueueProcess> {
		if (gone.role !== 'worker' || gone.exitCode === undefined) throw new Error(`${gone.name} is not a worker that exited`);
		this.running = this.running.filter((child) => child !== gone);
		const worker = await this.launchWorker(gone.name);
		const deadline = Date.now() + 3 * MINUTE;
		while (!(await fetch(`http://127.0.0.1:${worker.port}/healthz/readiness`, { signal: AbortSignal.timeout(2 * SECOND) }).catch(() => undefined))?.ok) {
			if (!worker.running) throw new Error(`the new ${worker.name} exited (code ${worker.exitCode}):\n${worker.output().slice(-2000)}`);
			if (Date.now() > deadline) throw new Error(`the new ${worker.name} was not ready within 3 minutes`);
			await new Promise((resolveWait) => setTimeout(resolveWait, 500));
		}
		return worker;
	}

	private async waitUntilReady(timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		const ok = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(2 * SECOND) }).catch(() => undefined))?.ok === true;
		for (;;) {
			const gone = this.running.find((child) => !child.running);
			if (gone) throw new Error(`${gone.name} exited (code ${gone.exitCode}) before n8n was ready`);
			// n8n 2.8.4 prints "Editor is now accessible" after it has activated the published workflows' webhooks; 2.41.1
			// may register them later, so their rows in webhook_entity are waited for too.
			const mainReady = /Editor is now accessible/.test(this.main!.output()) && (await ok(`${this.url}/healthz/readiness`));
			const workersReady = await Promise.all(this.workers.map((worker) => ok(`http://127.0.0.1:${worker.port}/healthz/readiness`)));
			const missing = mainReady ? await this.unregisteredWebhooks() : [...this.published];
			if (mainReady && workersReady.every(Boolean) && missing.length === 0) return;
			if (Date.now() > deadline) {
				throw new Error(`n8n in queue mode was not ready after ${timeoutMs / 1000} s${missing.length ? `: no webhooks registered for ${missing.join(', ')}` : ''}`);
			}
			await new Promise((resolveWait) => setTimeout(resolveWait, 500));
		}
	}

	/** Stops the main and the workers (Postgres and Redis keep running): start() can follow, e.g. with another binary mode. */
	async stop(): Promise<void> {
		const running = this.running;
		this.running = [];
		this.cookie = undefined;
		// The main first: it takes no more webhooks while the workers finish what they run.
		await running.find((child) => child.role === 'main')?.stop();
		await Promise.all(running.filter((child) => child.role === 'worker').map((child) => child.stop()));
	}

	/** Each worker's pid and peak RSS (VmHWM) so far; after stop(), the peak just before it was stopped. */
	async workerPeaks(): Promise<Array<{ name: string; pid: number; peakRssKb?: number }>> {
		const workers = this.processes.filter((child): child is RunningProcess => child.role === 'worker' && child instanceof RunningProcess);
		return await Promise.all(workers.map(async (worker) => ({ name: worker.name, pid: worker.pid, peakRssKb: await worker.sampleRss() })));
	}

	/** One connection for the harness's lifetime, opened by the first query (concurrent first queries share it). */
	/** The published workflows whose webhooks the main has not registered (no row in webhook_entity). */
	private async unregisteredWebhooks(): Promise<string[]> {
		if (this.published.size === 0) return [];
		const rows = await this.query<{ workflowId: string }>(`SELECT DISTINCT "workflowId" FROM webhook_entity WHERE "workflowId" = ANY($1)`, [[...this.published]]);
		const registered = new Set(rows.map((row) => row.workflowId));
		// A workflow without a Webhook node (a schedule) registers none.
		const hooked = await this.query<{ id: string }>(`SELECT id FROM workflow_entity WHERE id = ANY($1) AND nodes::text LIKE '%"n8n-nodes-base.webhook"%'`, [[...this.published]]);
		return hooked.map((row) => row.id).filter((id) => !registered.has(id));
	}

	private pg(): Promise<PgClient> {
		this.db ??= (async () => {
			const { Client } = this.requireFromN8n('pg') as { Client: new (config: Record<string, unknown>) => PgClient };
			const client = new Client({
				host: this.services.DB_POSTGRESDB_HOST,
				port: Number(this.services.DB_POSTGRESDB_PORT),
				database: this.services.DB_POSTGRESDB_DATABASE,
				user: this.services.DB_POSTGRESDB_USER,
				password: this.services.DB_POSTGRESDB_PASSWORD,
			});
			// Postgres going away (cleanup, a crash) fails the next query; it must not be an unhandled 'error' event.
			client.on('error', () => undefined);
			await client.connect();
			return client;
		})();
		return this.db;
	}

	/** A query on n8n's Postgres database. */
	async query<Row>(text: string, values: unknown[] = []): Promise<Row[]> {
		return (await (await this.pg()).query<Row>(text, values)).rows;
	}

	/** The id of the workflow's newest execution so far (0 if none): executionsAfter() then finds the ones it made. */
	async lastExecutionId(workflowId: string): Promise<number> {
		const [{ last }] = await this.query<{ last: number | null }>(`SELECT max(id)::int AS last FROM execution_entity WHERE "workflowId" = $1`, [workflowId]);
		return last ?? 0;
	}

	/** The ids of the workflow's executions newer than `last`, oldest first. */
	async executionsAfter(workflowId: string, last: number): Promise<string[]> {
		const made = await this.query<{ id: number }>(`SELECT id FROM execution_entity WHERE "workflowId" = $1 AND id > $2 ORDER BY id`, [workflowId, last]);
		return made.map(({ id }) => String(id));
	}

	/**
	 * POSTs `payload` as JSON to the production webhook at `path` and returns n8n's answer and the execution it made.
	 * Calls to one webhook must not overlap (the execution is the newest of its workflow); different webhooks may.
	 */
	async runWebhook(path: string, payload: unknown = {}, timeoutMs = 5 * MINUTE): Promise<WebhookCall> {
		const [hook] = await this.query<{ workflowId: string }>(`SELECT "workflowId" FROM webhook_entity WHERE "webhookPath" = $1 AND method = 'POST'`, [path]);
		if (!hook) throw new Error(`no production webhook POST /webhook/${path}: is its workflow published, and was n8n started after that?`);
		const last = await this.lastExecutionId(hook.workflowId);
		const started = Date.now();
		const response = await fetch(this.webhookUrl(path), {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(payload),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await response.text();
		const durationMs = Date.now() - started;
		let body: unknown = text;
		try {
			body = JSON.parse(text);
		} catch {
			// not JSON: the text as it came
		}
		// With Respond: Immediately, n8n 1.x answers before it creates the execution: wait for it a little.
		let made = await this.executionsAfter(hook.workflowId, last);
		for (const deadline = Date.now() + 30 * SECOND; made.length === 0 && Date.now() < deadline; made = await this.executionsAfter(hook.workflowId, last)) {
			await new Promise((resolveWait) => setTimeout(resolveWait, 200));
		}
		if (made.length !== 1) {
			throw new Error(`POST /webhook/${path} answered ${response.status} (${text.slice(0, 300)}) and made ${made.length} executions of workflow ${hook.workflowId}, not 1`);
		}
		return { status: response.status, body, executionId: made[0], durationMs };
	}

	/**
	 * Runs a workflow as the editor's "Execute workflow" button does (POST /rest/workflows/<id>/run from its Manual
	 * Trigger, signed in as the owner, whom this sets up the first time) and returns the execution id. With
	 * OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS=true (set for every process here), the main queues it for a worker.
	 */
	async runManually(workflowId: string): Promise<string> {
		const cookie = await this.ownerCookie();
		const headers = { 'Content-Type': 'application/json', cookie };
		const got = await fetch(`${this.url}/rest/workflows/${workflowId}`, { headers });
		if (!got.ok) throw new Error(`GET /rest/workflows/${workflowId} answered ${got.status}: ${await got.text()}`);
		const workflowData = ((await got.json()) as { data: { nodes: Array<{ name: string; type: string }> } }).data;
		const trigger = workflowData.nodes.find((node) => node.type === 'n8n-nodes-base.manualTrigger');
		if (!trigger) throw new Error(`workflow ${workflowId} has no Manual Trigger`);
		const run = await fetch(`${this.url}/rest/workflows/${workflowId}/run`, {
			method: 'POST',
			headers: { ...headers, 'push-ref': `queue-harness-${Date.now()}` },
			body: JSON.stringify({ workflowData, triggerToStartFrom: { name: trigger.name } }),
		});
		const answer = (await run.json().catch(() => ({}))) as { data?: { executionId?: string } };
		if (!run.ok || !answer.data?.executionId) throw new Error(`POST /rest/workflows/${workflowId}/run answered ${run.status}: ${JSON.stringify(answer)}`);
		return answer.data.executionId;
	}

	/**
	 * Retries an execution as the Retry button of the executions list does (POST /rest/executions/<id>/retry, with the
	 * workflow as it was saved in the execution) and returns the new execution's id and status as n8n answered them.
	 */
	async retry(executionId: string): Promise<{ executionId: string; status: string }> {
		const answer = await this.rest('POST', `/rest/executions/${executionId}/retry`, { loadWorkflow: false });
		const data = answer as { data?: { id?: string; status?: string } };
		if (!data.data?.id) throw new Error(`POST /rest/executions/${executionId}/retry answered ${JSON.stringify(answer).slice(0, 500)}`);
		return { executionId: String(data.data.id), status: String(data.data.status) };
	}

	/** Stops a running execution as the executions list's Stop button does (POST /rest/executions/<id>/stop). */
	async stopExecution(executionId: string): Promise<unknown> {
		return await this.rest('POST', `/rest/executions/${executionId}/stop`, {});
	}

	/** The owner's personal project, where the Data Tables of the owner's workflows live. */
	async personalProjectId(): Promise<string> {
		const answer = (await this.rest('GET', '/rest/projects/personal')) as { data?: { id?: string } };
		if (!answer.data?.id) throw new Error(`GET /rest/projects/personal answered ${JSON.stringify(answer).slice(0, 300)}`);
		return answer.data.id;
	}

	/** A Data Table of the owner's project made through the editor's REST API (as Overview > Data tables does); its id. */
	async createDataTable(name: string, columns: Array<{ name: string; type: string }>): Promise<string> {
		const project = await this.personalProjectId();
		const answer = (await this.rest('POST', `/rest/projects/${project}/data-tables`, { name, columns })) as { data?: { id?: string } };
		if (!answer.data?.id) throw new Error(`creating Data Table "${name}" answered ${JSON.stringify(answer).slice(0, 300)}`);
		return answer.data.id;
	}

	/** The id of the owner's Data Table called `name`, or undefined. */
	async dataTableId(name: string): Promise<string | undefined> {
		const project = await this.personalProjectId();
		const answer = (await this.rest('GET', `/rest/projects/${project}/data-tables`)) as { data?: { data?: Array<{ id: string; name: string }> } | Array<{ id: string; name: string }> };
		const tables = Array.isArray(answer.data) ? answer.data : (answer.data?.data ?? []);
		return tables.find((table) => table.name === name)?.id;
	}

	/** Adds rows to a Data Table of the owner's project. */
	async insertRows(tableId: string, rows: Array<Record<string, unknown>>): Promise<void> {
		const project = await this.personalProjectId();
		await this.rest('POST', `/rest/projects/${project}/data-tables/${tableId}/insert`, { data: rows, returnType: 'count' });
	}

	/** Every row of a Data Table of the owner's project, oldest first. */
	async dataTableRows(tableId: string): Promise<Array<Record<string, unknown>>> {
		const project = await this.personalProjectId();
		const answer = (await this.rest('GET', `/rest/projects/${project}/data-tables/${tableId}/rows?take=1000&skip=0&sortBy=id:asc`)) as { data?: { data?: Array<Record<string, unknown>> } };
		return answer.data?.data ?? [];
	}

	/** A call of the editor's REST API as the owner; throws with n8n's answer unless it is a 2xx. */
	private async rest(method: string, path: string, body?: unknown): Promise<unknown> {
		const cookie = await this.ownerCookie();
		const response = await fetch(`${this.url}${path}`, {
			method,
			headers: { 'Content-Type': 'application/json', cookie },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
		return JSON.parse(text) as unknown;
	}

	/** A session cookie of the owner account (set up on first use, with a password only this harness knows). */
	private async ownerCookie(): Promise<string> {
		if (this.cookie) return this.cookie;
		const owner = { email: 'owner@example.com', firstName: 'Queue', lastName: 'Harness', password: `Harness-${process.pid}-Pw1` };
		const post = (path: string, body: unknown) =>
			fetch(`${this.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
		const setup = await post('/rest/owner/setup', owner);
		if (!setup.ok && setup.status !== 400) throw new Error(`POST /rest/owner/setup answered ${setup.status}: ${await setup.text()}`);
		const login = await post('/rest/login', { emailOrLdapLoginId: owner.email, password: owner.password });
		const cookie = login.headers.get('set-cookie')?.split(';')[0];
		if (!login.ok || !cookie) throw new Error(`POST /rest/login answered ${login.status}: ${await login.text()}`);
		this.cookie = cookie;
		return cookie;
	}

	/** Waits until the execution has finished (the webhook may answer a moment before n8n saves it), then reads it. */
	async execution(executionId: string, timeoutMs = MINUTE): Promise<QueueExecution> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const [row] = await this.query<{ status: string; mode: string; workflowId: string; stoppedAt: Date | null; data: string | null }>(
				`SELECT e.status, e.mode, e."workflowId", e."stoppedAt", d.data
				 FROM execution_entity e LEFT JOIN execution_data d ON d."executionId" = e.id WHERE e.id = $1`,
				[Number(executionId)],
			);
			if (!row) throw new Error(`no execution ${executionId} in Postgres`);
			const finished = row.stoppedAt !== null && !['new', 'running', 'waiting'].includes(row.status);
			if (finished && row.data) return await this.toExecution(executionId, row as typeof row & { data: string });
			if (Date.now() > deadline) throw new Error(`execution ${executionId} is still "${row.status}" after ${timeoutMs / 1000} s`);
			await new Promise((resolveWait) => setTimeout(resolveWait, 250));
		}
	}

	private async toExecution(executionId: string, row: { status: string; mode: string; workflowId: string; data: string }): Promise<QueueExecution> {
		const { parse } = this.requireFromN8n('flatted') as { parse: (text: string) => RawRun['data'] };
		const run: RawRun = { status: row.status, data: parse(row.data) };
		const { output, nodeErrors, error } = await readRun(run, (binary) => this.readBinary(binary));
		return {
			executionId,
			workflowId: row.workflowId,
			status: row.status,
			mode: row.mode,
			succeeded: row.status === 'success' && !error,
			error,
			output,
			nodeErrors,
			run,
		};
	}

	/** An output binary hashed from where its bytes are: the `binary_data` table, the filesystem store, or the item. */
	async readBinary(binary: RawBinary): Promise<OutputBinary> {
		if (!binary.id?.startsWith('database:')) return await this.base.readBinary(binary);
		const fileId = binary.id.slice('database:'.length);
		const [row] = await this.query<{ sha256: string; size: number }>(
			`SELECT encode(sha256(data), 'hex') AS sha256, length(data) AS size FROM binary_data WHERE "fileId" = $1`,
			[fileId],
		);
		if (!row) throw new Error(`binary ${binary.id} is not in table binary_data`);
		return { ...binary, data: undefined, sha256: row.sha256, size: Number(row.size) } as OutputBinary;
	}

	/**
	 * Which process ran an execution, from the log lines n8n writes at info: the worker that logged
	 * "Worker started execution <id>", or 'main' if none did (the main then ran it itself). Waits up to `timeoutMs`
	 * for the line, since a worker may print it a moment after the execution is saved.
	 */
	async ranOn(executionId: string, timeoutMs = 5 * SECOND): Promise<string> {
		const started = new RegExp(`Worker started execution ${executionId} \\(job `);
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const workers = this.processes.filter((child) => child.role === 'worker' && started.test(child.output()));
			if (workers.length > 1) throw new Error(`execution ${executionId} was started by ${workers.map((worker) => worker.name).join(' and ')}`);
			if (workers.length === 1) return workers[0].name;
			if (Date.now() > deadline) return 'main';
			await new Promise((resolveWait) => setTimeout(resolveWait, 200));
		}
	}

	/** Whether the main logged that it put the execution into the queue ("Enqueued execution <id> (job <job>)"). */
	enqueuedByMain(executionId: string): boolean {
		const enqueued = new RegExp(`Enqueued execution ${executionId} \\(job `);
		return this.processes.some((child) => child.role === 'main' && enqueued.test(child.output()));
	}

	/** Everything every n8n process printed: the CLI calls, the main and the workers of every start(). */
	allOutput(): string {
		return [this.base.allOutput(), ...this.processes.map((child) => child.output())].join('\n');
	}

	/** Stops everything and removes every temp folder (N8nHarness's keep option keeps the user folder). Safe to call twice. */
	async cleanup(): Promise<void> {
		if (this.stopped) return;
		this.stopped = true;
		await this.stop();
		await this.db?.then((client) => client.end()).catch(() => undefined);
		await QueueN8n.stopServices(this.servicesDir);
		await this.base.cleanup();
	}
}
