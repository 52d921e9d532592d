/**
 * The video calendar (examples/calendar-*.json) in a real n8n: its rows in an n8n Data Table, its runs lasting
 * seconds. Data Tables load only in a running n8n (`n8n start`, `n8n worker`), so this suite runs n8n as a server
 * on Postgres (test/e2e/queue.ts): one n8n in regular mode in every target, and queue mode (a main and two workers,
 * Redis) where the target has it. Its test files are <target>.calendar.e2e.test.ts.
 *
 * - The examples as a user runs them: set up (the table and three rows), submit, collect: three tasks, three
 *   uploads of the bytes the API served, every row `done`. n8n 1.x has neither the Data Table node's "create a
 *   table" nor tables picked by name: there the table is made by hand (the editor's REST API, as its Data tables
 *   page does) and every Data Table node picks it by its id, as the setup note tells 1.x users.
 * - Killed at the worst moments (`withKills`): 20 rows, both workflows published on a schedule of their own; the
 *   process running a submit run is SIGKILLed while the API has made a task and not yet answered (the row has its
 *   request ID, not yet its task ID), and the process running a collect run while a video's upload has arrived and
 *   the row is not yet `done`. In regular mode n8n is then started again; in queue mode the other worker goes on.
 *   The next runs carry on: 20 tasks (never a second for a row), 20 videos stored byte for byte, 0 rows lost. The
 *   API's two readings of a repeated request ID (the existing task, or 1231 and a lookup by request ID) are each
 *   played by one mode; the strictest reading (1231, no lookup) ends that one row `failed` with where its charge
 *   shows, never a second task (test/integration/requestIdAndBusy.test.ts).
 *
 *   npm run test:e2e -- calendar.e2e           every target's
 */
import { randomBytes } from 'node:crypto';

import { startStandin, type Standin, type StandinOptions } from '../standin/server';
import { withSandboxPlaceholders } from '../standin/samples';
import { CALENDAR_EXAMPLES, CREDENTIAL_TYPE, credentialIdOf, keyIn, loadExample, NODE_TYPE, sha256, withId, workflowNode, type Workflow } from './fixtures';
import { QueueN8n, type QueueProcess } from './queue';
import type { E2eTarget } from './targets';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const TABLE = 'Video calendar';
const COLUMNS = [
	{ name: 'prompt', type: 'string' },
	{ name: 'model', type: 'string' },
	{ name: 'status', type: 'string' },
	{ name: 'requestId', type: 'string' },
	{ name: 'taskId', type: 'string' },
	{ name: 'video', type: 'string' },
	{ name: 'error', type: 'string' },
	{ name: 'submittedAt', type: 'date' },
	{ name: 'doneAt', type: 'date' },
];
/** How often the published submit and collect runs fire in the kill tests (the examples say every 5 minutes). */
const TICK_SECONDS = 8;
const ROWS = 20;
/** The account's tasks in flight, as the stand-in plays it, and how long a video takes. */
const ACCOUNT_CAP = 5;
const GENERATION_MS = 3 * SECOND;

type Mode = 'regular' | 'queue';
type Row = Record<string, unknown> & { id: number; status?: string; taskId?: string | null; requestId?: string | null; video?: string | null };

const isN8n1 = (target: E2eTarget) => target.n8nVersion.startsWith('1.');

/** The three examples as the suite imports them: test ids, uploads to the stand-in, and on 1.x the table by id. */
function calendarWorkflows(prefix: string, standin: Standin, tableId?: string, tickSeconds?: number): Workflow[] {
	return CALENDAR_EXAMPLES.map((file, index) => {
		const workflow = withSandboxPlaceholders(withId(loadExample(file), `${prefix}Calendar${index}`.padEnd(16, '0').slice(0, 20)), standin.filesOrigin);
		for (const node of workflow.nodes) {
			if (node.type === 'n8n-nodes-base.dataTable' && tableId && node.parameters.dataTableId) node.parameters.dataTableId = { __rl: true, mode: 'id', value: tableId };
			if (node.type === 'n8n-nodes-base.scheduleTrigger' && tickSeconds) {
				node.parameters.rule = { interval: [{ field: 'seconds', secondsInterval: tickSeconds }] };
			}
		}
		return workflow;
	});
}

