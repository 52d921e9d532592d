/**
 * One Zhipu account's concurrency limit, as this n8n process learns it and shares it between all its executions.
 *
 * The API counts tasks in flight per account and model, and refuses a create beyond its limit with 1302. Many
 * executions at once (a queue-mode worker runs ten or more) would each back off on their own and leave slots empty
 * while they all sleep. Instead, every create of the process for one account and model passes through one gate:
 * - Until the first 1302 the limit is unknown, and only a few creates are in the air at once, so a burst of items
 *   overshoots the account by at most that many.
 * - A 1302 sets the limit to the tasks this process holds: the rest of the account is someone else's (another
 *   worker, another workflow). The refused item keeps its place in line, with no body held and no timer of its own.
 * - A task of the process that finishes frees a place for the next item in line at once: the place it held.
 * - While items wait, one probe at a time checks whether the account has room beyond the limit (another worker's
 *   tasks finished, or it stopped): the first after half a poll interval, then less often after each refusal, up to
 *   half the model's generation time. A probe that goes through raises the limit and is followed by another at once.
 * Nothing is shared between processes but the API itself; each worker learns its own share, and probes rebalance.
 */
import { createHash } from 'crypto';

import { VideoError } from './errors';
import { sleepUnlessCancelled } from '../wait';

/** Creates in the air at once while the limit is unknown: at most this many can meet a 1302 at the start. */
export const MAX_CREATES_IN_AIR = 3;

/** Bounds of the probe delay; see nextProbeDelay. */
export const PROBE = { maxMs: 60_000, minMs: 50 };

/** Gates kept per process, and how long an idle one is kept (its limit is then learned again). */
const MAX_GATES = 1000;
const IDLE_GATE_MS = 30 * 60_000;

/**
 * Why a wait for the account ended without a place: the deadline passed, the execution was cancelled, or (for an
 * item that does not wait for running tasks, WaitOptions.unlessFull) the account is full.
 */
export type GateRefusal = 'timeout' | 'cancelled' | 'full';

/** A place at the account, or why the item got none. */
export type Entry = AccountTicket | GateRefusal;

/** One create's place at the account, from its send until its task is seen finished. */
export interface AccountTicket {
	/** The API made the task: it counts against the account until finished(). */
	created(): void;
	/** The API answered 1302: the account is full. The item waits, in its first place in line, for another place. */
	refusedAtLimit(options: WaitOptions): Promise<Entry>;
	/** The create came to nothing that concerns the account's limit (another error): the place is given back. */
	withdraw(): void;
	/** The task is finished (or no longer this process's to watch): its place goes to the next item in line. */
	finished(): void;
}

export interface WaitOptions {
	/** Past this time (ms since the epoch) the item gives up waiting. */
	deadline: number;
	/** The execution's cancel signal. */
	signal?: AbortSignal;
	/** The poll interval of the item's node: probes are paced from it. */
	intervalMs: number;
	/** How long this model's tasks take, if the process has seen one finish. */
	expectedMs?: number;
	/**
	 * Do not wait for running tasks to free a place: once the account is known to be full (a 1302), give up with
	 * 'full'. The item still waits its turn among the creates in the air, which answer within seconds.
	 */
	unlessFull?: boolean;
}

/** The clock and timer the gate uses: n8n's sleep in the node, fakes in unit tests. */
export interface GateClock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

interface Waiter {
	/** Its place in line: the order in which items first asked, kept when a refused one asks again. */
	seq: number;
	options: WaitOptions;
	settle: (entry: Entry) => void;
	onAbort?: () => void;
}

/** The pause before the next probe: half a poll interval, doubling with each refused probe, up to half a generation. */
export function nextProbeDelay(refusedProbes: number, intervalMs: number, expectedMs?: number): number {
	const ceiling = Math.min(PROBE.maxMs, Math.max(intervalMs, (expectedMs ?? 4 * intervalMs) / 2));
	return Math.max(PROBE.minMs, Math.min(ceiling, (intervalMs / 2) * 2 ** refusedProbes));
}

