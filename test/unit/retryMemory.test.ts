/** The memory that lets Retry On Fail reuse an earlier try's tasks: what it keeps, for how long, and how much. */
import type { IExecuteFunctions, INode } from 'n8n-workflow';

import { findModel } from '../../nodes/CogVideoX/models';
import type { PreparedGenerate } from '../../nodes/CogVideoX/item/prepare';
import { beginTry, maxTriesOf, NO_MEMORY, RETRY_MEMORY_LIMITS, RetryMemory, requestFingerprint } from '../../nodes/CogVideoX/run/retryMemory';

const LIMITS = { keepAfterTryMs: 1000, maxTryMs: 10_000, maxRecords: 4 };
const sent = (requestId: string, taskId?: string) => ({ requestId, sentAt: 1, ...(taskId ? { task: { id: taskId, status: 'PROCESSING' } } : {}) });

/** One try of node run `key` that remembers a request per item (fingerprint `fp`), then ends it when `retryFollows` is given. */
function aTry(memory: RetryMemory, key: string, requestIds: string[], retryFollows?: boolean, maxTries = 3) {
	const attempt = memory.beginTry(key, maxTries);
	requestIds.forEach((requestId, index) => attempt.item(index, () => 'fp').remember(sent(requestId)));
	if (retryFollows !== undefined) attempt.end(retryFollows);
	return attempt;
}

let now = 1_000_000;
beforeEach(() => {
	now = 1_000_000;
	jest.spyOn(Date, 'now').mockImplementation(() => now);
});
afterEach(() => jest.restoreAllMocks());

describe('RetryMemory', () => {
	it('gives a later try of the same node run what an earlier one remembered, for the same request only', () => {
		const memory = new RetryMemory(LIMITS);
		const first = memory.beginTry('run', 3);
		first.item(0, () => 'fp-a').remember(sent('req-a', 'task-a'));
		first.item(1, () => 'fp-b').remember(sent('req-b'));
		first.end(true);

		const second = memory.beginTry('run', 3);
		expect(second.item(0, () => 'fp-a').recall()).toEqual({ fingerprint: 'fp-a', requestId: 'req-a', sentAt: 1, task: { id: 'task-a', status: 'PROCESSING' } });
		expect(second.item(1, () => 'fp-b').recall()).toMatchObject({ requestId: 'req-b' });
		expect(second.item(1, () => 'fp-changed').recall()).toBeUndefined();
		expect(second.item(2, () => 'fp-a').recall()).toBeUndefined();
		expect(memory.beginTry('another run', 3).item(0, () => 'fp-a').recall()).toBeUndefined();
	});

	it('drops a node run when it succeeds, after its last try, and when cancelled', () => {
		const memory = new RetryMemory(LIMITS);
		aTry(memory, 'succeeds', ['req'], false);
		expect(memory.size).toEqual({ runs: 0, records: 0 });

		aTry(memory, 'fails twice', ['req'], true, 2);
		expect(memory.size).toEqual({ runs: 1, records: 1 });
		aTry(memory, 'fails twice', ['req'], true, 2);
		expect(memory.size).toEqual({ runs: 0, records: 0 });

		aTry(memory, 'cancelled', ['req']).drop();
		expect(memory.size).toEqual({ runs: 0, records: 0 });
	});

	it('forgets an item whose task failed, so the next try makes a new one', () => {
		const memory = new RetryMemory(LIMITS);
		const first = memory.beginTry('run', 3);
		const item = first.item(0, () => 'fp');
		item.remember(sent('req', 'task'));
		item.forget();
		expect(memory.size.records).toBe(0);
		first.end(true);
		expect(memory.beginTry('run', 3).item(0, () => 'fp').recall()).toBeUndefined();
	});

	it('a node run between tries expires after keepAfterTryMs; a running try only after maxTryMs', () => {
		const memory = new RetryMemory(LIMITS);
		aTry(memory, 'ended', ['req'], true);
		aTry(memory, 'running', ['req']);

		now += LIMITS.keepAfterTryMs - 1;
		memory.beginTry('other', 3);
		expect(memory.size.records).toBe(2);
		now += 1;
		memory.beginTry('other', 3);
		expect(memory.size.records).toBe(1);
		now += LIMITS.maxTryMs;
		memory.beginTry('other', 3);
		expect(memory.size).toEqual({ runs: 1, records: 0 });
	});

	it('keeps at most maxRecords: node runs between tries make room, oldest first; running ones are never evicted', () => {
		const memory = new RetryMemory(LIMITS);
		for (const key of ['old', 'newer']) aTry(memory, key, [`${key}-0`, `${key}-1`], true);
		aTry(memory, 'running', ['running-0']);
		expect(memory.size).toEqual({ runs: 2, records: 3 });
		expect(memory.beginTry('old', 3).item(0, () => 'fp').recall()).toBeUndefined();

		// Full of running tries: a new item is not remembered (its retry would pay again), and nothing breaks.
		const full = new RetryMemory({ ...LIMITS, maxRecords: 2 });
		const busy = aTry(full, 'busy', ['req-0', 'req-1', 'req-2']);
		expect(full.size.records).toBe(2);
		expect(busy.item(2, () => 'fp').recall()).toBeUndefined();
		busy.item(0, () => 'fp').remember(sent('req-0', 'task-0'));
		expect(busy.item(0, () => 'fp').recall()?.task?.id).toBe('task-0');
		expect(full.size.records).toBe(2);
	});

	it('a handle of a node run already dropped changes nothing', () => {
		const memory = new RetryMemory(LIMITS);
		const attempt = memory.beginTry('run', 3);
		const item = attempt.item(0, () => 'fp');
		item.remember(sent('req'));
		attempt.drop();
		item.remember(sent('req-again'));
		item.forget();
		attempt.end(true);
		expect(memory.size).toEqual({ runs: 0, records: 0 });
	});

	it('keeps a node run between tries longer than n8n waits between them (5 s at most)', () => {
		expect(RETRY_MEMORY_LIMITS.keepAfterTryMs).toBeGreaterThan(5000);
	});
});

