/**
 * `npm run check:live`: checks every assumption the stand-in API makes (our reading of the real API, shared/API.md
 * and API-EVIDENCE.md) against the real API that a key opens. By default it costs nothing beyond one free
 * cogvideox-flash video on the China platform; on International, where Z.ai lists no free video model, it checks
 * that cogvideox-flash is refused and makes no video unless told which model to pay for.
 *
 *   ZHIPU_API_KEY=id.secret [ZHIPU_REGION=china|international|custom] [ZHIPU_BASE_URL=...] npm run check:live
 *   npm run check:live -- --standin [--unlike noTaskStatus,duplicateMakesTask]   against the stand-in (CI does this)
 *
 *   --json FILE           where the JSON report goes (default .tmp/check-live.json)
 *   --video-model ID      the model of the one video (default cogvideox-flash, free on China); "none" makes no video
 *   --poll-seconds N      how often the video's task is read (default 10; 0.2 against the stand-in)
 *   --timeout-seconds N   how long the video may take (default 1200)
 *
 * It prints one line per assumption, "holds" or "differs" with the answer it got (the key never shown), writes the
 * same as JSON, and exits 1 when one differs. Run it before each release (docs/development.md says what to do
 * with a difference).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { REGION_BASE_URLS } from '../nodes/CogVideoX/api/baseUrl';
import { classifyFailure, readApiError } from '../nodes/CogVideoX/api/errors';
import { sniffImageFormat } from '../nodes/CogVideoX/item/images';
import { KEY_CHECK } from '../nodes/CogVideoX/api/keyCheck';
import type { Platform } from '../nodes/CogVideoX/models';
import type { Quirk } from '../test/standin/server';
import { startStandin } from '../test/standin/server';

export interface CheckTarget {
	baseUrl: string;
	apiKey: string;
	/** Whose docs the target follows: which Test call it gets, and whether the free model should be there. */
	platform: Platform;
	videoModel: string | 'none';
	pollMs: number;
	timeoutMs: number;
}

export type Verdict = 'holds' | 'differs' | 'skipped';

export interface CheckResult {
	id: string;
	assumption: string;
	verdict: Verdict;
	/** What the API answered, short, with the key removed. */
	got: unknown;
}

interface Answer {
	status: number;
	headers: Headers;
	body: unknown;
}

