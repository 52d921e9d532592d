/**
 * The mark store (markStore.ts) over a store that behaves as n8n's deduplication store does: one row per node, read
 * and then written whole, with no lock, so that a second writer can drop a mark. The run in real n8n, two workers
 * marking at once, is in test/e2e/repeatSuite.ts.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { MarkStore } from '../../nodes/CogVideoX/run/markStore';

/** n8n's row: a list of values; each call reads it, waits a little (its round trips), then writes it back whole. */
class RacyRow {
	values: string[] = [];
	calls = 0;
	/** Runs right after a call's write: another process's stale write lands there. */
	afterWrite?: () => void;

	async checkProcessedAndRecord(values: Array<string | number>) {
		this.calls++;
		const read = [...this.values];
		await new Promise((resolve) => setTimeout(resolve, 1));
		const processed = values.map(String).filter((value) => read.includes(value));
		this.values = [...read, ...values.map(String).filter((value) => !read.includes(value))];
		this.afterWrite?.();
		return { new: values.filter((value) => !processed.includes(String(value))), processed };
	}

	async removeProcessed(values: Array<string | number>) {
		this.calls++;
		const read = [...this.values];
		await new Promise((resolve) => setTimeout(resolve, 1));
		this.values = read.filter((value) => !values.map(String).includes(value));
		this.afterWrite?.();
	}
}

/** The module as another process has it: a queue of its own for the row. */
function storeOfAnotherProcess(): typeof MarkStore {
	let store!: typeof MarkStore;
	jest.isolateModules(() => {
		store = (jest.requireActual('../../nodes/CogVideoX/run/markStore') as typeof import('../../nodes/CogVideoX/run/markStore')).MarkStore;
	});
	return store;
}

function contextOn(row: RacyRow, logs: string[] = []): IExecuteFunctions {
	return {
		getNode: () => ({ id: 'node-1', name: 'CogVideoX' }),
		getWorkflow: () => ({ id: 'wf' }),
		getExecutionCancelSignal: () => undefined,
		logger: { warn: (message: string) => logs.push(message) },
		helpers: { checkProcessedAndRecord: row.checkProcessedAndRecord.bind(row), removeProcessed: row.removeProcessed.bind(row) },
	} as unknown as IExecuteFunctions;
}

describe('MarkStore', () => {
	it('answers which values an earlier run wrote, and writes the rest', async () => {
		const row = new RacyRow();
		row.values = ['earlier'];
		const earlier = await MarkStore.for(contextOn(row)).record(['earlier', 'mine']);
		expect([...earlier!]).toEqual(['earlier']);
		expect(row.values).toEqual(['earlier', 'mine']);
	});

	it('puts back a mark another process dropped, before it answers', async () => {
		const row = new RacyRow();
		// Another process read the row before the mark was there, and writes it back without the mark, once.
		row.afterWrite = () => {
			row.values = row.values.filter((value) => value !== 'mine');
			row.afterWrite = undefined;
		};
		await MarkStore.for(contextOn(row)).record(['mine']);
		expect(row.values).toEqual(['mine']);
		// The write, a look that found it gone and wrote it again, and a look that found it.
		expect(row.calls).toBe(3);
	});

	it('keeps a removal that another process undid with a write from before it', async () => {
		const row = new RacyRow();
		row.values = ['other', 'mine'];
		// Another process read the row while it still held the mark, and writes it back after the removal, once.
		row.afterWrite = () => {
			if (row.values.includes('mine')) return;
			row.values = ['other', 'mine'];
			row.afterWrite = undefined;
		};
		await MarkStore.for(contextOn(row)).remove(['mine']);
		expect(row.values).toEqual(['other']);
	});

	it('two processes removing their marks from one row at once leave none behind', async () => {
		const row = new RacyRow();
		const marks = [0, 1].map((writer) => Array.from({ length: 20 }, (_, index) => `${writer}-${index}`));
		row.values = marks.flat();
		const stores = [storeOfAnotherProcess(), storeOfAnotherProcess()].map((store) => store.for(contextOn(row)));
		await Promise.all(marks.map((own, writer) => stores[writer].remove(own)));
		expect(row.values).toEqual([]);
	});

	it("writes an open item's marks again while it is open, so one a slow writer dropped after its confirmation comes back; a removed one, or one of a node run that ended, does not", async () => {
		const row = new RacyRow();
		const store = MarkStore.for(contextOn(row));
		await store.record(['open', 'removed']);
		store.keep(['open', 'removed']);
		await store.remove(['removed']);
		// A writer that read the row long ago writes it back without the marks.
		row.values = [];
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(row.values).toEqual(['open']);
		store.stopKeeping();
		row.values = [];
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(row.values).toEqual([]);
	});

	it('writes the marks of many items waiting at once in one call', async () => {
		const row = new RacyRow();
		const store = MarkStore.for(contextOn(row));
		await Promise.all(Array.from({ length: 20 }, (_, index) => store.record([`item-${index}`])));
		expect(row.values).toHaveLength(20);
		// One write, a second for the values that arrived while it ran, and the confirming looks of both.
		expect(row.calls).toBeLessThanOrEqual(4);
	});

	it('two processes writing 20 marks each into one row at once lose none', async () => {
		const row = new RacyRow();
		const marks = [0, 1].map((writer) => Array.from({ length: 20 }, (_, index) => `${writer}-${index}`));
		const stores = [storeOfAnotherProcess(), storeOfAnotherProcess()].map((store) => store.for(contextOn(row)));
		await Promise.all(marks.flatMap((own, writer) => own.map(async (mark, index) => {
			await new Promise((resolve) => setTimeout(resolve, index % 5));
			return await stores[writer].record([mark]);
		})));
		expect([...row.values].sort()).toEqual(marks.flat().sort());
	});

	it('a store that fails answers undefined and warns once per node run', async () => {
		const logs: string[] = [];
		const ctx = contextOn(new RacyRow(), logs);
		(ctx.helpers as unknown as { checkProcessedAndRecord: () => Promise<never> }).checkProcessedAndRecord = async () => {
			throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
		};
		const store = MarkStore.for(ctx);
		await expect(store.record(['a'])).resolves.toBeUndefined();
		await expect(store.record(['b'])).resolves.toBeUndefined();
		expect(logs).toEqual([expect.stringMatching(/^CogVideoX could not keep its marks of paid tasks in n8n's database \(n8n's deduplication store failed: connect ECONNREFUSED/)]);
	});
});
