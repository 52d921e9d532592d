/**
 * The ledger of each item's paid task: the one record of what the node sent for an item and what the API made of
 * it, kept in every place that outlives something, and the steps that write it (looked up, about to send, created,
 * failed, refused, ended). runItem.ts and execute.ts call these steps and keep nothing of their own.
 *
 * An item's identity is the n8n instance, the workflow, the execution it first ran in (its origin), the node, the
 * node's run index, the item's index and its request (model, prompt, settings, where the images come from). Its
 * request ID is derived from that identity and a try count that goes up when a task ends in FAIL, so every run of
 * n8n that repeats the item sends the same request ID, and the API, which takes a repeated request ID as the same
 * request (1231), makes no second task: the node looks the task up by its request ID instead. The repeats:
 * - Retry On Fail, and n8n 1.x's queue running a lost worker's job again on another worker: the same execution;
 * - a Retry from the executions list (mode `retry`): a new execution that starts from the saved data of the one it
 *   repeats. The origin travels in the node's context (getContext('node')), which n8n saves with the execution and
 *   hands on to its Retry, and to a Retry of that Retry; so does the try count of every item past its first.
 *
 * The record is kept:
 * - in this process (ProcessMemory): the request ID, when it was first sent, the task. A repeat here waits for that
 *   task again and downloads it, with no call to create;
 * - in n8n's database (markStore.ts), right before the first send: a `sent` mark of the request ID, so that a repeat
 *   in another process never sends it again, even to an API that would make a second task for it: it looks the task
 *   up by the request ID, and if the API cannot find it, fails with where the task ID is. And an `open` mark of the
 *   identity without the origin, for the two repeats that cannot know the origin: the Retry of an execution n8n lost
 *   in a crash (it saved nothing of the node's context and replays the workflow from its start) and a sub-workflow
 *   started anew by its parent's Retry. Those fail once, before any create, with where the task is; the open mark
 *   then goes, so that running them again makes a new task on purpose. All marks of a node run go when it ends well,
 *   an item's when its task ends in FAIL or its create was refused for certain;
 * - in n8n's log (taskLog.ts): the request ID right before the first send, the task ID once the API answered, and
 *   what became of it when the run ends;
 * - in the request ID itself: see above.
 * A request ID the workflow supplies (Options › Request ID: the video calendar) is the workflow's own record: it is
 * sent as it is, never marked, and only the API's idempotency protects it.
 */
import { createHash } from 'crypto';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { billingRecordsOf } from '../api/baseUrl';
import { VideoError } from '../api/errors';
import type { PreparedGenerate } from '../item/prepare';
import { MarkStore } from './markStore';
import type { TaskEvent, TaskFacts } from './taskLog';
import { logRequest, logTask, taskOrigin } from './taskLog';

const DAY_MS = 24 * 60 * 60_000;

/** How long and how many of the process's item records are kept: a few hundred bytes each. */
export const LEDGER_LIMITS = { keepMs: DAY_MS, maxRecords: 20_000 };

/** Where the node's context keeps the execution a Retry repeats, and the items past their first try. */
export const ORIGIN_KEY = 'cogvideoxOrigin';
export const TRIES_KEY = 'cogvideoxTries';

/** What this process knows of an item's request. */
export interface ItemRecord {
	/** Which try of the item: it goes up when a task ends in FAIL, and with it the request ID. */
	generation: number;
	requestId: string;
	/** When the first create with this request ID was sent, once it was. */
	sentAt?: number;
	/** Its marks are in n8n's database (written by this process or found there). */
	marked?: boolean;
	/** The task the API made for it. */
	task?: { id: string; status: string };
}

/** Every item record of this process, for a day at most, the least recently used going first when it is full. */
export class ProcessMemory {
	private readonly records = new Map<string, ItemRecord & { keptUntil: number }>();

	constructor(private readonly limits = LEDGER_LIMITS) {}

	recall(key: string, now = Date.now()): ItemRecord | undefined {
		const record = this.records.get(key);
		return record && record.keptUntil > now ? record : undefined;
	}

	keep(key: string, record: ItemRecord, now = Date.now()): void {
		this.records.delete(key);
		for (const [oldest, kept] of this.records) {
			if (this.records.size < this.limits.maxRecords && kept.keptUntil > now) break;
			this.records.delete(oldest);
		}
		this.records.set(key, { ...record, keptUntil: now + this.limits.keepMs });
	}

