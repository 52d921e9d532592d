/**
 * The node in n8n's queue mode (a main, workers, Postgres, Redis, binary data in the database), against the stand-in
 * API. Prints tables of figures beside their ideals and goals; asserts nothing about time.
 *
 *   npm run bench                 after the single-process figures
 *   npx tsx bench/queue.ts        this part alone
 *
 * 1. Many executions, one account: E webhook executions of K text-to-video items, fired at once at the main and run
 *    by W workers (concurrency WC each). The API takes at most C tasks in flight (1302 beyond) and makes a video in T.
 *    Throughput is tasks per second against C/T; busy answers are the 1302s per task.
 *    BENCH_QUEUE_EXECUTIONS (10), BENCH_QUEUE_ITEMS (10), BENCH_QUEUE_CAP (10), BENCH_QUEUE_GENERATION_MS (3000),
 *    BENCH_QUEUE_POLL_INTERVAL (1), BENCH_QUEUE_WORKERS (2), BENCH_QUEUE_WORKER_CONCURRENCY (10).
 *    BENCH_QUEUE_BASELINE=<git ref> also runs the package as of that commit, in a setup of its own.
 * 2. Memory: a worker's peak RSS for one BENCH_QUEUE_BIG_MB (500) video into the database store, against a 1 MB one,
 *    each on a fresh worker; then a BENCH_QUEUE_OVER_MB (600) video, over the store's default limit of 512 MiB: the
 *    item's error, and whether the worker lives on.
 * 3. The soak: BENCH_SOAK_TASKS (1000) tasks, one in ten meeting a fault (overload, a 5xx poll, a reset download,
 *    FAIL, an expired link), Continue On Fail on: every task accounted for, none twice, the key nowhere.
 * BENCH_QUEUE_PARTS picks parts, e.g. `shared,soak` (default: shared,memory,soak).
 */
import { rmSync } from 'node:fs';

import { QueueN8n } from '../test/e2e/queue';
import { failedByCap, prepareLoads, runLoad, soakFault, soakFigures, type LoadShape } from '../test/e2e/queueLoad';
import { checkout } from './baseline';
import { printTable } from './table';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SHARED: LoadShape = {
	executions: env('BENCH_QUEUE_EXECUTIONS', 10),
	items: env('BENCH_QUEUE_ITEMS', 10),
	cap: env('BENCH_QUEUE_CAP', 10),
	generationMs: env('BENCH_QUEUE_GENERATION_MS', 3000),
	pollInterval: env('BENCH_QUEUE_POLL_INTERVAL', 1),
	maxConcurrency: 5,
};
const WORKERS = env('BENCH_QUEUE_WORKERS', 2);
const WORKER_CONCURRENCY = env('BENCH_QUEUE_WORKER_CONCURRENCY', 10);
const BIG_MB = env('BENCH_QUEUE_BIG_MB', 500);
const OVER_MB = env('BENCH_QUEUE_OVER_MB', 600);
const SOAK_TASKS = env('BENCH_SOAK_TASKS', 1000);
const BASELINE = process.env.BENCH_QUEUE_BASELINE;
const PARTS = (process.env.BENCH_QUEUE_PARTS ?? 'shared,memory,soak').split(',');
const MB = 1024 * 1024;

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const mb = (kb?: number) => (kb === undefined ? '?' : `${(kb / 1024).toFixed(0)} MB`);

async function queueN8n(packageDir?: string): Promise<QueueN8n> {
	return await QueueN8n.setup({ packageDir, workers: WORKERS, concurrency: WORKER_CONCURRENCY, log, cliTimeoutMs: 10 * 60_000 });
}

/** Part 1 for one package: the figures of one row. */
async function sharedAccount(label: string, packageDir?: string): Promise<string[]> {
	const n8n = await queueN8n(packageDir);
	try {
		const [load] = await prepareLoads(n8n, [{ name: 'Shared', shape: SHARED }]);
		await n8n.start();
		log(`${label}: ${SHARED.executions} executions × ${SHARED.items} items at once, account cap ${SHARED.cap}, T = ${SHARED.generationMs / 1000} s`);
		const run = await runLoad(n8n, load);
		const tasks = run.standin.tasks.size;
		const ideal = (tasks * SHARED.generationMs) / SHARED.cap;
		const running = new Set(n8n.workers.map((worker) => worker.pid));
		const peaks = (await n8n.workerPeaks()).filter((peak) => running.has(peak.pid));
		await load.standin.close();
		return [
			label,
			`${seconds(run.wallMs)} (${(ideal / run.wallMs).toFixed(2)})`,
			`${seconds(run.apiSpanMs)} (${(ideal / run.apiSpanMs).toFixed(2)})`,
			`${(median(run.slotIdleMs) / 1000).toFixed(2)} s / ${(Math.max(...run.slotIdleMs) / 1000).toFixed(2)} s`,
			run.pollsPerTask.toFixed(1),
			(run.standin.concurrencyRefusals() / tasks).toFixed(2),
			`${failedByCap(run).length} of ${run.items.length}`,
			String(run.duplicates),
			Object.entries(run.ranOn).map(([where, count]) => `${where}: ${count}`).join(', '),
			peaks.map((peak) => mb(peak.peakRssKb)).join(', '),
		];
	} finally {
		await n8n.cleanup();
	}
}

