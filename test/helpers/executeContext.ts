/**
 * A hand-made IExecuteFunctions for unit and integration tests. Its HTTP helpers make real requests (fetch) with
 * the option semantics of n8n's own helpers that the node uses; binary data can live in memory or in files, like
 * n8n's two binary modes. The proof in a real n8n is the e2e suite; this context keeps the fast tests honest.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { IBinaryData, IDataObject, IExecuteFunctions, IHttpRequestOptions, INode, INodeExecutionData } from 'n8n-workflow';

export type ParameterValue = unknown | ((itemIndex: number) => unknown);

export interface ContextOptions {
	parameters: Record<string, ParameterValue>;
	items?: INodeExecutionData[];
	credentials: IDataObject;
	continueOnFail?: boolean;
	signal?: AbortSignal;
	binaryMode?: 'memory' | 'filesystem';
	/**
	 * The largest file the binary data store takes, like n8n's database store (N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE):
	 * it reads the whole stream, then refuses a larger file with n8n's own words.
	 */
	storeMaxBytes?: number;
	/** Run as an AI agent's tool. */
	tool?: boolean;
	/** Node settings such as retryOnFail and maxTries. */
	node?: Partial<INode>;
	/** n8n's execution id; a fresh one per context unless given (two contexts with one id: two tries of a node). */
	executionId?: string;
	/** The node's run index ($runIndex): a loop's later runs count up. */
	runIndex?: number;
	/** n8n's execution mode (getMode()): 'retry' for a Retry from the executions list. Default 'manual'. */
	mode?: string;
	/** The workflow's id; default 'test-workflow'. */
	workflowId?: string;
	/**
	 * The node's context (getContext('node')), which n8n saves with the execution and hands on to its Retry: share one
	 * object between an execution and its Retry to play that. Default: a fresh one.
	 */
	nodeContext?: IDataObject;
	/**
	 * The run index of the node that gave this node its input (getExecuteData().source). A Retry of a crashed
	 * execution replays it from its start after n8n's recovery saved a run of every node: 1 there. Default 0.
	 */
	previousNodeRun?: number;
	/**
	 * n8n's deduplication store (the processed_data table), as the helpers checkProcessedAndRecord and
	 * removeProcessed see it: one set of values per workflow and node. Share one between contexts to play an instance's
	 * database across executions; `broken` makes every call fail, as a database that is down would.
	 */
	processedStore?: ProcessedStore;
}

/** A stand-in for n8n's deduplication store, keyed by workflow and node (scope `node`), its values in the order written. */
export class ProcessedStore {
	readonly rows = new Map<string, Set<string>>();
	broken = false;
	calls = 0;

	row(workflowId: string, nodeId: string): Set<string> {
		const key = `${workflowId} n:${nodeId}`;
		if (!this.rows.has(key)) this.rows.set(key, new Set());
		return this.rows.get(key)!;
	}
}

export interface TestContext {
	ctx: IExecuteFunctions;
	/** Every request the node made, with the headers it sent. */
	requests: Array<{ url: string; method: string; headers: Record<string, string>; authenticated: boolean }>;
	/** The bytes of a binary the node produced, in either mode. */
	bytesOf(binary: IBinaryData): Buffer;
	/** Removes the files of filesystem-mode binaries. */
	cleanup(): void;
	/** What the node wrote through n8n's logger: level and message, in order. */
	logs: Array<{ level: string; message: string; metadata?: unknown }>;
}

