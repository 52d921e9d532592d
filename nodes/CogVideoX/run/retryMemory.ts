/**
 * What a node run's earlier tries sent to the API, so that n8n's Retry On Fail never pays twice for one item.
 *
 * Retry On Fail runs execute() again, in the same process and with every input item, when the node throws (queue
 * mode runs a whole execution on one worker). Each item's earlier request is remembered here, keyed by execution,
 * node, run index (a loop's later runs are new work, not retries) and item index, with a fingerprint of the request
 * so that an item whose request changed never reuses a task. A record holds ids, a time and a hash: never the API
 * key, never image bytes.
 *
 * Bounded: records are kept only for nodes with Retry On Fail on, and a node run's records go when it succeeds,
 * after its last try, when the execution is cancelled, and KEEP_AFTER_TRY_MS after a try that no other followed.
 * The process keeps at most MAX_RECORDS; past that an item is not remembered, and its retry would create a task.
 */
import { createHash } from 'crypto';
import type { IExecuteFunctions, INode } from 'n8n-workflow';

import type { PreparedGenerate } from '../item/prepare';

/** An item's request as an earlier try sent it. */
export interface RememberedRequest {
	fingerprint: string;
	requestId: string;
	/** When the first create with this request_id was sent. */
	sentAt: number;
	/** The task the API made for it: a retry waits for this one instead of creating another. */
	task?: { id: string; status: string };
}

/** One item's memory within one try. */
export interface ItemMemory {
	/** The request an earlier try sent for this item, unless the item's request has changed since. */
	recall(): RememberedRequest | undefined;
	remember(request: Omit<RememberedRequest, 'fingerprint'>): void;
	/** The item's task is of no use any more (it ended in FAIL): the next try makes a new one. */
	forget(): void;
}

/** One try of a node run. */
export interface TryMemory {
	item(itemIndex: number, fingerprint: () => string): ItemMemory;
	/** The try is over; `retryFollows` when n8n runs the node again if tries remain. */
	end(retryFollows: boolean): void;
	/** The execution was cancelled: nothing it sent will be asked for again. */
	drop(): void;
}

export const RETRY_MEMORY_LIMITS = {
	/** n8n waits at most 5 s between tries; a node run whose try ended this long ago will not be retried. */
	keepAfterTryMs: 10 * 60_000,
	/** A try still running after this long is taken as dead (its process may have lost it). */
	maxTryMs: 24 * 60 * 60_000,
	/** Records in the whole process, a few hundred bytes each. */
	maxRecords: 20_000,
};

interface NodeRun {
	tries: number;
	maxTries: number;
	running: boolean;
	expiresAt: number;
	items: Map<number, RememberedRequest>;
}

export const NO_ITEM_MEMORY: ItemMemory = { recall: () => undefined, remember: () => undefined, forget: () => undefined };
export const NO_MEMORY: TryMemory = { item: () => NO_ITEM_MEMORY, end: () => undefined, drop: () => undefined };

export class RetryMemory {
	private readonly runs = new Map<string, NodeRun>();
	private records = 0;

	constructor(private readonly limits = RETRY_MEMORY_LIMITS) {}

	/** How much is kept, for tests and diagnostics. */
	get size(): { runs: number; records: number } {
		return { runs: this.runs.size, records: this.records };
	}

	/** Starts a try of the node run `key`; n8n makes at most `maxTries` of them. */
	beginTry(key: string, maxTries: number, now = Date.now()): TryMemory {
		this.sweep(now);
		const run = this.runs.get(key) ?? { tries: 0, maxTries, running: true, expiresAt: 0, items: new Map() };
		this.runs.delete(key);
		this.runs.set(key, run); // most recently tried last, so eviction takes the oldest first
		run.tries++;
		run.running = true;
		run.expiresAt = now + this.limits.maxTryMs;
		const current = () => this.runs.get(key) === run;
		return {
			item: (itemIndex, fingerprint) => this.itemMemory(run, current, itemIndex, fingerprint()),
			end: (retryFollows) => {
				if (!current()) return;
				if (!retryFollows || run.tries >= run.maxTries) return this.delete(key);
				run.running = false;
				run.expiresAt = Date.now() + this.limits.keepAfterTryMs;
			},
			drop: () => {
				if (current()) this.delete(key);
			},
		};
	}

