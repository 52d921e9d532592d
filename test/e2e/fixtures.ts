/** Inputs for the end-to-end workflows: a real PNG, a tiny server for it, and the examples with test ids. */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';

import type { Fault } from '../standin/server';
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
