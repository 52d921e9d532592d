/**
 * The video calendar (examples/calendar-*.json) in a real n8n: its rows in an n8n Data Table, each run lasting
 * seconds. Data Tables load only in a running n8n (`n8n start`, `n8n worker`), so this is a part of serverSuite.ts:
 * one n8n in regular mode in every target, and queue mode (a main and two workers, Redis) where the target has it.
 * Its tests, each on a stand-in, a credential and a table of its own:
 * - The examples as a user runs them: set up (the table and three rows; a second set-up adds none), then the run
 *   workflow from its manual trigger until every row is done: one task per row, never more in flight than the
 *   Settings' tasksAtOnce, every video uploaded once, byte for byte, with what the storage answered in `video`.
 *   n8n 1.x has neither the Data Table node's "create a table" nor tables picked by name: there the table is made
 *   by hand (the editor's REST API, as its Data tables page does) and every Data Table node picks it by its id, as the
 *   set-up note tells 1.x users.
 * - The storage refusing (`storage`): 21 rows, text, photo (imageUrl) and frame (imageUrl and lastFrameUrl) rows
 *   among them, run from the manual trigger. The storage refuses one row's video 3 times and another row's always.
 *   Every other row is `done` from the run of the first refusal, each video uploaded exactly once; the refused row
 *   shows the storage's error and its tries, then ends `done`; the other ends `failed` with its task ID after the
 *   Settings' uploadTries, and that run, only that one, posts one failure report naming it. The photo and frame rows
 *   make Image to Video and First & Last Frame tasks with their URLs.
 * - Killed at the worst moments (`kills`): 20 rows, the run workflow published on a schedule of 5 seconds with
 *   tasksAtOnce at the account's cap; the process running a run is SIGKILLed while the API has made a task and not
 *   yet answered (the row has its request ID, not yet its task ID), and again while a video's upload has arrived and
 *   the row is not yet `done`. In regular mode n8n is then started again; in queue mode a new worker replaces the
 *   killed one while the other goes on. The next runs carry on: 20 tasks (never a second for a row), 20 videos stored
 *   byte for byte, 0 rows lost. The API's two readings of a repeated request ID (the existing task, or 1231 and a
 *   lookup by request ID) are each played by one mode; the strictest reading (1231, no lookup) ends that one row
 *   `failed` with where its charge shows, never a second task (test/integration/requestIdAndBusy.test.ts). Beside it,
 *   the wall time of one execution that waits for all 20.
 */
import { sampleUrl, UPLOADS_PATH } from '../standin/samples';
import { startStandin, type Standin, type StandinOptions } from '../standin/server';
import { calendarColumns, calendarWorkflows, settingOf, TABLE, type CalendarRow } from './calendar';
import { CALENDAR_EXAMPLES, CREDENTIAL_TYPE, credentialIdOf, loadExample, NODE_TYPE, sha256, workflowNode, type Workflow } from './fixtures';
import type { QueueProcess } from './queue';
import type { Server, ServerMode, ServerPart } from './serverSuite';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Which of the heavier tests a target runs beside the examples as a user runs them. */
export interface CalendarTests {
	/** The storage refusing uploads, with photo and frame rows. */
	storage: boolean;
	/** The 20-row kill test on a schedule. */
	kills: boolean;
}

/** The kill test: a schedule of seconds, an account of ACCOUNT_CAP tasks in flight, 3 s a video. */
const KILLS = {
	credential: { id: 'ZhipuAiCalendarKill', name: 'Zhipu AI account (20 rows)' },
	table: 'Video calendar (20 rows)',
	rows: 20,
	tickSeconds: 5,
	accountCap: 5,
	generationMs: 3 * SECOND,
};

/** The storage test: 21 rows at once, two of them refused by the storage. */
const STORAGE = {
	credential: { id: 'ZhipuAiCalendarStore', name: 'Zhipu AI account (storage)' },
	table: 'Video calendar (storage)',
	/** The storage's words, as an object store's XML error carries them. */
	refusal: 'The bucket is full: quota exceeded (stand-in storage)',
	refusedThrice: '(refused three times)',
	neverStored: '(never stored)',
};

const isN8n1 = (server: Server) => server.target.n8nVersion.startsWith('1.');
const byId = (a: CalendarRow, b: CalendarRow) => a.id - b.id;

