/**
 * The fault matrix: each failure the platform can throw, switched on in the stand-in for one request,
 * and what a user sees. No paid video is lost or made twice, and the key never leaves for another host.
 */
import { createHash } from 'node:crypto';

import { accountGates } from '../../nodes/CogVideoX/api/accountGate';
import { heldSlot, TaskPace } from '../../nodes/CogVideoX/run/pace';
import { settle } from '../../nodes/CogVideoX/settle';
import { MAX_UNANSWERED_CREATES, submitTask } from '../../nodes/CogVideoX/api/submit';
import { createContext } from '../helpers/executeContext';
import type { Standin, StandinOptions, StandinTask } from '../standin/server';
import { credentialsFor, runError, runNode, standinsOfThisFile } from './run';

const standinWith = standinsOfThisFile();

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const posts = (standin: Standin) =>
	standin.apiRequests.filter((request) => request.method === 'POST').map((request) => request.body as { request_id: string });

/** The key must not be anywhere in what the node hands back. */
function expectNoKey(standin: Standin, ...values: unknown[]) {
	const text = JSON.stringify(values, (_key, value) => (value instanceof Error ? { message: value.message, description: (value as { description?: string }).description } : value));
	expect(text).not.toContain(standin.apiKey);
	expect(text).not.toContain(standin.apiKey.split('.')[1]);
}

/**
 * The docs promise neither that a repeated request_id returns its task nor that GET async-result/<request_id> finds
 * it. The node must never pay twice under any reading, and must say how to find the task where it cannot.
 */
const READINGS: Array<[string, StandinOptions, 'existing task' | 'found by request_id' | 'not found']> = [
	['a repeated request_id returns the existing task', { duplicateRequest: 'existingTask' }, 'existing task'],
	['1231, and the lookup by request_id finds the task', { duplicateRequest: '1231', findByRequestId: true }, 'found by request_id'],
	['1231, and the lookup by request_id fails (the stand-in default)', {}, 'not found'],
];

/** The message of a create that may have made a task the node cannot find, for the stand-in's task. */
function mayExistMessage(why: string, task: StandinTask, model = 'cogvideox-3'): RegExp {
	const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	return new RegExp(
		`^${escape(why)}\\. A ${model} task may have been created and charged: look for a ${model} charge at ` +
			`(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) \\(request ID ${task.requestId}\\) in the billing records ` +
			`of the Zhipu platform console that issued the API key before running this item again$`,
	);
}

/** The time the message gives is when the create was first sent: just before the stand-in made the task. */
function expectSentAt(message: string, pattern: RegExp, task: StandinTask): void {
	const sentAt = Date.parse(pattern.exec(message)![1]);
	expect(task.createdAt - sentAt).toBeGreaterThanOrEqual(0);
	expect(task.createdAt - sentAt).toBeLessThan(1000);
}

