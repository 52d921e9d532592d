/**
 * The node's execute(): validate every item first, so that bad input stops the run before any paid task exists,
 * then run the items in parallel with at most the pace's limit of tasks in flight, keeping the input order and
 * pairedItem.
 */
import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { apiBaseUrl, platformOf } from '../api/baseUrl';
import { InputError, VideoError } from '../api/errors';
import type { NodeOperation } from '../operations';
import { accountGates } from '../api/accountGate';
import { heldSlot, TaskPace } from './pace';
import { generationTimes } from './poll';
import type { PreparedItem } from '../item/prepare';
import { OPTION_DEFAULTS, prepareItem, requestIdClash } from '../item/prepare';
import type { ItemProgress, ItemRun } from './runItem';
import { runGenerate, runGetResult } from './runItem';
import type { ItemLedger } from './taskLedger';
import { TaskLedger } from './taskLedger';
import type { ApiClient } from '../api/transport';
import { CREDENTIAL_TYPE } from '../api/transport';

export type ItemError = NodeApiError | NodeOperationError;

/** How many tasks Get Result without waiting reads (and downloads) at once, whatever Max Concurrent Tasks says. */
export const PARALLEL_READS = 10;

/** Removes every secret from a text that leaves the node. */
function scrub(text: string | undefined, secrets: string[]): string | undefined {
	if (text === undefined) return undefined;
	return secrets.reduce((clean, secret) => clean.split(secret).join('***'), text);
}

/** Turns any failure of an item into n8n's error, with the task id in the message whenever a task exists. */
export function toNodeError(node: INode, error: unknown, itemIndex: number, progress: ItemProgress, secrets: string[]): ItemError {
	const video = error instanceof VideoError ? error : undefined;
	const taskId = video?.taskId ?? progress.taskId;
	let message = (error as Error)?.message || 'Unknown error';
	if (taskId && !message.includes(taskId)) message = `${message} [task ${taskId}]`;
	let description = video?.description ?? (error as { description?: string })?.description;
	if (!taskId && progress.requestId && !(error instanceof InputError)) {
		description = [description, `Request ID ${progress.requestId}`].filter(Boolean).join('. ');
	}
	message = scrub(message, secrets) ?? '';
	description = scrub(description, secrets);
	if (video?.httpCode) {
		const httpCode = String(video.httpCode);
		const response: JsonObject = { message, httpCode, ...(video.apiCode ? { code: video.apiCode } : {}) };
		return new NodeApiError(node, response, { message, description, httpCode, itemIndex });
	}
	return new NodeOperationError(node, message, { itemIndex, description });
}

/**
 * A failed item's output (Continue On Fail): the error and, where a task exists, its task and request IDs. With On
 * Error › Continue (using error output), n8n sends an item to the error output only when its JSON holds nothing but
 * `error` (an item's own `error` field would make n8n replace the JSON with the message alone), so there the same
 * facts go inside `error`.
 */
function failureItem(ctx: IExecuteFunctions, error: ItemError, itemIndex: number, progress: ItemProgress): INodeExecutionData {
	const facts: IDataObject = {};
	if (error.description) facts.errorDescription = error.description;
	if (progress.taskId) facts.taskId = progress.taskId;
	if (progress.requestId) facts.requestId = progress.requestId;
	const json: IDataObject = ctx.getNode().onError === 'continueErrorOutput' ? { error: { message: error.message, ...facts } } : { error: error.message, ...facts };
	return { json, pairedItem: { item: itemIndex } };
}

function readConcurrency(ctx: IExecuteFunctions): number {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const value = Number(options.maxConcurrency ?? OPTION_DEFAULTS.maxConcurrency);
	if (!Number.isInteger(value) || value < 1) {
		throw new NodeOperationError(ctx.getNode(), `Options › Max Concurrent Tasks: "${String(options.maxConcurrency)}" is not a whole number of 1 or more`);
	}
	return value;
}

/** An item of the node's output: one per input item, or one per task ID of a Get Result item. */
interface Unit {
	/** Its place in the output. */
	position: number;
	item: PreparedItem;
	progress: ItemProgress;
	/** The item's page of the task ledger (generate items). */
	ledger?: ItemLedger;
	output?: INodeExecutionData;
	error?: ItemError;
	/** Its task ended in FAIL: there is no video to fetch. */
	taskFailed?: boolean;
}

/** The tasks of a run that stops, for its error: none of them may be lost. */
function tasksOf(units: Unit[], except?: Unit): string | undefined {
	const lines = units.filter((unit) => unit !== except && unit.progress.taskId).map((unit) => `item ${unit.item.itemIndex}: task ${unit.progress.taskId}`);
	return lines.length ? lines.join(', ') : undefined;
}

/** The ledger's line of a unit's task at the end of the run: its video was handed on, or why not. */
function logEnd(ledger: TaskLedger, unit: Unit, stopped?: string): void {
	const { taskId, requestId } = unit.progress;
	if (!taskId) return;
	const facts = { taskId, requestId, model: unit.item.kind === 'generate' ? unit.item.model.id : undefined };
	const end = (what: Parameters<TaskLedger['ended']>[2]) => ledger.ended(facts, unit.item.itemIndex, what);
	if (unit.taskFailed) return end({ event: 'failed', why: unit.error!.message });
	const why = stopped ?? (unit.error ? unit.error.message : undefined);
	if (why) return end({ event: 'not delivered', why });
	const status = unit.output?.json.status;
	if (status === 'SUCCESS') end({ event: 'delivered' });
	else if (unit.item.kind === 'generate') end({ event: 'submitted' });
}