	get size(): number {
		return this.records.size;
	}

	/** Forgets everything, as a restart of the process does. */
	clear(): void {
		this.records.clear();
	}
}

export const processMemory = new ProcessMemory();

const hash = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/**
 * What the item asks the API for: model, prompt, settings and where each image comes from, hashed. A binary image
 * counts by its type, name and size on the item, never by its bytes or its stored id (a Retry that runs the workflow
 * from its start stores the same image under a new id).
 */
export function requestFingerprint(ctx: IExecuteFunctions, item: PreparedGenerate): string {
	const binaries = ctx.getInputData()[item.itemIndex]?.binary ?? {};
	const sources = item.images.map((ref) => {
		if (ref.source === 'url') return { url: ref.url };
		const binary = binaries[ref.property.trim()];
		return { property: ref.property, size: binary?.fileSize ?? binary?.data.length, type: binary?.mimeType, name: binary?.fileName };
	});
	return hash([item.operation, item.model.id, item.prompt, item.settingsBody, sources]);
}

/** The run index of this execute() call; n8n-workflow offers it only through the data proxy ($runIndex). */
function runIndexOf(ctx: IExecuteFunctions): number {
	const runIndex: unknown = ctx.getWorkflowDataProxy(0).$runIndex;
	return typeof runIndex === 'number' ? runIndex : 0;
}

/**
 * Whether n8n is replaying the execution from its start after a crash: its recovery saved a run of every node that
 * had started, so the nodes before this one ran again, one run index later than this node's.
 */
function replayedAfterCrash(ctx: IExecuteFunctions, runIndex: number): boolean {
	const source = ctx.getExecuteData?.()?.source?.main?.[0];
	return typeof source?.previousNodeRun === 'number' && source.previousNodeRun > runIndex;
}

/** How a run that repeats an item without knowing its origin says so (the two cases the ledger cannot tell apart). */
type UnknownRepeat = 'crash replay' | 'sub-workflow';

/** One execute() call's ledger: the identity its items share, the marks, the memory and the log. */
export class TaskLedger {
	readonly marks: MarkStore;

	private constructor(
		readonly ctx: IExecuteFunctions,
		/** Instance, workflow, origin, node and run index: what every item's identity starts with. */
		readonly runIdentity: unknown[],
		/** Workflow, node and run index: the identity without the origin, for the open marks. */
		readonly originless: unknown[],
		readonly origin: string,
		/** The run may repeat items of a run whose origin it cannot know: it heeds their open marks. */
		readonly unknownRepeat: UnknownRepeat | undefined,
		readonly baseUrl: string,
		readonly memory: ProcessMemory,
		/** The try of each item past its first (its task FAILed, or its create was refused), saved in the node's context. */
		readonly tries: IDataObject,
	) {
		this.marks = MarkStore.for(ctx);
	}

	static open(ctx: IExecuteFunctions, baseUrl: string, memory = processMemory): TaskLedger {
		const mode = ctx.getMode();
		// An AI agent's tool call may run without a node context: its origin is then its own execution.
		const context: IDataObject = typeof ctx.getContext === 'function' ? ctx.getContext('node') : {};
		const carried = mode === 'retry' && typeof context[ORIGIN_KEY] === 'string' ? (context[ORIGIN_KEY] as string) : undefined;
		const origin = carried ?? String(ctx.getExecutionId() ?? '');
		// Saved with the execution, so that its Retry finds them.
		context[ORIGIN_KEY] = origin;
		if (typeof context[TRIES_KEY] !== 'object' || context[TRIES_KEY] === null) context[TRIES_KEY] = {};
		const node = ctx.getNode();
		const workflowId = String(ctx.getWorkflow().id ?? '');
		const runIndex = runIndexOf(ctx);
		let unknownRepeat: UnknownRepeat | undefined;
		if (mode === 'integrated') unknownRepeat = 'sub-workflow';
		else if (mode === 'retry' && carried === undefined && replayedAfterCrash(ctx, runIndex)) unknownRepeat = 'crash replay';
		const instance = typeof ctx.getInstanceId === 'function' ? ctx.getInstanceId() : '';
		const nodeId = node.id ?? node.name;
		const identity = [instance, workflowId, origin, nodeId, runIndex];
		return new TaskLedger(ctx, identity, [workflowId, nodeId, runIndex], origin, unknownRepeat, baseUrl, memory, context[TRIES_KEY] as IDataObject);
	}

