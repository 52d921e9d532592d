/**
 * A Retry from n8n's executions list runs the node again in a new execution (mode `retry`) with the same items. The
 * task ledger gives each item the request ID of the execution the Retry repeats (its origin travels in the node's
 * context, which n8n saves with the execution and hands on), so the Retry waits for the tasks that execution made
 * instead of paying again; a Retry of an execution lost in a crash, which carries nothing of the node, is stopped by
 * the ledger's open marks. n8n's deduplication store is played here by a shared ProcessedStore, the saved node
 * context by a shared object; the proof in real n8n, with real kills and restarts, is the end-to-end suite.
 */
import { createHash } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';

import { processMemory } from '../../nodes/CogVideoX/run/taskLedger';
import type { ContextOptions } from '../helpers/executeContext';
import { ProcessedStore } from '../helpers/executeContext';
import type { Standin, StandinOptions } from '../standin/server';
import { runError, runNode, standinsOfThisFile } from './run';

const standinFor = standinsOfThisFile();
let standin: Standin;
beforeAll(async () => {
	standin = await standinFor();
});
afterEach(() => standin.setGenerationMs(150));

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const PROMPTS = ['A lighthouse in a storm', 'A fox in fresh snow'];
const prompt = (itemIndex: number) => PROMPTS[itemIndex];

let workflows = 0;
/** One workflow's executions on one n8n instance: the same workflow id and deduplication store. */
function anInstance() {
	const store = new ProcessedStore();
	const workflowId = `workflow-${++workflows}`;
	let executions = 0;
	return {
		store,
		marks: () => store.row(workflowId, 'test-node'),
		/** An execution; `saved` is its node context as n8n saves it, to hand on to its Retry. */
		run: (mode: string, more: Partial<ContextOptions> = {}): Partial<ContextOptions> & { nodeContext: IDataObject } => ({
			items: PROMPTS.map((text) => ({ json: { prompt: text } })),
			workflowId,
			executionId: `${workflowId}-${++executions}`,
			mode,
			processedStore: store,
			nodeContext: {},
			...more,
		}),
	};
}