const STILL_RUNNING = ['PROCESSING', 'SUBMITTED', 'QUEUED', 'RUNNING'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The free video model per platform's docs; Z.ai lists none. */
const FREE_MODEL = 'cogvideox-flash';

class Checker {
	readonly results: CheckResult[] = [];
	private readonly apiHost: string;

	constructor(private readonly target: CheckTarget) {
		this.apiHost = new URL(target.baseUrl).host;
	}

	record(id: string, assumption: string, holds: boolean | 'skipped', got: unknown): void {
		const verdict: Verdict = holds === 'skipped' ? 'skipped' : holds ? 'holds' : 'differs';
		this.results.push({ id, assumption, verdict, got: this.scrub(got) });
	}

	/** Removes the key and its secret half from whatever is reported. */
	private scrub(value: unknown): unknown {
		const secrets = [this.target.apiKey, this.target.apiKey.split('.')[1]].filter((secret): secret is string => !!secret && secret.length >= 4);
		const text = JSON.stringify(value ?? null);
		return JSON.parse(secrets.reduce((clean, secret) => clean.split(secret).join('***'), text));
	}

	async api(method: 'GET' | 'POST', path: string, options: { body?: unknown; key?: string; query?: Record<string, string | number> } = {}): Promise<Answer> {
		const url = new URL(`${this.target.baseUrl}${path}`);
		for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, String(value));
		const headers: Record<string, string> = { Authorization: `Bearer ${options.key ?? this.target.apiKey}`, 'Accept-Language': 'en-US,en' };
		if (options.body !== undefined) headers['Content-Type'] = 'application/json';
		const response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
		const text = await response.text();
		let body: unknown = text;
		try {
			body = JSON.parse(text);
		} catch {
			// a page that is not JSON is reported as text
		}
		return { status: response.status, headers: response.headers, body };
	}

	/** The credential Test's call for the platform (nodes/CogVideoX/api/keyCheck.ts), with a good key and a wrong one. */
	async keyCheck(): Promise<void> {
		const call = KEY_CHECK[this.target.platform];
		const what = `${call.method} ${call.path}${Object.keys(call.query).length ? `?${new URLSearchParams(Object.entries(call.query).map(([name, value]): [string, string] => [name, String(value)]))}` : ''}`;
		const good = await this.api(call.method, call.path, { query: call.query, body: call.body });
		this.record('key-check', `The credential Test's call (${what}) answers 2xx to a good key, at no cost`, good.status >= 200 && good.status < 300, { status: good.status, body: good.body });
		const wrong = await this.api(call.method, call.path, { query: call.query, body: call.body, key: 'n8n-check.wrong-secret' });
		this.record('key-check-wrong-key', `The same call answers 401 to a wrong key`, wrong.status === 401, { status: wrong.status, body: wrong.body });
	}

	/** An unknown model: refused before any task, in the error shape the node reads. */
	async unknownModel(): Promise<void> {
		const answer = await this.api('POST', '/videos/generations', { body: { model: 'cogvideox-n8n-check', prompt: 'n8n check', request_id: randomUUID() } });
		const { code, message } = readApiError(answer.body);
		const kind = answer.status >= 300 ? classifyFailure(answer.status, answer.body).kind : 'accepted';
		this.record('unknown-model', 'A create for an unknown model is refused with HTTP 400 and code 1211 (BigModel) or 1214 (Z.ai), a final refusal for the node', answer.status === 400 && ['1211', '1214'].includes(code ?? '') && kind === 'input', { status: answer.status, body: answer.body });
		this.record('error-shape', 'Error answers carry a code and a message the node reads ({"error":{"code","message"}} or a shape of readApiError)', !!code && !!message, { code, message });
	}

	/** An unknown task id: the node's wait must end at once, not run to its timeout. */
	async unknownTask(): Promise<void> {
		const answer = await this.api('GET', `/async-result/${encodeURIComponent(`n8n-check-${randomUUID()}`)}`);
		const body = (answer.body ?? {}) as Record<string, unknown>;
		let endsAtOnce: boolean;
		if (answer.status === 404) endsAtOnce = true;
		else if (answer.status >= 300) endsAtOnce = !['busy', 'server', 'network'].includes(classifyFailure(answer.status, answer.body).kind);
		else endsAtOnce = typeof body.task_status !== 'string' || !STILL_RUNNING.includes(body.task_status.toUpperCase());
		this.record('unknown-task', 'A poll for an unknown task id ends the node’s wait at once (404, a final refusal, or an answer without a running status)', endsAtOnce, { status: answer.status, body: answer.body });
	}

	/** The one video: the create answer, a repeated request_id, the poll answers and the two files. */
	async video(): Promise<void> {
		const model = this.target.videoModel;
		const needsVideo = ['create-answer', 'repeated-request-id', 'poll-answer', 'video-file', 'cover-file'];
		if (model === 'none') {
			for (const id of needsVideo) this.record(id, 'needs a video', 'skipped', '--video-model none');
			return;
		}
		const requestId = randomUUID();
		const body = { model, prompt: 'A paper boat drifts across a calm pond, n8n conformance check', request_id: requestId };
		const created = await this.api('POST', '/videos/generations', { body });
		const answer = (created.body ?? {}) as Record<string, unknown>;
		if (this.target.platform === 'international' && model === FREE_MODEL) {
			const { code } = readApiError(created.body);
			this.record('free-model-on-zai', `Z.ai does not offer ${FREE_MODEL}: a create for it is refused (400, 1211 or 1214)`, created.status === 400 && ['1211', '1214'].includes(code ?? ''), { status: created.status, body: created.body });
			if (created.status >= 300) {
				for (const id of needsVideo) this.record(id, 'needs a video', 'skipped', `no free model on Z.ai: --video-model cogvideox-3 pays for one`);
				return;
			}
		}
		const taskId = typeof answer.id === 'string' && answer.id !== '' ? answer.id : undefined;
		this.record(
			'create-answer',
			'A create answers 200 {id, model, request_id, task_status: "PROCESSING"}, the id a non-empty string and the request_id ours',
			created.status === 200 && !!taskId && answer.task_status === 'PROCESSING' && answer.request_id === requestId,
			{ status: created.status, body: created.body, idEqualsRequestId: taskId === requestId },
		);
		if (!taskId) {
			for (const id of needsVideo.slice(1)) this.record(id, 'needs a task', 'skipped', 'the create made none');
			return;
		}
		const again = await this.api('POST', '/videos/generations', { body });
		const againId = (again.body as { id?: unknown } | undefined)?.id;
		this.record(
			'repeated-request-id',
			'Sending the same request_id again makes no second task: code 1231, or the same task',
			readApiError(again.body).code === '1231' || againId === taskId,
			{ status: again.status, body: again.body },
		);
		await this.poll(taskId, requestId);
	}

	private async poll(taskId: string, requestId: string): Promise<void> {
		const deadline = Date.now() + this.target.timeoutMs;
		const seen: unknown[] = [];
		let shapeHolds = true;
		let final: Record<string, unknown> | undefined;
		while (Date.now() < deadline) {
			const answer = await this.api('GET', `/async-result/${encodeURIComponent(taskId)}`);
			const body = (answer.body ?? {}) as Record<string, unknown>;
			const status = typeof body.task_status === 'string' ? body.task_status : undefined;
			if (seen.length < 2 || status !== 'PROCESSING') seen.push({ status: answer.status, body });
			const idOk = body.id === undefined || body.id === null || body.id === taskId;
			const requestIdOk = body.request_id === undefined || body.request_id === requestId;
			if (answer.status !== 200 || !status || !idOk || !requestIdOk) shapeHolds = false;
			if (!status || !STILL_RUNNING.includes(status)) {
				final = body;
				break;
			}
			await sleep(this.target.pollMs);
		}
		const [video] = Array.isArray(final?.video_result) ? (final?.video_result as Array<Record<string, unknown>>) : [];
		const done = final?.task_status === 'SUCCESS';
		this.record(
			'poll-answer',
			'Poll answers are 200 with a task_status (PROCESSING until SUCCESS or FAIL), an id (if any) that is the task’s and a request_id (if any) that is ours; SUCCESS carries video_result[0].url and cover_image_url',
			shapeHolds && (final?.task_status === 'FAIL' || (done && typeof video?.url === 'string' && typeof video?.cover_image_url === 'string')),
			final ? seen : { timedOut: true, seen },
		);
		if (!done || !video) {
			for (const id of ['video-file', 'cover-file']) this.record(id, 'needs a finished video', 'skipped', final ? String(final.task_status ?? 'no task status') : 'timed out');
			return;
		}
		await this.videoFile(String(video.url));
		await this.coverFile(String(video.cover_image_url));
	}

	private async download(url: string): Promise<{ status: number; host: string; type: string; length?: number; bytes: Buffer }> {
		const response = await fetch(url);
		const bytes = Buffer.from(await response.arrayBuffer());
		const length = response.headers.get('content-length');
		return { status: response.status, host: new URL(url).host, type: response.headers.get('content-type') ?? '', length: length === null ? undefined : Number(length), bytes };
	}

	private async videoFile(url: string): Promise<void> {
		const file = await this.download(url);
		const isMp4 = file.bytes.length > 8 && file.bytes.toString('latin1', 4, 8) === 'ftyp';
		this.record(
			'video-file',
			'The video is served without the key from another host than the API: an mp4 (video/mp4), its Content-Length the bytes that came',
			file.status === 200 && file.host !== this.apiHost && isMp4 && file.type.startsWith('video/mp4') && (file.length === undefined || file.length === file.bytes.length),
			{ status: file.status, host: file.host, contentType: file.type, contentLength: file.length, bytes: file.bytes.length, sha256: createHash('sha256').update(file.bytes).digest('hex') },
		);
	}

	private async coverFile(url: string): Promise<void> {
		const file = await this.download(url);
		const format = sniffImageFormat(file.bytes);
		this.record(
			'cover-file',
			'The cover is served without the key from another host than the API, as a jpeg or png by its bytes (what the node stores it as)',
			file.status === 200 && file.host !== this.apiHost && (format === 'jpeg' || format === 'png'),
			{ status: file.status, host: file.host, contentType: file.type, bytesSay: format ?? 'no known image', bytes: file.bytes.length },
		);
	}
}

