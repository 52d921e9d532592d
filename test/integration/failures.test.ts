import { createHash } from 'node:crypto';

import type { Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { runError, runNode } from './run';

let standin: Standin;

beforeAll(async () => {
	standin = await startStandin({ generationMs: 150 });
});
afterAll(async () => standin.close());

const createBodies = () =>
	standin.apiRequests.filter((request) => request.method === 'POST').map((request) => request.body as { request_id: string });

describe('API errors become one plain line, and are not retried', () => {
	it.each([
		['1113 no balance', { status: 429, code: '1113', text: 'noBalance' as const }, /^The Zhipu AI account has no balance left: Insufficient balance or no resource package\. Please recharge\. Top up the account, then run again \(HTTP 429, code 1113\)$/],
		[
			'1308 usage cap, sent with HTTP 429 like a 1302',
			{ status: 429, code: '1308', text: 'usageCap' as const, values: { number: '5', unit: 'hour', resetAt: '2026-12-02 10:00:00' } },
			/^The account has reached its usage cap: Usage limit of 5 hour reached\. Your limit will reset at 2026-12-02 10:00:00\. Run again after the reset time the API gives, or raise the cap in the platform console \(HTTP 429, code 1308\)$/,
		],
		['1309 plan expired', { status: 429, code: '1309', message: 'Your plan has expired' }, /^The account’s plan has expired: Your plan has expired\. Renew the plan/],
		['1310 weekly or monthly cap', { status: 429, code: '1310', message: 'Weekly limit reached' }, /^The account has reached its weekly or monthly cap/],
		['1311 model not in the plan', { status: 429, code: '1311', message: 'no cogvideox-3 in this plan' }, /^The account’s plan does not include this model: no cogvideox-3 in this plan\. Choose another model/],
		['1313 fair-use throttle', { status: 429, code: '1313', message: 'fair use' }, /^The account is throttled under the platform’s fair-use policy/],
		['1314 package expired', { status: 429, code: '1314', message: 'package expired' }, /^The account’s package has expired/],
		['1301 content refused', { status: 400, code: '1301' }, /^The API refused the content as unsafe or sensitive\. Change the prompt or the image \(HTTP 400, code 1301\)$/],
		['1214 bad parameter', { status: 400, code: '1214', message: 'size is not supported' }, /^The API rejected a parameter: size is not supported \(HTTP 400, code 1214\)$/],
		['1261 prompt too long', { status: 400, code: '1261', message: 'prompt exceeds 512' }, /^The prompt is too long for the API: prompt exceeds 512 \(HTTP 400, code 1261\)$/],
		['1211 unknown model', { status: 400, code: '1211' }, /^The API does not know this model/],
	])('%s', async (_name, fault, message) => {
		const before = standin.createCalls();
		standin.injectFault({ on: 'create', ...fault });
		const error = await runError(standin, {});
		expect(error.message).toMatch(message);
		expect(error.httpCode).toBe(String(fault.status));
		expect(standin.createCalls()).toBe(before + 1);
	});

	it('a wrong API key says so, and the key is not in the error', async () => {
		const wrongKey = 'wrong-id.wrong-secret-value';
		const error = await runError(standin, {}, { credentials: { apiKey: wrongKey, region: 'custom', baseUrl: standin.apiUrl } });
		expect(error.message).toMatch(/^The API key was rejected: Authentication failed\. Check the API key and region in the Zhipu AI API credential \(HTTP 401, code 1000\)$/);
		expect(JSON.stringify({ message: error.message, description: error.description })).not.toContain(wrongKey);
	});
});

describe('busy answers on create are retried with the same request_id', () => {
	it.each([
		['1302 concurrency limit', { status: 429, code: '1302' }],
		['1305 overloaded as HTTP 503', { status: 503, code: '1305' }],
	])('%s', async (_name, fault) => {
		const postsBefore = createBodies().length;
		const tasksBefore = standin.tasks.size;
		standin.injectFault({ on: 'create', ...fault });
		standin.injectFault({ on: 'create', ...fault });
		const { items } = await runNode(standin, {});
		const posts = createBodies().slice(postsBefore);
		expect(posts).toHaveLength(3);
		expect(new Set(posts.map((body) => body.request_id)).size).toBe(1);
		expect(standin.tasks.size).toBe(tasksBefore + 1);
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', requestId: posts[0].request_id });
	});
});

describe('polling', () => {
	it('rides out a gateway page and a server error on a poll', async () => {
		standin.injectFault({ on: 'poll', status: 502, html: true });
		standin.injectFault({ on: 'poll', status: 500, code: '500' });
		const { items } = await runNode(standin, {});
		expect(items[0].json.status).toBe('SUCCESS');
		expect(items[0].json.timings).toMatchObject({ polls: expect.any(Number) });
	});

	it('a FAIL status gives the task id and the reason', async () => {
		standin.injectFault({ on: 'taskFail', reason: 'The image could not be understood' });
		const error = await runError(standin, {});
		const failed = [...standin.tasks.values()].pop()!;
		expect(error.message).toBe(`The video generation failed: The image could not be understood [task ${failed.id}]`);
	});

	it('a task that never finishes times out with its task id, and Get Result picks it up later', async () => {
		standin.setGenerationMs(1500);
		try {
			const error = await runError(standin, { options: { pollInterval: 0.05, timeout: 0.3 } });
			const task = [...standin.tasks.values()].pop()!;
			expect(error.message).toBe(`The task did not finish within 0.3 s. It may still finish: run Get Result with its task id later. [task ${task.id}]`);
			const { items } = await runNode(standin, { operation: 'getResult', taskId: task.id, options: { pollInterval: 0.1 } });
			expect(items[0].json).toMatchObject({ taskId: task.id, status: 'SUCCESS' });
		} finally {
			standin.setGenerationMs(150);
		}
	});
});

describe('download', () => {
	it('an expired result link says so and names the task', async () => {
		standin.injectFault({ on: 'download', status: 403 });
		const error = await runError(standin, {});
		const task = [...standin.tasks.values()].pop()!;
		expect(error.message).toBe(
			`The video link has expired or is gone (HTTP 403). Result links last about a day; generate the video again [task ${task.id}]`,
		);
	});

	it('never sends the API key to the file host, nor puts it in any output', async () => {
		const { items, test } = await runNode(standin, { options: { pollInterval: 0.05, downloadCover: true } });
		expect(standin.fileAuthorizationHeaders).toEqual([]);
		const fileRequests = test.requests.filter((request) => [standin.filesOrigin, standin.coverOrigin].some((origin) => request.url.startsWith(origin)));
		expect(fileRequests).toHaveLength(2);
		expect(fileRequests.every((request) => !request.authenticated && !request.headers.authorization)).toBe(true);
		expect(JSON.stringify(items[0].json)).not.toContain(standin.apiKey);
	});
});

describe('many items', () => {
	it('with Continue On Fail, a failed task becomes an item with its error and task id; the rest complete in order', async () => {
		standin.injectFault({ on: 'taskFail', reason: 'rejected by review' });
		const prompts = ['one', 'two', 'three'];
		const { items } = await runNode(
			standin,
			{ prompt: (i: number) => prompts[i], options: { pollInterval: 0.05, maxConcurrency: 1, download: false } },
			{ items: prompts.map((prompt) => ({ json: { prompt } })), continueOnFail: true },
		);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const failedTask = standin.tasks.get(String(items[0].json.taskId))!;
		expect(failedTask.body.prompt).toBe('one');
		expect(items[0].json).toMatchObject({ taskId: failedTask.id, error: `The video generation failed: rejected by review [task ${failedTask.id}]` });
		expect(items.slice(1).map((item) => [item.json.prompt, item.json.status])).toEqual([
			['two', 'SUCCESS'],
			['three', 'SUCCESS'],
		]);
	});

	it('without Continue On Fail, the error names the failed task and every other task the run created', async () => {
		standin.injectFault({ on: 'taskFail', reason: 'rejected by review' });
		const prompts = ['one', 'two', 'three'];
		const tasksBefore = new Set(standin.tasks.keys());
		const error = await runError(
			standin,
			{ prompt: (i: number) => prompts[i], options: { pollInterval: 0.05, maxConcurrency: 3, download: false } },
			{ items: prompts.map((prompt) => ({ json: { prompt } })) },
		);
		const created = [...standin.tasks.values()].filter((task) => !tasksBefore.has(task.id));
		expect(created).toHaveLength(3);
		const failed = created.find((task) => task.status === 'FAIL')!;
		expect(error.message).toContain(`[task ${failed.id}]`);
		for (const task of created.filter((other) => other !== failed)) expect(error.description).toContain(task.id);
	});

	it('stops polling and creates no new task once the execution is cancelled', async () => {
		standin.setGenerationMs(5000);
		const controller = new AbortController();
		const before = standin.createCalls();
		const earlier = new Set(standin.tasks.keys());
		const until = async (condition: () => boolean) => {
			while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
		};
		try {
			const running = runError(
				standin,
				{ prompt: (i: number) => `prompt ${i}`, options: { pollInterval: 0.2, maxConcurrency: 1 } },
				{ items: [0, 1, 2].map(() => ({ json: {} })), signal: controller.signal },
			);
			// Cancel once the first task is being polled: on a loaded machine a fixed delay may come before its create.
			await until(() => [...standin.tasks.values()].some((task) => !earlier.has(task.id) && task.polls > 0));
			const cancelledAt = Date.now();
			controller.abort();
			const error = await running;
			expect(Date.now() - cancelledAt).toBeLessThan(3000);
			expect(standin.createCalls()).toBe(before + 1);
			const task = [...standin.tasks.values()].pop()!;
			// n8n keeps nothing of a cancelled node; its error still names the task, for a Get Result later.
			expect(error.message).toBe(
				`The execution was cancelled while the node waited for its tasks (item 0: task ${task.id}). Run Get Result with these task IDs within a day to fetch their videos`,
			);
			// A poll already on the wire may still arrive; none may be sent after that.
			await new Promise((resolve) => setTimeout(resolve, 300));
			const pollsAfterCancel = task.polls;
			await new Promise((resolve) => setTimeout(resolve, 600));
			expect(task.polls).toBe(pollsAfterCancel);
		} finally {
			standin.setGenerationMs(150);
		}
	});
});

describe('large results', () => {
	it('streams a 50 MB video into filesystem binary data, byte for byte', async () => {
		const big = await startStandin({ generationMs: 50, videoBytes: 50 * 1024 * 1024 });
		try {
			const { items, test } = await runNode(big, {}, { binaryMode: 'filesystem' });
			const task = big.tasks.get(String(items[0].json.taskId))!;
			const bytes = test.bytesOf(items[0].binary!.data);
			expect(bytes.length).toBe(50 * 1024 * 1024);
			expect(createHash('sha256').update(bytes).digest('hex')).toBe(task.videoSha256);
			test.cleanup();
		} finally {
			await big.close();
		}
	});
});
