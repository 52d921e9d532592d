/**
 * The task ledger (taskLedger.ts): the request ID an item's identity gives it, the origin a Retry finds in the node's
 * context, the marks it writes and heeds, and the process's bounded memory. The proof that no run of n8n pays twice
 * is in real n8n: test/e2e/lostRunSuite.ts and repeatSuite.ts.
 */
import type { IDataObject } from 'n8n-workflow';

import { findModel } from '../../nodes/CogVideoX/models';
import type { PreparedGenerate } from '../../nodes/CogVideoX/item/prepare';
import { ORIGIN_KEY, ProcessMemory, TaskLedger } from '../../nodes/CogVideoX/run/taskLedger';
import type { ContextOptions } from '../helpers/executeContext';
import { createContext, ProcessedStore } from '../helpers/executeContext';

const BASE_URL = 'https://open.bigmodel.cn/api/paas/v4';

const item = (changes: Partial<PreparedGenerate> = {}): PreparedGenerate => ({
	kind: 'generate',
	itemIndex: 0,
	operation: 'textToVideo',
	model: findModel('cogvideox-3')!,
	prompt: 'A fox in snow',
	images: [],
	settingsBody: { size: '1920x1080' },
	run: { wait: true, returnWhenBusy: false, download: true, downloadCover: false, outputBinaryProperty: 'data', pollIntervalMs: 5000, timeoutMs: 900_000 },
	...changes,
});

/** A ledger of one execute() call; each gets a memory of its own unless one is given (one process). */
/** Every ledger a test opened: its node run ends after the test, as execute() ends each. */
const opened: TaskLedger[] = [];
afterEach(() => opened.splice(0).forEach((ledger) => ledger.release()));

function ledgerOf(options: Partial<ContextOptions> = {}, memory = new ProcessMemory()) {
	const test = createContext({ parameters: {}, credentials: {}, workflowId: 'wf', executionId: 'exec-1', items: [{ json: {} }, { json: {} }], ...options });
	const ledger = TaskLedger.open(test.ctx, BASE_URL, memory);
	opened.push(ledger);
	return { ledger, test };
}
const requestIdOf = (options: Partial<ContextOptions> = {}, changes: Partial<PreparedGenerate> = {}) => ledgerOf(options).ledger.item(item(changes)).requestId;

describe('the request ID', () => {
	it("is derived from the item's identity: the same in every run that repeats the item, within the API's 6 to 64 characters", () => {
		const requestId = requestIdOf();
		expect(requestId).toMatch(/^cvx-[0-9a-f]{40}-1$/);
		expect(requestId.length).toBeLessThanOrEqual(64);
		expect(requestIdOf()).toBe(requestId);
		const others = [
			requestIdOf({ executionId: 'exec-2' }),
			requestIdOf({ workflowId: 'wf-2' }),
			requestIdOf({ runIndex: 1 }),
			requestIdOf({ node: { id: 'another-node' } }),
			requestIdOf({}, { itemIndex: 1 }),
			requestIdOf({}, { prompt: 'A fox in rain' }),
			requestIdOf({}, { model: findModel('cogvideox-2')! }),
			requestIdOf({}, { settingsBody: { size: '1280x720' } }),
		];
		expect(new Set([requestId, ...others]).size).toBe(others.length + 1);
	});

	it('counts a binary image by its type, name and size, not by where n8n stored it', () => {
		const withImage = (id: string, fileSize = '12 kB') => ({
			items: [{ json: {}, binary: { data: { id, data: 'filesystem-v2', mimeType: 'image/png', fileName: 'a.png', fileSize } } }],
		});
		const imageItem = { operation: 'imageToVideo' as const, images: [{ field: 'Image', source: 'binary' as const, property: 'data' }] };
		expect(requestIdOf(withImage('fs:1'), imageItem)).toBe(requestIdOf(withImage('fs:2'), imageItem));
		expect(requestIdOf(withImage('fs:1'), imageItem)).not.toBe(requestIdOf(withImage('fs:1', '13 kB'), imageItem));
	});

	it('is the one the workflow supplies, when it supplies one', () => {
		expect(requestIdOf({}, { requestId: 'calendar-row-7-1' })).toBe('calendar-row-7-1');
	});

	it('a task that FAILs moves the item to its next try, with a request ID of its own', async () => {
		const memory = new ProcessMemory();
		const entry = ledgerOf({}, memory).ledger.item(item());
		await entry.aboutToSend();
		entry.created({ taskId: 'task-1', status: 'PROCESSING' });
		await entry.taskFailed();
		expect(entry.requestId).toMatch(/-2$/);
		// The next try of the node, in the same process, starts from there.
		const next = ledgerOf({}, memory).ledger.item(item());
		expect(next.requestId).toBe(entry.requestId);
		expect(next.lookUp()).toEqual({ task: undefined, sentBefore: false });
	});
});

