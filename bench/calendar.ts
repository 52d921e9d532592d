/**
 * The video calendar's batch time and executions at a cadence (docs/scaling.md). Prints a table; asserts nothing.
 *
 *   npx tsx bench/calendar.ts          (also the last part of `npm run bench`)
 *
 * What it runs: the real examples (examples/calendar-2-run.json, each configuration with its own Data Table,
 * credential and stand-in API) in a real n8n 2.8.4 on Postgres, from the workflow's manual trigger, once per tick of
 * the schedule. What it does not run in real time is the clock: each stand-in API keeps the time of its own
 * simulated night, and the benchmark moves it on by one interval between two runs. So a night of 3-minute videos
 * at a cadence of 15 minutes takes seconds here, and each run meets exactly the tasks that would have finished by
 * then, the account's cap (C tasks in flight, 1302 beyond) included.
 *
 * Measured, per configuration (N rows of cogvideox-flash text videos, T a video, C the account's concurrency and the
 * Settings node's tasksAtOnce, I the interval): the simulated time from the first run to the run that marks the last
 * row done (batch time), against the ideal N / C × T; the runs that took (executions for the batch); the refused
 * creates, tasks made and uploads; and the real wall time n8n spent per run (median and max: each run must end well
 * within I). Counted, not measured: executions per night and per month, from the cadence alone (n8n starts a run at
 * every tick, work or not): 24/7, and in a night window of BENCH_CALENDAR_WINDOW_HOURS hours (a cron schedule).
 * Not measured: n8n's scheduler itself (the e2e suite publishes the workflow on a schedule of seconds), the real
 * API's spread of generation times, upload times of real videos.
 *
 * BENCH_CALENDAR_ROWS (50), BENCH_CALENDAR_VIDEO_MINUTES (3), BENCH_CALENDAR_CONCURRENCY (1,5),
 * BENCH_CALENDAR_CADENCES (minutes: 1,5,15), BENCH_CALENDAR_WINDOW_HOURS (8), BENCH_CALENDAR_PARALLEL (2:
 * configurations run at once).
 */
import { calendarColumns, calendarWorkflows, type CalendarRow } from '../test/e2e/calendar';
import { CREDENTIAL_TYPE } from '../test/e2e/fixtures';
import { QueueN8n } from '../test/e2e/queue';
import { startStandin, type Standin } from '../test/standin/server';
import { printTable } from './table';

const MINUTE = 60_000;
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number);
const ROWS = Number(process.env.BENCH_CALENDAR_ROWS ?? 50);
const VIDEO_MINUTES = Number(process.env.BENCH_CALENDAR_VIDEO_MINUTES ?? 3);
const CONCURRENCIES = list('BENCH_CALENDAR_CONCURRENCY', '1,5');
const CADENCES = list('BENCH_CALENDAR_CADENCES', '1,5,15');
const WINDOW_HOURS = Number(process.env.BENCH_CALENDAR_WINDOW_HOURS ?? 8);
const PARALLEL = Number(process.env.BENCH_CALENDAR_PARALLEL ?? 2);
const MONTH_DAYS = 30;