/** Code → CogVideoX that waits for every video: the one long execution the calendar replaces, for its wall time. */
function waitingBatch(id: string, prompts: string[]): Workflow {
	const credentials = { [CREDENTIAL_TYPE]: { id: 'ZhipuAiExample01', name: 'Zhipu AI account' } };
	const manual = workflowNode(id, 'When clicking ‘Execute workflow’', 'n8n-nodes-base.manualTrigger', 1, 0, {});
	const code = workflowNode(id, 'Prompts', 'n8n-nodes-base.code', 2, 220, { jsCode: `return ${JSON.stringify(prompts.map((prompt) => ({ json: { prompt } })))};` });
	const video = { ...workflowNode(id, 'Generate Video', NODE_TYPE, 1, 440, { operation: 'textToVideo', model: 'cogvideox-3', prompt: '={{ $json.prompt }}', options: { pollInterval: 1, maxConcurrency: ACCOUNT_CAP } }), credentials };
	const connect = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });
	return { id, name: 'e2e: one node that waits for every video', nodes: [manual, code, video], connections: { [manual.name]: connect('Prompts'), Prompts: connect('Generate Video') }, settings: {} };
}

export function describeCalendarIn(target: E2eTarget, modes: Mode[], withKills: boolean): void {
	const where = `n8n ${target.n8nVersion} on Node ${target.nodeVersion ?? process.versions.node}`;
	const progress: string[] = [];
	const log = (line: string) => progress.push(`${new Date().toISOString().slice(11, 19)} ${line}`);
	const apiKey = `e2e${randomBytes(6).toString('hex')}.${randomBytes(12).toString('hex')}`;

	async function setUp(mode: Mode, standinOptions: StandinOptions, env: Record<string, string> = {}): Promise<{ n8n: QueueN8n; standin: Standin }> {
		const standin = await startStandin({ apiKey, ...standinOptions });
		const n8n = await QueueN8n.setup({ version: target.n8nVersion, nodeVersion: target.nodeVersion, regular: mode === 'regular', workers: 2, concurrency: 5, log, env });
		const credentialId = credentialIdOf(loadExample(CALENDAR_EXAMPLES[1]));
		await n8n.importCredentials([{ id: credentialId, name: 'Zhipu AI account', type: CREDENTIAL_TYPE, data: { apiKey: standin.apiKey, region: 'custom', baseUrl: standin.apiUrl } }]);
		return { n8n, standin };
	}

	async function finish({ n8n, standin }: { n8n?: QueueN8n; standin?: Standin }): Promise<void> {
		if (n8n) expect(keyIn(n8n.allOutput(), apiKey)).toBe(false);
		await n8n?.cleanup();
		await standin?.close();
	}

	/** Each upload is the mp4 of the row's task, byte for byte; returns how many rows are done that way. */
	function expectStored(standin: Standin, rows: Row[]): void {
		for (const row of rows) {
			const task = standin.tasks.get(String(row.taskId));
			if (!task) throw new Error(`row ${row.id} names task ${String(row.taskId)}, which the API never made`);
			const upload = standin.uploads.get(`${task.id}.mp4`);
			if (!upload) throw new Error(`row ${row.id} is ${row.status}, but no video of task ${task.id} was stored`);
			expect({ sha256: sha256(upload.bytes), size: upload.bytes.length }).toEqual({ sha256: task.videoSha256, size: task.videoSize });
			expect(row.video).toBe(`${standin.filesOrigin}/uploads/${task.id}.mp4`);
		}
	}

	describe(`CogVideoX's video calendar (a Data Table), ${where}`, () => {
		afterAll(() => console.log(`calendar e2e (${where}):\n${progress.join('\n')}`));

		describe.each(modes)('%s mode: the examples as a user runs them', (mode) => {
			let setup: { n8n: QueueN8n; standin: Standin };
			let workflows: Workflow[];
			let tableId: string | undefined;
			beforeAll(async () => {
				setup = await setUp(mode, { generationMs: 500 });
				const { n8n, standin } = setup;
				if (isN8n1(target)) {
					// 1.x: the table is made by hand and picked by id; the setup workflow's sample rows are added as a user would.
					await n8n.start();
					tableId = await n8n.createDataTable(TABLE, COLUMNS);
					await n8n.stop();
				}
				workflows = calendarWorkflows(mode === 'queue' ? 'e2eQ' : 'e2eR', standin, tableId);
				await n8n.importWorkflows(workflows);
				await n8n.start();
			}, 15 * MINUTE);
			afterAll(async () => finish(setup), 2 * MINUTE);

			test('set up, submit, collect: one task per row, every video stored byte for byte, every row done', async () => {
				const { n8n, standin } = setup;
				const [setupWorkflow, submit, collect] = workflows;
				if (tableId) {
					await n8n.insertRows(tableId, ['A red fox in snow', 'Waves on a beach at dusk', 'A paper boat in the rain'].map((prompt) => ({ prompt, model: 'cogvideox-3', status: 'to do' })));
				} else {
					const ran = await n8n.execution(await n8n.runManually(setupWorkflow.id!));
					expect(ran.status).toBe('success');
					tableId = await n8n.dataTableId(TABLE);
				}
				const rows = () => n8n.dataTableRows(tableId!) as Promise<Row[]>;
				expect((await rows()).map((row) => row.status)).toEqual(['to do', 'to do', 'to do']);

				const submitted = await n8n.execution(await n8n.runManually(submit.id!));
				expect(submitted.status).toBe('success');
				expect(standin.tasks.size).toBe(3);
				const afterSubmit = await rows();
				expect(afterSubmit.map((row) => row.status)).toEqual(['submitted', 'submitted', 'submitted']);
				expect(new Set(afterSubmit.map((row) => row.taskId))).toEqual(new Set(standin.tasks.keys()));
				for (const row of afterSubmit) expect(standin.tasks.get(String(row.taskId))?.requestId).toBe(row.requestId);

				await new Promise((resolve) => setTimeout(resolve, 1500)); // the stand-in's videos take half a second
				const collected = await n8n.execution(await n8n.runManually(collect.id!));
				expect(collected.status).toBe('success');
				const done = await rows();
				expect(done.map((row) => row.status)).toEqual(['done', 'done', 'done']);
				expectStored(standin, done);
				expect(standin.uploads.size).toBe(3);

				// Nothing left to do: a run more makes nothing and stores nothing.
				expect((await n8n.execution(await n8n.runManually(submit.id!))).status).toBe('success');
				expect((await n8n.execution(await n8n.runManually(collect.id!))).status).toBe('success');
				expect([standin.tasks.size, standin.uploads.size, standin.createCalls()]).toEqual([3, 3, 3]);
				log(`  ${mode}: set up, submit, collect: 3 rows, 3 tasks, 3 videos stored`);
			}, 5 * MINUTE);
		});

		if (!withKills) return;

		describe.each(modes)('%s mode: 20 rows on a schedule, n8n killed at the worst moment of each workflow', (mode) => {
			let setup: { n8n: QueueN8n; standin: Standin };
			let workflows: Workflow[];
			let tableId: string;
			beforeAll(async () => {
				// Each mode plays one reading of a repeated request ID: the API's existing task, or 1231 and a lookup.
				const reading: StandinOptions = mode === 'regular' ? { duplicateRequest: 'existingTask' } : { findByRequestId: true };
				setup = await setUp(mode, { generationMs: GENERATION_MS, concurrencyLimit: ACCOUNT_CAP, ...reading }, {
					QUEUE_WORKER_LOCK_DURATION: '6000',
					QUEUE_WORKER_LOCK_RENEW_TIME: '2000',
					QUEUE_WORKER_STALLED_INTERVAL: '3000',
				});
				const { n8n, standin } = setup;
				await n8n.start();
				tableId = await n8n.createDataTable(TABLE, COLUMNS);
				await n8n.insertRows(tableId, Array.from({ length: ROWS }, (_, row) => ({ prompt: `Calendar row ${row + 1}: a lighthouse at dusk, take ${row + 1}`, model: 'cogvideox-3', status: 'to do' })));
				await n8n.stop();
				workflows = calendarWorkflows(mode === 'queue' ? 'e2eKQ' : 'e2eKR', standin, tableId, TICK_SECONDS);
				await n8n.importWorkflows([...workflows, waitingBatch(`e2eWait${mode}`.padEnd(16, '0'), Array.from({ length: ROWS }, (_, row) => `One long execution, video ${row + 1}`))]);
				await n8n.publish([workflows[1].id!, workflows[2].id!]);
			}, 15 * MINUTE);
			afterAll(async () => finish(setup), 2 * MINUTE);

			/** The process running the newest execution of a workflow that is still running, once there is one. */
			async function runnerOf(workflowId: string): Promise<QueueProcess> {
				const { n8n } = setup;
				let row: { id: number } | undefined;
				await until(`a running execution of ${workflowId}`, async () => {
					[row] = await n8n.query<{ id: number }>(`SELECT id FROM execution_entity WHERE "workflowId" = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`, [workflowId]);
					return row !== undefined;
				}, 20 * SECOND).catch(async (error: Error) => {
					const seen = await n8n.query<{ id: number; status: string }>(`SELECT id, status FROM execution_entity WHERE "workflowId" = $1 ORDER BY id DESC LIMIT 5`, [workflowId]);
					throw new Error(`${error.message}; its newest executions: ${JSON.stringify(seen)}`);
				});
				if (!row) throw new Error(`no running execution of ${workflowId}`);
				const ranOn = mode === 'regular' ? 'main' : await n8n.ranOn(String(row.id), 10 * SECOND);
				return ranOn === 'main' ? n8n.main! : n8n.workers.find((worker) => worker.name === ranOn)!;
			}

			async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 3 * MINUTE): Promise<void> {
				const deadline = Date.now() + timeoutMs;
				while (!(await condition())) {
					if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
					await new Promise((resolve) => setTimeout(resolve, 200));
				}
			}

			/** SIGKILL, then what a supervisor (Docker, Kubernetes, systemd) does: n8n started again, or a new worker. */
			async function kill(runner: QueueProcess): Promise<void> {
				runner.signal('SIGKILL');
				await runner.exited;
				if (mode === 'queue') return void (await setup.n8n.replaceWorker(runner));
				await setup.n8n.stop();
				await setup.n8n.start();
			}

			test(`${ROWS} rows: ${ROWS} tasks, ${ROWS} videos stored byte for byte, 0 rows lost, with a submit and a collect run killed midway`, async () => {
				const { n8n, standin } = setup;
				const [, submit, collect] = workflows;
				const started = Date.now();
				// The first create is made by the API and answered only much later: the row has its request ID, no task ID.
				standin.injectFault({ on: 'create', hangMs: 2 * MINUTE });
				await n8n.start();
				await until('the first task', () => standin.tasks.size > 0);
				const submitRunner = await runnerOf(submit.id!);
				log(`  ${mode}: SIGKILL ${submitRunner.name} (pid ${submitRunner.pid}) while the API made task ${[...standin.tasks.keys()][0]} and has not answered`);
				standin.injectFault({ on: 'upload', hangMs: 2 * MINUTE });
				await kill(submitRunner);

				// A video is being stored and its row is not yet done.
				await until('the first upload', () => standin.uploads.size > 0);
				const collectRunner = await runnerOf(collect.id!);
				log(`  ${mode}: SIGKILL ${collectRunner.name} (pid ${collectRunner.pid}) while video ${[...standin.uploads.keys()][0]} was stored and its row not yet done`);
				await kill(collectRunner);

				let rows: Row[] = [];
				await until(`all ${ROWS} rows done`, async () => {
					rows = (await n8n.dataTableRows(tableId)) as Row[];
					return rows.filter((row) => row.status === 'done').length === ROWS || rows.some((row) => row.status === 'failed');
				}, 6 * MINUTE);
				const calendarSeconds = (Date.now() - started) / 1000;
				expect(rows.filter((row) => row.status !== 'done').map((row) => [row.id, row.status, row.error])).toEqual([]);
				expect(rows).toHaveLength(ROWS);
				expect(standin.tasks.size).toBe(ROWS);
				expect(new Set(rows.map((row) => row.taskId)).size).toBe(ROWS);
				expect(new Set([...standin.tasks.values()].map((task) => task.requestId))).toEqual(new Set(rows.map((row) => row.requestId)));
				expectStored(standin, rows);
				expect(standin.uploads.size).toBe(ROWS);

				// The same 20 videos as one execution that waits for all of them, on the same account (cap and video time).
				const waitStarted = Date.now();
				const waited = await n8n.execution(await n8n.runManually(`e2eWait${mode}`.padEnd(16, '0')), 5 * MINUTE);
				const waitingSeconds = (Date.now() - waitStarted) / 1000;
				expect(waited.status).toBe('success');
				log(
					`  ${mode}: ${ROWS} rows done in ${calendarSeconds.toFixed(1)} s with two kills${mode === 'regular' ? ' and two restarts' : ''} (runs every ${TICK_SECONDS} s, ` +
						`account cap ${ACCOUNT_CAP}, ${GENERATION_MS / 1000} s a video); one waiting node: ${waitingSeconds.toFixed(1)} s for ${ROWS}`,
				);
			}, 12 * MINUTE);
		});
	});
}