/** Code → CogVideoX that waits for every video: the one long execution the calendar replaces, for its wall time. */
function waitingBatch(id: string, prompts: string[]): Workflow {
	const credentials = { [CREDENTIAL_TYPE]: KILLS.credential };
	const manual = workflowNode(id, 'When clicking ‘Execute workflow’', 'n8n-nodes-base.manualTrigger', 1, 0, {});
	const code = workflowNode(id, 'Prompts', 'n8n-nodes-base.code', 2, 220, { jsCode: `return ${JSON.stringify(prompts.map((prompt) => ({ json: { prompt } })))};` });
	const video = { ...workflowNode(id, 'Generate Video', NODE_TYPE, 1, 440, { operation: 'textToVideo', model: 'cogvideox-3', prompt: '={{ $json.prompt }}', options: { pollInterval: 1, maxConcurrency: KILLS.accountCap } }), credentials };
	const connect = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });
	return { id, name: 'e2e: one node that waits for every video', nodes: [manual, code, video], connections: { [manual.name]: connect('Prompts'), Prompts: connect('Generate Video') }, settings: {} };
}

/** The 21 rows of the storage test: text rows, two photo rows, two frame rows, and the two rows the storage refuses. */
function storageRows(standin: Standin): Array<Record<string, unknown>> {
	const text = (prompt: string) => ({ prompt, model: 'cogvideox-flash', status: 'to do' });
	const photo = (n: number) => ({ prompt: `Photo row ${n}: the product turns slowly on its stand`, imageUrl: sampleUrl(standin.filesOrigin, 'scene.jpg'), status: 'to do' });
	const frames = (n: number) => ({
		prompt: `Frame row ${n}: the bud opens into a flower`,
		imageUrl: sampleUrl(standin.filesOrigin, 'first-frame.png'),
		lastFrameUrl: sampleUrl(standin.filesOrigin, 'last-frame.png'),
		status: 'to do',
	});
	return [
		...Array.from({ length: 8 }, (_, n) => text(`Text row ${n + 1}: a lighthouse at dusk, take ${n + 1}`)),
		text(`A lighthouse at dawn ${STORAGE.refusedThrice}`),
		photo(1),
		photo(2),
		frames(1),
		frames(2),
		...Array.from({ length: 7 }, (_, n) => text(`Text row ${n + 9}: waves on a beach, take ${n + 9}`)),
		text(`A harbour at night ${STORAGE.neverStored}`),
	];
}

