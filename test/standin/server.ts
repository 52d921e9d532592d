// A stand-in for Zhipu's video generation API (shared/API.md) on 127.0.0.1, for the node's tests.
// Three servers: the API itself, a "result file host" for the videos, and a third host for the covers, as recorded
// answers show them (API-EVIDENCE.md P5, P6); neither file host may ever see the API key.
//
// Its answers have the shapes recorded from the real API (API-EVIDENCE.md section 3): task ids of a timestamp and
// hex digits, a poll answer with `id` and `usage` and the model re-cased ("CogVideoX-Flash"), JPEG covers with a
// signed-URL query, and error texts in Chinese, or in English for a request that asks for it (Accept-Language).
// `platform` sets which platform's docs it follows: the models and sizes it takes, and 1211 or 1214 for an unknown
// model. `unlike` makes it differ from our reading of the real API on purpose, for the live check's own test.
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
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuthorized } from './auth';
import { listen, pump, readBody, sendError, sendGatewayHtml, sendJson } from './http';
import { REPORTS_PATH, serveSample, UPLOADS_PATH } from './samples';
import { validateCreateBody } from './validate';
import { type ErrorTextName, type Language, errorText } from './errorTexts';
import { MIN_COVER_BYTES, MIN_VIDEO_BYTES, coverImage, type CoverFormat, videoChunks, videoSha256 } from './video';
import { type StandinPlatform, checkTokenizerBody } from './models';

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
	/** The covers' format (default jpeg, as recorded) and the Content-Type the cover host sends (default: the format's). */
	coverFormat?: CoverFormat;
	coverContentType?: string;
	/** Which platform's docs the stand-in follows (default china: BigModel, the widest model list). */
	platform?: StandinPlatform;
	/** Ways to differ from our reading of the real API, one by one: for the live check's test. */
	unlike?: Partial<Record<Quirk, true>>;
	basePath?: string;
	/**
	 * One fault for the task a create body asks for, met once (a soak's fault matrix): `overload` answers its first
	 * create 1305; `pollError` its first poll HTTP 500; `downloadReset` drops its first video download; `fail` ends
	 * the task in FAIL; `expired` answers every download of its video 403, like a link that has expired.
	 */
	plannedFault?: (body: Record<string, unknown>) => PlannedFault | undefined;
	/**
	 * The API's clock for its tasks (when each finishes, and so what a poll and the concurrencyLimit see; default
	 * Date.now): a benchmark plays hours of a schedule in seconds by moving it between runs.
	 */
	clock?: () => number;
	/**
	 * Keep inline (data URL) images in the recorded requests and tasks (default). Off, each is kept as its first
	 * bytes and length: a memory benchmark sends thousands of megabyte images.
	 */
	keepImageData?: boolean;
}

export type PlannedFault = 'overload' | 'pollError' | 'downloadReset' | 'fail' | 'expired';

/**
 * How an API unlike the one we read could answer, each the opposite of an assumption `npm run check:live` checks:
 * - `noTaskStatus`: poll answers carry no task_status;
 * - `filesNeedNoKey` / `noFilesRoute`: the credential Test's call answers 200 to a wrong key / 404 to any key;
 * - `duplicateMakesTask`: a repeated request_id makes a second task;
 * - `unknownModelAccepted`: a create for an unknown model makes a task;
 * - `unknownTaskRunning`: a poll for an unknown id answers 200 PROCESSING;
 * - `filesOnApiHost`: result files are served from the API's own host, with a text/plain cover;
 * - `otherRequestId`: answers carry a request_id of their own, not the client's.
 */
export type Quirk =
	| 'noTaskStatus'
	| 'filesNeedNoKey'
	| 'noFilesRoute'
	| 'duplicateMakesTask'
	| 'unknownModelAccepted'
	| 'unknownTaskRunning'
	| 'filesOnApiHost'
	| 'otherRequestId';

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
	/** Where the task's files are served once it succeeds. */
	videoUrl: string;
	coverUrl: string;
	/** The cover's bytes as served. */
	coverFormat: CoverFormat;
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
	/** An answer of exactly this JSON body (a recorded payload replayed; the test rewrites its hosts to loopback ones). */
	| { on: 'create' | 'poll'; status: number; body: unknown }
	/** An error in the API's own words (errorTexts.ts), in the language the request asks for. */
	| { on: 'create' | 'poll'; status: number; code: string; text: ErrorTextName; values?: Record<string, string> }
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
	| { on: 'result'; videoUrl: string }
	/** The next upload is kept at once and answered only after hangMs: a client that dies meanwhile never learns it. */
	| { on: 'upload'; hangMs: number }
	/**
	 * The next upload (with `prompt`: the next of a video whose task's prompt contains it) is refused with this HTTP
	 * status and an object store's XML error carrying `message`, as a full bucket or an expired token answers; nothing
	 * is kept.
	 */
	| { on: 'upload'; status: number; message?: string; prompt?: string };