const NODE: INode = {
	id: 'test-node',
	name: 'CogVideoX',
	type: 'n8n-nodes-cogvideox.cogVideoX',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

const FS_PREFIX = 'test-fs:';

function lookup(parameters: Record<string, ParameterValue>, path: string, itemIndex: number): unknown {
	const [head, ...rest] = path.split('.');
	const raw = parameters[head];
	let value = typeof raw === 'function' ? (raw as (index: number) => unknown)(itemIndex) : raw;
	for (const key of rest) value = value === undefined || value === null ? undefined : (value as IDataObject)[key];
	return value;
}

class HttpFailure extends Error {
	constructor(
		message: string,
		readonly code?: string,
		readonly statusCode?: number,
	) {
		super(message);
	}
}

/** n8n's httpRequest, as far as the node uses it: json, stream, full response, status errors, timeout, abort. */
async function httpRequest(options: IHttpRequestOptions): Promise<unknown> {
	const url = new URL(options.url, options.baseURL);
	for (const [key, value] of Object.entries(options.qs ?? {})) url.searchParams.set(key, String(value));
	const headers: Record<string, string> = {};
	for (const [key, value] of Object.entries(options.headers ?? {})) headers[key] = String(value);
	let body: string | undefined;
	if (options.body !== undefined) {
		body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
		headers['content-type'] ??= 'application/json';
	}
	const signals = [options.abortSignal as AbortSignal | undefined, options.timeout ? AbortSignal.timeout(options.timeout) : undefined];
	let response: Response;
	try {
		response = await fetch(url, {
			method: options.method ?? 'GET',
			headers,
			body,
			redirect: options.disableFollowRedirect ? 'manual' : 'follow',
			signal: AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined)),
		});
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause;
		throw new HttpFailure((error as Error).message, cause?.code ?? (error as { name?: string }).name);
	}
	let responseBody: unknown;
	if (options.encoding === 'stream') {
		responseBody = response.body ? Readable.fromWeb(response.body as unknown as WebReadableStream) : Readable.from([]);
	} else if (options.encoding === 'arraybuffer') {
		responseBody = Buffer.from(await response.arrayBuffer());
	} else {
		const text = await response.text();
		try {
			responseBody = options.json || text.startsWith('{') ? JSON.parse(text) : text;
		} catch {
			responseBody = text;
		}
	}
	if (!response.ok && !options.ignoreHttpStatusErrors) {
		throw new HttpFailure(`Request failed with status code ${response.status}`, undefined, response.status);
	}
	if (!options.returnFullResponse) return responseBody;
	return {
		body: responseBody,
		headers: Object.fromEntries(response.headers.entries()),
		statusCode: response.status,
		statusMessage: response.statusText,
	};
}

/** Folders of filesystem-mode binaries, removed after the test file, whether or not a test cleaned up. */
const tempFolders = new Set<string>();
const removeTempFolders = () => {
	for (const folder of tempFolders) rmSync(folder, { recursive: true, force: true });
	tempFolders.clear();
};
// Jest's afterAll where this runs in a test file (jest's workers end without an exit event), else the process's exit.
if (typeof afterAll === 'function') afterAll(removeTempFolders);
else process.once('exit', removeTempFolders);

function tempFolder(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	tempFolders.add(dir);
	return dir;
}

