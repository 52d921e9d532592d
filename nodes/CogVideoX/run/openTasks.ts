/**
 * What protects a paid task from a second payment when n8n itself runs an item again: a Retry from the executions
 * list (mode `retry`). n8n's Retry starts from what the execution record kept. After a crash of one n8n process,
 * that is the record's first node: the whole workflow runs again with the same items, and each item would get a new
 * paid task while the first one's video waits unseen (measured: 3 tasks, then 6).
 *
 * So, before an item's first create, a mark goes into n8n's own database: n8n's deduplication store (the helpers of
 * the Remove Duplicates node, scope `node`), which every process of an instance shares and which is written at once,
 * so it outlives a killed process. The mark names the day and the item's request (run index, item index, model,
 * prompt, settings, where the images come from), never the task or the key. It goes again only when the item can
 * have no video to lose: its task ended in FAIL, or the API refused the create for certain.
 *
 * A Retry of an execution looks for the item's mark of that day or the day before (result links last a day):
 * - the process that made the task still knows it (the same n8n, e.g. after the node failed or timed out): the
 *   retry waits for that task again and downloads it, as Retry On Fail does;
 * - only the mark is left (another worker, or a restart): the item fails without a create, and its error says
 *   where the task ID is (n8n's log, taskLog.ts) and how to fetch the video with Get Result.
 * A plain new run never looks: running a workflow again on purpose makes new videos.
 *
 * The store keeps one row per node, rewritten on each change; the process writes it one change at a time, at most
 * MAX_MARKS marks (the oldest go first). Two workers writing one node's row at the same moment can lose a mark; a
 * retry of that item then behaves as before marks existed. If the store cannot be used at all, the run goes on
 * without marks and says so once in the log: a paid generation is never blocked by it.
 */
import { createHash } from 'crypto';
import type { ICheckProcessedOptions, IExecuteFunctions } from 'n8n-workflow';

import type { PreparedGenerate } from '../item/prepare';
import type { RememberedRequest } from './retryMemory';
import { requestFingerprint, runIndexOf } from './retryMemory';

/** Marks kept per node: about two days of a busy node's items, 24 bytes each in the store. */
export const MAX_MARKS = 1000;
const STORE_OPTIONS: ICheckProcessedOptions = { mode: 'entries', maxEntries: MAX_MARKS };
const DAY_MS = 24 * 60 * 60_000;

/** How long the process remembers a task that a Retry of its execution may reuse, and how many. */
export const EARLIER_TASK_LIMITS = { keepMs: DAY_MS, maxRecords: 20_000 };

/** What an earlier run left for an item, as a Retry of its execution finds it. */
export interface EarlierRun {
	/** The day (UTC, YYYY-MM-DD) of the earlier run's mark. */
	day: string;
	/** What that run sent, if this process remembers it; undefined: only the mark is left. */
	request?: RememberedRequest;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const markOf = (day: string, key: string) => `cogvideox-open:${day}:${key}`;

/** The item as a Retry of its execution sees it again: the node's run index, the item's index and its request. */
export function itemKey(ctx: IExecuteFunctions, item: PreparedGenerate): string {
	const request = [runIndexOf(ctx), item.itemIndex, requestFingerprint(ctx, item, 'described')];
	return createHash('sha256').update(JSON.stringify(request)).digest('hex').slice(0, 32);
}

/** The requests this process sent, per node and item key, for a Retry of their execution in this process. */
class EarlierTasks {
	private readonly records = new Map<string, RememberedRequest & { keptUntil: number }>();

	constructor(private readonly limits = EARLIER_TASK_LIMITS) {}

	recall(scope: string, key: string, now = Date.now()): RememberedRequest | undefined {
		const record = this.records.get(`${scope} ${key}`);
		return record && record.keptUntil > now ? record : undefined;
	}

	remember(scope: string, key: string, request: RememberedRequest, now = Date.now()): void {
		const id = `${scope} ${key}`;
		this.records.delete(id);
		for (const [oldest, record] of this.records) {
			if (this.records.size < this.limits.maxRecords && record.keptUntil > now) break;
			this.records.delete(oldest);
		}
		this.records.set(id, { ...request, keptUntil: now + this.limits.keepMs });
	}

