/** Runs one validated item: create the task, wait for it, download the result, and build the output item. */
import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { downloadToBinary } from './download';
import { VideoError } from '../api/errors';
import { imageForApi } from '../item/images';
import type { AccountGate } from '../api/accountGate';
import type { GenerationTimes } from './poll';
import { estimatedFinish, notReported, taskFailed, waitForTask, withoutStatusError } from './poll';
import type { PreparedGenerate, PreparedGetResult, RunOptions } from '../item/prepare';
import { buildCreateBody } from '../item/request';
import type { PaceSlot } from './pace';
import type { ItemLedger } from './taskLedger';
import { settle } from '../settle';
import type { Submitted } from '../api/submit';
import { submitTask } from '../api/submit';
import type { ApiClient, TaskResult } from '../api/transport';
import { getTaskResult } from '../api/transport';

/** What an item has reached so far, so that an error can name the task it created. */
export interface ItemProgress {
	taskId?: string;
	requestId?: string;
}

/** What one item's run shares with the rest of the execution. */
export interface ItemRun {
	ctx: IExecuteFunctions;
	client: ApiClient;
	/** The item's place in the pace: released once the task is finished on the API's side, before the download. */
	slot: PaceSlot;
	/** Generation times per API and model, shared by the process's executions. */
	times: GenerationTimes;
	/** The account's gate for a model: the process's executions share it (accountGate.ts). */
	gateFor: (model: string) => AccountGate;
	/** Aborted when the execution is cancelled or the run is failing: an item still waiting starts no task. */
	stop: AbortSignal;
	progress: ItemProgress;
	/** The item's page of the task ledger (generate items): what an earlier run sent for it, and every step of its task. */
	ledger?: ItemLedger;
	/** The busy answer an item of this run met, for the items that return without a task instead of waiting. */
	busy: { answer?: VideoError };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Generation times are kept per API and model: the same model id may behave differently behind another base URL. */
const timesKey = (run: ItemRun, model: string) => `${run.client.baseUrl} ${model}`;

export async function runGenerate(run: ItemRun, item: PreparedGenerate): Promise<INodeExecutionData> {
	const { progress } = run;
	const ledger = run.ledger!;
	const { model, prompt, run: options } = item;
	// A task an earlier run of this item made in this process is waited for again, not paid for twice.
	const earlier = ledger.lookUp();
	let created: { taskId: string; status: string; requestId?: string };
	if (earlier.task) {
		created = { taskId: earlier.task.id, status: earlier.task.status };
		ledger.reused(earlier.task, 'an earlier run of this item in this n8n process made it');
	} else {
		progress.requestId = ledger.requestId;
		const attempt = await settle(create(run, item, ledger, earlier.sentBefore));
		if (!attempt.ok) {
			const error = attempt.error;
			if (error instanceof VideoError && error.kind === 'notSubmitted') return notSubmittedItem(run, item, error);
			throw error;
		}
		created = attempt.value;
	}
	// The request ID as the API's answer gives it back (ours, unless the API answers with one of its own).
	progress.requestId = created.requestId ?? ledger.requestId;
	progress.taskId = created.taskId;
	const json: IDataObject = {
		taskId: created.taskId,
		requestId: progress.requestId,
		model: model.id,
		status: created.status,
		prompt,
		submittedAt: new Date(ledger.sentAt).toISOString(),
	};
	if (!options.wait) return { json };
	const wait = earlier.task ? { startedAt: Date.now(), pollAtOnce: true } : { startedAt: Date.now(), model: model.id };
	return await deliver(run, created.taskId, options, json, wait);
}

/** An item the account was too busy to take, given back without a task for a later run (Options › When the Account Is Busy). */
function notSubmittedItem(run: ItemRun, item: PreparedGenerate, why: VideoError): INodeExecutionData {
	return {
		json: { requestId: run.progress.requestId, model: item.model.id, status: 'NOT_SUBMITTED', prompt: item.prompt, reason: why.message },
	};
}

/** The item's input images as the API takes them, read when the body is built. */
async function imagesForApi(ctx: IExecuteFunctions, item: PreparedGenerate): Promise<string[]> {
	const images: string[] = [];
	for (const ref of item.images) images.push(await imageForApi(ctx, item.itemIndex, ref, item.model));
	return images;
}

/**
 * Creates the item's task under the request ID the ledger gives it, which every run that repeats the item sends
 * again (taskLedger.ts). The body is built for each call, never held between them; the ledger marks the item right
 * before its first send, once its body is built.
 */
async function create(run: ItemRun, item: PreparedGenerate, ledger: ItemLedger, sentBefore: boolean): Promise<Submitted> {
	const { ctx } = run;
	const { operation, model, prompt, settingsBody: settings } = item;
	const { requestId } = ledger;
	const submitted = await settle(
		submitTask(
			run.client,
			{
				requestId,
				model: model.id,
				firstSentAt: ledger.sentAt,
				supplied: ledger.supplied,
				body: async () => buildCreateBody({ operation, model, prompt, images: await imagesForApi(ctx, item), settings, requestId }),
				claim: async () => await ledger.aboutToSend(),
				sentBefore,
			},
			run.slot,
			Date.now() + item.run.timeoutMs,
			{
				gate: run.gateFor(model.id),
				intervalMs: item.run.pollIntervalMs,
				expectedMs: run.times.expected(timesKey(run, model.id)),
				stop: run.stop,
				returnWhenBusy: item.run.returnWhenBusy,
				busy: run.busy,
			},
		),
	);
	if (!submitted.ok) {
		const error = submitted.error;
		// Refused for certain: the API answered, and no send of this request went unanswered.
		await ledger.createFailed(error instanceof VideoError && error.httpCode !== undefined && !error.taskMayExist);
		throw error;
	}
	ledger.created(submitted.value, submitted.value.found);
	return submitted.value;
}

export async function runGetResult(run: ItemRun, item: PreparedGetResult): Promise<INodeExecutionData> {
	const { taskId, run: options } = item;
	run.progress.taskId = taskId;
	const json: IDataObject = { taskId };
	if (options.wait) return await deliver(run, taskId, options, json, { startedAt: Date.now() });
	const result = await settle(getTaskResult(run.client, taskId));
	if (!result.ok) {
		const error = result.error;
		throw error instanceof VideoError && error.kind === 'notFound' ? notReported(taskId, error.message) : error;
	}
	return await reportOnce(run, taskId, options, json, result.value);
}

/** Get Result without waiting: the task's state as one read found it, and the video if it is done. */
async function reportOnce(run: ItemRun, taskId: string, options: RunOptions, json: IDataObject, result: TaskResult): Promise<INodeExecutionData> {
	if (result.status === undefined) throw withoutStatusError(taskId, result.apiMessage);
	if (result.status === 'FAIL') throw taskFailed(result, taskId);
	if (result.status !== 'SUCCESS') {
		return { json: { ...json, requestId: result.requestId, model: result.model, status: result.status } };
	}
	run.slot.release();
	return await output(run, taskId, options, json, result, {});
}

/** How to wait for a task: from when, with the model's times of this run, or reading it at once (a task reused). */
interface WaitFrom {
	startedAt: number;
	model?: string;
	pollAtOnce?: boolean;
}

/** Waits for the task, frees its slot for the next item, then downloads what the options ask for. */
async function deliver(run: ItemRun, taskId: string, options: RunOptions, json: IDataObject, from: WaitFrom): Promise<INodeExecutionData> {
	const { startedAt, model } = from;
	const gate = model ? run.gateFor(model) : undefined;
	const waited = await settle(
		waitForTask(run.client, taskId, {
			intervalMs: options.pollIntervalMs,
			timeoutMs: options.timeoutMs,
			startedAt,
			expectedMs: model ? run.times.expected(timesKey(run, model)) : undefined,
			pollAtOnce: from.pollAtOnce,
			contended: () => gate?.contended === true,
		}),
	);
	if (!waited.ok) {
		// A task that failed is of no use to a retry of the node: that one makes a new task.
		if (waited.error instanceof VideoError && waited.error.kind === 'taskFailed') await run.ledger?.taskFailed();
		throw waited.error;
	}
	const finished = waited.value;
	run.slot.release();
	if (model) run.times.record(timesKey(run, model), estimatedFinish(finished) - startedAt);
	const timings = {
		finishedAt: new Date(finished.finishedAt).toISOString(),
		waitSeconds: seconds(finished.finishedAt - startedAt),
		polls: finished.polls,
	};
	return await output(run, taskId, options, json, finished, timings);
}

async function output(
	run: ItemRun,
	taskId: string,
	options: RunOptions,
	json: IDataObject,
	result: TaskResult,
	timings: IDataObject,
): Promise<INodeExecutionData> {
	const out: IDataObject = {
		...json,
		requestId: json.requestId ?? result.requestId,
		model: json.model ?? result.model,
		status: result.status,
		videoUrl: result.videoUrl,
		coverImageUrl: result.coverImageUrl,
		...(result.optimizedPrompt ? { optimizedPrompt: result.optimizedPrompt } : {}),
	};
	const binary: IBinaryKeyData = {};
	const downloadStart = Date.now();
	const signal = run.client.signal;
	if (options.download) {
		if (!result.videoUrl) throw new VideoError('The task succeeded but the API gave no video URL', { taskId });
		binary[options.outputBinaryProperty] = await downloadToBinary(run.ctx, {
			url: result.videoUrl,
			fileName: `${taskId}.mp4`,
			mimeType: 'video/mp4',
			taskId,
			label: 'video',
			signal,
		});
	}
	if (options.downloadCover && result.coverImageUrl) {
		binary.cover = await downloadToBinary(run.ctx, {
			url: result.coverImageUrl,
			fileName: `${taskId}.png`,
			mimeType: 'image/png',
			imageOfServedType: true,
			taskId,
			label: 'cover image',
			signal,
		});
	}
	if (Object.keys(binary).length) timings.downloadSeconds = seconds(Date.now() - downloadStart);
	if (Object.keys(timings).length) out.timings = timings;
	return Object.keys(binary).length ? { json: out, binary } : { json: out };
}
