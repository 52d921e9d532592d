/**
 * Streams a result file from the file host into n8n's binary data. The file host is another origin than the
 * API, so the plain httpRequest helper is used: no credential is attached. The body is never one Buffer here:
 * the socket's stream goes straight into prepareBinaryData (a file in n8n's filesystem mode).
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { jitter, sleepUnlessCancelled } from '../wait';

import { connectionFailure, isTransient, VideoError } from '../api/errors';
import { MIME_OF, sniffImageFormat } from '../item/images';
import type { ImageFormat } from '../models';
import { settle } from '../settle';

export interface DownloadRequest {
	url: string;
	fileName: string;
	mimeType: string;
	/**
	 * An image whose type is what the file host served: its first bytes, else its image Content-Type. The covers
	 * come as jpeg or png, sometimes from a third host (API-EVIDENCE.md D5); `fileName`'s extension follows.
	 */
	imageOfServedType?: boolean;
	taskId: string;
	/** What the file is, for messages: "video" or "cover image". */
	label: string;
	signal?: AbortSignal;
}

const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/** A Node.js Readable, named through n8n's own helper so node code needs no import of 'stream'. */
type ReadableBody = Exclude<Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0], Buffer>;

interface StreamResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: ReadableBody;
}

/** The size n8n stored, in bytes: from the binary data store in filesystem mode, or from the base64 in memory mode. */
async function storedSize(ctx: IExecuteFunctions, binary: IBinaryData): Promise<number> {
	if (binary.id) return (await ctx.helpers.getBinaryMetadata(binary.id)).fileSize;
	return Buffer.byteLength(binary.data, 'base64');
}

/** Attempts per file: a reset connection or a short body is worth another try; an expired link is not. */
export const DOWNLOAD_ATTEMPTS = 3;
const RETRY_PAUSE_MS = 1000;

export async function downloadToBinary(ctx: IExecuteFunctions, request: DownloadRequest): Promise<IBinaryData> {
	const { url, taskId, label } = request;
	if (!/^https?:\/\//i.test(url)) {
		throw new VideoError(`The ${label} URL is not an http(s) link, so it was not downloaded: ${url.slice(0, 100)}`, { taskId });
	}
	for (let attempt = 1; ; attempt++) {
		const outcome = await settle(downloadOnce(ctx, request));
		if (outcome.ok) return outcome.value;
		const { error } = outcome;
		if (!isTransient(error) || attempt >= DOWNLOAD_ATTEMPTS || request.signal?.aborted) throw error;
		await sleepUnlessCancelled(jitter(RETRY_PAUSE_MS * 2 ** (attempt - 1)), request.signal);
	}
}

function notStored(cause: unknown, request: DownloadRequest): VideoError {
	const detail = (cause as Error)?.message ?? String(cause);
	return new VideoError(`n8n could not store the ${request.label} of task ${request.taskId} (${request.url}, valid for about a day): ${detail}`, {
		kind: 'other',
		taskId: request.taskId,
		description: `The task succeeded. Download the ${request.label} from its link within a day, or let n8n store larger files`,
	});
}

const EXTENSION_OF: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp' };
const DECLARED_FORMATS: Record<string, ImageFormat> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/webp': 'webp' };

/** The first bytes of a stream, put back, so that the whole stream still reaches the binary data store. */
function peek(body: ReadableBody): Promise<Buffer | undefined> {
	return new Promise((resolve) => {
		const done = (head?: Buffer) => {
			body.off('readable', onReadable);
			body.off('error', onEnd);
			resolve(head);
		};
		const onReadable = () => {
			const head = body.read() as Buffer | null;
			if (head) body.unshift(head);
			done(head ?? undefined);
		};
		const onEnd = () => done();
		body.on('readable', onReadable);
		body.once('error', onEnd);
	});
}

/** The name and mime type of an image as the file host served it: its first bytes, else its Content-Type. */
async function servedImageType(request: DownloadRequest, response: StreamResponse): Promise<{ fileName: string; mimeType: string }> {
	const head = await peek(response.body);
	const sniffed = head ? sniffImageFormat(head) : undefined;
	const declared = String(response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	const format = sniffed ?? DECLARED_FORMATS[declared];
	const base = request.fileName.replace(/\.[^.]*$/, '');
	if (format) return { fileName: `${base}.${EXTENSION_OF[format]}`, mimeType: MIME_OF[format] };
	// Neither the bytes nor the host say which image it is: keep what the host said, and no extension that guesses.
	return { fileName: base, mimeType: declared || 'application/octet-stream' };
}

async function downloadOnce(ctx: IExecuteFunctions, request: DownloadRequest): Promise<IBinaryData> {
	const { url, taskId, label } = request;
	const requested = await settle<StreamResponse>(
		ctx.helpers.httpRequest({
			url,
			method: 'GET',
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: DOWNLOAD_TIMEOUT_MS,
			abortSignal: request.signal,
		}),
	);
	if (!requested.ok) throw connectionFailure(`Could not download the ${label}`, requested.error, taskId);
	const response = requested.value;
	if (response.statusCode < 200 || response.statusCode >= 300) {
		response.body.destroy();
		const expired = [403, 404, 410].includes(response.statusCode);
		throw new VideoError(
			expired
				? `The ${label} link has expired or is gone (HTTP ${response.statusCode}). Result links last about a day; generate the video again`
				: `The file host answered HTTP ${response.statusCode} for the ${label}`,
			{ httpCode: response.statusCode, kind: expired ? 'notFound' : 'server', taskId },
		);
	}
	let broke = false;
	response.body.once('error', () => (broke = true));
	const { fileName, mimeType } = request.imageOfServedType ? await servedImageType(request, response) : request;
	const stored = await settle(ctx.helpers.prepareBinaryData(response.body, fileName, mimeType));
	if (!stored.ok && broke) throw connectionFailure(`The ${label} download broke off`, stored.error, taskId);
	// The bytes all came, and n8n's binary data store refused them: e.g. a video larger than the database store's
	// N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE. Downloading it again would fail the same way; the link still works.
	if (!stored.ok) throw notStored(stored.error, request);
	const binary = stored.value;
	const expected = Number(response.headers['content-length']);
	if (Number.isFinite(expected) && expected > 0) {
		const received = await storedSize(ctx, binary);
		if (received !== expected) {
			throw new VideoError(`The ${label} download was cut short: ${received} of ${expected} bytes arrived`, {
				kind: 'network',
				taskId,
			});
		}
	}
	return binary;
}