/** An execution the node started and n8n lost while it waited (a killed worker, a crash): both tasks exist. */
async function lostRun(api: Standin, options: Partial<ContextOptions>): Promise<string[]> {
	api.setGenerationMs(2000);
	const cancel = new AbortController();
	const earlier = new Set(api.tasks.keys());
	const lost = runError(api, { prompt, options: { pollInterval: 0.1 } }, { ...options, signal: cancel.signal });
	const fresh = () => [...api.tasks.keys()].filter((id) => !earlier.has(id));
	while (fresh().length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
	cancel.abort();
	await lost;
	processMemory.clear(); // the process is gone: n8n's database and the API remember
	api.setGenerationMs(150);
	return fresh();
}

describe('a Retry of an execution never pays twice', () => {
	it('in the same process, it reuses the task the failed run made and makes a task only for the item that had none', async () => {
		const instance = anInstance();
		standin.injectFault({ on: 'create', status: 400, code: '1301', message: 'unsafe content', prompt: 'fox' });
		const original = instance.run('webhook');
		const failed = await runError(standin, { prompt }, original);
		expect(failed.message).toContain('unsafe or sensitive');
		const first = [...standin.tasks.values()].pop()!;
		const creates = standin.createCalls();

		const { items, test } = await runNode(standin, { prompt }, instance.run('retry', { nodeContext: original.nodeContext }));
		expect(standin.createCalls()).toBe(creates + 1);
		expect(items[0].json.taskId).toBe(first.id);
		expect(items[1].json.taskId).not.toBe(first.id);
		for (const item of items) expect(sha256(test.bytesOf(item.binary!.data))).toBe(standin.tasks.get(item.json.taskId as string)!.videoSha256);
		expect(test.logs.map((line) => line.message).find((message) => message.startsWith(`CogVideoX task ${first.id} reused`))).toContain(
			'reused (an earlier run of this item in this n8n process made it)',
		);
	});

	it("in another process, it finds each task by the request ID the first run sent, and delivers its video with no create", async () => {
		const api = await standinFor({ findByRequestId: true });
		const instance = anInstance();
		const original = instance.run('webhook');
		const tasks = await lostRun(api, original);
		const creates = api.createCalls();
		const { items, test } = await runNode(api, { prompt }, instance.run('retry', { nodeContext: original.nodeContext }));
		expect(api.createCalls()).toBe(creates);
		expect(items.map((item) => item.json.taskId)).toEqual(tasks);
		for (const item of items) expect(sha256(test.bytesOf(item.binary!.data))).toBe(api.tasks.get(item.json.taskId as string)!.videoSha256);
		expect(instance.marks().size).toBe(0); // the Retry ended well: the marks went
	});

	it.each<[string, StandinOptions]>([
		['answers a repeated request ID with 1231 and finds no task by it', {}],
		['would make a second task for a repeated request ID', { unlike: { duplicateMakesTask: true } }],
	])('in another process, against an API that %s, it fails each item with where its task is, and makes no task', async (_, options) => {
		const api = await standinFor(options);
		const instance = anInstance();
		const original = instance.run('webhook');
		await lostRun(api, original);
		const creates = api.createCalls();
		const { items } = await runNode(api, { prompt }, instance.run('retry', { nodeContext: original.nodeContext, continueOnFail: true }));
		expect(api.createCalls()).toBe(creates);
		for (const item of items) {
			expect(item.json.error).toMatch(new RegExp(`^An earlier run of execution ${original.executionId} already sent this item's create \\(request ID ${item.json.requestId}\\)`));
		}
		expect(api.tasks.size).toBe(2);
	});

	it('after a crash, when n8n replays the execution from its start with nothing of the node, it fails each item once, before any create, and says where the task is', async () => {
		const instance = anInstance();
		await lostRun(standin, instance.run('webhook'));
		const creates = standin.createCalls();
		const replay = () => instance.run('retry', { continueOnFail: true, previousNodeRun: 1 });

		const { items } = await runNode(standin, { prompt }, replay());
		expect(standin.createCalls()).toBe(creates);
		for (const [itemIndex, item] of items.entries()) {
			expect(item.json.error).toBe(
				'The execution this Retry repeats already sent this item to the API and n8n lost it in a crash, keeping nothing of its task. ' +
					`Its task ID is in n8n's log, in a line "CogVideoX task … created" of node "CogVideoX", item ${itemIndex} ` +
					'(if n8n stopped before the API answered, only a line "CogVideoX request … sent" of that node and item is there: look for its request ID in the billing records of the Zhipu platform console that issued the API key). ' +
					'Run Get Result with the task ID within a day to fetch the video; to make a new video instead, run this again: the next run makes a new task',
			);
			expect(item.json.taskId).toBeUndefined();
		}
		// Said once: running it again makes new videos.
		const { items: again } = await runNode(standin, { prompt }, replay());
		expect(standin.createCalls()).toBe(creates + 2);
		expect(again.every((item) => item.binary?.data)).toBe(true);
	});

	it("1,001 items through one node: a crash's Retry finds the first item's mark as well as the last's, and makes no task", async () => {
		const api = await standinFor({ generationMs: 60_000 });
		const instance = anInstance();
		const many = Array.from({ length: 1001 }, (_, index) => ({ json: { prompt: `A paper crane, take ${index + 1}` } }));
		const parameters = { prompt: (index: number) => many[index].json.prompt, options: { pollInterval: 30, maxConcurrency: 1001 } };
		const cancel = new AbortController();
		const lost = runError(api, parameters, instance.run('webhook', { items: many, signal: cancel.signal }));
		while (api.tasks.size < many.length) await new Promise((resolve) => setTimeout(resolve, 50));
		cancel.abort();
		await lost;
		processMemory.clear();
		expect(instance.marks().size).toBe(2 * many.length);

		const creates = api.createCalls();
		const { items } = await runNode(api, parameters, instance.run('retry', { items: many, previousNodeRun: 1, continueOnFail: true }));
		expect(api.createCalls()).toBe(creates);
		expect(items.filter((item) => /^The execution this Retry repeats already sent this item/.test(String(item.json.error)))).toHaveLength(many.length);
	}, 120_000);

	it('a Retry of an execution that failed before this node makes its videos, whatever earlier runs of the same prompts left', async () => {
		const instance = anInstance();
		await runNode(standin, { prompt }, instance.run('webhook')); // A: delivered
		await lostRun(standin, instance.run('webhook')); // and one lost mid-wait
		const creates = standin.createCalls();
		// B failed in a node before this one; its Retry runs from there: this node's first run in B.
		const { items } = await runNode(standin, { prompt }, instance.run('retry'));
		expect(standin.createCalls()).toBe(creates + 2);
		expect(items.every((item) => item.binary?.data)).toBe(true);
	});

	it('a plain new run of the workflow makes new videos', async () => {
		const instance = anInstance();
		await runNode(standin, { prompt }, instance.run('webhook'));
		const creates = standin.createCalls();
		const { items } = await runNode(standin, { prompt }, instance.run('trigger'));
		expect(standin.createCalls()).toBe(creates + 2);
		expect(items.every((item) => item.binary?.data)).toBe(true);
	});

	it('an item whose task FAILed, or whose create was refused, gets a task in the Retry: it had no video to lose', async () => {
		const instance = anInstance();
		standin.injectFault({ on: 'taskFail', prompt: 'lighthouse', reason: 'rendering failed' });
		standin.injectFault({ on: 'create', status: 429, code: '1113', message: 'no balance', prompt: 'fox' });
		const original = instance.run('webhook', { continueOnFail: true });
		const { items: first } = await runNode(standin, { prompt }, original);
		expect(first.map((item) => String(item.json.error).slice(0, 40))).toEqual(['The video generation failed: rendering f', expect.stringContaining('no balance')]);
		processMemory.clear();
		const creates = standin.createCalls();
		const { items } = await runNode(standin, { prompt }, instance.run('retry', { nodeContext: original.nodeContext }));
		expect(standin.createCalls()).toBe(creates + 2);
		expect(items.every((item) => item.binary?.data)).toBe(true);
		expect(instance.marks().size).toBe(0);
	});

	it("goes on without marks when n8n's deduplication store fails, and says so once in the log", async () => {
		const instance = anInstance();
		instance.store.broken = true;
		const { items, test } = await runNode(standin, { prompt }, instance.run('webhook'));
		expect(items.every((item) => item.binary?.data)).toBe(true);
		const warnings = test.logs.filter((line) => line.level === 'warn');
		expect(warnings).toHaveLength(1);
		expect(warnings[0].message).toMatch(/^CogVideoX could not keep its marks of paid tasks in n8n's database \(n8n's deduplication store failed: connect ECONNREFUSED 127\.0\.0\.1:5432\); this run goes on/);
	});
});
