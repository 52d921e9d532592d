// A stand-in for Zhipu's video generation API (shared/API.md) on 127.0.0.1, for the node's tests.
// Two servers: the API itself, and a separate "result file host" that must never see the API key.
//
// Choices where API.md leaves room (the node must cope with the real API either way):
// - A FAIL poll answers {"model","request_id","task_status":"FAIL","error":{"message":reason}}.
// - A repeated request_id gets error 1231, and GET async-result/<request_id> does not find a task: the strictest
//   reading of the docs, which promise neither. `duplicateRequest: 'existingTask'` (the existing task, 200) and
//   `findByRequestId: true` switch on the other readings.
// - Faults are consumed before the auth check, by the next request of their kind.
// - `polls` counts every GET async-result for a known id, faulted or not.
// - `firstPollAfterDoneAt` is set by the first poll that returned a final status (SUCCESS or FAIL).
// - `firstDownloadAt` is set by the first GET of the video file, whatever it answered.
// - setGenerationMs() applies to tasks created afterwards.
// - A video GET for a task that is not SUCCESS (yet) answers 404, like a file that does not exist.
import { randomInt, randomUUID, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuthorized } from './auth';
import { listen, pump, readBody, sendError, sendGatewayHtml, sendJson } from './http';
import { serveSample } from './samples';
import { validateCreateBody } from './validate';
import { MIN_COVER_BYTES, MIN_VIDEO_BYTES, coverPng, videoChunks, videoSha256 } from './video';

export interface StandinOptions {
	apiKey?: string;
	generationMs?: number;
	/** Per-task generation time from the create body, overriding generationMs where it returns a number. */
	generationMsFor?: (body: Record<string, unknown>) => number | undefined;
	/** Like an account tier: a new task beyond this many PROCESSING ones is refused with 429 / 1302. */
	concurrencyLimit?: number;
	/** What a repeated request_id gets: error 1231 (default), or the existing task (API.md: sources disagree). */
	duplicateRequest?: 'existingTask' | '1231';
	/** Whether GET async-result/<request_id> finds a task by its request_id too (default: no, only by its id). */
	findByRequestId?: boolean;
	videoBytes?: number;
	coverBytes?: number;
	basePath?: string;
	/**
	 * One fault for the task a create body asks for, met once (a soak's fault matrix): `overload` answers its first
	 * create 1305; `pollError` its first poll HTTP 500; `downloadReset` drops its first video download; `fail` ends
	 * the task in FAIL; `expired` answers every download of its video 403, like a link that has expired.
	 */
	plannedFault?: (body: Record<string, unknown>) => PlannedFault | undefined;
	/**
	 * Keep inline (data URL) images in the recorded requests and tasks (default). Off, each is kept as its first
	 * bytes and length: a memory benchmark sends thousands of megabyte images.
	 */
	keepImageData?: boolean;
}

export type PlannedFault = 'overload' | 'pollError' | 'downloadReset' | 'fail' | 'expired';

export interface StandinTask {
	id: string;
	requestId: string;
	model: string;
	body: Record<string, unknown>;
	createdAt: number;
	finishAt: number;
	polls: number;
	status: 'PROCESSING' | 'SUCCESS' | 'FAIL';
	failReason?: string;
	videoSha256: string;
	videoSize: number;
	coverSha256: string;
	coverSize: number;
	firstPollAfterDoneAt?: number;
	firstDownloadAt?: number;
	/** The plannedFault this task meets, if any. */
	plannedFault?: PlannedFault;
}

export interface RecordedRequest {
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	body?: unknown;
	at: number;
}