export interface UploadAttempt {
	name: string;
	status: number;
	at: number;
}

export interface Standin {
	apiUrl: string;
	filesOrigin: string;
	apiKey: string;
	tasks: Map<string, StandinTask>;
	apiRequests: RecordedRequest[];
	fileRequests: RecordedRequest[];
	/**
	 * What was uploaded to the file host (PUT /uploads/<name>): the calendar example's "Store Video" step, which a user
	 * points at Google Drive, S3 or YouTube, points here in the sandbox and the suites.
	 */
	uploads: Map<string, { bytes: Buffer; contentType?: string; at: number }>;
	/** Every PUT /uploads/<name>, in the order received, with the status it was answered (201 kept, else refused). */
	uploadAttempts: UploadAttempt[];
	/** What was POSTed to the file host's /reports/ (the calendar's failure report, whose placeholder points there). */
	reports: Array<{ path: string; body: unknown; at: number }>;
	fileAuthorizationHeaders: string[];
	createCalls(): number;
	/** Creates refused with 1302 because the concurrencyLimit option was reached. */
	concurrencyRefusals(): number;
	/** Materializes the mp4; refuses sizes over MAX_MATERIALIZE_BYTES (compare videoSha256 instead). */
	videoBytesFor(taskId: string): Buffer;
	coverBytesFor(taskId: string): Buffer;
	/** The origin of the cover host (a third host, as recorded). */
	coverOrigin: string;
	/** Serves `bytes` at `path` on the file host or the cover host: the files of a recorded answer replayed. */
	publish(host: 'files' | 'covers', path: string, bytes: Buffer, contentType: string): string;
	/** Requests for the credential Test's calls (the file list, the tokenizer). */
	keyChecks(): number;
	injectFault(fault: Fault): void;
	setGenerationMs(ms: number): void;
	close(): Promise<void>;
}

/** videoBytesFor() builds a Buffer; past this size a test should compare hashes instead. */
/** The largest upload the file host keeps. */
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

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
	videoUrl = '';
	coverUrl = '';
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
		readonly coverFormat: CoverFormat,
		private readonly clock: () => number,
	) {
		this.coverSha256 = createHash('sha256').update(this.coverBytes()).digest('hex');
	}

	coverBytes(): Buffer {
		return coverImage(this.coverFormat, this.id, this.coverSize);
	}

	get status(): StandinTask['status'] {
		if (this.clock() < this.finishAt) return 'PROCESSING';
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
	coverFormat: CoverFormat;
	coverContentType?: string;
	platform: StandinPlatform;
	unlike: Partial<Record<Quirk, true>>;
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
	clock: () => number;
}

function configFrom(options: StandinOptions): Config {
	const config = {
		apiKey: options.apiKey ?? 'test-id.test-secret',
		coverFormat: options.coverFormat ?? 'jpeg',
		coverContentType: options.coverContentType,
		platform: options.platform ?? 'china',
		unlike: options.unlike ?? {},
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
		clock: options.clock ?? Date.now,
	};
	if (config.videoBytes < MIN_VIDEO_BYTES) throw new Error(`videoBytes must be at least ${MIN_VIDEO_BYTES}`);
	if (config.coverBytes < MIN_COVER_BYTES[config.coverFormat]) throw new Error(`coverBytes must be at least ${MIN_COVER_BYTES[config.coverFormat]}`);
	return config;
}

function header(req: IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value.join(', ') : value;
}

/** The language of the API's error texts: English where the request asks for it (Z.ai's Accept-Language), else Chinese. */
function languageOf(req: IncomingMessage): Language {
	return /^\s*en\b/i.test(header(req, 'accept-language') ?? '') ? 'en' : 'zh';
}

