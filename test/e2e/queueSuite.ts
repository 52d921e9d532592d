/**
 * The node in n8n's queue mode: one main and two workers on a private Postgres and Redis (test/e2e/queue.ts), in one
 * target of targets.ts (its own test file each: node20.queue.e2e.test.ts, ...). Every workflow in examples/ starts
 * from a Webhook instead of its Manual Trigger, so each call is a production execution that the main puts in the
 * queue and a worker runs; the videos must be the bytes the API stand-in served, read back from where n8n stored
 * them: first the database store (n8n's queue-mode default), then, after a restart, the filesystem store in the
 * shared user folder.
 *
 *   npm run test:e2e -- queue.e2e              every target's
 *   npm run test:e2e -- node24.queue           one
 */
import { randomBytes } from 'node:crypto';

import { startStandin, type Standin } from '../standin/server';
import { FINAL_ANSWER_PREFIX, startScriptedChatModel, type ScriptedChatModel } from './chatModel';
import {
	chatCredentialOf,
	CREDENTIAL_TYPE,
	credentialIdOf,
	expectServedVideo,
	keyIn,
	loadExample,
	makePng,
	NODE_TYPE,
	placeholderDownload,
	RETRY_ON_FAIL,
	serveFile,
	sha256,
	withId,
	withWebhookTrigger,
	type FileServer,
	type Workflow,
} from './fixtures';
import { QueueN8n, type BinaryDataMode, type QueueExecution, type WebhookCall } from './queue';
import { failedByCap, prepareLoads, runLoad, SOAK_FAULTS, soakFault, soakFigures, type PreparedLoad } from './queueLoad';
import type { E2eTarget } from './targets';

const MINUTE = 60_000;
const AGENT_PROMPT = 'A paper boat sails down a rainy street at night, neon reflections, close-up';

/** Each example, its webhook path, and how many tasks one run creates. */
const EXAMPLES = [
	{ file: 'text-to-video.json', path: 'e2e-queue-text', tasks: 2 },
	{ file: 'text-to-video-from-list.json', path: 'e2e-queue-list', tasks: 3 },
	{ file: 'image-to-video-from-http.json', path: 'e2e-queue-image', tasks: 1 },
	{ file: 'first-last-frame-from-urls.json', path: 'e2e-queue-frames', tasks: 1 },
	{ file: 'submit-wait-get-result.json', path: 'e2e-queue-submit', tasks: 1 },
	{ file: 'ai-agent-tool.json', path: 'e2e-queue-agent', tasks: 1 },
] as const;
const RETRY_PATH = 'e2e-queue-retry';
/** The database store's limit in this setup (MiB), and a video over it. */
const STORE_LIMIT_MIB = 8;
const OVERSIZE_BYTES = 12 * 1024 * 1024;
/** The text-to-video example as imported, with its Manual Trigger: run as the editor's Execute button does. */
const MANUAL_ID = 'e2eQueueManualText01';

