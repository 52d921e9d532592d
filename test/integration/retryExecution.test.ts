/**
 * A Retry from n8n's executions list runs the node again in a new execution (mode `retry`) with the same items. After
 * a crash of one n8n process it runs the whole workflow again from its first node (measured in n8n 2.8.4: a retried
 * crashed execution made 3 new tasks beside the 3 paid ones). So a retry never makes a second task for an item whose
 * task exists: it reuses the task where its process still knows it, and otherwise fails the item, before any create,
 * with where to find the task. The marks live in n8n's deduplication store, played here by a shared ProcessedStore;
 * the proof in a real n8n, with real kills and restarts, is the end-to-end suite.
 */
import { createHash } from 'node:crypto';

import { earlierTasks } from '../../nodes/CogVideoX/run/openTasks';
import type { ContextOptions } from '../helpers/executeContext';
import { ProcessedStore } from '../helpers/executeContext';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { runError, runNode } from './run';

let standin: Standin;
beforeAll(async () => {
	standin = await startStandin({ generationMs: 150 });
});
afterAll(async () => standin.close());
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
		run: (mode: string, more: Partial<ContextOptions> = {}): Partial<ContextOptions> => ({
			items: PROMPTS.map((text) => ({ json: { prompt: text } })),
			workflowId,
			executionId: `${workflowId}-${++executions}`,
			mode,
			processedStore: store,
			...more,
		}),
	};
}

describe('a Retry of an execution never pays twice', () => {
	it('in the same process, it reuses the task the failed run made and makes a task only for the item that had none', async () => {
		const instance = anInstance();
		standin.injectFault({ on: 'create', status: 400, code: '1301', message: 'unsafe content', prompt: 'fox' });
		const failed = await runError(standin, { prompt }, instance.run('webhook'));
		expect(failed.message).toContain('unsafe or sensitive');
		const first = [...standin.tasks.values()].pop()!;
		const creates = standin.createCalls();

		const { items, test } = await runNode(standin, { prompt }, instance.run('retry'));
		expect(standin.createCalls()).toBe(creates + 1);
		expect(items[0].json.taskId).toBe(first.id);
		expect(items[1].json.taskId).not.toBe(first.id);
		for (const item of items) expect(sha256(test.bytesOf(item.binary!.data))).toBe(standin.tasks.get(item.json.taskId as string)!.videoSha256);
		expect(test.logs.map((line) => line.message).find((message) => message.startsWith(`CogVideoX task ${first.id} reused`))).toContain(
			'reused (the execution this Retry repeats)',
		);
	});

	it('after a restart, it fails each item whose task exists, before any create, and says where the task is', async () => {
		const instance = anInstance();
		standin.setGenerationMs(60_000);
		const cancel = new AbortController();
		const earlier = new Set(standin.tasks.keys());
		const lost = runError(standin, { prompt, options: { pollInterval: 0.1 } }, instance.run('webhook', { signal: cancel.signal }));
		while ([...standin.tasks.keys()].filter((id) => !earlier.has(id)).length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
		cancel.abort();
		await lost;
		earlierTasks.clear(); // the process is gone: only n8n's database remembers
		const creates = standin.createCalls();

		const { items } = await runNode(standin, { prompt }, instance.run('retry', { continueOnFail: true }));
		expect(standin.createCalls()).toBe(creates);
		const day = new Date().toISOString().slice(0, 10);
		for (const [itemIndex, item] of items.entries()) {
			expect(item.json.error).toBe(
				`A Retry makes no second task for this item: an earlier run of this workflow created one on ${day} (UTC) and did not deliver its video. ` +
					`Its task ID is in n8n's log, in a line "CogVideoX task … created" of node "CogVideoX", item ${itemIndex}: run Get Result with it within a day to fetch the video. ` +
					'To make a new video instead, run the workflow again rather than retrying it',
			);
			expect(item.json.taskId).toBeUndefined();
		}
	});

	it('a plain new run of the workflow makes new videos: only a Retry looks for earlier tasks', async () => {
		const instance = anInstance();
		await runNode(standin, { prompt }, instance.run('webhook'));
		earlierTasks.clear();
		const creates = standin.createCalls();
		const { items } = await runNode(standin, { prompt }, instance.run('trigger'));
		expect(standin.createCalls()).toBe(creates + 2);
		expect(items.every((item) => item.binary?.data)).toBe(true);
	});

	it('an item whose task FAILed, or whose create was refused, gets a task in the Retry: it had no video to lose', async () => {
		const instance = anInstance();
		standin.injectFault({ on: 'taskFail', prompt: 'lighthouse', reason: 'rendering failed' });
		standin.injectFault({ on: 'create', status: 429, code: '1113', message: 'no balance', prompt: 'fox' });
		const { items: first } = await runNode(standin, { prompt }, instance.run('webhook', { continueOnFail: true }));
		expect(first.map((item) => String(item.json.error).slice(0, 40))).toEqual(['The video generation failed: rendering f', expect.stringContaining('no balance')]);
		earlierTasks.clear();
		const creates = standin.createCalls();
		const { items } = await runNode(standin, { prompt }, instance.run('retry'));
		expect(standin.createCalls()).toBe(creates + 2);
		expect(items.every((item) => item.binary?.data)).toBe(true);
		expect(instance.marks().size).toBe(2); // the retry's own two tasks
	});

	it("goes on without marks when n8n's deduplication store fails, and says so once in the log", async () => {
		const instance = anInstance();
		instance.store.broken = true;
		const { items, test } = await runNode(standin, { prompt }, instance.run('webhook'));
		expect(items.every((item) => item.binary?.data)).toBe(true);
		const warnings = test.logs.filter((line) => line.level === 'warn');
		expect(warnings).toHaveLength(1);
		expect(warnings[0].message).toMatch(/^CogVideoX could not use n8n's deduplication store .* \(connect ECONNREFUSED 127\.0\.0\.1:5432\); this run goes on without the marks/);
		expect(instance.store.calls).toBe(1);
	});
});