	item(item: PreparedGenerate): ItemLedger {
		return new ItemLedger(this, item);
	}

	/**
	 * The node run ended with an error or a cancel: its open items' marks stay in n8n's database for a run that repeats
	 * them, and this node run stops writing them again.
	 */
	release(): void {
		this.marks.stopKeeping();
	}

	/** The node run ended well: its output reached n8n, so nothing repeats its items; their marks go. */
	async close(items: ItemLedger[]): Promise<void> {
		this.marks.stopKeeping();
		await this.marks.remove(items.flatMap((item) => item.marksToClose()));
	}

	/** The log line of a task at the end of the run: its video was handed on, or why not. */
	ended(facts: TaskFacts, itemIndex: number, what: TaskEvent): void {
		logTask(this.ctx, facts, taskOrigin(this.ctx, itemIndex), what);
	}
}

/** What this process knows of an earlier run of the item. */
export interface Earlier {
	/** Its task, to wait for again instead of paying for another. */
	task?: { id: string; status: string };
	/** Its request was sent and got no answer: sent again, a 1231 means its task exists. */
	sentBefore: boolean;
}

/** What the item should do at its first send: send it, or look up the task an earlier run's send made. */
export type Claim = 'send' | { sentBefore: VideoError };

/** One item's page of the ledger. */
export class ItemLedger {
	private record: ItemRecord;
	private readonly key: string;
	private readonly openKey: string;

	constructor(
		private readonly ledger: TaskLedger,
		private readonly item: PreparedGenerate,
	) {
		const fingerprint = requestFingerprint(ledger.ctx, item);
		this.key = hash([...ledger.runIdentity, item.itemIndex, fingerprint]);
		this.openKey = hash([...ledger.originless, item.itemIndex, fingerprint]);
		const saved = Number(ledger.tries[this.key] ?? 1);
		this.record = ledger.memory.recall(this.key) ?? { generation: saved, requestId: this.requestIdOf(saved) };
	}

	get requestId(): string {
		return this.record.requestId;
	}

	/** When the first create with this request ID was sent (by this run or an earlier one in this process). */
	get sentAt(): number {
		return this.record.sentAt ?? Date.now();
	}

	/** The workflow supplied the request ID: the ledger neither derives nor marks it. */
	get supplied(): boolean {
		return this.item.requestId !== undefined;
	}

	/** Step: looked up. What an earlier run of the item in this process left. */
	lookUp(): Earlier {
		return { task: this.record.task, sentBefore: this.record.sentAt !== undefined };
	}

	/**
	 * Step: about to send, right before the item's first create is sent (its images read, its body built). Marks the
	 * item in n8n's database, and writes the request ID to the log. A mark an earlier run left decides instead:
	 * - its `sent` mark: that run sent this very request ID; the task is looked up, not paid for again;
	 * - its `open` mark, in a run that cannot know the origin (a crash replay, a sub-workflow): the item fails here.
	 */
	async aboutToSend(): Promise<Claim> {
		if (this.record.sentAt !== undefined) return 'send'; // this process sent it before: marked and logged then
		if (!this.supplied) {
			const [sent, open] = this.marks();
			const earlier = await this.ledger.marks.record([sent, open]);
			this.remember({ marked: true });
			this.ledger.marks.keep([sent, open]);
			if (earlier?.has(sent)) return { sentBefore: this.sentElsewhere() };
			if (earlier?.has(open) && this.ledger.unknownRepeat) {
				// Said once: the open mark goes, so running it again makes a new task on purpose.
				await this.ledger.marks.remove([sent, open]);
				this.remember({ marked: false });
				throw this.paidByUnknownRun(this.ledger.unknownRepeat);
			}
		}
		this.remember({ sentAt: Date.now() });
		logRequest(this.ledger.ctx, { requestId: this.requestId, model: this.item.model.id }, taskOrigin(this.ledger.ctx, this.item.itemIndex));
		return 'send';
	}

