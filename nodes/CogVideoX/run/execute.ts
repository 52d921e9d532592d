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
import { OPTION_DEFAULTS, prepareItem } from '../item/prepare';
import type { TryMemory } from './retryMemory';
import { beginTry, NO_ITEM_MEMORY, requestFingerprint } from './retryMemory';
import type { ItemProgress, ItemRun } from './runItem';
import { runGenerate, runGetResult } from './runItem';
import { settle } from '../settle';
import type { ApiClient } from '../api/transport';
import { CREDENTIAL_TYPE } from '../api/transport';

export type ItemError = NodeApiError | NodeOperationError;

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

function failureItem(error: ItemError, itemIndex: number, progress: ItemProgress): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	if (error.description) json.errorDescription = error.description;
	if (progress.taskId) json.taskId = progress.taskId;
	if (progress.requestId) json.requestId = progress.requestId;
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

/** Tasks that other items created, for the message of a run that stops: none of them may be lost. */
function otherTasks(progressByItem: Map<number, ItemProgress>, failedItem: number): string | undefined {
	const lines = [...progressByItem.entries()]
		.filter(([itemIndex, progress]) => itemIndex !== failedItem && progress.taskId)
		.map(([itemIndex, progress]) => `item ${itemIndex}: task ${progress.taskId}`);
	return lines.length ? `Other tasks this run created (fetch them with Get Result): ${lines.join(', ')}` : undefined;
}

export async function executeVideoNode(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const memory = beginTry(ctx);
	const outcome = await settle(runItems(ctx, memory));
	// n8n runs the node again (Retry On Fail) when it throws, or when its first output item is an error item.
	memory.end(outcome.ok ? outcome.value[0][0]?.json.error !== undefined : true);
	if (!outcome.ok) throw outcome.error;
	return outcome.value;
}

async function runItems(ctx: IExecuteFunctions, memory: TryMemory): Promise<INodeExecutionData[][]> {
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
	const continueOnFail = ctx.continueOnFail();
	const results: INodeExecutionData[] = new Array(items.length);

	const prepared: PreparedItem[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			prepared.push(await prepareItem(ctx, itemIndex, operation, platformOf(baseUrl)));
		} catch (error) {
			const nodeError = toNodeError(node, error, itemIndex, {}, secrets);
			if (!continueOnFail) throw nodeError;
			results[itemIndex] = failureItem(nodeError, itemIndex, {});
		}
	}

	// The pace is the execution's own (Max Concurrent Tasks). What the process learns about the account's limit and
	// the models' generation times is shared by all its executions (accountGate.ts, poll.ts): in queue mode a worker
	// runs many executions at once on one account.
	const pace = new TaskPace(readConcurrency(ctx));
	const gateFor = (model: string) => accountGates.for(baseUrl, apiKey, model);
	const stop = new AbortController();
	const progressByItem = new Map<number, ItemProgress>();
	let fatal: { error: ItemError; itemIndex: number } | undefined;
	const cancelled = () => client.signal?.aborted === true;
	/** No new task starts: items waiting for the pace or the account are told to stop. */
	const stopRun = () => {
		pace.close();
		stop.abort();
	};
	client.signal?.addEventListener(
		'abort',
		() => {
			stopRun();
			memory.drop();
		},
		{ once: true },
	);

	const runOne = async (item: PreparedItem) => {
		if (!(await pace.acquire())) return;
		const slot = heldSlot(pace);
		const progress: ItemProgress = {};
		progressByItem.set(item.itemIndex, progress);
		const itemMemory = item.kind === 'generate' ? memory.item(item.itemIndex, () => requestFingerprint(ctx, item)) : NO_ITEM_MEMORY;
		const run: ItemRun = { ctx, client, slot, times: generationTimes, gateFor, stop: stop.signal, progress, memory: itemMemory };
		try {
			const output = item.kind === 'generate' ? await runGenerate(run, item) : await runGetResult(run, item);
			results[item.itemIndex] = { ...output, pairedItem: { item: item.itemIndex } };
		} catch (error) {
			const nodeError = toNodeError(node, error, item.itemIndex, progress, secrets);
			if (cancelled()) {
				fatal ??= { error: nodeError, itemIndex: item.itemIndex };
				return;
			}
			if (continueOnFail) {
				results[item.itemIndex] = failureItem(nodeError, item.itemIndex, progress);
			} else {
				fatal ??= { error: nodeError, itemIndex: item.itemIndex };
				// No new task starts once the run is failing; tasks already created finish, so none is lost.
				stopRun();
			}
		} finally {
			slot.release();
		}
	};
	await Promise.all(prepared.map(runOne));

	if (fatal) {
		const { error } = fatal;
		if (cancelled()) throw error;
		const others = otherTasks(progressByItem, fatal.itemIndex);
		if (others) error.description = [error.description, others].filter(Boolean).join('. ');
		throw error;
	}
	return [results.filter((result) => result !== undefined)];
}
