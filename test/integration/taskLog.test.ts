/**
 * Every paid task is findable from n8n's own log: one line through n8n's logger when the task is created and one
 * when it ends, with the workflow, execution, node, item, task ID, request ID, model and time, never the key. And
 * the IDs those lines give fetch the videos with one Get Result, whatever text around them is pasted with them.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { taskIdsOf } from '../../nodes/CogVideoX/item/prepare';
import { PARALLEL_READS } from '../../nodes/CogVideoX/run/execute';
import { CogVideoX } from '../../nodes/CogVideoX/CogVideoX.node';
import type { TestContext } from '../helpers/executeContext';
import { createContext } from '../helpers/executeContext';
import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { credentialsFor, DEFAULT_PARAMETERS, runError, runNode } from './run';

let standin: Standin;
beforeAll(async () => {
	standin = await startStandin({ generationMs: 150 });
});
afterAll(async () => standin.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const PROMPTS = ['A lighthouse in a storm', 'A fox in fresh snow'];
const twoItems = () => PROMPTS.map((prompt) => ({ json: { prompt } }));
const linesOf = (test: TestContext) => test.logs.filter((line) => line.message.startsWith('CogVideoX task '));

describe("n8n's log names every task", () => {
	it('logs each task when it is created and when its video is handed on, with every field and never the key', async () => {
		const { items, test } = await runNode(standin, { prompt: (i: number) => PROMPTS[i] }, { items: twoItems(), executionId: '4711', workflowId: 'wf-nightly' });
		const lines = linesOf(test);
		expect(lines).toHaveLength(4);
		for (const [itemIndex, item] of items.entries()) {
			const task = standin.tasks.get(item.json.taskId as string)!;
			const [created, done] = lines.filter((line) => line.message.includes(task.id));
			expect(created.level).toBe('info');
			expect(created.message).toMatch(
				new RegExp(
					`^CogVideoX task ${task.id} created; request ${task.requestId}, model cogvideox-3, workflow "Test workflow" \\(id wf-nightly\\), ` +
						`execution 4711, node "CogVideoX", item ${itemIndex}, at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$`,
				),
			);
			expect(created.metadata).toMatchObject({ taskId: task.id, requestId: task.requestId, model: 'cogvideox-3', executionId: '4711', itemIndex, event: 'created' });
			expect(done.message).toMatch(new RegExp(`^CogVideoX task ${task.id} done: its video is in the node output; request ${task.requestId}, `));
		}
		expect(JSON.stringify(test.logs)).not.toContain(standin.apiKey);
	});

	it('names the request ID right before the first create is sent, so a task whose answer never arrived can be found by it', async () => {
		standin.injectFault({ on: 'create', drop: 'afterCreate' });
		const { items, test } = await runNode(standin, { prompt: 'A lighthouse in a storm', options: { timeout: 1 } }, { executionId: '4712', continueOnFail: true });
		const task = [...standin.tasks.values()].at(-1)!;
		const sent = test.logs.filter((line) => line.message.startsWith('CogVideoX request '));
		expect(sent).toHaveLength(1);
		expect(sent[0].level).toBe('info');
		expect(sent[0].message).toMatch(
			new RegExp(`^CogVideoX request ${task.requestId} sent for a new task; model cogvideox-3, workflow "Test workflow" \\(id [^)]*\\), execution 4712, node "CogVideoX", item 0, at `),
		);
		expect(sent[0].metadata).toMatchObject({ requestId: task.requestId, model: 'cogvideox-3', executionId: '4712', itemIndex: 0, event: 'sent' });
		// Here the process lives on, and the item's error points to the same request ID in the billing records.
		expect(items[0].json.error).toContain(`(request ID ${task.requestId}) in the billing records`);
		expect(JSON.stringify(test.logs)).not.toContain(standin.apiKey);
	});

	it('warns with the reason when a task ends without its video reaching the output, and names it a failure when it FAILs', async () => {
		standin.injectFault({ on: 'taskFail', prompt: 'fox', reason: 'rendering failed' });
		const { items, test } = await runNode(standin, { prompt: (i: number) => PROMPTS[i] }, { items: twoItems(), continueOnFail: true });
		const failed = items[1].json.taskId as string;
		const line = linesOf(test).find((entry) => entry.message.startsWith(`CogVideoX task ${failed} ended`))!;
		expect(line.level).toBe('warn');
		expect(line.message).toContain(`ended without a video (The video generation failed: rendering failed [task ${failed}])`);
	});

	it('warns that a task was not delivered when its wait times out, and when the node stops at another item', async () => {
		standin.setGenerationMs(3000);
		try {
			const slow = await runNode(standin, { prompt: 'A slow scene', options: { pollInterval: 0.1, timeout: 0.5 } }, { continueOnFail: true });
			const slowTask = slow.items[0].json.taskId as string;
			const [, ended] = linesOf(slow.test);
			expect(ended.level).toBe('warn');
			expect(ended.message).toMatch(
				new RegExp(`^CogVideoX task ${slowTask} not delivered \\(The task did not finish within 0\\.5 s\\..*\\): run Get Result with this task ID within a day to fetch its video; `),
			);
		} finally {
			standin.setGenerationMs(150);
		}
		standin.injectFault({ on: 'create', status: 400, code: '1301', message: 'unsafe', prompt: 'fox' });
		const test = createContext({ credentials: credentialsFor(standin), items: twoItems(), parameters: { ...DEFAULT_PARAMETERS, prompt: (i: number) => PROMPTS[i] } });
		await expect(new CogVideoX().execute.call(test.ctx)).rejects.toThrow(/unsafe/);
		const [created, ended] = linesOf(test);
		expect(created.message).toMatch(/^CogVideoX task \S+ created; /);
		expect(ended.message).toContain('not delivered (the node stopped at item 1, so n8n keeps none of its output)');
	});
});

describe('Get Result with several task IDs', () => {
	it('fetches each video of a pasted list of IDs, one output item each, in order, with no new task', async () => {
		const { items: made } = await runNode(standin, { prompt: (i: number) => PROMPTS[i] }, { items: twoItems() });
		const ids = made.map((item) => item.json.taskId as string);
		const creates = standin.createCalls();
		const { items, test } = await runNode(standin, { operation: 'getResult', taskId: `${ids[0]},\n ${ids[1]}  ${ids[0]}` });
		expect(standin.createCalls()).toBe(creates);
		expect(items.map((item) => item.json.taskId)).toEqual(ids);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
		for (const item of items) expect(sha256(test.bytesOf(item.binary!.data))).toBe(standin.tasks.get(item.json.taskId as string)!.videoSha256);
	});

	it(`without waiting, reads and downloads up to ${PARALLEL_READS} tasks at once, whatever Max Concurrent Tasks says`, async () => {
		const { items: made } = await runNode(standin, { prompt: (i: number) => `Scene ${i}` }, { items: Array.from({ length: 6 }, () => ({ json: {} })) });
		// A file host that answers no download until six are open at once (or two seconds passed), and counts them.
		let open = 0;
		let peak = 0;
		const waiting: Array<() => void> = [];
		const host = createServer((_req, res) => {
			peak = Math.max(peak, ++open);
			const answer = () => {
				open--;
				res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': 4 }).end(Buffer.from('mp4!'));
			};
			waiting.push(answer);
			if (waiting.length === 6) waiting.splice(0).forEach((release) => release());
			else setTimeout(() => waiting.splice(0).forEach((release) => release()), 2000).unref();
		});
		await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
		try {
			const { port } = host.address() as AddressInfo;
			for (const item of made) standin.injectFault({ on: 'result', videoUrl: `http://127.0.0.1:${port}/${String(item.json.taskId)}.mp4` });
			const ids = made.map((item) => item.json.taskId).join(',');
			const { items } = await runNode(standin, { operation: 'getResult', taskId: ids, waitForCompletion: false, options: { maxConcurrency: 1 } });
			expect(items.map((item) => item.json.status)).toEqual(Array(6).fill('SUCCESS'));
			expect(peak).toBe(6);
		} finally {
			host.close();
		}
	});

	it('reads the IDs out of pasted log lines', () => {
		const log = [
			'Worker started execution 42 (job 7)',
			'CogVideoX task 2026120410211260afcd069762b22f created; request 0b6e…, model cogvideox-3, workflow "Nightly" (id 12), execution 42, node "Generate Video", item 0, at 2026-12-04T10:21:12.000Z',
			'CogVideoX task 202612041021129a759fdb27c2470d created; request 9c1d…, model cogvideox-3, workflow "Nightly" (id 12), execution 42, node "Generate Video", item 1, at 2026-12-04T10:21:12.100Z',
			'CogVideoX task 2026120410211260afcd069762b22f not delivered (the execution was cancelled): run Get Result …',
		].join('\n');
		expect(taskIdsOf(log)).toEqual(['2026120410211260afcd069762b22f', '202612041021129a759fdb27c2470d']);
	});

	it('refuses an empty field or something that is not a task ID, in one line, before any call', async () => {
		const calls = standin.apiRequests.length;
		expect((await runError(standin, { operation: 'getResult', taskId: ' , \n' })).message).toBe(
			'Task ID is empty: enter the task ID that a generate operation returned, or several separated by commas',
		);
		expect((await runError(standin, { operation: 'getResult', taskId: '123, ab/c' })).message).toBe(
			'Task ID: "ab/c" is not a task ID; task IDs are letters, digits, dots, dashes and underscores, separated by commas, spaces or new lines',
		);
		expect(standin.apiRequests.length).toBe(calls);
	});
});