function contextFor(node: Partial<INode>, executionId = 'exec-1', runIndex = 0, binary?: Record<string, unknown>): IExecuteFunctions {
	return {
		getNode: () => ({ id: 'node-1', name: 'CogVideoX', ...node }) as INode,
		getExecutionId: () => executionId,
		getWorkflowDataProxy: () => ({ $runIndex: runIndex }),
		getInputData: () => [{ json: {}, binary }],
	} as unknown as IExecuteFunctions;
}

describe('beginTry(ctx)', () => {
	it('remembers only for a node with Retry On Fail and an execution id', () => {
		const memory = new RetryMemory(LIMITS);
		expect(beginTry(contextFor({}), memory)).toBe(NO_MEMORY);
		expect(beginTry(contextFor({ retryOnFail: true }, ''), memory)).toBe(NO_MEMORY);
		beginTry(contextFor({ retryOnFail: true }), memory).item(0, () => 'fp').remember(sent('req'));
		expect(memory.size.records).toBe(1);
	});

	it('keys by execution, node and run index', () => {
		const memory = new RetryMemory(LIMITS);
		beginTry(contextFor({ retryOnFail: true }), memory).item(0, () => 'fp').remember(sent('req'));
		const recall = (ctx: IExecuteFunctions) => beginTry(ctx, memory).item(0, () => 'fp').recall();
		expect(recall(contextFor({ retryOnFail: true }))).toBeDefined();
		expect(recall(contextFor({ retryOnFail: true }, 'exec-2'))).toBeUndefined();
		expect(recall(contextFor({ retryOnFail: true, id: 'node-2' }))).toBeUndefined();
		expect(recall(contextFor({ retryOnFail: true }, 'exec-1', 1))).toBeUndefined();
	});

	it('counts tries as n8n does: 2 to 5, 3 when unset', () => {
		expect([undefined, 0, 1, 2, 4, 5, 9].map((maxTries) => maxTriesOf({ maxTries } as INode))).toEqual([3, 3, 2, 2, 4, 5, 5]);
	});
});

describe('requestFingerprint', () => {
	const model = findModel('cogvideox-3')!;
	const item = (changes: Partial<PreparedGenerate> = {}): PreparedGenerate => ({
		kind: 'generate',
		itemIndex: 0,
		operation: 'imageToVideo',
		model,
		prompt: 'A fox in snow',
		images: [{ field: 'Image', source: 'binary', property: 'data' }],
		settingsBody: { size: '1920x1080' },
		run: { wait: true, returnWhenBusy: false, download: true, downloadCover: false, outputBinaryProperty: 'data', pollIntervalMs: 5000, timeoutMs: 900_000 },
		...changes,
	});
	const stored = { data: { id: 'filesystem-v2:a', data: 'filesystem-v2', mimeType: 'image/png', fileName: 'a.png' } };
	const fingerprint = (changes?: Partial<PreparedGenerate>, binary: Record<string, unknown> = stored) => requestFingerprint(contextFor({}, 'e', 0, binary), item(changes));

	it('is a hash, the same for the same request, different for any change of model, prompt, settings or image', () => {
		const base = fingerprint();
		expect(base).toMatch(/^[0-9a-f]{64}$/);
		expect(fingerprint()).toBe(base);
		const changed = [
			fingerprint({ prompt: 'A fox in rain' }),
			fingerprint({ model: findModel('cogvideox-2')! }),
			fingerprint({ settingsBody: { size: '1280x720' } }),
			fingerprint({ images: [{ field: 'Image', source: 'url', url: 'https://example.com/a.png' }] }),
			fingerprint({}, { data: { ...stored.data, id: 'filesystem-v2:b' } }),
			fingerprint({}, { data: { data: 'iVBORw0KGgo=', mimeType: 'image/png', fileName: 'a.png' } }),
		];
		expect(new Set([base, ...changed]).size).toBe(changed.length + 1);
	});
});