/** The part of serverSuite.ts that runs the video calendar, with the heavier tests `tests` asks for. */
export function calendarPart(mode: ServerMode, tests: CalendarTests): ServerPart {
	let server: Server;
	const log = (line: string) => server.log(line);
	/** Each test's own stand-in, workflows and table. */
	let standin: Standin;
	let storageStandin: Standin | undefined;
	let killsStandin: Standin | undefined;
	let examples: Workflow[];
	let storage: Workflow[] = [];
	let kills: Workflow[] = [];
	let tableId: string | undefined;
	let storageTableId = '';
	let killsTableId = '';
	const prefix = mode === 'queue' ? 'e2eQ' : 'e2eR';

	const rowsOf = async (id: string) => ((await server.n8n.dataTableRows(id)) as CalendarRow[]).sort(byId);

	/** Runs a workflow from its manual trigger (as Execute workflow does) and waits until the run has ended well. */
	async function runOnce(workflow: Workflow): Promise<void> {
		const run = await server.n8n.execution(await server.n8n.runManually(workflow.id!), 2 * MINUTE);
		expect([run.status, run.error?.message]).toEqual(['success', undefined]);
	}

	/** Each done row's video was uploaded once, byte for byte, and `video` holds the URL the storage answered. */
	function expectStored(api: Standin, rows: CalendarRow[]): void {
		for (const row of rows) {
			const task = api.tasks.get(String(row.taskId));
			if (!task) throw new Error(`row ${row.id} names task ${String(row.taskId)}, which the API never made`);
			const upload = api.uploads.get(`${task.id}.mp4`);
			if (!upload) throw new Error(`row ${row.id} is ${row.status}, but no video of task ${task.id} was stored`);
			expect({ sha256: sha256(upload.bytes), size: upload.bytes.length }).toEqual({ sha256: task.videoSha256, size: task.videoSize });
			expect(row.video).toBe(`${api.filesOrigin}${UPLOADS_PATH}${task.id}.mp4`);
		}
	}

	/** How many times each video was stored (uploads the storage kept), by file name. */
	function keptUploads(api: Standin): Map<string, number> {
		const kept = new Map<string, number>();
		for (const attempt of api.uploadAttempts.filter((candidate) => candidate.status === 201)) kept.set(attempt.name, (kept.get(attempt.name) ?? 0) + 1);
		return kept;
	}

	async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 3 * MINUTE): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!(await condition())) {
			if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}

	const untilTasksDone = (api: Standin) => until('the stand-in finishes its tasks', () => [...api.tasks.values()].every((task) => task.status !== 'PROCESSING'), MINUTE);

	async function prepare(given: Server): Promise<void> {
		server = given;
		const { n8n, apiKey } = server;
		standin = await startStandin({ apiKey, generationMs: 500 });
		if (tests.storage) storageStandin = await startStandin({ apiKey, generationMs: 500 });
		// The kill test plays one reading of a repeated request ID per mode: the API's existing task, or 1231 and a lookup.
		const reading: StandinOptions = mode === 'regular' ? { duplicateRequest: 'existingTask' } : { findByRequestId: true };
		if (tests.kills) killsStandin = await startStandin({ apiKey, generationMs: KILLS.generationMs, concurrencyLimit: KILLS.accountCap, ...reading });
		const credential = (to: Standin, { id, name }: { id: string; name: string }) => ({ id, name, type: CREDENTIAL_TYPE, data: { apiKey: to.apiKey, region: 'custom', baseUrl: to.apiUrl } });
		await n8n.importCredentials([
			credential(standin, { id: credentialIdOf(loadExample(CALENDAR_EXAMPLES[1])), name: 'Zhipu AI account' }),
			...(storageStandin ? [credential(storageStandin, STORAGE.credential)] : []),
			...(killsStandin ? [credential(killsStandin, KILLS.credential)] : []),
		]);
		// Tables made through the editor's REST API: 1.x's (it cannot make one), and those of the storage and kill tests.
		if (isN8n1(server) || storageStandin || killsStandin) {
			await n8n.start();
			if (isN8n1(server)) tableId = await n8n.createDataTable(TABLE, calendarColumns());
			if (storageStandin) {
				storageTableId = await n8n.createDataTable(STORAGE.table, calendarColumns());
				await n8n.insertRows(storageTableId, storageRows(storageStandin));
			}
			if (killsStandin) {
				killsTableId = await n8n.createDataTable(KILLS.table, calendarColumns());
				await n8n.insertRows(killsTableId, Array.from({ length: KILLS.rows }, (_, row) => ({ prompt: `Calendar row ${row + 1}: a lighthouse at dusk, take ${row + 1}`, model: 'cogvideox-3', status: 'to do' })));
			}
			await n8n.stop();
		}
		examples = calendarWorkflows(prefix, standin, { tableId });
		if (storageStandin) storage = calendarWorkflows(`${prefix}S`, storageStandin, { tableId: storageTableId, credential: STORAGE.credential, settings: { tasksAtOnce: 25 } });
		if (killsStandin) kills = calendarWorkflows(`${prefix}K`, killsStandin, { tableId: killsTableId, credential: KILLS.credential, tickSeconds: KILLS.tickSeconds, settings: { tasksAtOnce: KILLS.accountCap } });
		const waiting = killsStandin ? [waitingBatch(`${prefix}Waiting`.padEnd(16, '0'), Array.from({ length: KILLS.rows }, (_, row) => `One long execution, video ${row + 1}`))] : [];
		// The set-up workflows of the storage and kill tests are not needed: their tables are made above.
		await n8n.importWorkflows([...examples, ...storage.slice(1), ...kills.slice(1), ...waiting]);
	}

	function registerTests(): void {
		test('the video calendar as a user runs it: set up twice (three rows, no duplicates), then the run until every row is done: one task per row, never more in flight than tasksAtOnce, every video stored once byte for byte', async () => {
			await server.ensureRunning();
			const [setupWorkflow, run] = examples;
			if (tableId) {
				// 1.x: the rows a user adds by hand, as the set-up note says; its Data Table node cannot make the table.
				await server.n8n.insertRows(tableId, ['A red fox in snow', 'Waves on a beach at dusk', 'A paper boat in the rain'].map((prompt) => ({ prompt, model: 'cogvideox-flash', status: 'to do' })));
			} else {
				await runOnce(setupWorkflow);
				await runOnce(setupWorkflow);
				tableId = await server.n8n.dataTableId(TABLE);
			}
			const rows = () => rowsOf(tableId!);
			expect((await rows()).map((row) => [row.status, row.model])).toEqual(Array.from({ length: 3 }, () => ['to do', 'cogvideox-flash']));

			// tasksAtOnce is 1 in the example: each run stores the one finished video, then submits the next row.
			const tasksAtOnce = Number(settingOf(run, 'tasksAtOnce').value);
			let runs = 0;
			while ((await rows()).some((row) => row.status !== 'done') && runs < 10) {
				await runOnce(run);
				runs++;
				const now = await rows();
				expect(now.filter((row) => row.status === 'submitted').length).toBeLessThanOrEqual(tasksAtOnce);
				expect(now.filter((row) => row.status === 'failed').map((row) => [row.id, row.error])).toEqual([]);
				await untilTasksDone(standin);
			}
			const done = await rows();
			expect(done.map((row) => row.status)).toEqual(['done', 'done', 'done']);
			expect(standin.tasks.size).toBe(3);
			expect(new Set(done.map((row) => row.taskId))).toEqual(new Set(standin.tasks.keys()));
			for (const row of done) expect(standin.tasks.get(String(row.taskId))?.requestId).toBe(row.requestId);
			expectStored(standin, done);
			expect([...keptUploads(standin).values()]).toEqual([1, 1, 1]);
			expect([standin.createCalls(), standin.concurrencyRefusals(), standin.reports.length]).toEqual([3, 0, 0]);

			// Nothing left to do: a run more makes nothing and stores nothing.
			await runOnce(run);
			expect([standin.tasks.size, standin.uploadAttempts.length, standin.createCalls()]).toEqual([3, 3, 3]);
			log(`  ${mode}: set up twice, ${runs} runs: 3 rows, 3 tasks, 3 videos stored`);
		}, 5 * MINUTE);

		if (tests.storage) {
			test('the video calendar with the storage refusing: photo and frame rows make their tasks; one video refused 3 times holds no other row back and then is stored; one never stored ends failed with its task ID and one failure report; no upload repeated', async () => {
				await server.ensureRunning();
				const api = storageStandin!;
				const run = storage[1];
				const uploadTries = Number(settingOf(run, 'uploadTries').value);
				for (let refusal = 0; refusal < 3; refusal++) api.injectFault({ on: 'upload', status: 500, message: STORAGE.refusal, prompt: STORAGE.refusedThrice });
				for (let refusal = 0; refusal < uploadTries + 3; refusal++) api.injectFault({ on: 'upload', status: 503, message: STORAGE.refusal, prompt: STORAGE.neverStored });
				const rows = () => rowsOf(storageTableId);
				const [refused, never] = await rows().then((all) => [STORAGE.refusedThrice, STORAGE.neverStored].map((marker) => all.find((row) => row.prompt?.includes(marker))!));
				const others = (all: CalendarRow[]) => all.filter((row) => row.id !== refused.id && row.id !== never.id);

				// Run 1 submits every row: text, photo and frame rows each make their kind of task.
				await runOnce(run);
				const submitted = await rows();
				expect(submitted.map((row) => row.status)).toEqual(submitted.map(() => 'submitted'));
				expect(api.tasks.size).toBe(submitted.length);
				for (const row of submitted) {
					const task = api.tasks.get(String(row.taskId))!;
					expect(task.requestId).toBe(row.requestId);
					const images = row.lastFrameUrl ? [row.imageUrl, row.lastFrameUrl] : row.imageUrl ? row.imageUrl : undefined;
					const model = row.lastFrameUrl ? 'cogvideox-3' : 'cogvideox-flash';
					expect({ row: row.prompt, model: task.body.model, image_url: task.body.image_url }).toEqual({ row: row.prompt, model, image_url: images });
				}
				const kinds = submitted.map((row) => (row.lastFrameUrl ? 'frames' : row.imageUrl ? 'photo' : 'text'));
				expect([kinds.filter((kind) => kind === 'photo').length, kinds.filter((kind) => kind === 'frames').length]).toEqual([2, 2]);
				await untilTasksDone(api);

				// Run 2, the first refusal: every other row is done in the same run; the refused rows show the storage's words.
				await runOnce(run);
				const firstRefusal = await rows();
				expect(others(firstRefusal).map((row) => [row.id, row.status])).toEqual(others(firstRefusal).map((row) => [row.id, 'done']));
				expect(others(firstRefusal)).toHaveLength(19);
				expectStored(api, others(firstRefusal));
				for (const row of [refused, never]) {
					const now = firstRefusal.find((candidate) => candidate.id === row.id)!;
					expect([now.status, now.tries, now.video]).toEqual(['submitted', 1, null]);
					expect(now.error).toContain(STORAGE.refusal);
				}

				// Runs 3 and 4: refused again; run 5 stores it. The never-stored row ends failed after uploadTries.
				for (let runs = 3; runs <= uploadTries + 1; runs++) {
					await runOnce(run);
					const now = await rows();
					const refusedNow = now.find((row) => row.id === refused.id)!;
					if (runs <= 4) expect([refusedNow.status, refusedNow.tries, refusedNow.error?.includes(STORAGE.refusal)]).toEqual(['submitted', runs - 1, true]);
					else expect([refusedNow.status, refusedNow.tries, refusedNow.error]).toEqual(['done', 3, '']);
					const neverNow = now.find((row) => row.id === never.id)!;
					expect([neverNow.status, neverNow.tries]).toEqual([runs - 1 < uploadTries ? 'submitted' : 'failed', runs - 1]);
					expect(api.reports).toHaveLength(runs - 1 < uploadTries ? 0 : 1);
				}
				const end = await rows();
				const neverEnd = end.find((row) => row.id === never.id)!;
				expect(neverEnd.status).toBe('failed');
				expect(neverEnd.taskId).toBe(submitted.find((row) => row.id === never.id)!.taskId);
				expect(neverEnd.error).toContain(STORAGE.refusal);
				expectStored(api, end.filter((row) => row.id !== never.id));

				// One report, for the run the row failed in, naming it and its task; a run more reports nothing.
				const [report] = api.reports;
				expect(report.body).toMatchObject({ subject: expect.stringContaining('1 video') as unknown, text: expect.stringContaining(String(neverEnd.taskId)) as unknown });
				await runOnce(run);
				expect(api.reports).toHaveLength(1);

				// Uploads: each of the 20 stored videos kept once; the refused one after its 3 refusals; the other never.
				const kept = keptUploads(api);
				expect([...kept.values()].filter((count) => count !== 1)).toEqual([]);
				expect(kept.size).toBe(end.length - 1);
				const attemptsOf = (row: CalendarRow) => api.uploadAttempts.filter((attempt) => attempt.name === `${String(row.taskId)}.mp4`).map((attempt) => attempt.status);
				expect(attemptsOf(end.find((row) => row.id === refused.id)!)).toEqual([500, 500, 500, 201]);
				expect(attemptsOf(neverEnd)).toEqual(Array.from({ length: uploadTries }, () => 503));
				expect([api.tasks.size, api.createCalls()]).toEqual([end.length, end.length]);
				log(`  ${mode}: ${end.length} rows (2 photo, 2 frame): 19 done in the run of the first refusal, the refused one done after 3 refusals, one failed after ${uploadTries} tries with one report; ${api.uploadAttempts.length} uploads, 0 repeated`);
			}, 5 * MINUTE);
		}

		if (tests.kills) {
			/** The process running the oldest run of a workflow that started after `after` and is still running, once there is one. */
			async function runnerOf(workflowId: string, after: number): Promise<{ execution: number; runner: QueueProcess }> {
				let row: { id: number } | undefined;
				await until(`a running execution of ${workflowId}`, async () => {
					[row] = await server.n8n.query<{ id: number }>(`SELECT id FROM execution_entity WHERE "workflowId" = $1 AND status = 'running' AND id > $2 ORDER BY id ASC LIMIT 1`, [workflowId, after]);
					return row !== undefined;
				}, 20 * SECOND).catch(async (error: Error) => {
					const seen = await server.n8n.query<{ id: number; status: string }>(`SELECT id, status FROM execution_entity WHERE "workflowId" = $1 ORDER BY id DESC LIMIT 5`, [workflowId]);
					throw new Error(`${error.message}; its newest executions: ${JSON.stringify(seen)}`);
				});
				const ranOn = mode === 'regular' ? 'main' : await server.n8n.ranOn(String(row!.id), 10 * SECOND);
				return { execution: row!.id, runner: ranOn === 'main' ? server.n8n.main! : server.n8n.workers.find((worker) => worker.name === ranOn)! };
			}

			/** SIGKILL, then what a supervisor (Docker, Kubernetes, systemd) does: n8n started again, or a new worker. */
			async function kill(runner: QueueProcess): Promise<void> {
				runner.signal('SIGKILL');
				await runner.exited;
				if (mode === 'queue') return void (await server.n8n.replaceWorker(runner));
				await server.n8n.stop();
				await server.n8n.start();
			}

			test(`the video calendar: ${KILLS.rows} rows on a schedule, a run killed while a create is unanswered and one while an upload is: ${KILLS.rows} tasks, ${KILLS.rows} videos stored byte for byte, 0 rows lost`, async () => {
				const api = killsStandin!;
				const run = kills[1];
				await server.n8n.stop();
				await server.n8n.publish([run.id!]);
				// The first create is made by the API and answered only much later: the row has its request ID, no task ID.
				api.injectFault({ on: 'create', hangMs: 2 * MINUTE });
				const started = Date.now();
				await server.n8n.start();
				await until('the first task', () => api.tasks.size > 0);
				const submitting = await runnerOf(run.id!, 0);
				log(`  ${mode}: SIGKILL ${submitting.runner.name} (pid ${submitting.runner.pid}, execution ${submitting.execution}) while the API made task ${[...api.tasks.keys()][0]} and has not answered`);
				api.injectFault({ on: 'upload', hangMs: 2 * MINUTE });
				await kill(submitting.runner);

				// A video is being stored and its row is not yet done.
				await until('the first upload', () => api.uploads.size > 0);
				const storing = await runnerOf(run.id!, submitting.execution);
				log(`  ${mode}: SIGKILL ${storing.runner.name} (pid ${storing.runner.pid}, execution ${storing.execution}) while video ${[...api.uploads.keys()][0]} was stored and its row not yet done`);
				await kill(storing.runner);

				let rows: CalendarRow[] = [];
				await until(`all ${KILLS.rows} rows done`, async () => {
					rows = await rowsOf(killsTableId);
					return rows.filter((row) => row.status === 'done').length === KILLS.rows || rows.some((row) => row.status === 'failed');
				}, 6 * MINUTE);
				const calendarSeconds = (Date.now() - started) / 1000;
				expect(rows.filter((row) => row.status !== 'done').map((row) => [row.id, row.status, row.error])).toEqual([]);
				expect(rows).toHaveLength(KILLS.rows);
				expect(api.tasks.size).toBe(KILLS.rows);
				expect(new Set(rows.map((row) => row.taskId)).size).toBe(KILLS.rows);
				expect(new Set([...api.tasks.values()].map((task) => task.requestId))).toEqual(new Set(rows.map((row) => row.requestId)));
				expectStored(api, rows);
				expect(api.uploads.size).toBe(KILLS.rows);

				// The same 20 videos as one execution that waits for all of them, on the same account (cap and video time).
				const waitStarted = Date.now();
				const waited = await server.n8n.execution(await server.n8n.runManually(`${prefix}Waiting`.padEnd(16, '0')), 5 * MINUTE);
				const waitingSeconds = (Date.now() - waitStarted) / 1000;
				expect([waited.status, waited.error?.message]).toEqual(['success', undefined]);
				log(
					`  ${mode}: ${KILLS.rows} rows done in ${calendarSeconds.toFixed(1)} s with two kills${mode === 'regular' ? ' and two restarts' : ''} (runs every ${KILLS.tickSeconds} s, ` +
						`account cap ${KILLS.accountCap}, ${KILLS.generationMs / 1000} s a video; ${api.uploadAttempts.length} uploads, ${api.concurrencyRefusals()} creates refused); one waiting node: ${waitingSeconds.toFixed(1)} s for ${KILLS.rows}`,
				);
			}, 12 * MINUTE);
		}
	}

	return { prepare, tests: registerTests, close: async () => void (await Promise.all([standin?.close(), storageStandin?.close(), killsStandin?.close()])) };
}
