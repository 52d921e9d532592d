/**
 * Runs of n8n that repeat an item, beside the lost runs of lostRunSuite.ts: a part of serverSuite.ts (in n8n 2.8.4
 * and 2.41.1). The task ledger (nodes/CogVideoX/run/taskLedger.ts) makes none of them pay twice, and refuses nothing
 * that never had a task:
 * - regular mode: a Retry of a run that failed before the node, after another run of the same prompts delivered its
 *   videos: the Retry makes its own two tasks (4 in all). A sub-workflow whose CogVideoX node timed out with its tasks
 *   open, started anew by its parent's Retry: no second task, and the error says where the tasks are;
 * - queue mode: two workers marking 20 items each in one node's row of n8n's deduplication store at the same moment:
 *   all 80 marks are there while the tasks run (one dropped by the other worker's write is back within 10 s), and gone once both
 *   executions delivered their videos.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';

import { startStandin, type Standin } from '../standin/server';
import { CREDENTIAL_TYPE, expectServedVideo, NODE_TYPE, workflowNode, type Workflow } from './fixtures';
import type { Server, ServerMode, ServerPart } from './serverSuite';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const CREDENTIAL_ID = 'ZhipuAiRepeats001';
const credentials = { [CREDENTIAL_TYPE]: { id: CREDENTIAL_ID, name: 'Zhipu AI account (repeats)' } };
const PROMPTS = ['A kite over a summer beach', 'Rain on a neon street at night'];
const RETRY_PATH = 'repeats-storage-check';
const PARENT_PATH = 'repeats-parent';
const MARKING_PATH = 'repeats-marking';
/** Items per execution in the marking test: each worker marks this many at once. */
const MARKED_ITEMS = 20;

const connect = (...chain: string[]) =>
	Object.fromEntries(chain.slice(0, -1).map((from, index) => [from, { main: [[{ node: chain[index + 1], type: 'main', index: 0 }]] }]));
const webhookNode = (id: string, path: string) => ({
	...workflowNode(id, 'Webhook', 'n8n-nodes-base.webhook', 2, 0, { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} }),
	webhookId: path,
});
const promptsNode = (id: string, x: number, prompts: string[]) =>
	workflowNode(id, 'Prompts', 'n8n-nodes-base.code', 2, x, { jsCode: `return ${JSON.stringify(prompts.map((prompt) => ({ json: { prompt } })))};` });
const videoNode = (id: string, x: number, options: Record<string, unknown>) => ({
	...workflowNode(id, 'Generate Video', NODE_TYPE, 1, x, { operation: 'textToVideo', model: 'cogvideox-3', prompt: '={{ $json.prompt }}', options: { pollInterval: 1, ...options } }),
	credentials,
});

/** Webhook → an HTTP check of the storage → two prompts → CogVideoX: a run fails before the node while the storage is down. */
function storageCheckWorkflow(id: string, storageUrl: string): Workflow {
	const check = workflowNode(id, 'Check Storage', 'n8n-nodes-base.httpRequest', 4.2, 220, { url: storageUrl, options: {} });
	return {
		id,
		name: 'e2e: a Retry after another run',
		nodes: [webhookNode(id, RETRY_PATH), check, promptsNode(id, 440, PROMPTS), videoNode(id, 660, {})],
		connections: connect('Webhook', 'Check Storage', 'Prompts', 'Generate Video'),
		settings: {},
	};
}

/** A sub-workflow: two prompts → CogVideoX whose Timeout ends before the videos are made. */
function subWorkflow(id: string): Workflow {
	const trigger = workflowNode(id, 'When Called', 'n8n-nodes-base.executeWorkflowTrigger', 1.1, 0, { inputSource: 'passthrough' });
	return {
		id,
		name: 'e2e: a sub-workflow that makes videos',
		nodes: [trigger, promptsNode(id, 220, ['A paper boat on a canal', 'Snow falling on a lantern']), videoNode(id, 440, { timeout: 3 })],
		connections: connect('When Called', 'Prompts', 'Generate Video'),
		settings: {},
	};
}

function parentWorkflow(id: string, subId: string): Workflow {
	const call = workflowNode(id, 'Make Videos', 'n8n-nodes-base.executeWorkflow', 1.2, 220, {
		source: 'database',
		workflowId: { __rl: true, value: subId, mode: 'id' },
		mode: 'once',
		workflowInputs: { mappingMode: 'defineBelow', value: {}, matchingColumns: [], schema: [] },
		options: { waitForSubWorkflow: true },
	});
	return { id, name: 'e2e: a parent that calls the sub-workflow', nodes: [webhookNode(id, PARENT_PATH), call], connections: connect('Webhook', 'Make Videos'), settings: {} };
}

