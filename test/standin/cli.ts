/**
 * The API stand-in as a process of its own, for `npm run start:sandbox`: an n8n with no Zhipu account talks to it
 * through a credential with a Custom base URL.
 *
 *   tsx test/standin/cli.ts [--info FILE] [--watch-pid PID] [--generation-ms MS] [--api-key KEY]
 *
 * It listens on 127.0.0.1 (ports the system picks: the API, the result-file host, the chat model and the control
 * endpoint), then writes `{"apiUrl","filesOrigin","apiKey","chatBaseUrl","controlUrl","pid"}` as one JSON line to
 * FILE (atomically) or, without --info, to stdout.
 * - The result-file host also serves the sandbox's sample images (samples.ts).
 * - `chatBaseUrl` is a scripted chat model (test/e2e/chatModel.ts, OpenAI's protocol) for the AI Agent example:
 *   whatever it is asked, it calls the video tool once, then reports the tool's answer.
 * - `controlUrl` + `/tasks` answers the task log as JSON (TaskLog below), so a test that drives the sandbox from
 *   outside can tell whether a run created a task, or whether the credential's Test button reached the API; and
 *   `controlUrl` + `/uploads` what the file host was sent (UploadLog below): the calendar example's stored videos.
 * It stops on SIGINT/SIGTERM, and by itself once process PID (the n8n launcher) is gone, so it never outlives n8n.
 * Each request is logged to stderr as one line, the key never.
 */
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';

import type { IncomingMessage, ServerResponse } from 'node:http';

import { startScriptedChatModel } from '../e2e/chatModel';
import { listen, sendError, sendJson } from './http';
import { startStandin, type Standin } from './server';

function option(name: string): string | undefined {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? process.argv[index + 1] : undefined;
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** What the stand-in writes to --info once it listens. */
export interface StandinInfo {
	apiUrl: string;
	filesOrigin: string;
	apiKey: string;
	chatBaseUrl: string;
	controlUrl: string;
	pid: number;
}

/** What GET <controlUrl>/tasks answers. */
export interface TaskLog {
	/** Create requests received, refused ones included. */
	creates: number;
	/** Requests for the credential Test button's calls (the file list, the tokenizer). */
	keyChecks: number;
	/** Each task; videoSha256 and videoSize are those of the mp4 the file host serves once it is done. */
	tasks: Array<{ id: string; model: string; status: string; prompt?: string; videoSha256: string; videoSize: number }>;
}

/**
 * What GET <controlUrl>/uploads answers: each file PUT to the file host's /uploads/ and kept, by name, in the order
 * received; every PUT with the status it got (refused ones included); and the failure reports POSTed to /reports/.
 */
export interface UploadLog {
	uploads: Array<{ name: string; size: number; sha256: string; contentType?: string }>;
	attempts: Array<{ name: string; status: number }>;
	reports: Array<{ path: string; body: unknown }>;
}

function controlHandler(standin: Standin) {
	const answers: Record<string, () => TaskLog | UploadLog> = {
		'/tasks': () => ({
			creates: standin.createCalls(),
			keyChecks: standin.keyChecks(),
			tasks: [...standin.tasks.values()].map(({ id, model, status, body, videoSha256, videoSize }) => ({ id, model, status, prompt: body.prompt as string | undefined, videoSha256, videoSize })),
		}),
		'/uploads': () => ({
			uploads: [...standin.uploads].map(([name, { bytes, contentType }]) => ({ name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), contentType })),
			attempts: standin.uploadAttempts.map(({ name, status }) => ({ name, status })),
			reports: standin.reports.map(({ path, body }) => ({ path, body })),
		}),
	};
	return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		req.resume();
		const answer = req.method === 'GET' && req.url !== undefined && Object.hasOwn(answers, req.url) ? answers[req.url] : undefined;
		if (!answer) return sendError(res, 404, '404', 'only GET /tasks and GET /uploads');
		sendJson(res, 200, answer());
	};
}

/** The key the sandbox's credential carries, unless --api-key says otherwise. */
export const SANDBOX_API_KEY = 'sandbox-key.sandbox-secret';

async function main(): Promise<void> {
	const generationMs = Number(option('generation-ms') ?? 5000);
	const apiKey = option('api-key') ?? SANDBOX_API_KEY;
	const standin = await startStandin({ apiKey, generationMs });
	const chat = await startScriptedChatModel({ prompt: 'A paper boat sails down a rainy street at night, neon reflections, close-up' });
	const control = await listen(controlHandler(standin));
	const info = JSON.stringify({
		apiUrl: standin.apiUrl,
		filesOrigin: standin.filesOrigin,
		apiKey: standin.apiKey,
		chatBaseUrl: chat.baseUrl,
		controlUrl: control.origin,
		pid: process.pid,
	} satisfies StandinInfo);
	const infoFile = option('info');
	if (infoFile) {
		writeFileSync(`${infoFile}.tmp`, `${info}\n`);
		renameSync(`${infoFile}.tmp`, infoFile);
	} else {
		process.stdout.write(`${info}\n`);
	}
	process.stderr.write(`stand-in API on ${standin.apiUrl} (videos take ${generationMs / 1000} s)\n`);

	let logged = 0;
	const logTimer = setInterval(() => {
		for (const request of standin.apiRequests.slice(logged)) {
			process.stderr.write(`stand-in: ${request.method} ${request.path}\n`);
		}
		logged = standin.apiRequests.length;
	}, 500);

	let stopping = false;
	const stop = async (why: string) => {
		if (stopping) return;
		stopping = true;
		clearInterval(logTimer);
		clearInterval(watchTimer);
		process.stderr.write(`stand-in API stopping (${why})\n`);
		await Promise.all([standin.close(), chat.close(), control.close()]);
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('SIGINT'));
	process.on('SIGTERM', () => void stop('SIGTERM'));
	const watchPid = Number(option('watch-pid') ?? 0);
	const watchTimer = setInterval(() => {
		if (watchPid && !alive(watchPid)) void stop(`process ${watchPid} is gone`);
	}, 1000);
}

// Only as a process of its own: other scripts import SANDBOX_API_KEY from here.
if (require.main === module) {
	main().catch((error: unknown) => {
		process.stderr.write(`stand-in API failed to start: ${String(error)}\n`);
		process.exit(1);
	});
}
