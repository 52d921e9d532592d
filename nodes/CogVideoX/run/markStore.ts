/**
 * The task ledger's marks in n8n's own database (taskLedger.ts): n8n's deduplication store, the store of the Remove
 * Duplicates node, scope `node`. Every process of an instance shares it, and each call writes it at once, so a mark
 * outlives a process that is killed a moment later.
 *
 * The store keeps a node's values in one row that each call reads and then writes whole, with no lock: two
 * processes writing the row at the same moment can each drop what the other added. So:
 * - within a process, calls on one node's row run one at a time, and a write takes every value waiting at that
 *   moment (the items of many executions marked at once cost one write);
 * - a mark counts as kept only when a look a second after its write (MARK_CONFIRMATION) still finds it. A writer
 *   that read the row before the mark was there would have had to take that long between its read and its write to
 *   drop it (a busy process can); a mark found missing is written again and looked for again;
 * - while a mark's item is open, its node run writes it again every MARK_CONFIRMATION.keepEveryMs (one write for all
 *   its open marks), so a mark a slow writer dropped later is back within that time.
 * Removals are kept the same way: a write that read the row before a removal puts the removed values back.
 * The row has no entry limit: it holds the marks of items in flight and of node runs that failed (taskLedger.ts
 * removes an item's marks when its node run ends well), so no number of items can push out a mark still needed.
 * If the store cannot be used at all, each call answers `undefined` and says so once per node run in the log: a
 * paid generation is never blocked by it.
 */