/** Runs every check against a target; the results, in order. */
export async function runChecks(target: CheckTarget): Promise<CheckResult[]> {
	const checker = new Checker(target);
	await checker.keyCheck();
	await checker.unknownModel();
	await checker.unknownTask();
	await checker.video();
	return checker.results;
}

export function formatResult(result: CheckResult): string {
	const got = JSON.stringify(result.got);
	return `${result.verdict.padEnd(7)} ${result.id}: ${result.assumption}${result.verdict === 'holds' ? '' : ` | got ${got.length > 600 ? `${got.slice(0, 600)}…` : got}`}`;
}

function option(name: string): string | undefined {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<number> {
	const region = (process.env.ZHIPU_REGION ?? 'china').trim();
	const useStandin = process.argv.includes('--standin');
	const platform: Platform = region === 'international' ? 'international' : 'china';
	const unlike = Object.fromEntries((option('unlike') ?? '').split(',').filter(Boolean).map((quirk) => [quirk as Quirk, true as const]));
	const standin = useStandin ? await startStandin({ platform, generationMs: 1500, unlike }) : undefined;
	try {
		const apiKey = standin?.apiKey ?? process.env.ZHIPU_API_KEY?.trim() ?? '';
		if (!apiKey) {
			console.error('check:live needs ZHIPU_API_KEY (the key of open.bigmodel.cn or z.ai), or --standin');
			return 2;
		}
		const baseUrl = standin?.apiUrl ?? (region === 'custom' ? String(process.env.ZHIPU_BASE_URL ?? '').replace(/\/+$/, '') : REGION_BASE_URLS[platform]);
		if (!/^https?:\/\//.test(baseUrl)) {
			console.error('ZHIPU_REGION=custom needs ZHIPU_BASE_URL, e.g. https://open.bigmodel.cn/api/paas/v4');
			return 2;
		}
		const target: CheckTarget = {
			baseUrl,
			apiKey,
			platform,
			videoModel: option('video-model') ?? FREE_MODEL,
			pollMs: Number(option('poll-seconds') ?? (standin ? 0.2 : 10)) * 1000,
			timeoutMs: Number(option('timeout-seconds') ?? 1200) * 1000,
		};
		console.log(`[check:live] ${standin ? 'the stand-in' : baseUrl} (${platform}${Object.keys(unlike).length ? `, unlike: ${Object.keys(unlike).join(', ')}` : ''})`);
		const results = await runChecks(target);
		for (const result of results) console.log(formatResult(result));
		const file = option('json') ?? '.tmp/check-live.json';
		mkdirSync(dirname(file), { recursive: true });
		writeFileSync(file, `${JSON.stringify({ target: standin ? 'stand-in' : baseUrl, platform, checkedAt: new Date().toISOString(), results }, null, 2)}\n`);
		const differs = results.filter((result) => result.verdict === 'differs');
		console.log(`[check:live] ${results.filter((r) => r.verdict === 'holds').length} hold, ${differs.length} differ, ${results.filter((r) => r.verdict === 'skipped').length} skipped; report: ${file}`);
		return differs.length ? 1 : 0;
	} finally {
		await standin?.close();
	}
}

if (require.main === module) {
	main().then(
		(code) => process.exit(code),
		(error: unknown) => {
			console.error(`[check:live] ${(error as Error).message}`);
			process.exit(2);
		},
	);
}
