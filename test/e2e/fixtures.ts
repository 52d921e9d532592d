/** Inputs for the end-to-end workflows: a real PNG, a tiny server for it, and the examples with test ids. */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';

import type { Fault, Standin, StandinTask } from '../standin/server';
import type { OutputItem } from './n8n';
import { PNG_SIGNATURE, pngChunk } from '../standin/video';

const EXAMPLES_DIR = resolve(__dirname, '..', '..', 'examples');

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A valid RGB PNG, so any decoder (and the real API) would accept it: a gradient, or random pixels, which do not
 * compress, for a file of about width·height·3 bytes.
 */
export function makePng(width = 64, height = 36, pixels: 'gradient' | 'noise' = 'gradient'): Buffer {
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, deflate, no filter, no interlace
	const rows: Buffer[] = [];
	for (let y = 0; y < height; y++) {
		const row = pixels === 'noise' ? randomBytes(1 + width * 3) : Buffer.alloc(1 + width * 3);
		row[0] = 0; // filter byte 0, then RGB
		for (let x = 0; pixels === 'gradient' && x < width; x++) row.set([Math.round((x * 255) / (width - 1)), Math.round((y * 255) / (height - 1)), 160], 1 + x * 3);
		rows.push(row);
	}
	return Buffer.concat([
		PNG_SIGNATURE,
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', deflateSync(Buffer.concat(rows), { level: pixels === 'noise' ? 0 : undefined })),
		pngChunk('IEND', Buffer.alloc(0)),
	]);
}

export interface FileServer {
	/** The URL of the file. */
	url: string;
	requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
	close(): Promise<void>;
}

/** Serves one file on 127.0.0.1 at /<name>; anything else is a 404. */
export async function serveFile(name: string, bytes: Buffer, mimeType: string): Promise<FileServer> {
	const requests: FileServer['requests'] = [];
	const server = createServer((req, res) => {
		requests.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers } });
		req.resume();
		if (req.url?.split('?')[0] !== `/${name}`) {
			res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
			return;
		}
		res.writeHead(200, { 'Content-Type': mimeType, 'Content-Length': bytes.length });
		res.end(req.method === 'HEAD' ? undefined : bytes);
	});
	await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
	const address = server.address();
	if (typeof address !== 'object' || !address) throw new Error('file server has no address');
	return {
		url: `http://127.0.0.1:${address.port}/${name}`,
		requests,
		close: () =>
			new Promise<void>((resolveClose) => {
				server.closeAllConnections();
				server.close(() => resolveClose());
			}),
	};
}

// --- the examples ---

export interface WorkflowNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	notes?: string;
	[key: string]: unknown;
}

export interface Workflow {
	id?: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, unknown>;
	[key: string]: unknown;
}

export const NODE_TYPE = 'n8n-nodes-cogvideox.cogVideoX';
export const CREDENTIAL_TYPE = 'zhipuAiApi';

/** Whether the API key, or its secret half alone, appears anywhere in `text`. */
export function keyIn(text: string, apiKey: string): boolean {
	return text.includes(apiKey) || text.includes(apiKey.split('.')[1]);
}

/** A node for a workflow built in code, placed at `x` on one row; its id is the workflow's id and `x`. */
export function workflowNode(workflowId: string, name: string, type: string, typeVersion: number, x: number, parameters: Record<string, unknown>): WorkflowNode {
	return { id: `${workflowId}-${x}`, name, type, typeVersion, position: [x, 0], parameters };
}

/**
 * The video calendar's workflows, in the order a user runs them: set up, then the run (collect, then submit). They
 * keep their rows in an n8n Data Table, which only a running n8n (`n8n start`, `n8n worker`) loads: calendarSuite.ts
 * runs them.
 */
export const CALENDAR_EXAMPLES = ['calendar-1-setup.json', 'calendar-2-run.json'];

/** An example workflow from examples/, as a fresh copy. */
export function loadExample(file: string): Workflow {
	return JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as Workflow;
}

export function nodeOfType(workflow: Workflow, type: string): WorkflowNode {
	const nodes = workflow.nodes.filter((node) => node.type === type);
	if (nodes.length !== 1) throw new Error(`workflow "${workflow.name}" has ${nodes.length} nodes of type ${type}, expected 1`);
	return nodes[0];
}

/** The credential id that an example's CogVideoX nodes refer to (all of them the same one). */
export function credentialIdOf(workflow: Workflow): string {
	const nodes = workflow.nodes.filter((node) => node.type === NODE_TYPE || node.type === `${NODE_TYPE}Tool`);
	const ids = new Set(nodes.map((node) => node.credentials?.[CREDENTIAL_TYPE]?.id));
	if (nodes.length === 0 || ids.size !== 1 || ids.has(undefined)) {
		throw new Error(`workflow "${workflow.name}": its CogVideoX nodes must all refer to one ${CREDENTIAL_TYPE} credential`);
	}
	return [...ids][0]!;
}

/** The URL in examples/image-to-video-from-http.json that users replace; the suites swap in their own server. */
export const IMAGE_URL_PLACEHOLDER = 'https://example.com/your-image.png';

