/**
 * A scripted chat model for the AI Agent example: a loopback server that answers OpenAI's chat completions protocol
 * (what n8n's OpenAI Chat Model node speaks, with its Base URL option pointed here), with and without streaming.
 *
 * The script: while the conversation has no tool result, it asks for one call of the first tool offered, with the
 * given arguments; once a tool has answered, it replies with a text that quotes the tool's answer. So the agent in
 * real n8n runs the CogVideoX tool exactly once, with a prompt the test knows, and no real model is needed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface ChatRequest {
	path: string;
	authorization?: string;
	body: {
		model?: string;
		stream?: boolean;
		messages?: Array<{ role: string; content?: unknown; tool_call_id?: string }>;
		tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: Record<string, unknown> } }>;
	};
}

export interface ScriptedChatModel {
	/** The base URL to give the OpenAI Chat Model node (ends in /v1). */
	baseUrl: string;
	requests: ChatRequest[];
	close(): Promise<void>;
}

export const FINAL_ANSWER_PREFIX = 'The video is ready. Tool result:';

/** A chat request's JSON body (an empty object for an empty body). */
function readJson(req: IncomingMessage): Promise<ChatRequest['body']> {
	return new Promise((resolveBody, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			try {
				resolveBody(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest['body']) : {});
			} catch (error) {
				reject(error);
			}
		});
		req.on('error', reject);
	});
}

function textOf(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map((part) => (typeof part === 'string' ? part : String(part?.text ?? ''))).join('');
	return '';
}

export async function startScriptedChatModel(toolArguments: Record<string, unknown>): Promise<ScriptedChatModel> {
	const requests: ChatRequest[] = [];
	let calls = 0;
	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		readJson(req)
			.then((body) => {
				requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
				if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
					res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
					return;
				}
				const toolResult = (body.messages ?? []).find((message: { role: string }) => message.role === 'tool');
				const tool = body.tools?.[0]?.function?.name;
				const id = `chatcmpl-${++calls}`;
				const created = Math.floor(Date.now() / 1000);
				const model = body.model ?? 'scripted';
				const message = toolResult || !tool
					? { role: 'assistant', content: `${FINAL_ANSWER_PREFIX} ${textOf(toolResult?.content)}` }
					: {
							role: 'assistant',
							content: null,
							tool_calls: [{ id: `call_${calls}`, type: 'function', function: { name: tool, arguments: JSON.stringify(toolArguments) } }],
						};
				const finishReason = 'tool_calls' in message ? 'tool_calls' : 'stop';
				const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
				if (!body.stream) {
					res.writeHead(200, { 'Content-Type': 'application/json' });
					res.end(JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message, finish_reason: finishReason }], usage }));
					return;
				}
				res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
				const send = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
					res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`);
				if ('tool_calls' in message) {
					const [call] = message.tool_calls!;
					send({ role: 'assistant', content: null, tool_calls: [{ index: 0, ...call }] }, null);
				} else {
					send({ role: 'assistant', content: message.content }, null);
				}
				send({}, finishReason, { usage });
				res.end('data: [DONE]\n\n');
			})
			.catch((error: unknown) => {
				res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: String(error) } }));
			});
	});
	await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
	const address = server.address();
	if (typeof address !== 'object' || !address) throw new Error('scripted chat model has no address');
	return {
		baseUrl: `http://127.0.0.1:${address.port}/v1`,
		requests,
		close: () =>
			new Promise<void>((resolveClose) => {
				server.closeAllConnections();
				server.close(() => resolveClose());
			}),
	};
}
