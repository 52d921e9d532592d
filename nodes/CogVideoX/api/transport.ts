/**
 * The one place that calls the Zhipu API. n8n's httpRequestWithAuthentication adds the key, so it goes to the
 * API base only; answers are read whatever their status, and failures become VideoErrors with a plain message.
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestMethods } from 'n8n-workflow';

import { classifyFailure, connectionFailure, readApiError, VideoError } from './errors';
import { findModel } from '../models';
import { settle } from '../settle';

export const CREDENTIAL_TYPE = 'zhipuAiApi';

/** What every API call of one execution shares. */
export interface ApiClient {
	ctx: IExecuteFunctions;
	baseUrl: string;
	signal?: AbortSignal;
	/** How long one call may take before it counts as a network failure. */
	requestTimeoutMs?: number;
}

export const REQUEST_TIMEOUT_MS = 60_000;

export interface ApiAnswer {
	statusCode: number;
	/** Parsed JSON, or the raw text when the answer was not JSON (a gateway's HTML page). */
	body: unknown;
}

function parseBody(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	try {
		return JSON.parse(body);
	} catch {
		return body;
	}
}

async function send(client: ApiClient, method: IHttpRequestMethods, path: string, action: string, body?: IDataObject): Promise<ApiAnswer> {
	const sent = await settle(
		client.ctx.helpers.httpRequestWithAuthentication.call(client.ctx, CREDENTIAL_TYPE, {
			method,
			url: `${client.baseUrl}${path}`,
			body,
			json: true,
			headers: { 'Accept-Language': 'en-US,en' },
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// A redirect to another host must not carry the key along.
			sendCredentialsOnCrossOriginRedirect: false,
			timeout: client.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
			abortSignal: client.signal,
		}),
	);
	if (!sent.ok) throw connectionFailure(`Could not reach the Zhipu API to ${action}`, sent.error);
	const response = sent.value as { statusCode: number; body: unknown };
	return { statusCode: Number(response.statusCode), body: parseBody(response.body) };
}

function failureOf(answer: ApiAnswer): VideoError {
	const failure = classifyFailure(answer.statusCode, answer.body);
	return new VideoError(failure.message, { httpCode: answer.statusCode, apiCode: failure.apiCode, kind: failure.kind });
}

const isOk = (answer: ApiAnswer) => answer.statusCode >= 200 && answer.statusCode < 300;

export interface CreatedTask {
	taskId: string;
	requestId: string;
	status: string;
}

/**
 * One create call. A refusal throws a VideoError whose kind says what may help; the caller (submit.ts) decides
 * about retries, always with the same request_id, so a retry can never make a second paid task.
 */
export async function createTask(client: ApiClient, body: IDataObject & { request_id: string }): Promise<CreatedTask> {
	const answer = await send(client, 'POST', '/videos/generations', 'create the task', body);
	const created = answer.body as { id?: unknown; request_id?: unknown; task_status?: unknown } | undefined;
	if (isOk(answer) && created && typeof created === 'object' && created.id !== undefined) {
		return {
			taskId: String(created.id),
			requestId: String(created.request_id ?? body.request_id),
			status: String(created.task_status ?? 'PROCESSING'),
		};
	}
	throw isOk(answer)
		? new VideoError('The API accepted the request but returned no task id', { httpCode: answer.statusCode, kind: 'other' })
		: failureOf(answer);
}

export interface TaskResult {
	/** The task's id, where the answer carries one (recorded poll answers do: API-EVIDENCE.md P5). */
	id?: string;
	/** The task_status; undefined when the answer carries none (API-EVIDENCE.md D16). */
	status?: string;
	/** For an answer without a status: the API's own words, if it gave any. */
	apiMessage?: string;
	model?: string;
	requestId?: string;
	videoUrl?: string;
	coverImageUrl?: string;
	/** The prompt as the API rewrote it, where it says. */
	optimizedPrompt?: string;
	/** The reason a FAIL carries, in whatever field the API put it. */
	failReason?: string;
}

function failReasonOf(body: Record<string, unknown>): string | undefined {
	const { message } = (body.error ?? {}) as { message?: unknown };
	const candidates = [message, body.fail_reason, body.message, body.error_msg];
	const found = candidates.find((value) => typeof value === 'string' && value.trim() !== '');
	return found as string | undefined;
}

/** The model a poll answer names, as the node's own id where it is one: answers re-case it ("CogVideoX-Flash"). */
function modelIdOf(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	return findModel(value.trim().toLowerCase())?.id ?? value;
}

/** One read of a task's state. Failures throw a VideoError whose kind says whether another read may help. */
export async function getTaskResult(client: ApiClient, taskId: string): Promise<TaskResult> {
	const answer = await send(client, 'GET', `/async-result/${encodeURIComponent(taskId)}`, 'check the task');
	if (answer.statusCode === 404) {
		// Whatever its code, a 404 for a task says the API does not know it: no later read will.
		const { code, message } = readApiError(answer.body);
		const detail = [message ? `: ${message}` : '', code ? ` (code ${code})` : ''].join('');
		throw new VideoError(`it answered HTTP 404${detail}`, { httpCode: 404, apiCode: code, kind: 'notFound' });
	}
	if (!isOk(answer)) throw failureOf(answer);
	if (!answer.body || typeof answer.body !== 'object') {
		throw new VideoError(`The API answered HTTP ${answer.statusCode} with a page that is not JSON`, {
			httpCode: answer.statusCode,
			kind: 'server',
		});
	}
	const body = answer.body as Record<string, unknown>;
	const [video] = Array.isArray(body.video_result) ? (body.video_result as Array<Record<string, unknown>>) : [];
	const status = typeof body.task_status === 'string' && body.task_status.trim() !== '' ? body.task_status.trim().toUpperCase() : undefined;
	return {
		id: typeof body.id === 'string' || typeof body.id === 'number' ? String(body.id) : undefined,
		status,
		apiMessage: status ? undefined : readApiError(body).message,
		model: modelIdOf(body.model),
		requestId: typeof body.request_id === 'string' ? body.request_id : undefined,
		videoUrl: typeof video?.url === 'string' ? video.url : undefined,
		coverImageUrl: typeof video?.cover_image_url === 'string' ? video.cover_image_url : undefined,
		optimizedPrompt: typeof body.optimized_prompt === 'string' ? body.optimized_prompt : undefined,
		failReason: failReasonOf(body),
	};
}
