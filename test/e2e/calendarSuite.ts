/**
 * The video calendar (examples/calendar-*.json) in a real n8n: its rows in an n8n Data Table, its runs lasting
 * seconds. Data Tables load only in a running n8n (`n8n start`, `n8n worker`), so this is a part of serverSuite.ts:
 * one n8n in regular mode in every target, and queue mode (a main and two workers, Redis) where the target has it.
 * Its two tests:
 * - Killed at the worst moments (`withKills`): 20 rows in a table of their own, the submit and collect workflows
 *   published on a schedule of 5 seconds; the process running a submit run is SIGKILLed while the API has made a
 *   task and not yet answered (the row has its request ID, not yet its task ID), and the process running a collect
 *   run while a video's upload has arrived and the row is not yet `done`. In regular mode n8n is then started
 *   again; in queue mode a new worker replaces the killed one while the other goes on. The next runs carry on: 20
 *   tasks (never a second for a row), 20 videos stored byte for byte, 0 rows lost. The API's two readings of a
 *   repeated request ID (the existing task, or 1231 and a lookup by request ID) are each played by one mode; the
 *   strictest reading (1231, no lookup) ends that one row `failed` with where its charge shows, never a second task
 *   (test/integration/requestIdAndBusy.test.ts). Beside it, the wall time of one execution that waits for all 20.
 * - The examples as a user runs them: set up (the table and three rows), submit, collect: three tasks, three
 *   uploads of the bytes the API served, every row `done`. n8n 1.x has neither the Data Table node's "create a
 *   table" nor tables picked by name: there the table is made by hand (the editor's REST API, as its Data tables
 *   page does) and every Data Table node picks it by its id, as the set-up note tells 1.x users.
 */
import { startStandin, type Standin, type StandinOptions } from '../standin/server';
import { withSandboxPlaceholders } from '../standin/samples';
import { CALENDAR_EXAMPLES, CREDENTIAL_TYPE, credentialIdOf, loadExample, NODE_TYPE, sha256, withId, workflowNode, type Workflow } from './fixtures';
import type { QueueProcess } from './queue';
import type { Server, ServerMode, ServerPart } from './serverSuite';

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
const TICK_SECONDS = 5;
/** The calendar the kill test works through: its own credential (and stand-in) and its own table. */
const KILLS_CREDENTIAL = { id: 'ZhipuAiCalendarKill', name: 'Zhipu AI account (20 rows)' };
const KILLS_TABLE = 'Video calendar (20 rows)';
const ROWS = 20;
/** The account's tasks in flight, as the stand-in plays it, and how long a video takes. */
const ACCOUNT_CAP = 5;
const GENERATION_MS = 3 * SECOND;

type Row = Record<string, unknown> & { id: number; status?: string; taskId?: string | null; requestId?: string | null; video?: string | null };

const isN8n1 = (server: Server) => server.target.n8nVersion.startsWith('1.');

/**
 * The three examples as the suite imports them: test ids, uploads to the stand-in, on 1.x (or for a table of its
 * own) the table by id, and for the kill test its own credential and a schedule of seconds.
 */
function calendarWorkflows(prefix: string, standin: Standin, tableId?: string, kills?: { tickSeconds: number }): Workflow[] {
	return CALENDAR_EXAMPLES.map((file, index) => {
		const workflow = withSandboxPlaceholders(withId(loadExample(file), `${prefix}Calendar${index}`.padEnd(16, '0').slice(0, 20)), standin.filesOrigin);
		for (const node of workflow.nodes) {
			if (node.type === 'n8n-nodes-base.dataTable' && tableId && node.parameters.dataTableId) node.parameters.dataTableId = { __rl: true, mode: 'id', value: tableId };
			if (!kills) continue;
			if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule = { interval: [{ field: 'seconds', secondsInterval: kills.tickSeconds }] };
			if (node.type === NODE_TYPE) node.credentials = { [CREDENTIAL_TYPE]: KILLS_CREDENTIAL };
		}
		return workflow;
	});
}