import type { ICheckProcessedOptions, IExecuteFunctions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { settle } from '../settle';
import { sleepUnlessCancelled } from '../wait';

const STORE_OPTIONS: ICheckProcessedOptions = { mode: 'entries' };

/**
 * How long after a write a mark is looked for again, how many times it is written before the run goes on, and how
 * often the marks of open items are written again.
 */
export const MARK_CONFIRMATION = { afterMs: 1000, maxWrites: 5, keepEveryMs: 10_000 };

/** One write of a node's row: the values of every caller that joined it, and its answer. */
interface Write {
	values: string[];
	answer: Promise<Answer>;
}

/** What a call of the store gave: the values it found already there, or why it failed. */
type Answer = { processed: string[] } | { failed: string };

/** Calls on one node's row, one at a time in this process, and the write still open to new values. */
const queues = new Map<string, Promise<unknown>>();
const openWrites = new Map<string, Write>();

function queued<T>(scope: string, call: () => Promise<T>): Promise<T> {
	const next = (queues.get(scope) ?? Promise.resolve()).then(call, call);
	queues.set(scope, next);
	void next.then(() => queues.get(scope) === next && queues.delete(scope));
	return next;
}

/** One execute() call's use of its node's row: the node, and whether the store worked for it. */
export class MarkStore {
	private warned = false;
	/** The marks of this node run's open items, and the loop that writes them again. */
	private readonly kept = new Set<string>();
	private keeping?: Promise<void>;

	private constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly scope: string,
		private readonly signal?: AbortSignal,
	) {}

	static for(ctx: IExecuteFunctions): MarkStore {
		const node = ctx.getNode();
		return new MarkStore(ctx, `${String(ctx.getWorkflow().id ?? '')} ${node.id ?? node.name}`, ctx.getExecutionCancelSignal?.());
	}

	/**
	 * Writes the values and keeps them written (see above). Answers which of them were there before this call, i.e.
	 * written by an earlier run; undefined when the store cannot be used.
	 */
	async record(values: string[]): Promise<Set<string> | undefined> {
		const first = await this.write(values);
		if ('failed' in first) return this.warn(first.failed);
		const earlier = new Set(first.processed.filter((value) => values.includes(value)));
		let missing = values;
		for (let writes = 1; missing.length && writes < MARK_CONFIRMATION.maxWrites; writes++) {
			await sleepUnlessCancelled(MARK_CONFIRMATION.afterMs, this.signal);
			const looked = await this.write(missing);
			if ('failed' in looked) {
				this.warn(looked.failed);
				return earlier;
			}
			// Found again: kept. Not found: another process dropped it; this write put it back, so look once more.
			const found = new Set(looked.processed);
			missing = missing.filter((value) => !found.has(value));
		}
		if (missing.length) this.warn(`${missing.length} of its marks kept being dropped by other writers`);
		return earlier;
	}

	/** Writes the values again every MARK_CONFIRMATION.keepEveryMs until they are removed or the node run ends. */
	keep(values: string[]): void {
		if (!values.length || !this.usable()) return;
		values.forEach((value) => this.kept.add(value));
		if (!this.keeping) this.keeping = this.keepWriting();
	}

	/** Stops writing any value again: the node run ended, and the marks of its items still open stay in the row. */
	stopKeeping(): void {
		this.kept.clear();
	}

	private async keepWriting(): Promise<void> {
		while (this.kept.size) {
			await sleep(MARK_CONFIRMATION.keepEveryMs);
			if (this.kept.size) await this.write([...this.kept]);
		}
		this.keeping = undefined;
	}

	/**
	 * Removes the values and keeps them removed: another process's write that read the row before the removal puts
	 * them back, so a look MARK_CONFIRMATION.afterMs later (which writes what it does not find) tells, and they are removed
	 * again, the last time right after a look that found none of them back.
	 */
	async remove(values: string[]): Promise<void> {
		values.forEach((value) => this.kept.delete(value));
		if (!values.length || !this.usable()) return;
		for (let writes = 1; ; writes++) {
			const removed = await queued(this.scope, async () => await attempt(() => this.ctx.helpers.removeProcessed(values, 'node', STORE_OPTIONS)));
			if ('failed' in removed) return this.warn(removed.failed);
			if (writes === MARK_CONFIRMATION.maxWrites) return;
			await sleepUnlessCancelled(MARK_CONFIRMATION.afterMs, this.signal);
			const looked = await this.write(values);
			if ('failed' in looked) return this.warn(looked.failed);
			// The look wrote the values it did not find: the next removal takes them away again in any case.
			if (!looked.processed.some((value) => values.includes(value))) writes = MARK_CONFIRMATION.maxWrites - 1;
		}
	}

	/** Joins the write that is still open for this row, or opens one; the write runs in the row's turn. */
	private async write(values: string[]): Promise<Answer> {
		if (!this.usable()) return { failed: 'this n8n has no deduplication store' };
		let open = openWrites.get(this.scope);
		if (!open) {
			const write: Write = {
				values: [],
				answer: queued(this.scope, async () => {
					openWrites.delete(this.scope); // from here on, new values wait for the next write
					const result = await attempt(() => this.ctx.helpers.checkProcessedAndRecord([...new Set(write.values)], 'node', STORE_OPTIONS));
					return 'failed' in result ? result : { processed: result.value.processed.map(String) };
				}),
			};
			openWrites.set(this.scope, write);
			open = write;
		}
		open.values.push(...values);
		return await open.answer;
	}

	private usable(): boolean {
		return typeof this.ctx.helpers.checkProcessedAndRecord === 'function' && typeof this.ctx.helpers.removeProcessed === 'function';
	}

	private warn(why: string): undefined {
		if (this.warned) return undefined;
		this.warned = true;
		this.ctx.logger.warn(
			`CogVideoX could not keep its marks of paid tasks in n8n's database (${why}); ` +
				'this run goes on, but a run of n8n that repeats one of its items may not find that item already has a task',
		);
		return undefined;
	}
}

async function attempt<T>(call: () => Promise<T>): Promise<{ value: T } | { failed: string }> {
	const result = await settle(call());
	return result.ok ? { value: result.value } : { failed: `n8n's deduplication store failed: ${(result.error as Error)?.message}` };
}