export async function executeVideoNode(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const node = ctx.getNode();
	const operation = ctx.getNodeParameter('operation', 0) as NodeOperation;
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const apiKey = String(credentials.apiKey ?? '');
	const secrets = apiKey.length >= 4 ? [apiKey] : [];
	let baseUrl: string;
	try {
		baseUrl = apiBaseUrl(credentials);
	} catch (error) {
		throw new NodeOperationError(node, (error as Error).message);
	}
	const client: ApiClient = { ctx, baseUrl, signal: ctx.getExecutionCancelSignal() };
	const ledger = TaskLedger.open(ctx, baseUrl);
	const continueOnFail = ctx.continueOnFail();
	const outputs: Array<INodeExecutionData | undefined> = [];
	const units: Unit[] = [];

	const requestIds = new Map<string, number>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const prepared = await prepareItem(ctx, itemIndex, operation, platformOf(baseUrl));
			const clash = prepared.map((item) => requestIdClash(requestIds, item)).find(Boolean);
			if (clash) throw clash;
			for (const item of prepared) {
				units.push({ position: outputs.push(undefined) - 1, item, progress: {}, ledger: item.kind === 'generate' ? ledger.item(item) : undefined });
			}
		} catch (error) {
			const nodeError = toNodeError(node, error, itemIndex, {}, secrets);
			if (!continueOnFail) throw nodeError;
			outputs.push(failureItem(ctx, nodeError, itemIndex, {}));
		}
	}

	// The pace is the execution's own (Max Concurrent Tasks). What the process learns about the account's limit and
	// the models' generation times is shared by all its executions (accountGate.ts, poll.ts): in queue mode a worker
	// runs many executions at once on one account.
	const pace = new TaskPace(readConcurrency(ctx));
	// Get Result without waiting holds no task in flight: its reads (and downloads) run beside the pace, a few at a time.
	const reads = new TaskPace(PARALLEL_READS);
	const paceOf = (item: PreparedItem) => (item.kind === 'getResult' && !item.run.wait ? reads : pace);
	const gateFor = (model: string) => accountGates.for(baseUrl, apiKey, model);
	const busy = {};
	const stop = new AbortController();
	let fatal: Unit | undefined;
	const cancelled = () => client.signal?.aborted === true;
	/** No new task starts: items waiting for the pace or the account are told to stop. */
	const stopRun = () => {
		pace.close();
		reads.close();
		stop.abort();
	};
	client.signal?.addEventListener('abort', stopRun, { once: true });

	const runOne = async (unit: Unit) => {
		const { item, progress } = unit;
		const itemPace = paceOf(item);
		if (!(await itemPace.acquire())) return;
		const slot = heldSlot(itemPace);
		const run: ItemRun = { ctx, client, slot, times: generationTimes, gateFor, stop: stop.signal, progress, ledger: unit.ledger, busy };
		try {
			const output = item.kind === 'generate' ? await runGenerate(run, item) : await runGetResult(run, item);
			unit.output = { ...output, pairedItem: { item: item.itemIndex } };
		} catch (error) {
			unit.error = toNodeError(node, error, item.itemIndex, progress, secrets);
			unit.taskFailed = error instanceof VideoError && error.kind === 'taskFailed';
			if (cancelled() || continueOnFail) return;
			fatal ??= unit;
			// No new task starts once the run is failing; tasks already created finish, so none is lost.
			stopRun();
		} finally {
			slot.release();
		}
	};
	await Promise.all(units.map(runOne));

	if (fatal || (cancelled() && units.some((unit) => !unit.output))) {
		const stopped = cancelled() ? 'the execution was cancelled' : `the node stopped at item ${fatal!.item.itemIndex}, so n8n keeps none of its output`;
		units.forEach((unit) => logEnd(ledger, unit, cancelled() || !unit.error ? stopped : undefined));
		ledger.release();
		const tasks = tasksOf(units, fatal);
		if (cancelled()) {
			const all = tasksOf(units);
			const message = all
				? `The execution was cancelled while the node waited for its tasks (${all}). Run Get Result with these task IDs within a day to fetch their videos`
				: 'The execution was cancelled before any task was created';
			throw new NodeOperationError(node, message);
		}
		const error = fatal!.error!;
		if (tasks) error.description = [error.description, `Other tasks this run created (fetch them with Get Result): ${tasks}`].filter(Boolean).join('. ');
		throw error;
	}
	for (const unit of units) {
		logEnd(ledger, unit);
		outputs[unit.position] = unit.output ?? failureItem(ctx, unit.error!, unit.item.itemIndex, unit.progress);
	}
	// The output reaches n8n: no run repeats these items now, so the ledger's marks of them go.
	await ledger.close(units.flatMap((unit) => unit.ledger ?? []));
	return [outputs.filter((output): output is INodeExecutionData => output !== undefined)];
}
