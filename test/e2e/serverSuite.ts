/**
 * The node in n8n run as a server (`n8n start`, and in queue mode `n8n worker`s), on Postgres: what only a running
 * n8n shows. n8n killed and stopped while the node waits (lostRunSuite.ts), the video calendar, whose Data
 * Tables load only in a running n8n (calendarSuite.ts), and the other runs of n8n that repeat an item (repeatSuite.ts). One n8n per mode serves every part, so that a target sets
 * n8n up once per mode: one n8n in regular mode, and queue mode (a main and two workers, Redis) where the target has
 * it. Each target's file is <target>.server.e2e.test.ts.
 *
 *   npm run test:e2e -- server.e2e             every target's
 */
import { randomBytes } from 'node:crypto';

import { keyIn } from './fixtures';
import { FAST_STALL_DETECTION, QueueN8n } from './queue';
import type { E2eTarget } from './targets';

const MINUTE = 60_000;

export type ServerMode = 'regular' | 'queue';

/** A shutdown grace above the node's Timeout in these workflows, as docs/scaling.md tells operators. */
export const DRAINING_GRACE_S = 180;

/** What every part shares: the n8n of one mode, its target, one API key for every stand-in, one progress log. */
export interface Server {
	readonly target: E2eTarget;
	readonly mode: ServerMode;
	readonly apiKey: string;
	readonly n8n: QueueN8n;
	log(line: string): void;
	/** Starts n8n (again) unless its main and every worker run. */
	ensureRunning(): Promise<void>;
}

/** A part of the suite: what it imports before n8n first starts, its tests, and what it closes at the end. */
export interface ServerPart {
	/** Stand-ins, credentials, workflows, Data Tables. n8n is stopped before and after (a part may start it meanwhile). */
	prepare(server: Server): Promise<void>;
	/** Registers its tests; they run in the order the parts are given, each part's after the one before. */
	tests(server: Server): void;
	close(): Promise<void>;
}

export function describeServerIn(target: E2eTarget, modes: ServerMode[], partsOf: (mode: ServerMode) => ServerPart[]): void {
	const where = `n8n ${target.n8nVersion} on Node ${target.nodeVersion ?? process.versions.node}`;
	describe.each(modes)(`CogVideoX in n8n run as a server, ${where}, %s mode`, (mode) => {
		const progress: string[] = [];
		let n8n: QueueN8n | undefined;
		const server: Server = {
			target,
			mode,
			apiKey: `e2e${randomBytes(6).toString('hex')}.${randomBytes(12).toString('hex')}`,
			get n8n(): QueueN8n {
				if (!n8n) throw new Error('n8n is not set up');
				return n8n;
			},
			log: (line) => progress.push(`${new Date().toISOString().slice(11, 19)} ${line}`),
			async ensureRunning() {
				const all = [server.n8n.main, ...server.n8n.workers];
				if (server.n8n.main && all.every((child) => child?.exitCode === undefined)) return;
				await server.n8n.stop();
				await server.n8n.start();
			},
		};
		const parts = partsOf(mode);

		beforeAll(async () => {
			n8n = await QueueN8n.setup({
				version: target.n8nVersion,
				nodeVersion: target.nodeVersion,
				regular: mode === 'regular',
				workers: 2,
				concurrency: 5,
				log: server.log,
				env: { ...FAST_STALL_DETECTION, N8N_GRACEFUL_SHUTDOWN_TIMEOUT: String(DRAINING_GRACE_S) },
			});
			for (const part of parts) {
				await part.prepare(server);
				await n8n.stop();
			}
		}, 20 * MINUTE);

		afterAll(async () => {
			if (n8n) expect(keyIn(n8n.allOutput(), server.apiKey)).toBe(false);
			await n8n?.cleanup();
			await Promise.all(parts.map((part) => part.close()));
			console.log(`server e2e (${where}, ${mode} mode):\n${progress.join('\n')}`);
		}, 2 * MINUTE);

		for (const part of parts) part.tests(server);
	});
}