const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const thousands = (value: number) => value.toLocaleString('en-US');
/** Minutes as "2 h 30 min" or "45 min". */
const duration = (minutes: number) => (minutes >= 60 ? `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${Math.round(minutes % 60)} min` : ''}` : `${Math.round(minutes)} min`);

interface Configuration {
	concurrency: number;
	cadenceMinutes: number;
	/** The stand-in's simulated time, in ms since its night began. */
	simulated: { now: number };
	api: Standin;
	tableId: string;
	runWorkflowId: string;
}

interface Figures {
	batchMinutes: number;
	runs: number;
	done: number;
	failed: number;
	refused: number;
	tasks: number;
	uploads: number;
	runSeconds: number[];
}

/** Runs the calendar once per tick of the simulated clock until every row is done (or failed). */
async function playNight(n8n: QueueN8n, config: Configuration): Promise<Figures> {
	const tick = config.cadenceMinutes * MINUTE;
	// Enough ticks for the slowest possible batch, plus a margin: a stuck calendar ends here, not in an endless loop.
	const maxRuns = Math.ceil(ROWS / config.concurrency) * (Math.ceil((VIDEO_MINUTES * MINUTE) / tick) + 1) + 5;
	const runSeconds: number[] = [];
	let rows: CalendarRow[] = [];
	for (let run = 0; run < maxRuns; run++) {
		config.simulated.now = run * tick;
		const executionId = await n8n.runManually(config.runWorkflowId);
		const execution = await n8n.execution(executionId, 2 * MINUTE);
		if (execution.status !== 'success') throw new Error(`run ${run + 1} at C=${config.concurrency}, every ${config.cadenceMinutes} min: ${execution.status} ${execution.error?.message ?? ''}`);
		const [timing] = await n8n.query<{ seconds: number }>(`SELECT EXTRACT(EPOCH FROM ("stoppedAt" - "startedAt")) AS seconds FROM execution_entity WHERE id = $1`, [Number(executionId)]);
		runSeconds.push(Number(timing.seconds));
		rows = (await n8n.dataTableRows(config.tableId)) as CalendarRow[];
		const ended = rows.filter((row) => row.status === 'done' || row.status === 'failed').length;
		if (ended === ROWS) {
			return {
				batchMinutes: (run * tick) / MINUTE,
				runs: run + 1,
				done: rows.filter((row) => row.status === 'done').length,
				failed: rows.filter((row) => row.status === 'failed').length,
				refused: config.api.concurrencyRefusals(),
				tasks: config.api.tasks.size,
				uploads: config.api.uploadAttempts.length,
				runSeconds,
			};
		}
	}
	throw new Error(`C=${config.concurrency}, every ${config.cadenceMinutes} min: ${rows.filter((row) => row.status === 'done').length} of ${ROWS} rows done after ${maxRuns} runs`);
}

/** Runs `work` over `items`, `limit` at a time. */
async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array<R>(items.length);
	let next = 0;
	const lane = async () => {
		for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]);
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
	return results;
}

export async function calendarBench(): Promise<void> {
	const n8n = await QueueN8n.setup({ regular: true, log, cliTimeoutMs: 10 * MINUTE });
	const configs: Configuration[] = [];
	try {
		await n8n.start();
		const started = Date.now();
		for (const concurrency of CONCURRENCIES) {
			for (const cadenceMinutes of CADENCES) {
				const simulated = { now: 0 };
				const api = await startStandin({ generationMs: VIDEO_MINUTES * MINUTE, concurrencyLimit: concurrency, clock: () => started + simulated.now });
				const tableId = await n8n.createDataTable(`Video calendar C${concurrency} every ${cadenceMinutes} min`, calendarColumns());
				await n8n.insertRows(tableId, Array.from({ length: ROWS }, (_, row) => ({ prompt: `Night batch video ${row + 1}: a city skyline at dusk, take ${row + 1}`, model: 'cogvideox-flash', status: 'to do' })));
				configs.push({ concurrency, cadenceMinutes, simulated, api, tableId, runWorkflowId: '' });
			}
		}
		await n8n.stop();
		const credentials = configs.map((config, index) => ({ id: `benchCalendar${String(index).padStart(3, '0')}`, name: `Zhipu AI (C${config.concurrency}, ${config.cadenceMinutes} min)` }));
		await n8n.importCredentials(configs.map((config, index) => ({ ...credentials[index], type: CREDENTIAL_TYPE, data: { apiKey: config.api.apiKey, region: 'custom', baseUrl: config.api.apiUrl } })));
		const runs = configs.map((config, index) => {
			const [, run] = calendarWorkflows(`bench${index}`, config.api, { tableId: config.tableId, credential: credentials[index], settings: { tasksAtOnce: config.concurrency } });
			config.runWorkflowId = run.id!;
			return run;
		});
		await n8n.importWorkflows(runs);
		await n8n.start();

		const figures = await inBatches(configs, PARALLEL, async (config) => {
			const result = await playNight(n8n, config);
			log(`C=${config.concurrency}, every ${config.cadenceMinutes} min: ${result.done} done in ${duration(result.batchMinutes)} (simulated), ${result.runs} runs`);
			return result;
		});

		const header = [
			'C',
			'cadence',
			'batch time',
			'ideal N/C×T',
			'ratio',
			'runs the batch took',
			`executions per night (${WINDOW_HOURS} h window)`,
			'per month, 24/7',
			'per month, nights only',
			'the batch fits the night',
			'rows done / failed',
			'tasks; creates refused; uploads',
			'n8n time a run, median / max',
		];
		const table = configs.map((config, index) => {
			const result = figures[index];
			const ideal = (ROWS / config.concurrency) * VIDEO_MINUTES;
			const perWindow = (WINDOW_HOURS * 60) / config.cadenceMinutes;
			return [
				String(config.concurrency),
				`every ${config.cadenceMinutes} min`,
				duration(result.batchMinutes),
				duration(ideal),
				(result.batchMinutes / ideal).toFixed(2),
				String(result.runs),
				thousands(perWindow),
				thousands(((24 * 60) / config.cadenceMinutes) * MONTH_DAYS),
				thousands(perWindow * MONTH_DAYS),
				result.batchMinutes <= WINDOW_HOURS * 60 ? 'yes' : 'no',
				`${result.done} / ${result.failed}`,
				`${result.tasks}; ${result.refused}; ${result.uploads}`,
				`${median(result.runSeconds).toFixed(1)} s / ${Math.max(...result.runSeconds).toFixed(1)} s`,
			];
		});
		printTable(
			`The video calendar (examples/calendar-2-run.json) in n8n ${n8n.base.n8nDir.split('/').pop()}: ${ROWS} rows, ${VIDEO_MINUTES}-minute videos, one run per tick on a simulated clock (executions counted from the cadence, ${MONTH_DAYS}-day month)`,
			[header, ...table],
		);
	} finally {
		await n8n.cleanup();
		await Promise.all(configs.map((config) => config.api.close()));
	}
}

if (require.main === module) {
	calendarBench().catch((error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	});
}