export type Fault =
	/** An error answer; a create fault with `prompt` waits for a request whose prompt contains it. */
	| { on: 'create' | 'poll'; status: number; code?: string; message?: string; prompt?: string }
	| { on: 'create' | 'poll'; status: number; html: true }
	/** The connection drops with no answer: before the task is made, or after it (the client cannot know which). */
	| { on: 'create'; drop: 'beforeCreate' | 'afterCreate' }
	/** The task is made at once, the answer comes only after hangMs (a client timeout). */
	| { on: 'create'; hangMs: number }
	/** HTTP 200 with a body that is not valid JSON. */
	| { on: 'poll'; invalidJson: true }
	/** The next task made (with `prompt`: the next whose prompt contains it) ends in FAIL. */
	| { on: 'taskFail'; reason?: string; prompt?: string }
	| { on: 'download'; status: number }
	/** reset: the socket closes before any byte; short: half the bytes of the announced Content-Length, then it closes. */
	| { on: 'download'; cut: 'reset' | 'short' }
	/** The next SUCCESS answer gives this video URL instead of the file host's. */
	| { on: 'result'; videoUrl: string };

export interface Standin {
	apiUrl: string;
	filesOrigin: string;
	apiKey: string;
	tasks: Map<string, StandinTask>;
	apiRequests: RecordedRequest[];
	fileRequests: RecordedRequest[];
	fileAuthorizationHeaders: string[];
	createCalls(): number;
	/** Creates refused with 1302 because the concurrencyLimit option was reached. */
	concurrencyRefusals(): number;
	/** Materializes the mp4; refuses sizes over MAX_MATERIALIZE_BYTES (compare videoSha256 instead). */
	videoBytesFor(taskId: string): Buffer;
	coverBytesFor(taskId: string): Buffer;
	injectFault(fault: Fault): void;
	setGenerationMs(ms: number): void;
	close(): Promise<void>;
}

/** videoBytesFor() builds a Buffer; past this size a test should compare hashes instead. */
export const MAX_MATERIALIZE_BYTES = 128 * 1024 * 1024;
/** A 50 MB image in base64 is ~67 MB of JSON. */
const MAX_BODY_BYTES = 80 * 1024 * 1024;

// Default error codes for faults that give only a status.
const DEFAULT_FAULT_CODES: Record<number, string> = { 401: '1001', 403: '1220', 429: '1302', 500: '500', 503: '1305' };

/** A task whose status and video hash are computed when read, so nothing has to tick in the background. */
class TaskRecord implements StandinTask {
	polls = 0;
	failReason?: string;
	plannedFault?: PlannedFault;
	/** The planned fault was met (faults that happen once). */
	plannedFaultMet = false;
	firstPollAfterDoneAt?: number;
	firstDownloadAt?: number;
	readonly coverSha256: string;
	private videoHash?: string;

	constructor(
		readonly id: string,
		readonly requestId: string,
		readonly model: string,
		readonly body: Record<string, unknown>,
		readonly createdAt: number,
		readonly finishAt: number,
		readonly videoSize: number,
		readonly coverSize: number,
	) {
		this.coverSha256 = createHash('sha256').update(coverPng(id, coverSize)).digest('hex');
	}

	get status(): StandinTask['status'] {
		if (Date.now() < this.finishAt) return 'PROCESSING';
		return this.failReason === undefined ? 'SUCCESS' : 'FAIL';
	}

	/** Hashing a 500 MB video takes a while, so it happens on first read and is cached. */
	get videoSha256(): string {
		this.videoHash ??= videoSha256(this.id, this.videoSize);
		return this.videoHash;
	}
}

interface Config {
	apiKey: string;
	generationMs: number;
	generationMsFor?: StandinOptions['generationMsFor'];
	plannedFault?: StandinOptions['plannedFault'];
	concurrencyLimit?: number;
	duplicateRequest: 'existingTask' | '1231';
	findByRequestId: boolean;
	videoBytes: number;
	coverBytes: number;
	basePath: string;
	keepImageData: boolean;
}