/** Webhook → MARKED_ITEMS prompts of this execution's own (so that no two executions share an item) → CogVideoX, all sent at once. */
function markingWorkflow(id: string): Workflow {
	const prompts = workflowNode(id, 'Prompts', 'n8n-nodes-base.code', 2, 220, {
		jsCode: `return Array.from({ length: ${MARKED_ITEMS} }, (_, index) => ({ json: { prompt: \`A lighthouse at dusk, take \${index + 1} of run \${$execution.id}\` } }));`,
	});
	return {
		id,
		name: 'e2e: many items marked at once',
		nodes: [webhookNode(id, MARKING_PATH), prompts, videoNode(id, 440, { maxConcurrency: MARKED_ITEMS, timeout: 300 })],
		connections: connect('Webhook', 'Prompts', 'Generate Video'),
		settings: {},
	};
}

/** A storage endpoint that answers 200, or 500 while it is down. */
async function startStorage(): Promise<{ url: string; down: boolean; close(): Promise<void> }> {
	const storage = { url: '', down: false, close: async (): Promise<void> => undefined };
	const server: HttpServer = createServer((req, res) => {
		req.resume();
		res.writeHead(storage.down ? 500 : 200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: !storage.down }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address() as { port: number };
	storage.url = `http://127.0.0.1:${address.port}/status`;
	storage.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
	return storage;
}

/** How n8n's deduplication store keeps a value: its md5, in base64. */
const storedAs = (value: string) => createHash('md5').update(value).digest('base64');

export function repeatPart(mode: ServerMode): ServerPart {
	let standin: Standin;
	let storage: Awaited<ReturnType<typeof startStorage>>;
	let server: Server;
	const ids = {
		retry: `e2eRepeat${mode}Rtry`.padEnd(16, '0'),
		sub: `e2eRepeat${mode}Subw`.padEnd(16, '0'),
		parent: `e2eRepeat${mode}Prnt`.padEnd(16, '0'),
		marking: `e2eRepeat${mode}Mark`.padEnd(16, '0'),
	};
	const log = (line: string) => server.log(line);

	/** Runs a webhook workflow and returns its execution once it ended. */
	async function run(path: string) {
		await server.ensureRunning();
		const call = await server.n8n.runWebhook(path, {});
		return await server.n8n.execution(call.executionId, 3 * MINUTE);
	}

	return {
		async prepare(given) {
			server = given;
			standin = await startStandin({ generationMs: 6 * SECOND, apiKey: server.apiKey });
			storage = await startStorage();
			const { n8n } = server;
			await n8n.importCredentials([{ id: CREDENTIAL_ID, name: 'Zhipu AI account (repeats)', type: CREDENTIAL_TYPE, data: { apiKey: standin.apiKey, region: 'custom', baseUrl: standin.apiUrl } }]);
			const workflows =
				mode === 'regular' ? [storageCheckWorkflow(ids.retry, storage.url), subWorkflow(ids.sub), parentWorkflow(ids.parent, ids.sub)] : [markingWorkflow(ids.marking)];
			await n8n.importWorkflows(workflows);
			await n8n.publish(workflows.map((workflow) => workflow.id!));
		},
		async close() {
			await standin?.close();
			await storage?.close();
		},
		tests() {
			if (mode === 'queue') {
				test(`two workers marking ${MARKED_ITEMS} items each at the same moment: every mark is kept while the tasks run, and all go once the videos are delivered`, async () => {
					const { n8n } = server;
					// One job per worker: each execution runs on a worker of its own. (The suite's last part: n8n stays so.)
					await n8n.stop();
					await n8n.start({ concurrency: 1 });
					try {
						const before = new Set(standin.tasks.keys());
						standin.setGenerationMs(45 * SECOND);
						// Two calls of one webhook at once (runWebhook() takes one at a time): the two executions are the two new ones.
						const last = await n8n.lastExecutionId(ids.marking);
						const answers = await Promise.all([0, 1].map(() => fetch(n8n.webhookUrl(MARKING_PATH), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })));
						expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
						let made = await n8n.executionsAfter(ids.marking, last);
						for (const deadline = Date.now() + 30 * SECOND; made.length < 2 && Date.now() < deadline; made = await n8n.executionsAfter(ids.marking, last)) {
							await new Promise((resolve) => setTimeout(resolve, 200));
						}
						const calls = made.map((executionId) => ({ executionId }));
						expect(calls).toHaveLength(2);
						const workers = await Promise.all(calls.map((call) => n8n.ranOn(call.executionId, 30 * SECOND)));
						expect(new Set(workers).size).toBe(2);
						const fresh = () => [...standin.tasks.values()].filter((task) => !before.has(task.id));
						const deadline = Date.now() + MINUTE;
						while (fresh().length < 2 * MARKED_ITEMS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
						const tasks = fresh();
						expect(tasks).toHaveLength(2 * MARKED_ITEMS);

						const row = async () => {
							const rows = await n8n.query<{ value: unknown }>(`SELECT value FROM processed_data WHERE "workflowId" = $1`, [ids.marking]);
							return rows.flatMap((found) => ((typeof found.value === 'string' ? JSON.parse(found.value) : found.value) as { data: string[] }).data);
						};
						// A mark a slow writer dropped is written again within MARK_CONFIRMATION.keepEveryMs (10 s) while its item is open.
						const looked = Date.now();
						let marks = await row();
						while (marks.length < 4 * MARKED_ITEMS && Date.now() - looked < 25 * SECOND) {
							await new Promise((resolve) => setTimeout(resolve, 500));
							marks = await row();
						}
						log(`  ${workers.join(' and ')} marked ${2 * MARKED_ITEMS} items at once: ${marks.length} marks in the row after ${Date.now() - looked} ms`);
						// A sent mark and an open mark per item, and each request ID's sent mark among them.
						expect(marks).toHaveLength(4 * MARKED_ITEMS);
						for (const task of tasks) expect(marks).toContain(storedAs(`cogvideox-sent:${task.requestId}`));

						const runs = await Promise.all(calls.map((call) => n8n.execution(call.executionId, 3 * MINUTE)));
						expect(runs.map((done) => done.status)).toEqual(['success', 'success']);
						for (const done of runs) for (const item of done.output['Generate Video']) expectServedVideo(standin, item);
						expect(fresh()).toHaveLength(2 * MARKED_ITEMS);
						expect(await row()).toEqual([]);
					} finally {
						standin.setGenerationMs(6 * SECOND);
					}
				}, 8 * MINUTE);
				return;
			}

			test('a Retry of a run that failed before the node, after another run of the same prompts delivered: the Retry makes its own videos, 4 tasks in all', async () => {
				const before = standin.tasks.size;
				const first = await run(RETRY_PATH);
				expect(first.status).toBe('success');
				storage.down = true;
				const failed = await run(RETRY_PATH);
				expect(failed.status).toBe('error');
				expect(standin.tasks.size - before).toBe(2);
				storage.down = false;

				const retried = await server.n8n.retry(failed.executionId);
				const retry = await server.n8n.execution(retried.executionId, 3 * MINUTE);
				log(`  run ${first.executionId} delivered, ${failed.executionId} failed before the node, its Retry ${retried.executionId}: ${retry.status}; tasks ${standin.tasks.size - before}`);
				expect(retry.status).toBe('success');
				expect(standin.tasks.size - before).toBe(4);
				const videos = retry.output['Generate Video'];
				expect(videos).toHaveLength(2);
				const firstTasks = new Set(first.output['Generate Video'].map((item) => item.json.taskId));
				for (const item of videos) {
					expectServedVideo(standin, item);
					expect(firstTasks.has(item.json.taskId)).toBe(false);
				}
			}, 6 * MINUTE);

			test("a sub-workflow whose videos were not delivered, started anew by its parent's Retry: no second task, and the error says where the tasks are", async () => {
				const before = standin.tasks.size;
				const failed = await run(PARENT_PATH);
				log(`  parent ${failed.executionId}: ${failed.status}: ${failed.error?.message.slice(0, 100)}`);
				expect(failed.status).toBe('error');
				expect(standin.tasks.size - before).toBe(2);

				const retried = await server.n8n.retry(failed.executionId);
				const retry = await server.n8n.execution(retried.executionId, 3 * MINUTE);
				log(`  parent's Retry ${retried.executionId}: ${retry.status}: ${retry.error?.message.slice(0, 100)}; tasks ${standin.tasks.size - before}`);
				expect(standin.tasks.size - before).toBe(2);
				expect(retry.status).toBe('error');
				expect(retry.error?.message).toMatch(/An earlier call of this sub-workflow already sent this item to the API/);
			}, 6 * MINUTE);
		},
	};
}