export function createContext(options: ContextOptions): TestContext {
	let folder: string | undefined;
	// Made at the first file written: a memory-mode run writes none.
	const dir = () => (folder ??= tempFolder('cogvideox-binary-'));
	const items: INodeExecutionData[] = options.items ?? [{ json: {} }];
	const requests: TestContext['requests'] = [];
	let fileCounter = 0;
	const mode = options.binaryMode ?? 'memory';

	const pathOf = (id: string) => id.slice(FS_PREFIX.length);
	const bytesOf = (binary: IBinaryData) =>
		binary.id ? readFileSync(pathOf(binary.id)) : Buffer.from(binary.data, 'base64');

	const record = (requestOptions: IHttpRequestOptions, authenticated: boolean) => {
		const headers: Record<string, string> = {};
		for (const [key, value] of Object.entries(requestOptions.headers ?? {})) headers[key.toLowerCase()] = String(value);
		requests.push({ url: requestOptions.url, method: requestOptions.method ?? 'GET', headers, authenticated });
	};

	const helpers = {
		async httpRequest(requestOptions: IHttpRequestOptions) {
			record(requestOptions, false);
			return await httpRequest(requestOptions);
		},
		async httpRequestWithAuthentication(credentialType: string, requestOptions: IHttpRequestOptions) {
			if (credentialType !== 'zhipuAiApi') throw new Error(`unexpected credential type ${credentialType}`);
			const withKey = {
				...requestOptions,
				headers: { ...(requestOptions.headers ?? {}), Authorization: `Bearer ${String(options.credentials.apiKey)}` },
			};
			record(requestOptions, true);
			return await httpRequest(withKey);
		},
		async prepareBinaryData(data: Buffer | Readable, fileName?: string, mimeType?: string): Promise<IBinaryData> {
			const base = { fileName, mimeType: mimeType ?? 'application/octet-stream', fileExtension: fileName?.split('.').pop() };
			if (options.storeMaxBytes !== undefined) {
				const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(await data.toArray());
				if (buffer.length > options.storeMaxBytes) {
					const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;
					throw new Error(
						`Failed to write binary file "${fileName}" because its size of ${mb(buffer.length)} MB exceeds the max size limit of ${mb(options.storeMaxBytes)} MB set for \`database\` mode.`,
					);
				}
				data = buffer;
			}
			if (mode === 'memory') {
				const buffer = Buffer.isBuffer(data) ? data : Buffer.concat(await data.toArray());
				return { ...base, data: buffer.toString('base64'), fileSize: String(buffer.length) };
			}
			const path = join(dir(), `binary-${++fileCounter}`);
			if (Buffer.isBuffer(data)) await pipeline(Readable.from([data]), createWriteStream(path));
			else await pipeline(data, createWriteStream(path));
			return { ...base, id: `${FS_PREFIX}${path}`, data: 'filesystem-v2', fileSize: String(statSync(path).size) };
		},
		async getBinaryMetadata(id: string) {
			return { fileSize: statSync(pathOf(id)).size };
		},
		async getBinaryStream(id: string, chunkSize?: number) {
			return createReadStream(pathOf(id), { highWaterMark: chunkSize });
		},
		async getBinaryDataBuffer(itemIndex: number, propertyName: string) {
			const binary = items[itemIndex]?.binary?.[propertyName];
			if (!binary) throw new Error(`No binary data property "${propertyName}"`);
			return bytesOf(binary);
		},
	};

	const node: INode = { ...NODE, ...options.node };
	const executionId = options.executionId ?? randomUUID();
	const workflowId = options.workflowId ?? 'test-workflow';
	const store = options.processedStore ?? new ProcessedStore();
	const nodeContext = options.nodeContext ?? {};
	const storeRow = () => {
		store.calls++;
		if (store.broken) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
		return store.row(workflowId, node.id);
	};
	Object.assign(helpers, {
		async checkProcessedAndRecord(values: Array<string | number>, _scope: string, options: { maxEntries?: number } = {}) {
			const row = storeRow();
			const processed = values.filter((value) => row.has(String(value)));
			const fresh = values.filter((value) => !row.has(String(value)));
			fresh.forEach((value) => row.add(String(value)));
			// As n8n does: past maxEntries, the oldest values go.
			for (const oldest of row) {
				if (options.maxEntries === undefined || row.size <= options.maxEntries) break;
				row.delete(oldest);
			}
			return { new: fresh, processed };
		},
		async removeProcessed(values: Array<string | number>) {
			const row = storeRow();
			values.forEach((value) => row.delete(String(value)));
		},
	});
	const logs: TestContext['logs'] = [];
	const logAt = (level: string) => (message: string, metadata?: unknown) => logs.push({ level, message, metadata });
	const ctx = {
		getWorkflow: () => ({ id: workflowId, name: 'Test workflow', active: false }),
		getMode: () => options.mode ?? 'manual',
		logger: { error: logAt('error'), warn: logAt('warn'), info: logAt('info'), debug: logAt('debug') },
		getInputData: () => items,
		getNode: () => node,
		getExecutionId: () => executionId,
		getInstanceId: () => 'test-instance',
		getContext: () => nodeContext,
		getExecuteData: () => ({ node, data: { main: [items] }, source: { main: [{ previousNode: 'Input', previousNodeRun: options.previousNodeRun ?? 0 }] } }),
		getWorkflowDataProxy: () => ({ $runIndex: options.runIndex ?? 0 }),
		getNodeParameter(name: string, itemIndex: number, fallback?: unknown) {
			const value = lookup(options.parameters, name, itemIndex);
			if (value === undefined) {
				if (arguments.length < 3) throw new Error(`Could not get parameter "${name}"`);
				return fallback;
			}
			return value;
		},
		getCredentials: async () => options.credentials,
		continueOnFail: () => options.continueOnFail ?? false,
		getExecutionCancelSignal: () => options.signal,
		isToolExecution: () => options.tool ?? false,
		helpers,
	} as unknown as IExecuteFunctions;

	return { ctx, requests, bytesOf, logs, cleanup: () => folder && rmSync(folder, { recursive: true, force: true }) };
}

/** A binary property holding `bytes`, stored as n8n would in the given mode. */
export function binaryProperty(
	bytes: Buffer,
	mimeType: string,
	fileName: string,
	mode: 'memory' | 'filesystem' = 'memory',
): IBinaryData {
	if (mode === 'memory') return { data: bytes.toString('base64'), mimeType, fileName };
	const path = join(tempFolder('cogvideox-input-'), fileName);
	writeFileSync(path, bytes);
	return { id: `${FS_PREFIX}${path}`, data: 'filesystem-v2', mimeType, fileName };
}
