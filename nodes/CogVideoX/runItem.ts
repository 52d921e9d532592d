/** Runs one validated item: create the task, wait for it, download the result, and build the output item. */
import { randomUUID } from 'crypto';
import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { downloadToBinary } from './download';
import { VideoError } from './errors';
import { imageForApi } from './images';
import { waitForTask } from './poll';
import type { PreparedGenerate, PreparedGetResult, RunOptions } from './prepare';
import { buildCreateBody } from './request';
import type { ApiClient, TaskResult } from './transport';
import { createTask, getTaskResult } from './transport';

/** What an item has reached so far, so that an error can name the task it created. */
export interface ItemProgress {
	taskId?: string;
	requestId?: string;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export async function runGenerate(
	ctx: IExecuteFunctions,
	client: ApiClient,
	item: PreparedGenerate,
	progress: ItemProgress,
): Promise<INodeExecutionData> {
	const { itemIndex, model, operation, prompt, settingsBody, run } = item;
	// One id per item for all retries of its create call: the API takes a repeated request_id as the same request.
	const requestId = randomUUID();
	progress.requestId = requestId;
	const images: string[] = [];
	for (const ref of item.images) images.push(await imageForApi(ctx, itemIndex, ref, model));
	const body = buildCreateBody({ operation, model, prompt, images, settings: settingsBody, requestId });
	const submittedAt = Date.now();
	const created = await createTask(client, body);
	progress.taskId = created.taskId;
	const json: IDataObject = {
		taskId: created.taskId,
		requestId: created.requestId,
		model: model.id,
		status: created.status,
		prompt,
		submittedAt: new Date(submittedAt).toISOString(),
	};
	if (!run.wait) return { json };
	return await deliver(ctx, client, created.taskId, run, json, submittedAt);
}

export async function runGetResult(
	ctx: IExecuteFunctions,
	client: ApiClient,
	item: PreparedGetResult,
	progress: ItemProgress,
): Promise<INodeExecutionData> {
	const { taskId, run } = item;
	progress.taskId = taskId;
	const json: IDataObject = { taskId };
	if (run.wait) return await deliver(ctx, client, taskId, run, json, Date.now());
	const result = await getTaskResult(client, taskId);
	if (result.status === 'FAIL') {
		throw new VideoError(`The video generation failed${result.failReason ? `: ${result.failReason}` : ''}`, { taskId });
	}
	if (result.status !== 'SUCCESS') {
		return { json: { ...json, requestId: result.requestId, model: result.model, status: result.status } };
	}
	return await output(ctx, taskId, run, json, result, {});
}

/** Waits for the task, then downloads what the options ask for. */
async function deliver(
	ctx: IExecuteFunctions,
	client: ApiClient,
	taskId: string,
	run: RunOptions,
	json: IDataObject,
	startedAt: number,
): Promise<INodeExecutionData> {
	const finished = await waitForTask(client, taskId, { intervalMs: run.pollIntervalMs, timeoutMs: run.timeoutMs });
	const timings = {
		finishedAt: new Date(finished.finishedAt).toISOString(),
		waitSeconds: seconds(finished.finishedAt - startedAt),
		polls: finished.polls,
	};
	return await output(ctx, taskId, run, json, finished, timings, client.signal);
}

async function output(
	ctx: IExecuteFunctions,
	taskId: string,
	run: RunOptions,
	json: IDataObject,
	result: TaskResult,
	timings: IDataObject,
	signal?: AbortSignal,
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
	if (run.download) {
		if (!result.videoUrl) throw new VideoError('The task succeeded but the API gave no video URL', { taskId });
		binary[run.outputBinaryProperty] = await downloadToBinary(ctx, {
			url: result.videoUrl,
			fileName: `${taskId}.mp4`,
			mimeType: 'video/mp4',
			taskId,
			label: 'video',
			signal,
		});
	}
	if (run.downloadCover && result.coverImageUrl) {
		binary.cover = await downloadToBinary(ctx, {
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