describe.each(READINGS)('create without an answer, when the API gives %s', (_reading, options, outcome) => {
	it('a dropped connection after the task was made: sent again with the same request_id, exactly one task', async () => {
		const standin = await standinWith(options);
		standin.injectFault({ on: 'create', drop: 'afterCreate' });
		const result = await settle(runNode(standin, {}));
		const [task] = [...standin.tasks.values()];
		const sent = posts(standin);
		expect(sent).toHaveLength(2);
		expect(sent[1].request_id).toBe(sent[0].request_id);
		expect(standin.tasks.size).toBe(1);
		if (outcome === 'not found') {
			expect(result.ok).toBe(false);
			const { message } = result.ok ? { message: '' } : (result.error as Error);
			const pattern = mayExistMessage('The API says this request was already submitted, but its task could not be found', task);
			expect(message).toMatch(pattern);
			expectSentAt(message, pattern, task);
			return;
		}
		if (!result.ok) throw result.error;
		const { items, test } = result.value;
		// Found by its request_id, the task goes by the id the API's answer gives (recorded poll answers carry it).
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', taskId: task.id, requestId: task.requestId });
		expect(sha256(test.bytesOf(items[0].binary!.data))).toBe(task.videoSha256);
		expectNoKey(standin, items);
	});

	it('a create that times out is sent again with the same request_id, and never makes a second task', async () => {
		const standin = await standinWith(options);
		standin.injectFault({ on: 'create', hangMs: 800 });
		const test = createContext({ parameters: {}, credentials: credentialsFor(standin) });
		const client = { ctx: test.ctx, baseUrl: standin.apiUrl, requestTimeoutMs: 300 };
		const pace = new TaskPace(1);
		await pace.acquire();
		const request = {
			requestId: 'req-timeout-1',
			model: 'cogvideox-flash',
			firstSentAt: Date.now(),
			body: async () => ({ model: 'cogvideox-flash', prompt: 'a cat', request_id: 'req-timeout-1' }),
		};
		const line = { gate: accountGates.for(standin.apiUrl, standin.apiKey, 'cogvideox-flash'), intervalMs: 1000 };
		const created = await settle(submitTask(client, request, heldSlot(pace), Date.now() + 30_000, line));
		expect(standin.tasks.size).toBe(1);
		expect(posts(standin)).toHaveLength(2);
		const [task] = [...standin.tasks.values()];
		if (outcome === 'not found') {
			expect(created.ok || (created.error as Error).message).toMatch(mayExistMessage('The API says this request was already submitted, but its task could not be found', task, 'cogvideox-flash'));
			return;
		}
		if (!created.ok) throw created.error;
		expect(created.value).toMatchObject({ attempts: 2, taskId: task.id });
	});

	it('Retry On Fail: a request that got no answer in one try is sent with the same request_id in the next', async () => {
		const standin = await standinWith(options);
		// Try 1: the task is made but no create is ever answered, so the node gives up saying a task may exist.
		standin.injectFault({ on: 'create', drop: 'afterCreate' });
		for (let i = 0; i < MAX_UNANSWERED_CREATES - 1; i++) standin.injectFault({ on: 'create', drop: 'beforeCreate' });
		const tries = { executionId: `retry-${outcome}`, node: { retryOnFail: true, maxTries: 2 } };
		const first = await runError(standin, {}, tries);
		const [task] = [...standin.tasks.values()];
		const noAnswer = mayExistMessage(`The Zhipu API did not answer the create request (${MAX_UNANSWERED_CREATES} of ${MAX_UNANSWERED_CREATES} tries)`, task);
		expect(first.message).toMatch(noAnswer);
		expectSentAt(first.message, noAnswer, task);

		const second = await settle(runNode(standin, {}, tries));
		expect(new Set(posts(standin).map((body) => body.request_id))).toEqual(new Set([task.requestId]));
		expect(standin.tasks.size).toBe(1);
		if (outcome === 'not found') {
			const message = second.ok ? '' : (second.error as Error).message;
			const pattern = mayExistMessage('The API says this request was already submitted, but its task could not be found', task);
			expect(message).toMatch(pattern);
			// The time is still the first send's, in the earlier try.
			expectSentAt(message, pattern, task);
			return;
		}
		if (!second.ok) throw second.error;
		expect(second.value.items[0].json).toMatchObject({ status: 'SUCCESS', requestId: task.requestId });
		expect(sha256(second.value.test.bytesOf(second.value.items[0].binary!.data))).toBe(task.videoSha256);
	});
});

describe('create: the connection drops before the task was made', () => {
	it('sent again with the same request_id, exactly one task', async () => {
		const standin = await standinWith();
		standin.injectFault({ on: 'create', drop: 'beforeCreate' });
		const { items } = await runNode(standin, {});
		const sent = posts(standin);
		expect(sent).toHaveLength(2);
		expect(sent[0].request_id).toBe(sent[1].request_id);
		expect(standin.tasks.size).toBe(1);
		expect(items[0].json).toMatchObject({ status: 'SUCCESS', requestId: sent[0].request_id });
		expectNoKey(standin, items);
	});

	it('a create that never gets an answer fails after a few tries, saying a task may exist', async () => {
		const standin = await standinWith();
		for (let i = 0; i < 3; i++) standin.injectFault({ on: 'create', drop: 'beforeCreate' });
		const error = await runError(standin, {});
		const requestId = posts(standin)[0].request_id;
		expect(error.message).toMatch(/^The Zhipu API did not answer the create request \(3 of 3 tries\)\. A cogvideox-3 task may have been created and charged: look for a cogvideox-3 charge at \S+Z \(request ID cvx-[0-9a-f]{40}-1\)/);
		expect(error.message).toContain(requestId);
		expect(new Set(posts(standin).map((body) => body.request_id)).size).toBe(1);
		expect(standin.tasks.size).toBe(0);
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
		expect(error.message).toBe(`The API key was rejected: stand-in fault: HTTP 401. Check the API key and region in the Zhipu AI API credential (HTTP 401, code 1002) [task ${task.id}]`);
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

	it("a video larger than n8n's binary data store takes fails its item with the task id and the link, downloaded once", async () => {
		const standin = await standinWith({ videoBytes: 3 * 1024 * 1024 });
		const error = await runError(standin, {}, { storeMaxBytes: 2 * 1024 * 1024 });
		const [task] = [...standin.tasks.values()];
		const url = `${standin.filesOrigin}/video/${task.id}.mp4`;
		expect(error.message).toBe(
			`n8n could not store the video of task ${task.id} (${url}, valid for about a day): Failed to write binary file "${task.id}.mp4" because its size of 3 MB exceeds the max size limit of 2 MB set for \`database\` mode.`,
		);
		expect(standin.fileRequests.filter((request) => request.path.startsWith('/video/'))).toHaveLength(1);
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
		const fileHosts = [standin.filesOrigin, standin.coverOrigin];
		expect(test.requests.filter((request) => !request.authenticated).every((request) => fileHosts.some((origin) => request.url.startsWith(origin)))).toBe(true);
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