/** Code → CogVideoX that waits for every video: the one long execution the calendar replaces, for its wall time. */
function waitingBatch(id: string, prompts: string[]): Workflow {
	const credentials = { [CREDENTIAL_TYPE]: KILLS_CREDENTIAL };
	const manual = workflowNode(id, 'When clicking ‘Execute workflow’', 'n8n-nodes-base.manualTrigger', 1, 0, {});
	const code = workflowNode(id, 'Prompts', 'n8n-nodes-base.code', 2, 220, { jsCode: `return ${JSON.stringify(prompts.map((prompt) => ({ json: { prompt } })))};` });
	const video = { ...workflowNode(id, 'Generate Video', NODE_TYPE, 1, 440, { operation: 'textToVideo', model: 'cogvideox-3', prompt: '={{ $json.prompt }}', options: { pollInterval: 1, maxConcurrency: ACCOUNT_CAP } }), credentials };
	const connect = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });
	return { id, name: 'e2e: one node that waits for every video', nodes: [manual, code, video], connections: { [manual.name]: connect('Prompts'), Prompts: connect('Generate Video') }, settings: {} };
}

/** The part of serverSuite.ts that runs the video calendar; `withKills`: its kill test too. */
export function calendarPart(mode: ServerMode, withKills: boolean): ServerPart {
	let server: Server;
	const log = (line: string) => server.log(line);
	/** The examples' own stand-in (videos in half a second), and the kill test's (an account of ACCOUNT_CAP). */
	let standin: Standin;
	let killsStandin: Standin | undefined;
	let examples: Workflow[];
	let kills: Workflow[] = [];
	let tableId: string | undefined;
	let killsTableId = '';
	const prefix = mode === 'queue' ? 'e2eQ' : 'e2eR';

	/** Each upload is the mp4 of the row's task, byte for byte, and the row says where it went. */
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

	async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 3 * MINUTE): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!(await condition())) {
			if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}

	async function prepare(given: Server): Promise<void> {
		server = given;
		const { n8n, apiKey } = server;
		standin = await startStandin({ apiKey, generationMs: 500 });
		// The kill test plays one reading of a repeated request ID per mode: the API's existing task, or 1231 and a lookup.
		const reading: StandinOptions = mode === 'regular' ? { duplicateRequest: 'existingTask' } : { findByRequestId: true };
		if (withKills) killsStandin = await startStandin({ apiKey, generationMs: GENERATION_MS, concurrencyLimit: ACCOUNT_CAP, ...reading });
		const credential = (to: Standin, { id, name }: { id: string; name: string }) => ({ id, name, type: CREDENTIAL_TYPE, data: { apiKey: to.apiKey, region: 'custom', baseUrl: to.apiUrl } });
		await n8n.importCredentials([
			credential(standin, { id: credentialIdOf(loadExample(CALENDAR_EXAMPLES[1])), name: 'Zhipu AI account' }),
			...(killsStandin ? [credential(killsStandin, KILLS_CREDENTIAL)] : []),
		]);
		// Tables made through the editor's REST API: 1.x's (it cannot make one), and the kill test's 20 rows.
		if (isN8n1(server) || killsStandin) {
			await n8n.start();
			if (isN8n1(server)) tableId = await n8n.createDataTable(TABLE, COLUMNS);
			if (killsStandin) {
				killsTableId = await n8n.createDataTable(KILLS_TABLE, COLUMNS);
				await n8n.insertRows(killsTableId, Array.from({ length: ROWS }, (_, row) => ({ prompt: `Calendar row ${row + 1}: a lighthouse at dusk, take ${row + 1}`, model: 'cogvideox-3', status: 'to do' })));
			}
			await n8n.stop();
		}
		examples = calendarWorkflows(prefix, standin, tableId);
		if (killsStandin) kills = calendarWorkflows(`${prefix}K`, killsStandin, killsTableId, { tickSeconds: TICK_SECONDS });
		const waiting = killsStandin ? [waitingBatch(`${prefix}Waiting`.padEnd(16, '0'), Array.from({ length: ROWS }, (_, row) => `One long execution, video ${row + 1}`))] : [];
		await n8n.importWorkflows([...examples, ...kills, ...waiting]);
	}

	function tests(): void {
		if (withKills) {
			/** The process running the newest execution of a workflow that is still running, once there is one. */
			async function runnerOf(workflowId: string): Promise<QueueProcess> {
				let row: { id: number } | undefined;
				await until(`a running execution of ${workflowId}`, async () => {
					[row] = await server.n8n.query<{ id: number }>(`SELECT id FROM execution_entity WHERE "workflowId" = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`, [workflowId]);
					return row !== undefined;
				}, 20 * SECOND).catch(async (error: Error) => {
					const seen = await server.n8n.query<{ id: number; status: string }>(`SELECT id, status FROM execution_entity WHERE "workflowId" = $1 ORDER BY id DESC LIMIT 5`, [workflowId]);
					throw new Error(`${error.message}; its newest executions: ${JSON.stringify(seen)}`);
				});
				const ranOn = mode === 'regular' ? 'main' : await server.n8n.ranOn(String(row!.id), 10 * SECOND);
				return ranOn === 'main' ? server.n8n.main! : server.n8n.workers.find((worker) => worker.name === ranOn)!;
			}

			/** SIGKILL, then what a supervisor (Docker, Kubernetes, systemd) does: n8n started again, or a new worker. */
			async function kill(runner: QueueProcess): Promise<void> {
				runner.signal('SIGKILL');
				await runner.exited;
				if (mode === 'queue') return void (await server.n8n.replaceWorker(runner));
				await server.n8n.stop();
				await server.n8n.start();
			}

			test(`the video calendar: ${ROWS} rows on a schedule, a submit and a collect run killed at their worst moment: ${ROWS} tasks, ${ROWS} videos stored byte for byte, 0 rows lost`, async () => {
				const api = killsStandin!;
				const [, submit, collect] = kills;
				await server.n8n.stop();
				await server.n8n.publish([submit.id!, collect.id!]);
				// The first create is made by the API and answered only much later: the row has its request ID, no task ID.
				api.injectFault({ on: 'create', hangMs: 2 * MINUTE });
				const started = Date.now();
				await server.n8n.start();
				await until('the first task', () => api.tasks.size > 0);
				const submitRunner = await runnerOf(submit.id!);
				log(`  ${mode}: SIGKILL ${submitRunner.name} (pid ${submitRunner.pid}) while the API made task ${[...api.tasks.keys()][0]} and has not answered`);
				api.injectFault({ on: 'upload', hangMs: 2 * MINUTE });
				await kill(submitRunner);

				// A video is being stored and its row is not yet done.
				await until('the first upload', () => api.uploads.size > 0);
				const collectRunner = await runnerOf(collect.id!);
				log(`  ${mode}: SIGKILL ${collectRunner.name} (pid ${collectRunner.pid}) while video ${[...api.uploads.keys()][0]} was stored and its row not yet done`);
				await kill(collectRunner);

				let rows: Row[] = [];
				await until(`all ${ROWS} rows done`, async () => {
					rows = (await server.n8n.dataTableRows(killsTableId)) as Row[];
					return rows.filter((row) => row.status === 'done').length === ROWS || rows.some((row) => row.status === 'failed');
				}, 6 * MINUTE);
				const calendarSeconds = (Date.now() - started) / 1000;
				expect(rows.filter((row) => row.status !== 'done').map((row) => [row.id, row.status, row.error])).toEqual([]);
				expect(rows).toHaveLength(ROWS);
				expect(api.tasks.size).toBe(ROWS);
				expect(new Set(rows.map((row) => row.taskId)).size).toBe(ROWS);
				expect(new Set([...api.tasks.values()].map((task) => task.requestId))).toEqual(new Set(rows.map((row) => row.requestId)));
				expectStored(api, rows);
				expect(api.uploads.size).toBe(ROWS);

				// The same 20 videos as one execution that waits for all of them, on the same account (cap and video time).
				const waitStarted = Date.now();
				const waited = await server.n8n.execution(await server.n8n.runManually(`${prefix}Waiting`.padEnd(16, '0')), 5 * MINUTE);
				const waitingSeconds = (Date.now() - waitStarted) / 1000;
				expect([waited.status, waited.error?.message]).toEqual(['success', undefined]);
				log(
					`  ${mode}: ${ROWS} rows done in ${calendarSeconds.toFixed(1)} s with two kills${mode === 'regular' ? ' and two restarts' : ''} (runs every ${TICK_SECONDS} s, ` +
						`account cap ${ACCOUNT_CAP}, ${GENERATION_MS / 1000} s a video); one waiting node: ${waitingSeconds.toFixed(1)} s for ${ROWS}`,
				);
			}, 12 * MINUTE);
		}

		test('the video calendar as a user runs it: set up, submit, collect: one task per row, every video stored byte for byte, every row done', async () => {
			await server.ensureRunning();
			const [setupWorkflow, submit, collect] = examples;
			if (tableId) {
				// 1.x: the rows a user adds by hand, as the set-up note says; its Data Table node cannot make the table.
				await server.n8n.insertRows(tableId, ['A red fox in snow', 'Waves on a beach at dusk', 'A paper boat in the rain'].map((prompt) => ({ prompt, model: 'cogvideox-3', status: 'to do' })));
			} else {
				const ran = await server.n8n.execution(await server.n8n.runManually(setupWorkflow.id!));
				expect(ran.status).toBe('success');
				tableId = await server.n8n.dataTableId(TABLE);
			}
			const rows = () => server.n8n.dataTableRows(tableId!) as Promise<Row[]>;
			expect((await rows()).map((row) => row.status)).toEqual(['to do', 'to do', 'to do']);

			const submitted = await server.n8n.execution(await server.n8n.runManually(submit.id!));
			expect(submitted.status).toBe('success');
			expect(standin.tasks.size).toBe(3);
			const afterSubmit = await rows();
			expect(afterSubmit.map((row) => row.status)).toEqual(['submitted', 'submitted', 'submitted']);
			expect(new Set(afterSubmit.map((row) => row.taskId))).toEqual(new Set(standin.tasks.keys()));
			for (const row of afterSubmit) expect(standin.tasks.get(String(row.taskId))?.requestId).toBe(row.requestId);

			await new Promise((resolve) => setTimeout(resolve, 1500)); // the stand-in's videos take half a second
			const collected = await server.n8n.execution(await server.n8n.runManually(collect.id!));
			expect(collected.status).toBe('success');
			const done = await rows();
			expect(done.map((row) => row.status)).toEqual(['done', 'done', 'done']);
			expectStored(standin, done);
			expect(standin.uploads.size).toBe(3);

			// Nothing left to do: a run more makes nothing and stores nothing.
			expect((await server.n8n.execution(await server.n8n.runManually(submit.id!))).status).toBe('success');
			expect((await server.n8n.execution(await server.n8n.runManually(collect.id!))).status).toBe('success');
			expect([standin.tasks.size, standin.uploads.size, standin.createCalls()]).toEqual([3, 3, 3]);
			log(`  ${mode}: set up, submit, collect: 3 rows, 3 tasks, 3 videos stored`);
		}, 5 * MINUTE);
	}

	return { prepare, tests, close: async () => void (await Promise.all([standin?.close(), killsStandin?.close()])) };
}