describe('the origin, carried in the node context to a Retry', () => {
	it("a Retry (mode retry) gives its items the request IDs of the execution it repeats; a Retry of that Retry too", () => {
		const saved: IDataObject = {};
		const original = requestIdOf({ mode: 'webhook', executionId: '41', nodeContext: saved });
		expect(saved[ORIGIN_KEY]).toBe('41');
		expect(requestIdOf({ mode: 'retry', executionId: '42', nodeContext: saved })).toBe(original);
		expect(requestIdOf({ mode: 'retry', executionId: '43', nodeContext: saved })).toBe(original);
	});

	it('a Retry whose original never reached this node gets request IDs of its own', () => {
		expect(requestIdOf({ mode: 'retry', executionId: '42' })).not.toBe(requestIdOf({ mode: 'webhook', executionId: '41' }));
	});

	it('only a Retry reads it: any other run is new work', () => {
		const saved: IDataObject = {};
		const original = requestIdOf({ mode: 'manual', executionId: '41', nodeContext: saved });
		expect(requestIdOf({ mode: 'manual', executionId: '42', nodeContext: saved })).not.toBe(original);
		expect(saved[ORIGIN_KEY]).toBe('42');
	});
});

describe('the marks in n8n\'s database', () => {
	const marksIn = (store: ProcessedStore) => [...store.row('wf', 'test-node')];

	it('are written right before the first send, a sent mark of the request ID and an open mark; they go when the node run ends well', async () => {
		const store = new ProcessedStore();
		const { ledger } = ledgerOf({ processedStore: store });
		const entry = ledger.item(item());
		expect(marksIn(store)).toEqual([]);
		await expect(entry.aboutToSend()).resolves.toBe('send');
		expect(marksIn(store)).toEqual([`cogvideox-sent:${entry.requestId}`, expect.stringMatching(/^cogvideox-open:[0-9a-f]{64}$/)]);
		await ledger.close([entry]);
		expect(marksIn(store)).toEqual([]);
	});

	it('are written again while the item is open, so a mark another writer dropped comes back; not after the node run ends', async () => {
		const store = new ProcessedStore();
		const { ledger } = ledgerOf({ processedStore: store });
		await ledger.item(item()).aboutToSend();
		const marks = marksIn(store);
		store.row('wf', 'test-node').clear();
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(marksIn(store)).toEqual(marks);
		ledger.release();
		store.row('wf', 'test-node').clear();
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(marksIn(store)).toEqual([]);
	});

	it('a sent mark an earlier run left (another process) means: look the task up, never send again', async () => {
		const store = new ProcessedStore();
		await ledgerOf({ processedStore: store }).ledger.item(item()).aboutToSend();
		const again = ledgerOf({ processedStore: store }).ledger.item(item());
		const claim = await again.aboutToSend();
		expect(claim).toEqual({ sentBefore: expect.any(Error) });
		const error = (claim as { sentBefore: Error & { taskMayExist?: boolean } }).sentBefore;
		expect(error.taskMayExist).toBe(true);
		expect(error.message).toBe(
			`An earlier run of execution exec-1 already sent this item's create (request ID ${again.requestId}) and n8n lost that run before it ended; ` +
				'the API did not find its task by the request ID. ' +
				`Its task ID is in n8n's log of the process that ran it, in a line "CogVideoX task … created; request ${again.requestId}" of node "CogVideoX", item 0 ` +
				`(if that process stopped before the API answered, only a line "CogVideoX request ${again.requestId} sent" is there: look for that request ID in the billing records of the open.bigmodel.cn console (费用账单, Bills)). ` +
				'Run Get Result with the task ID within a day to fetch the video; to make a new video instead, run the workflow again',
		);
	});

	it("an open mark stops a crash's Retry once, before any send, and names where the task is; running it again makes a new task", async () => {
		const store = new ProcessedStore();
		await ledgerOf({ processedStore: store, mode: 'webhook', executionId: '41' }).ledger.item(item()).aboutToSend();
		// n8n lost execution 41 in a crash: its Retry replays it from its start, with nothing of the node's context.
		const replay = { processedStore: store, mode: 'retry', executionId: '42', previousNodeRun: 1 };
		await expect(ledgerOf(replay).ledger.item(item()).aboutToSend()).rejects.toThrow(
			/^The execution this Retry repeats already sent this item to the API and n8n lost it in a crash, keeping nothing of its task\. Its task ID is in n8n's log, in a line "CogVideoX task … created" of node "CogVideoX", item 0 \(if n8n stopped/,
		);
		await expect(ledgerOf({ ...replay, executionId: '43' }).ledger.item(item()).aboutToSend()).resolves.toBe('send');
	});

	it('an open mark stops a sub-workflow started anew (mode integrated) the same way', async () => {
		const store = new ProcessedStore();
		await ledgerOf({ processedStore: store, mode: 'integrated', executionId: '41' }).ledger.item(item()).aboutToSend();
		await expect(ledgerOf({ processedStore: store, mode: 'integrated', executionId: '43' }).ledger.item(item()).aboutToSend()).rejects.toThrow(
			/^An earlier call of this sub-workflow already sent this item to the API/,
		);
	});

	it('an open mark does not stop any other run: a Retry of an execution that failed before this node, or a new run', async () => {
		const store = new ProcessedStore();
		await ledgerOf({ processedStore: store, mode: 'webhook', executionId: '41' }).ledger.item(item()).aboutToSend();
		await expect(ledgerOf({ processedStore: store, mode: 'retry', executionId: '43' }).ledger.item(item()).aboutToSend()).resolves.toBe('send');
		await expect(ledgerOf({ processedStore: store, mode: 'webhook', executionId: '44' }).ledger.item(item()).aboutToSend()).resolves.toBe('send');
	});

	it('a supplied request ID is never marked: the workflow keeps it', async () => {
		const store = new ProcessedStore();
		await ledgerOf({ processedStore: store }).ledger.item(item({ requestId: 'calendar-row-7-1' })).aboutToSend();
		expect(marksIn(store)).toEqual([]);
	});

	it("a task that FAILs or a create refused for certain takes the item's marks away", async () => {
		const store = new ProcessedStore();
		const { ledger } = ledgerOf({ processedStore: store });
		const failing = ledger.item(item());
		const refused = ledger.item(item({ itemIndex: 1 }));
		await failing.aboutToSend();
		await refused.aboutToSend();
		await failing.taskFailed();
		await refused.createFailed(true);
		expect(marksIn(store)).toEqual([]);
	});

	it('a store that fails costs one warning, never a send', async () => {
		const store = new ProcessedStore();
		store.broken = true;
		const { ledger, test } = ledgerOf({ processedStore: store });
		await expect(ledger.item(item()).aboutToSend()).resolves.toBe('send');
		await expect(ledger.item(item({ itemIndex: 1 })).aboutToSend()).resolves.toBe('send');
		expect(test.logs.filter((line) => line.level === 'warn')).toHaveLength(1);
	});
});

describe('ProcessMemory', () => {
	const record = (requestId: string) => ({ generation: 1, requestId, sentAt: 1 });

	it('keeps a record for keepMs, and at most maxRecords, the least recently kept going first', () => {
		const memory = new ProcessMemory({ keepMs: 1000, maxRecords: 2 });
		memory.keep('a', record('a'), 0);
		memory.keep('b', record('b'), 10);
		expect(memory.recall('a', 999)?.requestId).toBe('a');
		expect(memory.recall('a', 1000)).toBeUndefined();
		memory.keep('a', record('a'), 20);
		memory.keep('c', record('c'), 30);
		expect(memory.size).toBe(2);
		expect(memory.recall('b', 30)).toBeUndefined();
		expect(memory.recall('a', 30)?.requestId).toBe('a');
	});
});