/** A task id as the real API makes them: a timestamp to the second and 16 hex digits (API-EVIDENCE.md D17). */
function realLikeId(now = new Date()): string {
	const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
	return `${stamp}${randomBytes(8).toString('hex')}`;
}

/** The model as poll answers name it: the CogVideoX models re-cased, as recorded ("CogVideoX-Flash"). */
function recased(model: string): string {
	return model.replace(/^cogvideox/, 'CogVideoX').replace(/-flash$/, '-Flash');
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
	coverOrigin = '';
	apiOrigin = '';
	private readonly faults: Fault[] = [];
	private readonly byRequestId = new Map<string, TaskRecord>();
	/** The cover host's file names, each a task's. */
	private readonly coverKeys = new Map<string, TaskRecord>();
	/** Files served as they are, by host and path (publish()). */
	readonly published = new Map<string, { bytes: Buffer; contentType: string }>();
	/** request_ids whose planned overload was answered already. */
	private readonly overloaded = new Set<string>();
	private creates = 0;
	keyCheckCount = 0;
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
		return this.requireTask(taskId).coverBytes();
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

	private sendFault(req: IncomingMessage, res: ServerResponse, fault: Extract<Fault, { on: 'create' | 'poll' }>): void {
		if ('drop' in fault) return void res.socket?.destroy();
		if ('invalidJson' in fault) {
			res.writeHead(200, { 'Content-Type': 'application/json' });
			return void res.end('{"task_status":"PROC');
		}
		if ('hangMs' in fault) return;
		if ('html' in fault) return sendGatewayHtml(res, fault.status);
		if ('body' in fault) return sendJson(res, fault.status, fault.body);
		if ('text' in fault) return this.sendApiError(req, res, fault.status, fault.code, fault.text, fault.values);
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
		// The credential Test's calls: free, and they need a valid key (credentials/ZhipuAiApi.credentials.ts).
		if (req.method === 'GET' && route === `${base}/files` && !this.config.unlike.noFilesRoute) return this.listFiles(req, res, path);
		if (req.method === 'POST' && route === `${base}/tokenizer`) return this.tokenize(req, res, parsed);
		if (this.config.unlike.filesOnApiHost && req.method === 'GET') return this.handleFiles(req, res);
		sendError(res, 404, '1214', `no route ${req.method ?? ''} ${route}`);
	};

	/** GET /files (BigModel's file list): `purpose` is required, `limit` 1 to 100. */
	private listFiles(req: IncomingMessage, res: ServerResponse, path: string): void {
		this.keyCheckCount++;
		if (!this.config.unlike.filesNeedNoKey && !this.authorized(req, res)) return;
		const query = new URL(path, 'http://standin').searchParams;
		const purpose = query.get('purpose');
		if (!purpose || !['batch', 'file-extract', 'code-interpreter', 'agent'].includes(purpose)) {
			return this.sendApiError(req, res, 400, '1214', 'paramInvalid', { field: 'purpose' });
		}
		const limit = query.get('limit');
		if (limit !== null && !(Number.isInteger(Number(limit)) && Number(limit) >= 1 && Number(limit) <= 100)) {
			return this.sendApiError(req, res, 400, '1214', 'paramInvalid', { field: 'limit' });
		}
		sendJson(res, 200, { object: 'list', data: [], has_more: false });
	}

	/** POST /tokenizer (both platforms): counts a prompt's tokens, makes nothing. */
	private tokenize(req: IncomingMessage, res: ServerResponse, parsed: ReturnType<typeof parseJson> | undefined): void {
		this.keyCheckCount++;
		if (!this.config.unlike.filesNeedNoKey && !this.authorized(req, res)) return;
		const problem = checkTokenizerBody(parsed?.ok ? parsed.value : undefined, this.config.platform);
		if (problem) return this.sendApiError(req, res, 400, '1214', 'paramInvalid', { field: problem });
		const id = realLikeId();
		sendJson(res, 200, { id, request_id: id, created: Math.floor(Date.now() / 1000), usage: { prompt_tokens: 9 } });
	}

	/** An error answer in the API's own words, in the language the request asked for. */
	private sendApiError(req: IncomingMessage, res: ServerResponse, status: number, code: string, text: Parameters<typeof errorText>[0], values: Record<string, string> = {}): void {
		sendError(res, status, code, errorText(text, languageOf(req), values));
	}

	private async create(req: IncomingMessage, res: ServerResponse, tooLarge: boolean, parsed: ReturnType<typeof parseJson> | undefined): Promise<void> {
		this.creates++;
		const fault = this.takeFault('create', (candidate) => appliesTo(candidate, parsed?.ok ? parsed.value : undefined));
		// These two make the task first, then fail to answer in time or at all.
		const afterCreate = fault && (('drop' in fault && fault.drop === 'afterCreate') || 'hangMs' in fault) ? fault : undefined;
		if (fault && !afterCreate) return this.sendFault(req, res, fault);
		if (!this.authorized(req, res)) return;
		if (tooLarge) return sendError(res, 413, '1214', `request body exceeds ${MAX_BODY_BYTES} bytes`);
		if (!parsed?.ok) return sendError(res, 400, '1214', 'request body is not valid JSON');
		const problem = validateCreateBody(parsed.value, this.config.platform);
		if (problem?.unknownModel && this.config.unlike.unknownModelAccepted) {
			// An API unlike ours: it takes any model.
		} else if (problem?.unknownModel) {
			return this.sendApiError(req, res, 400, this.config.platform === 'international' ? '1214' : '1211', 'unknownModel');
		} else if (problem) {
			return sendError(res, problem.status, problem.code, problem.message);
		}
		const body = parsed.value as Record<string, unknown>;
		if (!this.config.keepImageData) body.image_url = shortenDataUrls(body.image_url);
		if (this.config.plannedFault?.(body) === 'overload' && !this.overloaded.has(body.request_id as string)) {
			this.overloaded.add(body.request_id as string);
			return this.sendApiError(req, res, 429, '1305', 'overloaded');
		}
		if (this.atConcurrencyLimit(body)) {
			this.concurrencyRefusals++;
			return this.sendApiError(req, res, 429, '1302', 'rateLimit');
		}
		if (this.config.duplicateRequest === '1231' && !this.config.unlike.duplicateMakesTask && this.byRequestId.has(body.request_id as string)) {
			return this.sendApiError(req, res, 400, '1231', 'duplicate', { requestId: String(body.request_id) });
		}
		const task = this.findOrCreateTask(body);
		if (afterCreate && 'drop' in afterCreate) return this.sendFault(req, res, afterCreate);
		if (afterCreate && 'hangMs' in afterCreate) await new Promise((resolve) => setTimeout(resolve, afterCreate.hangMs).unref());
		if (res.destroyed) return;
		sendJson(res, 200, { id: task.id, model: task.model, request_id: this.requestIdOf(task), task_status: 'PROCESSING' });
	}

	/** The request_id answers carry: the client's (or, made up by the platform, the task id), unless told otherwise. */
	private requestIdOf(task: TaskRecord): string {
		return this.config.unlike.otherRequestId ? `other-${task.id}` : task.requestId;
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
		const existing = requested === undefined || this.config.unlike.duplicateMakesTask ? undefined : this.byRequestId.get(requested);
		if (existing) return existing;
		const now = this.config.clock();
		const id = realLikeId(new Date(now));
		// Without a client request_id the platform uses the task id (API-EVIDENCE.md P4).
		const requestId = requested ?? id;
		const generationMs = this.config.generationMsFor?.(body) ?? this.config.generationMs;
		const task = new TaskRecord(id, requestId, body.model as string, body, now, now + generationMs, this.config.videoBytes, this.config.coverBytes, this.config.coverFormat, this.config.clock);
		// Recorded links: the video on the file host, the cover on a third host with a signed-URL query.
		const fileKey = randomUUID();
		task.videoUrl = `${this.config.unlike.filesOnApiHost ? this.apiOrigin : this.filesOrigin}/video/${id}.mp4`;
		task.coverUrl = this.config.unlike.filesOnApiHost
			? `${this.apiOrigin}/cover/${id}.txt`
			: `${this.coverOrigin}/${fileKey}_cover_0.${task.coverFormat}?Expires=${Math.floor(now / 1000) + 86400}&Signature=${randomBytes(12).toString('base64url')}`;
		this.coverKeys.set(fileKey, task);
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
		if (fault) return this.sendFault(req, res, fault);
		if (task && this.meetsPlanned(task, 'pollError')) return sendError(res, 500, '500', 'internal error (stand-in planned fault)');
		if (!this.authorized(req, res)) return;
		if (!task && this.config.unlike.unknownTaskRunning) return sendJson(res, 200, { id, task_status: 'PROCESSING' });
		if (!task) return this.sendApiError(req, res, 404, '1214', 'taskNotFound');
		sendJson(res, 200, this.pollAnswer(task));
	}

	/** A poll answer as recorded (API-EVIDENCE.md P5): the id, the model re-cased, usage, and the files on success. */
	private pollAnswer(task: TaskRecord): Record<string, unknown> {
		const status = task.status;
		const answer: Record<string, unknown> = { id: task.id, model: recased(task.model), request_id: this.requestIdOf(task), task_status: status };
		if (this.config.unlike.noTaskStatus) delete answer.task_status;
		if (status !== 'PROCESSING') task.firstPollAfterDoneAt ??= Date.now();
		if (status === 'SUCCESS') {
			answer.usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
			const url = this.takeFault('result')?.videoUrl ?? task.videoUrl;
			answer.video_result = [{ url, cover_image_url: task.coverUrl }];
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
		this.sendApiError(req, res, 401, auth === undefined ? '1001' : '1000', auth === undefined ? 'authMissing' : 'authInvalid');
		return false;
	}

	// --- file host ---

	/** A request to either file host, recorded with any key it carried; the route without the query. */
	private fileRequest(req: IncomingMessage): { route: string; auth?: string } {
		req.resume();
		const path = req.url ?? '/';
		this.fileRequests.push({ method: req.method ?? '', path, headers: { ...req.headers }, at: Date.now() });
		const auth = header(req, 'authorization');
		if (auth !== undefined) this.fileAuthorizationHeaders.push(auth);
		return { route: path.split('?')[0], auth };
	}

	readonly uploads = new Map<string, { bytes: Buffer; contentType?: string; at: number }>();
	readonly uploadAttempts: UploadAttempt[] = [];
	readonly reports: Array<{ path: string; body: unknown; at: number }> = [];

	handleFiles = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		if (req.method === 'PUT' && (req.url ?? '').startsWith(UPLOADS_PATH)) return this.receiveUpload(req, res);
		if (req.method === 'POST' && (req.url ?? '').startsWith(REPORTS_PATH)) return this.receiveReport(req, res);
		const { route, auth } = this.fileRequest(req);
		const video = /^\/video\/([^/]+)\.mp4$/.exec(route);
		const onApiHost = /^\/cover\/([^/]+)\.txt$/.exec(route);
		if (req.method !== 'GET' && req.method !== 'HEAD') return sendStorageError(res, 405);
		if (this.servePublished(req, res, `files${route}`, auth)) return;
		if (video) return this.serveVideo(req, res, decodeURIComponent(video[1]), auth);
		if (onApiHost && this.config.unlike.filesOnApiHost) return this.serveCover(req, res, this.tasks.get(onApiHost[1]), auth, 'text/plain');
		if (serveSample(req, res, route)) return;
		sendStorageError(res, 404);
	};

	/** A PUT /uploads/<name>: kept whole, answered like an object store (201 and where the object is). */
	private async receiveUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const name = decodeURIComponent((req.url ?? '').split('?')[0].slice(UPLOADS_PATH.length));
		this.fileRequests.push({ method: 'PUT', path: req.url ?? '', headers: { ...req.headers }, at: Date.now() });
		const auth = header(req, 'authorization');
		if (auth !== undefined) this.fileAuthorizationHeaders.push(auth);
		const { buffer, tooLarge } = await readBody(req, MAX_UPLOAD_BYTES);
		const attempt = (status: number) => this.uploadAttempts.push({ name, status, at: Date.now() });
		if (!name || tooLarge) {
			attempt(tooLarge ? 413 : 400);
			return sendStorageError(res, tooLarge ? 413 : 400);
		}
		const task = this.tasks.get(name.replace(/\.mp4$/, ''));
		const fault = this.takeFault('upload', (candidate) => appliesTo(candidate, task?.body));
		if (fault && 'status' in fault) {
			attempt(fault.status);
			return sendStorageError(res, fault.status, fault.message);
		}
		this.uploads.set(name, { bytes: buffer, contentType: header(req, 'content-type'), at: Date.now() });
		attempt(201);
		if (fault) await new Promise((resolve) => setTimeout(resolve, fault.hangMs).unref());
		if (!res.destroyed) sendJson(res, 201, { key: name, size: buffer.length, url: `${this.filesOrigin}${UPLOADS_PATH}${encodeURIComponent(name)}` });
	}

	/** A POST /reports/<name> with a JSON body: kept, answered 200. */
	private async receiveReport(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const path = (req.url ?? '').split('?')[0];
		this.fileRequests.push({ method: 'POST', path: req.url ?? '', headers: { ...req.headers }, at: Date.now() });
		const auth = header(req, 'authorization');
		if (auth !== undefined) this.fileAuthorizationHeaders.push(auth);
		const parsed = parseJson((await readBody(req, MAX_BODY_BYTES)).buffer);
		this.reports.push({ path, body: parsed.ok ? parsed.value : parsed.text, at: Date.now() });
		sendJson(res, 200, { ok: true });
	}

	/** The third host: the covers, by their file name (`<key>_cover_0.jpeg`), whatever the query. */
	handleCovers = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const { route, auth } = this.fileRequest(req);
		if (req.method !== 'GET' && req.method !== 'HEAD') return sendStorageError(res, 405);
		if (this.servePublished(req, res, `covers${route}`, auth)) return;
		const key = /^\/([^/]+)_cover_0\.[a-z]+$/.exec(route)?.[1];
		this.serveCover(req, res, key === undefined ? undefined : this.coverKeys.get(key), auth);
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

	/** A published file, if one is at this host and path; false otherwise. */
	private servePublished(req: IncomingMessage, res: ServerResponse, key: string, auth: string | undefined): boolean {
		const file = this.published.get(key);
		if (!file) return false;
		if (auth !== undefined) sendStorageError(res, 401);
		else {
			res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': file.bytes.length });
			res.end(req.method === 'HEAD' ? undefined : file.bytes);
		}
		return true;
	}

	private serveCover(req: IncomingMessage, res: ServerResponse, task: TaskRecord | undefined, auth: string | undefined, contentType?: string): void {
		if (auth !== undefined) return sendStorageError(res, 401);
		if (!task || task.status !== 'SUCCESS') return sendStorageError(res, 404);
		const bytes = contentType ? Buffer.from('not an image') : task.coverBytes();
		const type = contentType ?? this.config.coverContentType ?? `image/${task.coverFormat}`;
		res.writeHead(200, { 'Content-Type': type, 'Content-Length': bytes.length });
		res.end(req.method === 'HEAD' ? undefined : bytes);
	}
}