	forget(scope: string, key: string): void {
		this.records.delete(`${scope} ${key}`);
	}

	get size(): number {
		return this.records.size;
	}

	/** Forgets everything, as a restart of the process does. */
	clear(): void {
		this.records.clear();
	}
}

export const earlierTasks = new EarlierTasks();

/** Calls on one node's row of the store, one at a time in this process (the store rewrites the whole row). */
const storeCalls = new Map<string, Promise<unknown>>();
function serialized<T>(scope: string, call: () => Promise<T>): Promise<T> {
	const next = (storeCalls.get(scope) ?? Promise.resolve()).then(call, call);
	storeCalls.set(scope, next);
	void next.then(() => storeCalls.get(scope) === next && storeCalls.delete(scope));
	return next;
}

/** One execute() call's view of the marks: its node, its mode, and whether the store works. */
export class OpenTasks {
	private storeBroken = false;

	private constructor(
		private readonly ctx: IExecuteFunctions,
		private readonly scope: string,
		private readonly isRetry: boolean,
	) {}

	static for(ctx: IExecuteFunctions): OpenTasks {
		const node = ctx.getNode();
		return new OpenTasks(ctx, `${String(ctx.getWorkflow().id ?? '')} ${node.id ?? node.name}`, ctx.getMode() === 'retry');
	}

	/**
	 * In a Retry of an execution: what an earlier run left for the item, a request this process remembers or only
	 * its mark. Undefined in any other run, and when nothing was left.
	 */
	async earlier(key: string, now = Date.now()): Promise<EarlierRun | undefined> {
		if (!this.isRetry) return undefined;
		const remembered = earlierTasks.recall(this.scope, key, now);
		if (remembered) return { day: dayOf(remembered.sentAt), request: remembered };
		const days = [dayOf(now), dayOf(now - DAY_MS)];
		const looked = await this.store(() => this.ctx.helpers.checkProcessedAndRecord(days.map((day) => markOf(day, key)), 'node', STORE_OPTIONS));
		if (!looked) return undefined;
		// The store records what it did not find; those marks are no run's.
		if (looked.new.length) await this.store(() => this.ctx.helpers.removeProcessed(looked.new, 'node', STORE_OPTIONS));
		const found = new Set(looked.processed.map(String));
		const day = days.find((candidate) => found.has(markOf(candidate, key)));
		return day ? { day } : undefined;
	}

	/** Right before the item's first create is sent: from now on a task may exist for it. */
	async mark(key: string, now = Date.now()): Promise<void> {
		await this.store(() => this.ctx.helpers.checkProcessedAndRecord([markOf(dayOf(now), key)], 'node', STORE_OPTIONS));
	}

	/** What this run sent for the item, for a Retry of the execution in this process. */
	remember(key: string, request: RememberedRequest): void {
		earlierTasks.remember(this.scope, key, request);
	}

	/** The item has no video to lose (its task failed, or no task was made): its marks go. */
	async close(key: string, now = Date.now()): Promise<void> {
		earlierTasks.forget(this.scope, key);
		const marks = [dayOf(now), dayOf(now - DAY_MS)].map((day) => markOf(day, key));
		await this.store(() => this.ctx.helpers.removeProcessed(marks, 'node', STORE_OPTIONS));
	}

	/** The node handed the item's video on: a Retry does not run this node again for it. */
	delivered(key: string): void {
		earlierTasks.forget(this.scope, key);
	}

	/** A store call, or undefined when the store cannot be used (then the run goes on without marks). */
	private async store<T>(call: () => Promise<T>): Promise<T | undefined> {
		if (typeof this.ctx.helpers.checkProcessedAndRecord !== 'function') return undefined;
		return await serialized(this.scope, async () => {
			if (this.storeBroken) return undefined;
			try {
				return await call();
			} catch (error) {
				this.storeBroken = true;
				this.ctx.logger.warn(
					`CogVideoX could not use n8n's deduplication store to mark items with a paid task (${(error as Error).message}); ` +
						'this run goes on without the marks that stop a Retry of the execution from paying twice',
				);
				return undefined;
			}
		});
	}
}
