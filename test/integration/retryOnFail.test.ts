/**
 * n8n's Retry On Fail runs the node again, in the same execution, with every input item. A retry reuses the tasks
 * that earlier tries created, so no video is paid for twice. Each try here is a call of execute() with the same
 * execution id, as n8n's workflow engine makes it; the proof in a real n8n is the end-to-end suite.
 */
import { createHash } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';

import type { ContextOptions } from '../helpers/executeContext';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { runError, runNode } from './run';

const opened: Standin[] = [];
afterAll(async () => Promise.all(opened.map((standin) => standin.close())));

async function standin(): Promise<Standin> {
	const started = await startStandin({ generationMs: 150 });
	opened.push(started);
	return started;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const PROMPTS = ['A lighthouse in a storm', 'A fox in fresh snow', 'A third scene: paper lanterns over a river'];
const threeItems = (): INodeExecutionData[] => PROMPTS.map((prompt) => ({ json: { prompt } }));
const prompt = (itemIndex: number) => PROMPTS[itemIndex];

let execution = 0;
/** The options of one execution of a node with Retry On Fail on: every try gets the same execution id. */
function anExecution(maxTries = 2, more: Partial<ContextOptions> = {}): Partial<ContextOptions> {
	return { items: threeItems(), executionId: `execution-${++execution}`, node: { retryOnFail: true, maxTries }, ...more };
}

describe('Retry On Fail reuses the tasks of earlier tries', () => {
	it('three items, the third task FAILs in the first try: 4 tasks in all, three videos with the bytes served', async () => {
		const api = await standin();
		api.injectFault({ on: 'taskFail', prompt: 'third scene', reason: 'rendering failed' });
		const options = anExecution();

		const firstTry = await runError(api, { prompt }, options);
		const failed = [...api.tasks.values()].find((task) => task.status === 'FAIL')!;
		expect(firstTry.message).toBe(`The video generation failed: rendering failed [task ${failed.id}]`);
		expect(api.tasks.size).toBe(3);
		const made = [...api.tasks.values()].filter((task) => task.status === 'SUCCESS');
		const pollsBefore = made.map((task) => task.polls);

		const { items, test } = await runNode(api, { prompt }, options);
		expect(api.tasks.size).toBe(4);
		expect(items.map((item) => item.json.prompt)).toEqual(PROMPTS);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const tasks = items.map((item) => api.tasks.get(item.json.taskId as string)!);
		expect(tasks.map((task) => task.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
		expect(tasks[2].id).not.toBe(failed.id);
		for (const [index, item] of items.entries()) {
			expect(sha256(test.bytesOf(item.binary!.data))).toBe(tasks[index].videoSha256);
			expect(item.json.requestId).toBe(tasks[index].requestId);
		}
		// The first two items got the tasks the first try made, read once each in the second try: they were done.
		expect(tasks.slice(0, 2).map((task) => task.id).sort()).toEqual(made.map((task) => task.id).sort());
		expect(made.map((task, index) => task.polls - pollsBefore[index])).toEqual([1, 1]);
		// The new task has a request ID of its own: the failed one's try count went up.
		expect(tasks[2].requestId).not.toBe(failed.requestId);
	});

	it('an item whose request changed between tries gets a new task; the others are reused', async () => {
		const api = await standin();
		api.injectFault({ on: 'taskFail', prompt: 'third scene' });
		const options = anExecution();
		await runError(api, { prompt }, options);
		const { items } = await runNode(api, { prompt: (index: number) => (index === 0 ? 'A lighthouse at dawn' : PROMPTS[index]) }, options);
		expect(api.tasks.size).toBe(5);
		expect(items[0].json.prompt).toBe('A lighthouse at dawn');
		expect(api.tasks.get(items[1].json.taskId as string)!.body.prompt).toBe(PROMPTS[1]);
	});

	it('a later run of the node in a loop (another run index) is new work, not a retry', async () => {
		const api = await standin();
		api.injectFault({ on: 'taskFail', prompt: 'third scene' });
		const options = anExecution(3);
		await runError(api, { prompt }, options);
		await runNode(api, { prompt }, { ...options, runIndex: 1 });
		expect(api.tasks.size).toBe(6);
	});

	it('another execution with the same items is new work: it makes new tasks', async () => {
		const api = await standin();
		api.injectFault({ on: 'taskFail', prompt: 'third scene' });
		await runError(api, { prompt }, anExecution());
		await runNode(api, { prompt }, anExecution());
		expect(api.tasks.size).toBe(6);
	});

	it('a request whose create got no answer is sent with the same request_id in the next try', async () => {
		const api = await standin();
		for (let i = 0; i < 3; i++) api.injectFault({ on: 'create', drop: 'beforeCreate' });
		const options = anExecution(2, { items: [{ json: {} }] });
		const first = await runError(api, {}, options);
		expect(first.message).toMatch(/^The Zhipu API did not answer the create request \(3 of 3 tries\)/);
		const { items } = await runNode(api, {}, options);
		const requestIds = new Set(api.apiRequests.filter((request) => request.method === 'POST').map((request) => (request.body as { request_id: string }).request_id));
		expect(requestIds.size).toBe(1);
		expect(items[0].json.requestId).toBe([...requestIds][0]);
		expect(api.tasks.size).toBe(1);
	});

	it('Wait for Completion off: the retry answers with the tasks the first try created', async () => {
		const api = await standin();
		// The third item's create is refused, so the first try fails after the other two created their tasks.
		api.injectFault({ on: 'create', status: 400, code: '1301', prompt: 'third scene' });
		const options = anExecution();
		const parameters = { prompt, waitForCompletion: false };
		const first = await runError(api, parameters, options);
		expect(first.message).toMatch(/unsafe or sensitive/);
		const created = [...api.tasks.keys()];
		expect(created).toHaveLength(2);
		const { items } = await runNode(api, parameters, options);
		expect(api.tasks.size).toBe(3);
		expect(items.map((item) => api.tasks.get(item.json.taskId as string)!.body.prompt)).toEqual(PROMPTS);
		expect(items.slice(0, 2).map((item) => item.json.taskId).sort()).toEqual(created.sort());
	});
});

describe('with Continue On Fail', () => {
	it('with Continue On Fail, an error on the first item keeps it for the retry n8n makes then', async () => {
		const api = await standin();
		api.injectFault({ on: 'taskFail', prompt: 'lighthouse' });
		const options = anExecution(2, { continueOnFail: true });
		const first = await runNode(api, { prompt }, options);
		expect(first.items[0].json.error).toMatch(/generation failed/);
		const second = await runNode(api, { prompt }, options);
		expect(second.items.map((item) => item.json.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
		expect(api.tasks.size).toBe(4);
	});
});