function configFrom(options: StandinOptions): Config {
	const config = {
		apiKey: options.apiKey ?? 'test-id.test-secret',
		generationMs: options.generationMs ?? 300,
		generationMsFor: options.generationMsFor,
		plannedFault: options.plannedFault,
		concurrencyLimit: options.concurrencyLimit,
		duplicateRequest: options.duplicateRequest ?? '1231',
		findByRequestId: options.findByRequestId ?? false,
		videoBytes: options.videoBytes ?? 64 * 1024,
		coverBytes: options.coverBytes ?? 32 * 1024,
		basePath: (options.basePath ?? '/api/paas/v4').replace(/\/+$/, ''),
		keepImageData: options.keepImageData ?? true,
	};
	if (config.videoBytes < MIN_VIDEO_BYTES) throw new Error(`videoBytes must be at least ${MIN_VIDEO_BYTES}`);
	if (config.coverBytes < MIN_COVER_BYTES) throw new Error(`coverBytes must be at least ${MIN_COVER_BYTES}`);
	return config;
}

function header(req: IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value.join(', ') : value;
}

function parseJson(buffer: Buffer): { ok: true; value: unknown } | { ok: false; text: string } {
	const text = buffer.toString('utf8');
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch {
		return { ok: false, text };
	}
}

/** image_url with each data URL cut to its first bytes and its length, e.g. `data:image/png;base64,iVBO…(6990540 chars)`. */
function shortenDataUrls(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(shortenDataUrls);
	if (typeof value !== 'string' || !value.startsWith('data:')) return value;
	// A copy, not a slice: V8 keeps the whole string alive behind a slice of it.
	const head = Buffer.from(value.slice(0, value.indexOf(',') + 9), 'latin1').toString('latin1');
	return `${head}…(${value.length} chars)`;
}

/** A fault with a `prompt` applies only to a create whose prompt contains it. */
function appliesTo(fault: Fault, body: unknown): boolean {
	const wanted = (fault as { prompt?: string }).prompt;
	if (wanted === undefined) return true;
	const prompt = body && typeof body === 'object' ? (body as { prompt?: unknown }).prompt : undefined;
	return typeof prompt === 'string' && prompt.includes(wanted);
}

class StandinImpl {
	readonly tasks = new Map<string, TaskRecord>();
	readonly apiRequests: RecordedRequest[] = [];
	readonly fileRequests: RecordedRequest[] = [];
	readonly fileAuthorizationHeaders: string[] = [];
	filesOrigin = '';
	private readonly faults: Fault[] = [];
	private readonly byRequestId = new Map<string, TaskRecord>();
	/** request_ids whose planned overload was answered already. */
	private readonly overloaded = new Set<string>();
	// Ids look like the real ones (19 digits, dash, counter) and differ between stand-in instances.
	private readonly idPrefix = `81517132849${String(randomInt(10_000_000, 99_999_999))}`;
	private taskCount = 0;
	private creates = 0;
	/** Creates refused with 1302 by the concurrencyLimit option. */
	concurrencyRefusals = 0;

	constructor(readonly config: Config) {}

	createCalls(): number {
		return this.creates;
	}

	injectFault(fault: Fault): void {
		this.faults.push(fault);
	}

	setGenerationMs(ms: number): void {
		this.config.generationMs = ms;
	}

	videoBytesFor(taskId: string): Buffer {
		const task = this.requireTask(taskId);
		if (task.videoSize > MAX_MATERIALIZE_BYTES) {
			throw new Error(`video of ${task.videoSize} bytes is too large to materialize; compare task.videoSha256 instead`);
		}
		return Buffer.concat([...videoChunks(task.id, task.videoSize)]);
	}

	coverBytesFor(taskId: string): Buffer {
		const task = this.requireTask(taskId);
		return coverPng(task.id, task.coverSize);
	}

	private requireTask(taskId: string): TaskRecord {
		const task = this.tasks.get(taskId);
		if (!task) throw new Error(`no stand-in task ${taskId}`);
		return task;
	}

	/** Removes and returns the oldest queued fault of one kind (that `applies`, if given). */
	private takeFault<K extends Fault['on']>(on: K, applies: (fault: Extract<Fault, { on: K }>) => boolean = () => true): Extract<Fault, { on: K }> | undefined {
		const index = this.faults.findIndex((f) => f.on === on && applies(f as Extract<Fault, { on: K }>));
		return index < 0 ? undefined : (this.faults.splice(index, 1)[0] as Extract<Fault, { on: K }>);
	}

