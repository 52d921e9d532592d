/**
 * The fault matrix: each failure the platform can throw, switched on in the stand-in for one request,
 * and what a user sees. No paid video is lost or made twice, and the key never leaves for another host.
 */
import { createHash } from 'node:crypto';

import { heldSlot, TaskPace } from '../../nodes/CogVideoX/pace';
import { submitTask } from '../../nodes/CogVideoX/submit';
import { createContext } from '../helpers/executeContext';
import type { Standin, StandinOptions } from '../standin/server';
import { startStandin } from '../standin/server';
import { credentialsFor, runError, runNode } from './run';

const opened: Standin[] = [];
afterAll(async () => Promise.all(opened.map((standin) => standin.close())));

async function standinWith(options: StandinOptions = {}): Promise<Standin> {
	const standin = await startStandin({ generationMs: 150, ...options });
	opened.push(standin);
	return standin;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const posts = (standin: Standin) =>
	standin.apiRequests.filter((request) => request.method === 'POST').map((request) => request.body as { request_id: string });

/** The key must not be anywhere in what the node hands back. */
function expectNoKey(standin: Standin, ...values: unknown[]) {
	const text = JSON.stringify(values, (_key, value) => (value instanceof Error ? { message: value.message, description: (value as { description?: string }).description } : value));
	expect(text).not.toContain(standin.apiKey);
	expect(text).not.toContain(standin.apiKey.split('.')[1]);
}

describe('create: the connection drops after the request was sent', () => {
	it.each(['beforeCreate', 'afterCreate'] as const)('dropped %s: sent again with the same request_id, exactly one task', async (drop) => {
		const standin = await standinWith();
		standin.injectFault({ on: 'create', drop });
		const { items } = await runNode(standin, {});
		const sent = posts(standin);
		expect(sent).toHaveLength(2);
		expect(sent[0].request_id).toBe(sent[1].request_id);
		expect(standin.tasks.size).toBe(1);
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', requestId: sent[0].request_id });
		expectNoKey(standin, items);
	});

	it('a 1231 duplicate answer finds the task by its request_id', async () => {
		const standin = await standinWith({ duplicateRequest: '1231', findByRequestId: true });
		standin.injectFault({ on: 'create', drop: 'afterCreate' });
		const { items, test } = await runNode(standin, {});
		const [task] = [...standin.tasks.values()];
		expect(standin.tasks.size).toBe(1);
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', taskId: task.requestId });
		expect(sha256(test.bytesOf(items[0].binary!.data))).toBe(task.videoSha256);
	});

	it('a 1231 whose task cannot be found fails saying a task may exist, with its request ID', async () => {
		const standin = await standinWith({ duplicateRequest: '1231', findByRequestId: false });
		standin.injectFault({ on: 'create', drop: 'afterCreate' });
		const error = await runError(standin, {});
		const [task] = [...standin.tasks.values()];
		expect(error.message).toBe(
			`The API says this request was already submitted, but its task could not be found. A task may have been created and charged: look for request ID ${task.requestId} in the platform's console before running this item again`,
		);
		expect(standin.tasks.size).toBe(1);
	});

	it('a create that times out is sent again with the same request_id and finds the task made by the first', async () => {
		const standin = await standinWith();
		standin.injectFault({ on: 'create', hangMs: 800 });
		const test = createContext({ parameters: {}, credentials: credentialsFor(standin) });
		const client = { ctx: test.ctx, baseUrl: standin.apiUrl, requestTimeoutMs: 300 };
		const pace = new TaskPace(1);
		await pace.acquire();
		const created = await submitTask(client, { model: 'cogvideox-flash', prompt: 'a cat', request_id: 'req-timeout-1' }, heldSlot(pace), Date.now() + 30_000);
		expect(created.attempts).toBe(2);
		expect(standin.tasks.size).toBe(1);
		expect(created.taskId).toBe([...standin.tasks.keys()][0]);
	});

	it('a create that never gets an answer fails after a few tries, saying a task may exist', async () => {
		const standin = await standinWith();
		for (let i = 0; i < 3; i++) standin.injectFault({ on: 'create', drop: 'beforeCreate' });
		const error = await runError(standin, {});
		const requestId = posts(standin)[0].request_id;
		expect(error.message).toMatch(/^The Zhipu API did not answer the create request \(3 of 3 tries\)\. A task may have been created and charged: look for request ID [0-9a-f-]{36} in the platform's console/);
		expect(error.message).toContain(requestId);
		expect(new Set(posts(standin).map((body) => body.request_id)).size).toBe(1);
	});
});

describe('poll: server trouble never abandons a task', () => {
	it.each([
		['HTTP 500', { on: 'poll' as const, status: 500 }],
		['an HTML gateway page', { on: 'poll' as const, status: 502, html: true as const }],
		['invalid JSON with HTTP 200', { on: 'poll' as const, invalidJson: true as const }],
		['a 1305 overload', { on: 'poll' as const, status: 503, code: '1305' }],
	])('%s is retried', async (_name, fault) => {
		const standin = await standinWith();
		standin.injectFault(fault);
		standin.injectFault(fault);
		const { items } = await runNode(standin, {});
		expect(items[0].json.status).toBe('SUCCESS');
		expect([...standin.tasks.values()][0].polls).toBeGreaterThanOrEqual(3);
	});

	it('a 401 on a poll is not retried: one plain line, with the task id', async () => {
		const standin = await standinWith();
		standin.injectFault({ on: 'poll', status: 401, code: '1002' });
		const error = await runError(standin, {});
		const [task] = [...standin.tasks.values()];
		expect(error.message).toBe(`The API key was rejected. Check the API key and region in the Zhipu AI API credential (HTTP 401, code 1002) [task ${task.id}]`);
		expect(task.polls).toBe(1);
	});
});

describe('download', () => {
	it.each(['reset', 'short'] as const)('a %s connection is retried, and the final bytes are identical to the source', async (cut) => {
		const standin = await standinWith({ videoBytes: 3 * 1024 * 1024 });
		standin.injectFault({ on: 'download', cut });
		const { items, test } = await runNode(standin, {}, { binaryMode: 'filesystem' });
		const [task] = [...standin.tasks.values()];
		expect(standin.fileRequests.filter((request) => request.path.startsWith('/video/'))).toHaveLength(2);
		const bytes = test.bytesOf(items[0].binary!.data);
		expect(bytes.length).toBe(task.videoSize);
		expect(sha256(bytes)).toBe(task.videoSha256);
	});

	it.each([403, 404])('an expired link (HTTP %s) says so with the task id, and is not retried', async (status) => {
		const standin = await standinWith();
		standin.injectFault({ on: 'download', status });
		const error = await runError(standin, {});
		const [task] = [...standin.tasks.values()];
		expect(error.message).toBe(`The video link has expired or is gone (HTTP ${status}). Result links last about a day; generate the video again [task ${task.id}]`);
		expect(standin.fileRequests).toHaveLength(1);
	});

	it('downloads result URLs only over http(s)', async () => {
		const standin = await standinWith();
		standin.injectFault({ on: 'result', videoUrl: 'file:///etc/passwd' });
		const error = await runError(standin, {});
		const [task] = [...standin.tasks.values()];
		expect(error.message).toBe(`The video URL is not an http(s) link, so it was not downloaded: file:///etc/passwd [task ${task.id}]`);
	});
});

describe('the key and the base URL', () => {
	it('uses a custom base URL exactly as configured, and sends the key only there', async () => {
		const standin = await standinWith({ basePath: '/gateway/zhipu/api/paas/v4' });
		const { items, test } = await runNode(standin, { options: { pollInterval: 0.05, downloadCover: true } });
		expect(standin.apiUrl.endsWith('/gateway/zhipu/api/paas/v4')).toBe(true);
		const authenticated = test.requests.filter((request) => request.authenticated);
		expect(authenticated.length).toBeGreaterThan(1);
		expect(authenticated.every((request) => request.url.startsWith(`${standin.apiUrl}/`))).toBe(true);
		expect(standin.apiRequests.every((request) => request.path.startsWith('/gateway/zhipu/api/paas/v4/'))).toBe(true);
		expect(test.requests.filter((request) => !request.authenticated).every((request) => request.url.startsWith(standin.filesOrigin))).toBe(true);
		expect(standin.fileAuthorizationHeaders).toEqual([]);
		expectNoKey(standin, items);
	});

	it('keeps the key out of every error the fault matrix produces', async () => {
		const standin = await standinWith();
		const errors: unknown[] = [];
		for (const fault of [
			{ on: 'create' as const, status: 429, code: '1113' },
			{ on: 'create' as const, status: 400, code: '1301' },
			{ on: 'poll' as const, status: 401 },
			{ on: 'download' as const, status: 404 },
			{ on: 'taskFail' as const, reason: 'refused' },
		]) {
			standin.injectFault(fault);
			errors.push(await runError(standin, {}));
		}
		const { items } = await runNode(standin, { prompt: '' }, { continueOnFail: true });
		expectNoKey(standin, errors, items);
	});
});