export class AccountGate {
	/** Tasks this process created that it has not seen finish. */
	private running = 0;
	/** Creates sent and not yet answered. */
	private inAir = 0;
	/** Tasks the account takes from this process at once, learned from 1302s; undefined until the first. */
	private learnedLimit?: number;
	private readonly line: Waiter[] = [];
	private refusedProbes = 0;
	private nextSeq = 0;
	private probeInAir = false;
	private probeTimer = false;
	/** When the timer sends the next probe. */
	private probeAt = 0;
	/** When the gate was last used; an idle gate is forgotten. */
	lastUsedAt: number;

	constructor(private readonly clock: GateClock) {
		this.lastUsedAt = clock.now();
	}

	/** For tests and diagnostics. */
	get state(): { running: number; inAir: number; limit?: number; waiting: number } {
		return { running: this.running, inAir: this.inAir, limit: this.learnedLimit, waiting: this.line.length };
	}

	/** Whether items wait for the account: a finished task that goes unseen now keeps one of them out. */
	get contended(): boolean {
		return this.line.length > 0;
	}

	get idle(): boolean {
		return this.running === 0 && this.inAir === 0 && this.line.length === 0;
	}

	/** Waits for a place to send a create; past the deadline, or when the execution is cancelled, says why not. */
	async enter(options: WaitOptions): Promise<Entry> {
		return await this.queue(options, this.nextSeq++);
	}

	private async queue(options: WaitOptions, seq: number): Promise<Entry> {
		this.lastUsedAt = this.clock.now();
		if (options.signal?.aborted) return 'cancelled';
		if (options.unlessFull && this.full()) return 'full';
		if (this.line.length === 0 && this.hasRoom()) return this.admit(seq, false);
		return await new Promise<Entry>((settle) => {
			const waiter: Waiter = { seq, options, settle };
			if (options.signal) {
				waiter.onAbort = () => this.drop(waiter, 'cancelled');
				options.signal.addEventListener('abort', waiter.onAbort, { once: true });
			}
			let at = this.line.length;
			while (at > 0 && this.line[at - 1].seq > seq) at--;
			this.line.splice(at, 0, waiter);
			this.admitWaiting();
			this.startProbeTimer();
		});
	}

	/**
	 * The account takes no more tasks from this process until one of the tasks it waits for finishes, as far as it
	 * has learned. Holding none, it cannot know: tasks nobody waits for (Wait for Completion off) leave the gate at
	 * once, so the account may be full of them, or empty.
	 */
	private full(): boolean {
		return this.learnedLimit !== undefined && this.running > 0 && this.running + this.inAir >= this.learnedLimit;
	}

	private hasRoom(): boolean {
		if (this.inAir >= MAX_CREATES_IN_AIR) return false;
		return this.learnedLimit === undefined || this.running + this.inAir < this.learnedLimit;
	}

	private admit(seq: number, probe: boolean): AccountTicket {
		this.inAir++;
		if (probe) this.probeInAir = true;
		let state: 'inAir' | 'running' | 'done' = 'inAir';
		const leaveAir = () => {
			this.inAir--;
			if (probe) this.probeInAir = false;
		};
		const ticket: AccountTicket = {
			created: () => {
				if (state !== 'inAir') return;
				leaveAir();
				state = 'running';
				this.running++;
				if (this.learnedLimit !== undefined && this.running + this.inAir > this.learnedLimit) this.learnedLimit = this.running + this.inAir;
				if (probe) {
					// The account had room beyond what this process held: there may be more.
					this.refusedProbes = 0;
					this.probeNow();
				}
				this.admitWaiting();
			},
			refusedAtLimit: async (options) => {
				if (state === 'inAir') {
					leaveAir();
					state = 'done';
					// What this process holds is all the account gives it now: the rest is someone else's.
					this.learnedLimit = this.running;
					for (const waiter of [...this.line]) if (waiter.options.unlessFull && this.full()) this.drop(waiter, 'full');
					if (probe) {
						this.refusedProbes++;
						this.probeAt = this.clock.now() + nextProbeDelay(this.refusedProbes, options.intervalMs, options.expectedMs);
					}
				}
				return await this.queue(options, seq);
			},
			withdraw: () => {
				if (state !== 'inAir') return;
				leaveAir();
				state = 'done';
				this.admitWaiting();
			},
			finished: () => {
				if (state === 'inAir') return ticket.withdraw();
				if (state !== 'running') return;
				state = 'done';
				this.running--;
				this.lastUsedAt = this.clock.now();
				this.admitWaiting();
			},
		};
		return ticket;
	}