	/** Step: created. The API made the task (or an earlier run's task was found by its request ID). */
	created(task: { taskId: string; status: string }, found = false): void {
		this.remember({ task: { id: task.taskId, status: task.status } });
		const event: TaskEvent = found ? { event: 'reused', why: 'found by its request ID: an earlier run of this item made it' } : { event: 'created' };
		logTask(this.ledger.ctx, this.facts(task.taskId), taskOrigin(this.ledger.ctx, this.item.itemIndex), event);
	}

	/** A task an earlier run of the item in this process made, waited for again by this one. */
	reused(task: { id: string }, why: string): void {
		logTask(this.ledger.ctx, this.facts(task.id), taskOrigin(this.ledger.ctx, this.item.itemIndex), { event: 'reused', why });
	}

	/** Step: failed. The task ended in FAIL: it has no video, so the item's next try makes a new task. */
	async taskFailed(): Promise<void> {
		await this.nextTry();
	}

	/**
	 * Step: the create failed. Refused for certain by the API's answer: no task exists, and the next try sends a new
	 * request. Failed before anything was sent: the marks go. Otherwise a task may exist: everything stays.
	 */
	async createFailed(refusedByApi: boolean): Promise<void> {
		if (this.record.sentAt === undefined) {
			await this.ledger.marks.remove(this.marksToClose());
			this.remember({ marked: false });
		} else if (refusedByApi) {
			await this.nextTry();
		}
	}

	/** The item's marks go, and its next try gets a request ID of its own. */
	private async nextTry(): Promise<void> {
		await this.ledger.marks.remove(this.marksToClose());
		const generation = this.record.generation + 1;
		this.record = { generation, requestId: this.requestIdOf(generation) };
		this.ledger.memory.keep(this.key, this.record);
		this.ledger.tries[this.key] = generation;
	}

	/** The item's marks in n8n's database, to remove once it is settled. */
	marksToClose(): string[] {
		return this.record.marked ? this.marks() : [];
	}

	private marks(): [sent: string, open: string] {
		return [`cogvideox-sent:${this.requestId}`, `cogvideox-open:${this.openKey}`];
	}

	private remember(update: Partial<ItemRecord>): void {
		this.record = { ...this.record, ...update };
		this.ledger.memory.keep(this.key, this.record);
	}

	private facts(taskId: string): TaskFacts {
		return { taskId, requestId: this.requestId, model: this.item.model.id };
	}

	private requestIdOf(generation: number): string {
		return this.item.requestId ?? `cvx-${this.key.slice(0, 40)}-${generation}`;
	}

	/** The error of a request an earlier run sent whose task the API cannot find by its request ID. */
	private sentElsewhere(): VideoError {
		const { ctx, origin, baseUrl } = this.ledger;
		const { requestId } = this;
		return new VideoError(
			`An earlier run of execution ${origin} already sent this item's create (request ID ${requestId}) and n8n lost that run before it ended; ` +
				'the API did not find its task by the request ID. ' +
				`Its task ID is in n8n's log of the process that ran it, in a line "CogVideoX task … created; request ${requestId}" of node "${ctx.getNode().name}", item ${this.item.itemIndex} ` +
				`(if that process stopped before the API answered, only a line "CogVideoX request ${requestId} sent" is there: look for that request ID in ${billingRecordsOf(baseUrl)}). ` +
				'Run Get Result with the task ID within a day to fetch the video; to make a new video instead, run the workflow again',
			{ kind: 'other', taskMayExist: true },
		);
	}

	/** The error of an item whose open mark a run that cannot know its origin found. */
	private paidByUnknownRun(repeat: UnknownRepeat): VideoError {
		const node = this.ledger.ctx.getNode().name;
		const which =
			repeat === 'crash replay'
				? 'The execution this Retry repeats already sent this item to the API and n8n lost it in a crash, keeping nothing of its task'
				: 'An earlier call of this sub-workflow already sent this item to the API, and it did not hand its video on (a Retry of the parent starts the sub-workflow anew, keeping nothing of its task)';
		return new VideoError(
			`${which}. Its task ID is in n8n's log, in a line "CogVideoX task … created" of node "${node}", item ${this.item.itemIndex} ` +
				`(if n8n stopped before the API answered, only a line "CogVideoX request … sent" of that node and item is there: look for its request ID in ${billingRecordsOf(this.ledger.baseUrl)}). ` +
				'Run Get Result with the task ID within a day to fetch the video; to make a new video instead, run this again: the next run makes a new task',
			{ kind: 'other', taskMayExist: true },
		);
	}
}