	private itemMemory(run: NodeRun, current: () => boolean, itemIndex: number, fingerprint: string): ItemMemory {
		const forget = () => {
			if (current() && run.items.delete(itemIndex)) this.records--;
		};
		return {
			recall: () => {
				const earlier = run.items.get(itemIndex);
				return earlier?.fingerprint === fingerprint ? earlier : undefined;
			},
			remember: (request) => {
				if (!current()) return;
				if (!run.items.has(itemIndex)) {
					if (!this.makeRoom()) return;
					this.records++;
				}
				run.items.set(itemIndex, { ...request, fingerprint });
			},
			forget,
		};
	}

	/** Frees a record's place if the process is full, evicting node runs that are between tries, oldest first. */
	private makeRoom(): boolean {
		for (const [key, run] of this.runs) {
			if (this.records < this.limits.maxRecords) break;
			if (!run.running) this.delete(key);
		}
		return this.records < this.limits.maxRecords;
	}

	private sweep(now: number): void {
		for (const [key, run] of this.runs) if (run.expiresAt <= now) this.delete(key);
	}

	private delete(key: string): void {
		const run = this.runs.get(key);
		if (!run) return;
		this.records -= run.items.size;
		this.runs.delete(key);
	}
}

/** The memory of every node of this package in this process. */
export const retryMemory = new RetryMemory();

/** How many times n8n runs a node with Retry On Fail, as its workflow engine computes it. */
export function maxTriesOf(node: INode): number {
	return Math.min(5, Math.max(2, node.maxTries || 3));
}

/** The run index of this execute() call; n8n-workflow offers it only through the data proxy ($runIndex). */
export function runIndexOf(ctx: IExecuteFunctions): number {
	const runIndex: unknown = ctx.getWorkflowDataProxy(0).$runIndex;
	return typeof runIndex === 'number' ? runIndex : 0;
}

/** This execute() call's try, remembered only when the node has Retry On Fail on and the run has an execution id. */
export function beginTry(ctx: IExecuteFunctions, memory = retryMemory): TryMemory {
	const node = ctx.getNode();
	if (node.retryOnFail !== true) return NO_MEMORY;
	const executionId = ctx.getExecutionId();
	if (!executionId) return NO_MEMORY;
	const key = JSON.stringify([executionId, node.id ?? node.name, runIndexOf(ctx)]);
	return memory.beginTry(key, maxTriesOf(node));
}

/**
 * What the item asks the API for: model, prompt, settings and where each image comes from, hashed. A binary image
 * counts by its identity on the item, never by its bytes: within one node run (`stored`) its stored file id, or its
 * size, type and name; across executions (`described`: a Retry that runs the workflow from its start stores the
 * same image under a new id) its type, name and size.
 */
export function requestFingerprint(ctx: IExecuteFunctions, item: PreparedGenerate, images: 'stored' | 'described' = 'stored'): string {
	const binaries = ctx.getInputData()[item.itemIndex]?.binary ?? {};
	const sources = item.images.map((ref) => {
		if (ref.source === 'url') return { url: ref.url };
		const binary = binaries[ref.property.trim()];
		const size = binary?.id && images === 'stored' ? undefined : binary?.fileSize ?? binary?.data.length;
		return { property: ref.property, id: images === 'stored' ? binary?.id : undefined, size, type: binary?.mimeType, name: binary?.fileName };
	});
	const request = [item.operation, item.model.id, item.prompt, item.settingsBody, sources];
	return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}
