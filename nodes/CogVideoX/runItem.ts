/** Runs one validated item: create the task, wait for it, download the result, and build the output item. */
import { randomUUID } from 'crypto';
import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { downloadToBinary } from './download';
import { VideoError } from './errors';
import { imageForApi } from './images';
import type { GenerationTimes } from './poll';
import { taskFailed, waitForTask } from './poll';
import type { PreparedGenerate, PreparedGetResult, RunOptions } from './prepare';
import { buildCreateBody } from './request';
import type { PaceSlot } from './pace';
import { submitTask } from './submit';
import type { ApiClient, TaskResult } from './transport';
import { getTaskResult } from './transport';

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
	times: GenerationTimes;
	progress: ItemProgress;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export async function runGenerate(run: ItemRun, item: PreparedGenerate): Promise<INodeExecutionData> {
	const { ctx, client, progress } = run;
	const { itemIndex, model, operation, prompt, settingsBody, run: options } = item;
	// One id per item for all retries of its create call: the API takes a repeated request_id as the same request.
	const requestId = randomUUID();
	progress.requestId = requestId;
	const images: string[] = [];
	for (const ref of item.images) images.push(await imageForApi(ctx, itemIndex, ref, model));
	const body = buildCreateBody({ operation, model, prompt, images, settings: settingsBody, requestId });
	const submittedAt = Date.now();
	const created = await submitTask(client, body, run.slot, submittedAt + options.timeoutMs);
	progress.taskId = created.taskId;
	const json: IDataObject = {
		taskId: created.taskId,
		requestId: created.requestId,
		model: model.id,
		status: created.status,
		prompt,
		submittedAt: new Date(submittedAt).toISOString(),
	};
	if (!options.wait) return { json };
	return await deliver(run, created.taskId, options, json, Date.now(), model.id);
}

export async function runGetResult(run: ItemRun, item: PreparedGetResult): Promise<INodeExecutionData> {
	const { taskId, run: options } = item;
	run.progress.taskId = taskId;
	const json: IDataObject = { taskId };
	if (options.wait) return await deliver(run, taskId, options, json, Date.now());
	const result = await getTaskResult(run.client, taskId);
	if (result.status === 'FAIL') throw taskFailed(result, taskId);
	if (result.status !== 'SUCCESS') {
		return { json: { ...json, requestId: result.requestId, model: result.model, status: result.status } };
	}
	run.slot.release();
	return await output(run, taskId, options, json, result, {});
}

/** Waits for the task, frees its slot for the next item, then downloads what the options ask for. */
async function deliver(
	run: ItemRun,
	taskId: string,
	options: RunOptions,
	json: IDataObject,
	startedAt: number,
	model?: string,
): Promise<INodeExecutionData> {
	const finished = await waitForTask(run.client, taskId, {
		intervalMs: options.pollIntervalMs,
		timeoutMs: options.timeoutMs,
		startedAt,
		expectedMs: model ? run.times.expected(model) : undefined,
	});
	run.slot.release();
	if (model) run.times.record(model, finished.finishedAt - startedAt);
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
			taskId,
			label: 'cover image',
			signal,
		});
	}
	if (Object.keys(binary).length) timings.downloadSeconds = seconds(Date.now() - downloadStart);
	if (Object.keys(timings).length) out.timings = timings;
	return Object.keys(binary).length ? { json: out, binary } : { json: out };
}