/** The queue-mode suite, for one n8n release on one Node.js (see targets.ts). */
export function describeQueueIn(target: E2eTarget): void {
	describe(`CogVideoX in n8n ${target.n8nVersion} on Node ${target.nodeVersion ?? process.versions.node}, queue mode (a main and two workers, Postgres, Redis)`, () => {
		let n8n: QueueN8n;
		let standin: Standin;
		let pngServer: FileServer;
		let chat: ScriptedChatModel;
		const png = makePng();
		const apiKey = `e2e${randomBytes(6).toString('hex')}.${randomBytes(12).toString('hex')}`;
		const progress: string[] = [];
		const log = (line: string) => progress.push(`${new Date().toISOString().slice(11, 19)} ${line}`);
		const workflows = new Map<string, Workflow>();
		/** Many executions on one account: a small version of bench/queue.ts's shared account, soak and oversize video. */
		let shared: PreparedLoad;
		let soak: PreparedLoad;
		let oversize: PreparedLoad;

		beforeAll(async () => {
			const started = Date.now();
			standin = await startStandin({ generationMs: 1000, apiKey });
			pngServer = await serveFile('scene.png', png, 'image/png');
			chat = await startScriptedChatModel({ prompt: AGENT_PROMPT });
			n8n = await QueueN8n.setup({
				version: target.n8nVersion,
				nodeVersion: target.nodeVersion,
				workers: 2,
				concurrency: 10,
				log,
				env: { N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE: String(STORE_LIMIT_MIB) },
			});

			const credentialId = credentialIdOf(loadExample('text-to-video.json'));
			const agent = loadExample('ai-agent-tool.json');
			await n8n.importCredentials([
				{ id: credentialId, name: 'Zhipu AI account', type: CREDENTIAL_TYPE, data: { apiKey: standin.apiKey, region: 'custom', baseUrl: standin.apiUrl } },
				{ ...chatCredentialOf(agent), type: 'openAiApi', data: { apiKey: 'sk-scripted-chat-model', url: chat.baseUrl } },
			]);
			for (const [index, { file, path }] of EXAMPLES.entries()) {
				const example = loadExample(file);
				expect(credentialIdOf(example)).toBe(credentialId);
				const workflow = withWebhookTrigger(withId(example, `e2eQueueExample${index}0000`.slice(0, 20)), path);
				if (file === 'image-to-video-from-http.json') placeholderDownload(workflow).parameters.url = pngServer.url;
				workflows.set(path, workflow);
			}
			workflows.set(RETRY_PATH, withWebhookTrigger(RETRY_ON_FAIL.workflow('e2eQueueRetryOnFail1', credentialId), RETRY_PATH));
			await n8n.importWorkflows([...workflows.values(), withId(loadExample('text-to-video.json'), MANUAL_ID)]);
			await n8n.publish([...workflows.values()].map((workflow) => workflow.id!));
			[shared, soak, oversize] = await prepareLoads(n8n, [
				{ name: 'Shared', shape: { executions: 4, items: 10, cap: 10, generationMs: 1000, pollInterval: 1, maxConcurrency: 5 } },
				{ name: 'Soak', shape: { executions: 4, items: 25, cap: 10, generationMs: 500, pollInterval: 0.5, maxConcurrency: 10 }, plannedFault: soakFault },
				{ name: 'Oversize', shape: { executions: 1, items: 1, cap: 1, generationMs: 200, pollInterval: 0.5, maxConcurrency: 1 }, videoBytes: OVERSIZE_BYTES },
			]);
			log(`beforeAll (setup, import, publish): ${((Date.now() - started) / 1000).toFixed(1)} s`);
		}, 25 * MINUTE);

		afterAll(async () => {
			const peaks = n8n ? await n8n.workerPeaks() : [];
			await Promise.all([standin?.close(), pngServer?.close(), chat?.close(), ...[shared, soak, oversize].map((load) => load?.standin.close())]);
			await n8n?.cleanup();
			log(`worker peak RSS: ${peaks.map(({ name, pid, peakRssKb }) => `${name} (pid ${pid}) ${Math.round((peakRssKb ?? 0) / 1024)} MB`).join(', ')}`);
			console.log(`n8n queue-mode e2e (${n8n?.base.n8nDir ?? 'no n8n'}):\n${progress.join('\n')}`);
		}, 2 * MINUTE);

		/** Runs an example by its webhook and reads its execution back; the run must have been queued by the main and run by a worker. */
		async function runOnWorker(path: string): Promise<{ call: WebhookCall; run: QueueExecution; worker: string }> {
			const call = await n8n.runWebhook(path, {});
			const run = await n8n.execution(call.executionId);
			const worker = await n8n.ranOn(call.executionId);
			log(`  ${path}: HTTP ${call.status} in ${(call.durationMs / 1000).toFixed(1)} s, execution ${call.executionId} ${run.status} on ${worker}${run.error ? `: ${run.error.message}` : ''}`);
			return { call, run, worker };
		}

		function expectSucceeded(path: string, { call, run }: { call: WebhookCall; run: QueueExecution }): void {
			if (!run.succeeded || Object.keys(run.nodeErrors).length) {
				throw new Error(`${path}: execution ${run.executionId} is ${run.status}: ${run.error?.message ?? JSON.stringify(run.nodeErrors)}`);
			}
			expect(call.status).toBe(200);
			expect(run.mode).toBe('webhook');
		}

		function expectNoKeyIn(text: string): void {
			expect(keyIn(text, apiKey)).toBe(false);
		}

		const describeStore = (mode: BinaryDataMode, storedAs: RegExp) => describe(`binary data in the ${mode} store`, () => {
			beforeAll(async () => {
				await n8n.stop();
				// The database store is n8n's own queue-mode default: it is left unset for it, so the test checks that default.
				await n8n.start(mode === 'database' ? { binaryDataMode: undefined } : { binaryDataMode: mode });
			}, 5 * MINUTE);

			test('every example, started by its webhook, runs on a worker; every node succeeds and each video is the bytes the API served', async () => {
				const createsBefore = standin.createCalls();
				const chatBefore = chat.requests.length;
				const runs = await Promise.all(EXAMPLES.map(async (example) => ({ ...example, ...(await runOnWorker(example.path)) })));

				for (const { path, call, run, worker, file } of runs) {
					expectSucceeded(path, { call, run });
					expect(worker).toMatch(/^worker-[12]$/);
					expect(n8n.enqueuedByMain(run.executionId)).toBe(true);

					const workflow = workflows.get(path)!;
					const videoNodes = workflow.nodes.filter((node) => node.type === NODE_TYPE).map((node) => node.name);
					const videos = videoNodes.flatMap((name) => run.output[name] ?? []).filter((item) => item.binary.data);
					if (file === 'ai-agent-tool.json') {
						// The agent gets the tool's URL, no download; the webhook answers with the agent's reply.
						const answer = String((call.body as { output?: unknown }).output ?? '');
						expect(answer.startsWith(FINAL_ANSWER_PREFIX)).toBe(true);
						const task = [...standin.tasks.values()].filter((candidate) => candidate.body.prompt === AGENT_PROMPT).pop();
						expect(answer).toContain(task!.id);
						continue;
					}
					expect(videos.length).toBeGreaterThan(0);
					for (const item of videos) {
						expectServedVideo(standin, item);
						expect(item.binary.data.id).toMatch(storedAs);
					}
					// What the caller gets (Respond: When Last Node Finishes): the JSON of the last node's first item, a video's.
					const last = run.run.data?.resultData?.lastNodeExecuted ?? '';
					expect(videoNodes).toContain(last);
					expect(call.body).toEqual(run.output[last][0].json);
					if (file === 'image-to-video-from-http.json') {
						expect(run.output['Download Image'][0].binary.data).toMatchObject({ sha256: sha256(png), size: png.length });
						expect(run.output['Download Image'][0].binary.data.id).toMatch(storedAs);
					}
				}
				// Every run was a task the node created once, through the queue: no duplicates from a job run twice.
				expect(standin.createCalls() - createsBefore).toBe(EXAMPLES.reduce((sum, example) => sum + example.tasks, 0));
				expect(chat.requests.length - chatBefore).toBe(2);
				log(`  ${mode}: runs per worker: ${['worker-1', 'worker-2'].map((name) => `${name} ${runs.filter((run) => run.worker === name).length}`).join(', ')}`);
			}, 5 * MINUTE);

			test('Retry On Fail on a worker: the third task FAILs once, the second try reuses the first two: 4 tasks, three videos', async () => {
				const tasksBefore = new Set(standin.tasks.keys());
				standin.injectFault(RETRY_ON_FAIL.fault);
				const result = await runOnWorker(RETRY_PATH);
				expectSucceeded(RETRY_PATH, result);
				expect(result.worker).toMatch(/^worker-[12]$/);

				const created = [...standin.tasks.values()].filter((task) => !tasksBefore.has(task.id));
				expect(created).toHaveLength(RETRY_ON_FAIL.tasks);
				const byPrompt = RETRY_ON_FAIL.prompts.map((prompt) => created.filter((task) => task.body.prompt === prompt).map((task) => task.status));
				expect(byPrompt).toEqual([['SUCCESS'], ['SUCCESS'], ['FAIL', 'SUCCESS']]);
				const videos = result.run.output[RETRY_ON_FAIL.nodeName];
				expect(videos.map((item) => item.json.prompt)).toEqual(RETRY_ON_FAIL.prompts);
				for (const item of videos) {
					expectServedVideo(standin, item);
					expect(item.binary.data.id).toMatch(storedAs);
				}
			}, 5 * MINUTE);
		});

		describeStore('database', /^database:/);

		describe('many executions at once on one account (database store)', () => {
			test('4 executions of 10 items against a cap of 10: every item gets its video, one task each, at most one 1302 per task', async () => {
				const run = await runLoad(n8n, shared);
				const tasks = run.standin.tasks.size;
				log(`  shared account: ${tasks} tasks in ${(run.wallMs / 1000).toFixed(1)} s (ideal ${((tasks * 1000) / 10 / 1000).toFixed(1)} s), ${run.standin.concurrencyRefusals()} 1302s, ${JSON.stringify(run.ranOn)}`);
				expect(run.failedExecutions).toEqual([]);
				expect(run.items.map((item) => item.json.status)).toEqual(Array(40).fill('SUCCESS'));
				for (const item of run.items) expectServedVideo(run.standin, item);
				expect(tasks).toBe(40);
				expect(run.duplicates).toBe(0);
				expect(failedByCap(run)).toEqual([]);
				expect(run.standin.concurrencyRefusals()).toBeLessThanOrEqual(tasks);
				expect(Object.keys(run.ranOn).every((where) => /^worker-[12]$/.test(where))).toBe(true);
			}, 5 * MINUTE);

			test('the soak: 100 tasks, one in ten meeting a fault; every task named by an output item or an error, none twice, the key nowhere', async () => {
				const run = await runLoad(n8n, soak);
				const figures = soakFigures(run, n8n);
				log(`  soak: ${JSON.stringify(figures)}`);
				expect(run.failedExecutions).toEqual([]);
				expect(figures).toMatchObject({ tasks: 100, duplicates: 0, unaccounted: [], keySeen: [] });
				expect(figures.faults).toEqual(Object.fromEntries(SOAK_FAULTS.map((kind) => [kind, 2])));
				// Overloads, 5xx polls and reset downloads are waited out; FAIL and an expired link end their item with its task.
				expect(figures.succeeded).toBe(96);
				const errors = run.items.filter((item) => item.json.error !== undefined);
				expect(errors.map((item) => run.standin.tasks.get(String(item.json.taskId))?.plannedFault).sort()).toEqual(['expired', 'expired', 'fail', 'fail']);
				for (const item of errors) expect(String(item.json.error)).toContain(String(item.json.taskId));
			}, 5 * MINUTE);

			test(`a video over the database store's limit (${STORE_LIMIT_MIB} MiB) fails its item with the task id and the link, and the worker runs on`, async () => {
				const run = await runLoad(n8n, oversize);
				const [task] = [...run.standin.tasks.values()];
				const url = `${run.standin.filesOrigin}/video/${task.id}.mp4`;
				expect(run.failedExecutions).toHaveLength(1);
				expect(run.failedExecutions[0]).toContain(`n8n could not store the video of task ${task.id} (${url}, valid for about a day)`);
				expect(run.failedExecutions[0]).toContain('N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE');
				expect(keyIn(run.everything, run.apiKey)).toBe(false);
				for (const worker of n8n.workers) expect(worker.exitCode).toBeUndefined();
				const after = await runLoad(n8n, shared, 'After');
				expect(after.items.map((item) => item.json.status)).toEqual(Array(40).fill('SUCCESS'));
			}, 5 * MINUTE);
		});

		describeStore('filesystem', /^filesystem-v2:/);

		test("a manual run from the editor (Execute workflow) runs on a worker too: n8n's OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS", async () => {
			const createsBefore = standin.createCalls();
			const executionId = await n8n.runManually(MANUAL_ID);
			const run = await n8n.execution(executionId);
			const worker = await n8n.ranOn(executionId);
			log(`  manual run: execution ${executionId} ${run.status} on ${worker}`);
			expect(run.mode).toBe('manual');
			expect(run.status).toBe('success');
			expect(worker).toMatch(/^worker-[12]$/);
			expect(n8n.enqueuedByMain(executionId)).toBe(true);
			const videos = run.output['Generate Video'];
			expect(videos).toHaveLength(2);
			for (const item of videos) expectServedVideo(standin, item);
			expect(standin.createCalls() - createsBefore).toBe(2);
		}, 5 * MINUTE);

		test('the API key appears in nothing any n8n process printed, and the result-file host never saw an Authorization header', () => {
			expect(n8n.processes.filter((child) => child.role === 'worker')).toHaveLength(4); // two starts, two workers each
			expect(n8n.processes.every((child) => child.output().length > 0)).toBe(true);
			expectNoKeyIn(n8n.allOutput());
			expect(standin.fileAuthorizationHeaders).toEqual([]);
		});
	});
}