/** Part 2: one video per fresh worker; its peak RSS and the item's outcome. */
async function bigVideos(): Promise<string[][]> {
	const n8n = await QueueN8n.setup({ workers: 1, concurrency: 1, log, cliTimeoutMs: 10 * 60_000 });
	const rows: string[][] = [];
	try {
		const cases = [
			{ name: 'Small', megabytes: 1 },
			{ name: 'Big', megabytes: BIG_MB },
			{ name: 'Over', megabytes: OVER_MB },
		];
		const shape = { executions: 1, items: 1, cap: 1, generationMs: 500, pollInterval: 0.5, maxConcurrency: 1 };
		const loads = await prepareLoads(
			n8n,
			cases.map(({ name, megabytes }) => ({ name, shape, videoBytes: megabytes * MB })),
		);
		for (const [index, load] of loads.entries()) {
			const { megabytes } = cases[index];
			await n8n.start({ workers: 1, concurrency: 1 });
			log(`Memory: one ${megabytes} MB video into the database store, on a fresh worker`);
			const run = await runLoad(n8n, load, 'Memory');
			const worker = n8n.workers[0];
			const peak = (await n8n.workerPeaks()).find((candidate) => candidate.pid === worker.pid)!;
			const item = run.items[0];
			const health = await fetch(`http://127.0.0.1:${worker.port}/healthz`).then((response) => response.status, () => 'no answer');
			const outcome = item?.binary.data
				? `mp4 of ${(item.binary.data.size / MB).toFixed(0)} MB stored${item.binary.data.sha256 === [...load.standin.tasks.values()][0].videoSha256 ? ', bytes equal' : ', BYTES DIFFER'}`
				: `error: ${String(item?.json.error ?? run.failedExecutions.join('; ')).slice(0, 160)}`;
			rows.push([`${megabytes} MB`, mb(peak.peakRssKb), outcome, `worker /healthz: ${health}`]);
			await n8n.stop();
			await load.standin.close();
		}
	} finally {
		await n8n.cleanup();
	}
	return rows;
}

/** Part 3. */
async function soak(): Promise<string[][]> {
	const items = 50;
	const shape: LoadShape = { executions: Math.ceil(SOAK_TASKS / items), items, cap: 20, generationMs: 1000, pollInterval: 0.5, maxConcurrency: 10 };
	const n8n = await queueN8n();
	try {
		const [load] = await prepareLoads(n8n, [{ name: 'Soak', shape, plannedFault: soakFault }]);
		await n8n.start();
		log(`Soak: ${shape.executions} executions × ${items} items, one in ten meeting a fault, account cap ${shape.cap}`);
		const run = await runLoad(n8n, load);
		const figures = soakFigures(run, n8n);
		const peaks = await n8n.workerPeaks();
		if (peaks.length !== n8n.workers.length) throw new Error('a worker of an earlier start is among the peaks');
		await load.standin.close();
		return [
			['tasks the API made', String(figures.tasks), `${shape.executions * items}`],
			['faults met', Object.entries(figures.faults).map(([kind, count]) => `${kind} ${count}`).join(', '), '10 % of the tasks'],
			['items with their mp4 / with an error', `${figures.succeeded} / ${figures.failed}`, 'errors only for FAIL and expired'],
			['task ids in no output item and no error', String(figures.unaccounted.length), '0'],
			['duplicated tasks', String(figures.duplicates), '0'],
			['the key in outputs, errors or logs', figures.keySeen.join(', ') || 'nowhere', 'nowhere'],
			['executions that failed', String(run.failedExecutions.length), '0 (Continue On Fail)'],
			['wall time', seconds(run.wallMs), `${seconds((figures.tasks * shape.generationMs) / shape.cap)} at C/T`],
			['peak RSS per worker', peaks.map((peak) => mb(peak.peakRssKb)).join(', '), ''],
		];
	} finally {
		await n8n.cleanup();
	}
}

export async function queueBench(): Promise<void> {
	if (PARTS.includes('shared')) await sharedAccountTable();
	if (PARTS.includes('memory')) {
		printTable(
			'Queue mode, one video per fresh worker (concurrency 1) into the database store (default limit 512 MiB)',
			[['video', 'peak RSS of the worker', 'the item', 'afterwards'], ...(await bigVideos())],
		);
	}
	if (PARTS.includes('soak')) {
		printTable(`Queue mode soak: ${SOAK_TASKS} tasks, one in ten meeting a fault, Continue On Fail`, [['figure', 'measured', 'goal'], ...(await soak())]);
	}
}

async function sharedAccountTable(): Promise<void> {
	const n8nVersion = '2.8.4';
	const header = ['package', 'wall time (C/T ratio)', 'API busy span (ratio)', 'place empty after a finish, median / max', 'polls per task', '1302s per task', 'items failed by the cap', 'duplicated tasks', 'executions per process', 'peak RSS per worker'];
	const rows = [header, await sharedAccount('this package')];
	if (BASELINE) {
		const dir = checkout(BASELINE);
		try {
			rows.push(await sharedAccount(`as of ${BASELINE}`, dir));
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	}
	printTable(
		`Queue mode, n8n ${n8nVersion} (${WORKERS} workers × concurrency ${WORKER_CONCURRENCY}, Postgres, Redis, binary data in the database): ` +
			`${SHARED.executions} executions × ${SHARED.items} items on one account, C = ${SHARED.cap}, T = ${SHARED.generationMs / 1000} s, ` +
			`ideal ${seconds((SHARED.executions * SHARED.items * SHARED.generationMs) / SHARED.cap)}; goals: ratio ≥ 0.9, ≤ 1 busy answer per task, 0 failed, 0 duplicated`,
		rows,
	);
}

if (require.main === module) {
	queueBench().catch((error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	});
}
