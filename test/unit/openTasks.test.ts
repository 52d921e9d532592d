/** The marks a Retry of an execution looks for: which day's count, what is written where, and what is never kept. */
import { earlierTasks, itemKey, OpenTasks } from '../../nodes/CogVideoX/run/openTasks';
import { findModel } from '../../nodes/CogVideoX/models';
import type { PreparedGenerate } from '../../nodes/CogVideoX/item/prepare';
import { createContext, ProcessedStore } from '../helpers/executeContext';

const HOUR = 60 * 60_000;
const NOON = Date.UTC(2026, 11, 4, 12);

function contextOf(mode: string, store: ProcessedStore, runIndex = 0, items = [{ json: {} }]) {
	return createContext({ parameters: {}, credentials: {}, mode, processedStore: store, workflowId: 'wf', runIndex, items }).ctx;
}

const item = (changes: Partial<PreparedGenerate> = {}): PreparedGenerate => ({
	kind: 'generate',
	itemIndex: 0,
	operation: 'textToVideo',
	model: findModel('cogvideox-3')!,
	prompt: 'A fox',
	images: [],
	settingsBody: {},
	run: { wait: true, returnWhenBusy: false, download: true, downloadCover: false, outputBinaryProperty: 'data', pollIntervalMs: 5000, timeoutMs: 900_000 },
	...changes,
});

afterEach(() => earlierTasks.clear());

describe('OpenTasks', () => {
	it("finds a mark of the same day or the day before in a Retry, not older, and leaves no mark of its own by looking", async () => {
		const store = new ProcessedStore();
		await OpenTasks.for(contextOf('webhook', store)).mark('key', NOON);
		expect([...store.row('wf', 'test-node')]).toEqual(['cogvideox-open:2026-12-04:key']);
		const retry = OpenTasks.for(contextOf('retry', store));
		await expect(retry.earlier('key', NOON + 11 * HOUR)).resolves.toEqual({ day: '2026-12-04' });
		await expect(retry.earlier('key', NOON + 30 * HOUR)).resolves.toEqual({ day: '2026-12-04' });
		await expect(retry.earlier('key', NOON + 37 * HOUR)).resolves.toBeUndefined();
		await expect(retry.earlier('another key', NOON)).resolves.toBeUndefined();
		expect([...store.row('wf', 'test-node')]).toEqual(['cogvideox-open:2026-12-04:key']);
	});

	it('never looks outside a Retry, and prefers what the process still remembers to the mark', async () => {
		const store = new ProcessedStore();
		const first = OpenTasks.for(contextOf('webhook', store));
		await first.mark('key', NOON);
		await expect(first.earlier('key', NOON)).resolves.toBeUndefined();
		const request = { fingerprint: 'key', requestId: 'req-1', sentAt: NOON, task: { id: 'task-1', status: 'PROCESSING' } };
		first.remember('key', request);
		await expect(OpenTasks.for(contextOf('retry', store)).earlier('key', NOON + HOUR)).resolves.toEqual({ day: '2026-12-04', request: expect.objectContaining(request) });
		first.delivered('key');
		await expect(OpenTasks.for(contextOf('retry', store)).earlier('key', NOON + HOUR)).resolves.toEqual({ day: '2026-12-04' });
	});

	it('closing removes the mark of either day, so a Retry makes a new task', async () => {
		const store = new ProcessedStore();
		const tasks = OpenTasks.for(contextOf('webhook', store));
		await tasks.mark('key', NOON - 13 * HOUR);
		await tasks.close('key', NOON);
		expect(store.row('wf', 'test-node').size).toBe(0);
	});

	it('keys an item by run index, item index and request; a binary image by its type, name and size, not its stored id', () => {
		const store = new ProcessedStore();
		const binary = (id: string) => [{ json: {}, binary: { data: { id, data: 'filesystem-v2', mimeType: 'image/png', fileName: 'a.png', fileSize: '12 kB' } } }];
		const imageItem = item({ operation: 'imageToVideo', images: [{ field: 'Image Binary Property', source: 'binary', property: 'data' }] });
		const keyOf = (runIndex: number, changes?: Partial<PreparedGenerate>, ids = 'fs:1') => itemKey(contextOf('retry', store, runIndex, binary(ids)), { ...imageItem, ...changes });
		expect(keyOf(0)).toBe(keyOf(0, {}, 'fs:2'));
		expect(keyOf(0)).toMatch(/^[0-9a-f]{32}$/);
		expect(new Set([keyOf(0), keyOf(1), keyOf(0, { itemIndex: 1 }), keyOf(0, { prompt: 'A wolf' })]).size).toBe(4);
	});
});