	private sendFault(res: ServerResponse, fault: Extract<Fault, { on: 'create' | 'poll' }>): void {
		if ('drop' in fault) return void res.socket?.destroy();
		if ('invalidJson' in fault) {
			res.writeHead(200, { 'Content-Type': 'application/json' });
			return void res.end('{"task_status":"PROC');
		}
		if ('hangMs' in fault) return;
		if ('html' in fault) return sendGatewayHtml(res, fault.status);
		const code = fault.code ?? DEFAULT_FAULT_CODES[fault.status] ?? '1234';
		sendError(res, fault.status, code, fault.message ?? `stand-in fault: HTTP ${fault.status}`);
	}

	// --- API server ---

	handleApi = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const raw = await readBody(req, MAX_BODY_BYTES);
		const parsed = raw.buffer.length > 0 ? parseJson(raw.buffer) : undefined;
		const path = req.url ?? '/';
		this.apiRequests.push({
			method: req.method ?? '',
			path,
			headers: { ...req.headers },
			body: parsed === undefined ? undefined : parsed.ok ? parsed.value : parsed.text,
			at: Date.now(),
		});
		const route = path.split('?')[0];
		const base = this.config.basePath;
		if (req.method === 'POST' && route === `${base}/videos/generations`) return this.create(req, res, raw.tooLarge, parsed);
		const pollPrefix = `${base}/async-result/`;
		const pollId = route.startsWith(pollPrefix) ? decodeURIComponent(route.slice(pollPrefix.length)) : '';
		if (req.method === 'GET' && pollId !== '' && !pollId.includes('/')) return this.poll(req, res, pollId);
		// The file list: free, needs a valid key, so the credential's Test button uses it.
		if (req.method === 'GET' && route === `${base}/files`) {
			if (this.authorized(req, res)) sendJson(res, 200, { object: 'list', data: [], has_more: false });
			return;
		}
		sendError(res, 404, '1214', `no route ${req.method ?? ''} ${route}`);
	};

	private async create(req: IncomingMessage, res: ServerResponse, tooLarge: boolean, parsed: ReturnType<typeof parseJson> | undefined): Promise<void> {
		this.creates++;
		const fault = this.takeFault('create', (candidate) => appliesTo(candidate, parsed?.ok ? parsed.value : undefined));
		// These two make the task first, then fail to answer in time or at all.
		const afterCreate = fault && (('drop' in fault && fault.drop === 'afterCreate') || 'hangMs' in fault) ? fault : undefined;
		if (fault && !afterCreate) return this.sendFault(res, fault);
		if (!this.authorized(req, res)) return;
		if (tooLarge) return sendError(res, 413, '1214', `request body exceeds ${MAX_BODY_BYTES} bytes`);
		if (!parsed?.ok) return sendError(res, 400, '1214', 'request body is not valid JSON');
		const problem = validateCreateBody(parsed.value);
		if (problem) return sendError(res, problem.status, problem.code, problem.message);
		const body = parsed.value as Record<string, unknown>;
		if (!this.config.keepImageData) body.image_url = shortenDataUrls(body.image_url);
		if (this.config.plannedFault?.(body) === 'overload' && !this.overloaded.has(body.request_id as string)) {
			this.overloaded.add(body.request_id as string);
			return sendError(res, 503, '1305', 'the model is overloaded, try again later (stand-in planned fault)');
		}
		if (this.atConcurrencyLimit(body)) {
			this.concurrencyRefusals++;
			return sendError(res, 429, '1302', 'concurrency limit reached for this account');
		}
		if (this.config.duplicateRequest === '1231' && this.byRequestId.has(body.request_id as string)) {
			return sendError(res, 400, '1231', `request_id ${String(body.request_id)} already exists`);
		}
		const task = this.findOrCreateTask(body);
		if (afterCreate && 'drop' in afterCreate) return this.sendFault(res, afterCreate);
		if (afterCreate && 'hangMs' in afterCreate) await new Promise((resolve) => setTimeout(resolve, afterCreate.hangMs));
		if (res.destroyed) return;
		sendJson(res, 200, { model: task.model, id: task.id, request_id: task.requestId, task_status: 'PROCESSING' });
	}

	/** A new request (not a repeated request_id) while the account's PROCESSING tasks fill its limit. */
	private atConcurrencyLimit(body: Record<string, unknown>): boolean {
		const limit = this.config.concurrencyLimit;
		if (limit === undefined || this.byRequestId.has(body.request_id as string)) return false;
		const processing = [...this.tasks.values()].filter((task) => task.status === 'PROCESSING').length;
		return processing >= limit;
	}

	private findOrCreateTask(body: Record<string, unknown>): TaskRecord {
		const requested = body.request_id as string | undefined;
		const existing = requested === undefined ? undefined : this.byRequestId.get(requested);
		if (existing) return existing;
		const now = Date.now();
		const id = `${this.idPrefix}-${++this.taskCount}`;
		const requestId = requested ?? `standin-${randomUUID()}`;
		const generationMs = this.config.generationMsFor?.(body) ?? this.config.generationMs;
		const task = new TaskRecord(id, requestId, body.model as string, body, now, now + generationMs, this.config.videoBytes, this.config.coverBytes);
		const failure = this.takeFault('taskFail', (fault) => appliesTo(fault, body));
		if (failure) task.failReason = failure.reason ?? 'video generation failed (stand-in taskFail fault)';
		task.plannedFault = this.config.plannedFault?.(body);
		if (task.plannedFault === 'fail') task.failReason = 'video generation failed (stand-in planned fault)';
		this.tasks.set(id, task);
		this.byRequestId.set(requestId, task);
		return task;
	}

	private poll(req: IncomingMessage, res: ServerResponse, id: string): void {
		const task = this.tasks.get(id) ?? (this.config.findByRequestId ? this.byRequestId.get(id) : undefined);
		if (task) task.polls++;
		const fault = this.takeFault('poll');
		if (fault) return this.sendFault(res, fault);
		if (task && this.meetsPlanned(task, 'pollError')) return sendError(res, 500, '500', 'internal error (stand-in planned fault)');
		if (!this.authorized(req, res)) return;
		if (!task) return sendError(res, 404, '1214', 'task not found');
		sendJson(res, 200, this.pollAnswer(task));
	}

	private pollAnswer(task: TaskRecord): Record<string, unknown> {
		const status = task.status;
		const answer: Record<string, unknown> = { model: task.model, request_id: task.requestId, task_status: status };
		if (status !== 'PROCESSING') task.firstPollAfterDoneAt ??= Date.now();
		if (status === 'SUCCESS') {
			const url = this.takeFault('result')?.videoUrl ?? `${this.filesOrigin}/video/${task.id}.mp4`;
			answer.video_result = [{ url, cover_image_url: `${this.filesOrigin}/cover/${task.id}.png` }];
		}
		if (status === 'FAIL') answer.error = { message: task.failReason };
		return answer;
	}

	/** Whether the task meets its planned fault of this kind now: the first time only. */
	private meetsPlanned(task: TaskRecord, kind: PlannedFault): boolean {
		if (task.plannedFault !== kind || task.plannedFaultMet) return false;
		task.plannedFaultMet = true;
		return true;
	}

	private authorized(req: IncomingMessage, res: ServerResponse): boolean {
		const auth = header(req, 'authorization');
		if (isAuthorized(auth, this.config.apiKey)) return true;
		const why = auth === undefined ? 'Authorization header is missing' : 'API key is invalid';
		sendError(res, 401, '1001', `authentication failed: ${why}`);
		return false;
	}

	// --- file host ---

	handleFiles = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		req.resume();
		const path = req.url ?? '/';
		this.fileRequests.push({ method: req.method ?? '', path, headers: { ...req.headers }, at: Date.now() });
		const auth = header(req, 'authorization');
		if (auth !== undefined) this.fileAuthorizationHeaders.push(auth);
		const route = path.split('?')[0];
		const video = /^\/video\/([^/]+)\.mp4$/.exec(route);
		const cover = /^\/cover\/([^/]+)\.png$/.exec(route);
		if (req.method !== 'GET' && req.method !== 'HEAD') return sendStorageError(res, 405);
		if (video) return this.serveVideo(req, res, decodeURIComponent(video[1]), auth);
		if (cover) return this.serveCover(req, res, decodeURIComponent(cover[1]), auth);
		if (serveSample(req, res, route)) return;
		sendStorageError(res, 404);
	};

	private async serveVideo(req: IncomingMessage, res: ServerResponse, id: string, auth: string | undefined): Promise<void> {
		const task = this.tasks.get(id);
		// Only a GET is a download: a HEAD neither sets firstDownloadAt nor consumes a fault.
		if (task && req.method === 'GET') task.firstDownloadAt ??= Date.now();
		const fault = req.method === 'GET' ? this.takeFault('download') : undefined;
		if (fault && 'status' in fault) return sendStorageError(res, fault.status);
		// A leaked API key must break the download, not just be recorded.
		if (auth !== undefined) return sendStorageError(res, 401);
		if (!task || task.status !== 'SUCCESS') return sendStorageError(res, 404);
		if (task.plannedFault === 'expired') return sendStorageError(res, 403);
		if (req.method === 'GET' && this.meetsPlanned(task, 'downloadReset')) return void res.socket?.destroy();
		if (fault?.cut === 'reset') return void res.socket?.destroy();
		res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': task.videoSize });
		if (req.method === 'HEAD') return void res.end();
		if (fault?.cut === 'short') return this.sendHalf(res, task);
		await pump(res, videoChunks(task.id, task.videoSize));
	}

	/** Half of the announced bytes, then the connection closes: a download cut short. */
	private async sendHalf(res: ServerResponse, task: TaskRecord): Promise<void> {
		let left = Math.floor(task.videoSize / 2);
		for (const chunk of videoChunks(task.id, task.videoSize)) {
			const part = chunk.subarray(0, Math.min(chunk.length, left));
			left -= part.length;
			if (!res.write(part) || left === 0) break;
		}
		await new Promise((resolve) => setTimeout(resolve, 20));
		res.socket?.destroy();
	}

	private serveCover(req: IncomingMessage, res: ServerResponse, id: string, auth: string | undefined): void {
		if (auth !== undefined) return sendStorageError(res, 401);
		const task = this.tasks.get(id);
		if (!task || task.status !== 'SUCCESS') return sendStorageError(res, 404);
		const png = coverPng(task.id, task.coverSize);
		res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
		res.end(req.method === 'HEAD' ? undefined : png);
	}
}