/**
 * A copy of a workflow with a test id, whose CogVideoX nodes check their task every second: the stand-in finishes
 * a task in one, while the examples keep the node's default of 5 s that suits the real API.
 */
export function withId(workflow: Workflow, id: string, name = workflow.name): Workflow {
	const copy = structuredClone({ ...workflow, id, name });
	for (const node of copy.nodes.filter((candidate) => candidate.type === NODE_TYPE || candidate.type === `${NODE_TYPE}Tool`)) {
		node.parameters.options = { ...(node.parameters.options ?? {}), pollInterval: 1 };
	}
	return copy;
}

/** The image example's Download Image node, after checking that it still has the placeholder users replace. */
export function placeholderDownload(workflow: Workflow): WorkflowNode {
	const download = nodeOfType(workflow, 'n8n-nodes-base.httpRequest');
	if (download.parameters.url !== IMAGE_URL_PLACEHOLDER || !String(download.notes).includes(IMAGE_URL_PLACEHOLDER)) {
		throw new Error(`"${workflow.name}": its HTTP Request node no longer has the placeholder URL ${IMAGE_URL_PLACEHOLDER} (in its URL and notes)`);
	}
	return download;
}

/** The OpenAI credential the AI Agent example's chat model uses (the suites point it at the scripted model). */
export function chatCredentialOf(workflow: Workflow): { id: string; name: string } {
	return nodeOfType(workflow, '@n8n/n8n-nodes-langchain.lmChatOpenAi').credentials!.openAiApi;
}

/** The stand-in's task behind an output item, after checking that the item's `data` is that task's mp4, byte for byte. */
export function expectServedVideo(standin: Standin, item: OutputItem, taskId = item.json.taskId as string): StandinTask {
	const task = standin.tasks.get(taskId);
	if (!task) throw new Error(`the output names task ${taskId}, which the stand-in never created`);
	const video = item.binary.data;
	expect(video).toMatchObject({ fileName: `${task.id}.mp4`, mimeType: 'video/mp4' });
	expect({ sha256: video.sha256, size: video.size }).toEqual({ sha256: task.videoSha256, size: task.videoSize });
	return task;
}

/**
 * A copy of a workflow that starts from a Webhook instead of its Manual Trigger, so that it runs as a production
 * execution (in queue mode: on a worker) once published: POST /webhook/<path>, answered with the first item of the
 * last node that ran (Respond: When Last Node Finishes).
 */
export function withWebhookTrigger(workflow: Workflow, path: string): Workflow {
	const copy = structuredClone(workflow);
	const manual = nodeOfType(copy, 'n8n-nodes-base.manualTrigger');
	const webhook: WorkflowNode = {
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: manual.position as unknown,
		webhookId: path,
		parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
	};
	copy.nodes = copy.nodes.map((node) => (node === manual ? webhook : node));
	const connections = copy.connections as Record<string, unknown>;
	if (connections[manual.name]) {
		connections[webhook.name] = connections[manual.name];
		delete connections[manual.name];
	}
	return copy;
}

// --- workflows the suites build ---

/**
 * Retry On Fail in a real n8n, for every suite that runs it (one process, queue mode): three text-to-video items
 * whose node has Retry On Fail on (2 tries, 200 ms apart) and Continue On Fail off. With `fault` injected, the
 * stand-in FAILs the third prompt's first task, so n8n runs the node a second time; that try must reuse the two
 * tasks the first one made: `tasks` in all, not six, and three videos.
 */
export const RETRY_ON_FAIL = {
	prompts: [
		'A lighthouse beam sweeps over a stormy sea at night',
		'Cherry blossoms fall on a quiet temple path',
		'Paper lanterns drift over a dark river (fails once)',
	],
	fault: { on: 'taskFail', prompt: '(fails once)', reason: 'The stand-in failed this task on purpose' } as Fault,
	tasks: 4,
	nodeName: 'Generate Video',
	/** The text-to-video example with these prompts and Retry On Fail, its node using `credentialId`. */
	workflow(id: string, credentialId: string): Workflow {
		const workflow = { ...loadExample('text-to-video.json'), id, name: 'e2e: Retry On Fail reuses the tasks of the first try' };
		nodeOfType(workflow, 'n8n-nodes-base.code').parameters.jsCode = `return ${JSON.stringify(RETRY_ON_FAIL.prompts.map((prompt) => ({ json: { prompt } })))};`;
		const video = nodeOfType(workflow, NODE_TYPE);
		if (video.name !== RETRY_ON_FAIL.nodeName) throw new Error(`the text-to-video example's node is "${video.name}", not "${RETRY_ON_FAIL.nodeName}"`);
		Object.assign(video, { retryOnFail: true, maxTries: 2, waitBetweenTries: 200 });
		video.parameters.options = { pollInterval: 1 };
		video.credentials = { [CREDENTIAL_TYPE]: { id: credentialId, name: 'Zhipu AI account' } };
		return workflow;
	},
};