/** Object-storage style XML error, as a CDN/OSS host would send. */
function sendStorageError(res: ServerResponse, status: number, message = `stand-in file host: HTTP ${status}`): void {
	const code = status === 403 ? 'AccessDenied' : status === 404 ? 'NoSuchKey' : status === 401 ? 'Unauthorized' : 'Error';
	const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`);
	res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': body.length });
	res.end(body);
}

export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
	const impl = new StandinImpl(configFrom(options));
	const api = await listen(impl.handleApi);
	const files = await listen(impl.handleFiles);
	const covers = await listen(impl.handleCovers);
	impl.apiOrigin = api.origin;
	impl.filesOrigin = files.origin;
	impl.coverOrigin = covers.origin;
	return {
		apiUrl: `${api.origin}${impl.config.basePath}`,
		filesOrigin: files.origin,
		coverOrigin: covers.origin,
		keyChecks: () => impl.keyCheckCount,
		publish: (host, path, bytes, contentType) => {
			impl.published.set(`${host}${path}`, { bytes, contentType });
			return `${host === 'files' ? files.origin : covers.origin}${path}`;
		},
		apiKey: impl.config.apiKey,
		tasks: impl.tasks,
		apiRequests: impl.apiRequests,
		fileRequests: impl.fileRequests,
		uploads: impl.uploads,
		uploadAttempts: impl.uploadAttempts,
		reports: impl.reports,
		fileAuthorizationHeaders: impl.fileAuthorizationHeaders,
		createCalls: () => impl.createCalls(),
		concurrencyRefusals: () => impl.concurrencyRefusals,
		videoBytesFor: (id) => impl.videoBytesFor(id),
		coverBytesFor: (id) => impl.coverBytesFor(id),
		injectFault: (fault) => impl.injectFault(fault),
		setGenerationMs: (ms) => impl.setGenerationMs(ms),
		close: async () => {
			await Promise.all([api.close(), files.close(), covers.close()]);
		},
	};
}