/** Object-storage style XML error, as a CDN/OSS host would send. */
function sendStorageError(res: ServerResponse, status: number): void {
	const code = status === 403 ? 'AccessDenied' : status === 404 ? 'NoSuchKey' : status === 401 ? 'Unauthorized' : 'Error';
	const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>stand-in file host: HTTP ${status}</Message></Error>\n`);
	res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': body.length });
	res.end(body);
}

export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
	const impl = new StandinImpl(configFrom(options));
	const api = await listen(impl.handleApi);
	const files = await listen(impl.handleFiles);
	impl.filesOrigin = files.origin;
	return {
		apiUrl: `${api.origin}${impl.config.basePath}`,
		filesOrigin: files.origin,
		apiKey: impl.config.apiKey,
		tasks: impl.tasks,
		apiRequests: impl.apiRequests,
		fileRequests: impl.fileRequests,
		fileAuthorizationHeaders: impl.fileAuthorizationHeaders,
		createCalls: () => impl.createCalls(),
		concurrencyRefusals: () => impl.concurrencyRefusals,
		videoBytesFor: (id) => impl.videoBytesFor(id),
		coverBytesFor: (id) => impl.coverBytesFor(id),
		injectFault: (fault) => impl.injectFault(fault),
		setGenerationMs: (ms) => impl.setGenerationMs(ms),
		close: async () => {
			await Promise.all([api.close(), files.close()]);
		},
	};
}
