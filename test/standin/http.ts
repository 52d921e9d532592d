// Small node:http helpers shared by the API server and the file host.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RawBody {
	buffer: Buffer;
	tooLarge: boolean;
}

/** Reads the whole body into a Buffer list; past `limit` bytes keeps draining but drops the data. */
export function readBody(req: IncomingMessage, limit: number): Promise<RawBody> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let length = 0;
		req.on('data', (chunk: Buffer) => {
			length += chunk.length;
			if (length <= limit) chunks.push(chunk);
		});
		req.on('end', () => resolve({ buffer: length <= limit ? Buffer.concat(chunks) : Buffer.alloc(0), tooLarge: length > limit }));
		req.on('error', reject);
	});
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
	const body = Buffer.from(JSON.stringify(value));
	res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
	res.end(body);
}

/** API.md error shape; the code is always a string. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
	sendJson(res, status, { error: { code, message } });
}

/** What a gateway in front of the API returns when the upstream is down. */
export function sendGatewayHtml(res: ServerResponse, status: number): void {
	const body = Buffer.from(
		'<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
	);
	res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': body.length });
	res.end(body);
}

/** Writes chunks honouring back-pressure, so only one chunk is in flight; stops if the client goes away. */
export async function pump(res: ServerResponse, chunks: Iterable<Buffer>): Promise<void> {
	for (const chunk of chunks) {
		if (res.destroyed) return;
		if (!res.write(chunk)) await drainOrClose(res);
	}
	res.end();
}

function drainOrClose(res: ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			res.off('drain', done);
			res.off('close', done);
			resolve();
		};
		res.on('drain', done);
		res.on('close', done);
	});
}

export interface Listening {
	server: Server;
	origin: string;
	close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a random port and tracks sockets so close() never hangs. */
export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Listening> {
	const sockets = new Set<Socket>();
	const server = createServer((req, res) => {
		handler(req, res).catch((err: unknown) => {
			if (!res.headersSent) sendError(res, 500, '500', `stand-in error: ${String(err)}`);
			else res.destroy();
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const address = server.address();
	if (address === null || typeof address === 'string') throw new Error('unexpected server address');
	return {
		server,
		origin: `http://127.0.0.1:${address.port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				for (const socket of sockets) socket.destroy();
			}),
	};
}
