/**
 * Reads and validates one item's parameters before anything is sent, so that bad input on any item
 * stops the run before a single paid task is created.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { InputError } from '../api/errors';
import type { ImageRef } from './images';
import { checkImageRef } from './images';
import type { SizedImage } from './imageRules';
import { checkImagePixels } from './imageRules';
import type { ModelSpec, Operation, Platform } from '../models';
import type { NodeOperation } from '../operations';
import { GENERATORS, isGenerator } from '../operations';
import { checkImageCount, checkPrompt, resolveModel, settingsToBody } from './request';

/** The Options collection's defaults: the editor shows them and the run falls back to them. */
export const OPTION_DEFAULTS = {
	maxConcurrency: 5,
	pollIntervalSeconds: 5,
	timeoutSeconds: 900,
	outputBinaryProperty: 'data',
} as const;

export interface RunOptions {
	wait: boolean;
	/** Give the item back without a task when the account is busy, instead of waiting (generate operations). */
	returnWhenBusy: boolean;
	download: boolean;
	downloadCover: boolean;
	outputBinaryProperty: string;
	pollIntervalMs: number;
	timeoutMs: number;
}

export interface PreparedGenerate {
	kind: 'generate';
	itemIndex: number;
	operation: Operation;
	model: ModelSpec;
	prompt: string;
	images: ImageRef[];
	settingsBody: IDataObject;
	/** The request_id the workflow supplied (Options › Request ID); undefined: the task ledger derives one (run/taskLedger.ts). */
	requestId?: string;
	run: RunOptions;
}

export interface PreparedGetResult {
	kind: 'getResult';
	itemIndex: number;
	taskId: string;
	run: RunOptions;
}

export type PreparedItem = PreparedGenerate | PreparedGetResult;

function positiveSeconds(value: unknown, label: string, fallback: number): number {
	if (value === undefined || value === '') return fallback * 1000;
	const seconds = Number(value);
	if (!Number.isFinite(seconds) || seconds <= 0) {
		throw new InputError(`Options › ${label}: "${String(value)}" is not a positive number of seconds`);
	}
	return seconds * 1000;
}

/**
 * Whether an AI agent called the node as a tool. n8n 1.x has no isToolExecution(); there the tool is a node type of
 * its own, named after the node with "Tool" at the end.
 */
function isToolCall(ctx: IExecuteFunctions): boolean {
	if (typeof ctx.isToolExecution === 'function') return ctx.isToolExecution();
	return ctx.getNode().type.endsWith('Tool');
}

export function readRunOptions(ctx: IExecuteFunctions, itemIndex: number): RunOptions {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const outputBinaryProperty = String(options.outputBinaryProperty ?? OPTION_DEFAULTS.outputBinaryProperty).trim();
	if (!outputBinaryProperty) throw new InputError('Options › Put Output in Field is empty: enter a binary property name such as data');
	return {
		wait: ctx.getNodeParameter('waitForCompletion', itemIndex, true) as boolean,
		returnWhenBusy: options.whenAccountBusy === 'returnWithoutTask',
		// An AI agent gets the video's URL in JSON: binary data does not cross the tool boundary.
		download: typeof options.download === 'boolean' ? options.download : !isToolCall(ctx),
		downloadCover: options.downloadCover === true,
		outputBinaryProperty,
		pollIntervalMs: positiveSeconds(options.pollInterval, 'Poll Interval', OPTION_DEFAULTS.pollIntervalSeconds),
		timeoutMs: positiveSeconds(options.timeout, 'Timeout', OPTION_DEFAULTS.timeoutSeconds),
	};
}

/**
 * Reads and checks one item. `platform` is the credential's (undefined for a custom base URL): the models and
 * settings its docs give decide what the item may ask for.
 */
export async function prepareItem(ctx: IExecuteFunctions, itemIndex: number, operation: NodeOperation, platform?: Platform): Promise<PreparedItem[]> {
	const run = readRunOptions(ctx, itemIndex);
	if (!isGenerator(operation)) {
		return taskIdsOf(ctx.getNodeParameter('taskId', itemIndex, '')).map((taskId) => ({ kind: 'getResult', itemIndex, taskId, run }));
	}
	const model = resolveModel(ctx.getNodeParameter('model', itemIndex), operation, platform);
	const images = GENERATORS[operation].imageRefs(ctx, itemIndex);
	checkImageCount(images.length, operation);
	const prompt = checkPrompt(ctx.getNodeParameter('prompt', itemIndex, ''), images.length, model);
	const settingsBody = settingsToBody(model, ctx.getNodeParameter('videoSettings', itemIndex, {}) as IDataObject, platform);
	const sizes: Array<SizedImage | undefined> = [];
	for (const image of images) sizes.push(await checkImageRef(ctx, itemIndex, image, model));
	checkImagePixels(model, sizes);
	const requestId = checkRequestId((ctx.getNodeParameter('options', itemIndex, {}) as IDataObject).requestId);
	return [{ kind: 'generate', itemIndex, operation, model, prompt, images, settingsBody, requestId, run }];
}

/** The API documents request_id as 6 to 64 characters; the node also keeps them to plain characters. */
export const REQUEST_ID_LENGTH = { min: 6, max: 64 };

/** Options › Request ID, checked: undefined when empty (the task ledger then derives one). */
export function checkRequestId(value: unknown): string | undefined {
	const requestId = String(value ?? '').trim();
	if (!requestId) return undefined;
	const { min, max } = REQUEST_ID_LENGTH;
	if (requestId.length < min || requestId.length > max || !/^[\w.:-]+$/.test(requestId)) {
		throw new InputError(
			`Options › Request ID: "${requestId}" is not a request ID the API takes: ${min} to ${max} characters of letters, digits, "-", "_", "." and ":"`,
		);
	}
	return requestId;
}

/**
 * Two items with one supplied request ID would share one task: the API makes at most one per request ID. Records
 * the item's request ID in `seen` and returns the error of an item whose ID an earlier item has.
 */
export function requestIdClash(seen: Map<string, number>, item: PreparedItem): InputError | undefined {
	if (item.kind !== 'generate' || item.requestId === undefined) return undefined;
	const first = seen.get(item.requestId);
	if (first === undefined) {
		seen.set(item.requestId, item.itemIndex);
		return undefined;
	}
	return new InputError(`Options › Request ID: items ${first} and ${item.itemIndex} both have "${item.requestId}"; each item needs a request ID of its own`);
}

/**
 * Get Result's Task ID: one task ID, or several separated by commas, spaces or new lines, each its own output item;
 * a repeated ID counts once. Text that holds the node's log lines (taskLog.ts) gives the IDs those lines name, so
 * the lines of a lost run can be pasted as they are.
 */
export function taskIdsOf(value: unknown): string[] {
	const text = String(value ?? '');
	const logged = [...text.matchAll(/CogVideoX task (\S+)/g)].map((match) => match[1]);
	const ids = [...new Set(logged.length ? logged : text.split(/[\s,;]+/).filter(Boolean))];
	if (ids.length === 0) throw new InputError('Task ID is empty: enter the task ID that a generate operation returned, or several separated by commas');
	const bad = ids.find((id) => !/^[\w.-]+$/.test(id));
	if (bad) throw new InputError(`Task ID: "${bad}" is not a task ID; task IDs are letters, digits, dots, dashes and underscores, separated by commas, spaces or new lines`);
	return ids;
}