	private admitWaiting(): void {
		while (this.line.length > 0 && this.hasRoom()) this.grantFront(false);
	}

	private grantFront(probe: boolean): void {
		const waiter = this.line.shift()!;
		this.detach(waiter);
		waiter.settle(this.admit(waiter.seq, probe));
	}

	private drop(waiter: Waiter, why: GateRefusal): void {
		const index = this.line.indexOf(waiter);
		if (index < 0) return;
		this.line.splice(index, 1);
		this.detach(waiter);
		waiter.settle(why);
	}

	private detach(waiter: Waiter): void {
		if (waiter.onAbort) waiter.options.signal?.removeEventListener('abort', waiter.onAbort);
	}

	/** A probe at once, if items still wait and none is in the air. */
	private probeNow(): void {
		if (this.line.length > 0 && !this.probeInAir && this.inAir < MAX_CREATES_IN_AIR) this.grantFront(true);
		this.probeAt = this.clock.now() + this.probeDelay();
	}

	/**
	 * One timer per gate while items wait: it sends the probes and ends the waits that reach their deadline. Waiters
	 * hold no timer of their own, so a thousand waiting items cost a thousand small records and nothing else.
	 */
	private startProbeTimer(): void {
		if (this.probeTimer || this.line.length === 0) return;
		this.probeTimer = true;
		this.probeAt = Math.max(this.probeAt, this.clock.now() + this.probeDelay());
		void this.probeLoop().finally(() => {
			this.probeTimer = false;
			this.startProbeTimer();
		});
	}

	private async probeLoop(): Promise<void> {
		while (this.line.length > 0) {
			const now = this.clock.now();
			for (const waiter of [...this.line]) if (waiter.options.deadline <= now) this.drop(waiter, 'timeout');
			if (this.line.length === 0) return;
			if (now >= this.probeAt) {
				if (!this.probeInAir && this.inAir < MAX_CREATES_IN_AIR) this.grantFront(true);
				// A refused probe moves this later (refusedAtLimit); the loop then wakes, finds it early, and sleeps on.
				this.probeAt = now + this.probeDelay();
			}
			const nextDeadline = Math.min(...this.line.map((waiter) => waiter.options.deadline));
			await this.clock.sleep(Math.max(PROBE.minMs, Math.min(this.probeAt, nextDeadline) - now));
		}
	}

	private probeDelay(): number {
		const front = this.line[0]?.options;
		return nextProbeDelay(this.refusedProbes, front?.intervalMs ?? 1000, front?.expectedMs);
	}
}

/** Every gate of the process, by account (base URL and a hash of the key, never the key) and model. */
export class AccountGates {
	private readonly gates = new Map<string, AccountGate>();

	constructor(private readonly clock: GateClock) {}

	for(baseUrl: string, apiKey: string, model: string): AccountGate {
		const keyHash = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
		const key = `${baseUrl} ${keyHash} ${model}`;
		let gate = this.gates.get(key);
		if (!gate) {
			this.sweep();
			gate = new AccountGate(this.clock);
			this.gates.set(key, gate);
		}
		return gate;
	}

	/** Forgets idle gates: those unused for a while, and the oldest idle ones past the cap. */
	private sweep(): void {
		const now = this.clock.now();
		for (const [key, gate] of this.gates) {
			if (gate.idle && (now - gate.lastUsedAt > IDLE_GATE_MS || this.gates.size >= MAX_GATES)) this.gates.delete(key);
		}
	}
}

/** The error of an item that never got a place at the account before its timeout. */
export function accountStayedFull(lastRefusal?: VideoError): VideoError {
	const why = lastRefusal?.message ?? 'The account was at its concurrency limit';
	return new VideoError(`${why}. No task was created: the account stayed at its concurrency limit until the timeout`, {
		kind: 'busy',
		apiCode: lastRefusal?.apiCode ?? '1302',
		httpCode: lastRefusal?.httpCode,
	});
}

/** The gates of every node of this package in this process. */
export const accountGates = new AccountGates({ now: () => Date.now(), sleep: async (ms) => await sleepUnlessCancelled(ms) });
