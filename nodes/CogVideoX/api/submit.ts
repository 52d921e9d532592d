/**
 * Creating a task within the run's pace, so that no failure can make a second paid task out of one item.
 * - Every create passes the account's gate (accountGate.ts), which the process's executions share. A 1302 (the
 *   account's concurrency limit) puts the item back at the front of its line until a place frees; 1303 (rate) and
 *   1305 (overload) are waited out with jittered, growing pauses. Either way the same request_id is sent again, until
 *   the item's deadline.
 * - No answer at all (a timeout, a dropped connection) may mean the task was made: the create is sent again with
 *   the same request_id, which the API takes as the same request. If it answers 1231 (duplicate), the task is
 *   looked up by its request_id (no document promises that this works); if it cannot be found, the error says that
 *   a task may exist and gives what the user needs to find it in the platform's console.
 * - Every other refusal is final: retrying it could only waste money or time.
 * The body is built anew for each send and dropped before any wait: with inline images it can be megabytes, and
 * a run of many items must not hold one per item while they wait for a place.
 */
import type { IDataObject } from 'n8n-workflow';
import { jitter, sleepUnlessCancelled } from '../wait';

import { billingRecordsOf } from './baseUrl';
import { VideoError } from './errors';
import type { AccountGate, Entry, WaitOptions } from './accountGate';
import { accountStayedFull } from './accountGate';
import type { PaceSlot } from '../run/pace';
import type { Claim } from '../run/taskLedger';
import type { ApiClient, CreatedTask } from './transport';
import { settle } from '../settle';
import { createTask, getTaskResult } from './transport';

export const BUSY_BACKOFF = { firstMs: 1000, maxMs: 30_000 };

/** Create calls without an answer before the item gives up: a dead network should not hold a run for long. */
export const MAX_UNANSWERED_CREATES = 3;

/** One item's create request. */
export interface CreateRequest {
	requestId: string;
	model: string;
	/** When the first create with this request_id was sent (by this try of the node, or an earlier one). */
	firstSentAt: number;
	/** The workflow supplied the request_id (Options › Request ID): an earlier run may have sent it. */
	supplied?: boolean;
	/** Builds the body, request_id included, for one send. */
	body: () => Promise<IDataObject & { request_id: string }>;
	/**
	 * Called once, with the first body built, right before the first send (the task ledger marks the item then). It
	 * may say that an earlier run sent this request ID already: the task is then looked up, as after a 1231, and the
	 * error it gives is the item's if the lookup finds nothing.
	 */
	claim?: () => Promise<Claim>;
	/** An earlier try of the node sent this request_id and got no answer: a 1231 now means that its task exists. */
	sentBefore?: boolean;
}

export interface Submitted extends CreatedTask {
	/** Create calls it took: 1 unless the API was busy or did not answer. */
	attempts: number;
	/** The task was found by its request ID: an earlier send of it made the task. */
	found?: boolean;
}

/**
 * A repeated create answered 1231: the first one made the task. Finds it by its request_id, if the API allows, under
 * the task id the answer gives (else the request_id, by which the API found it).
 */
async function findDuplicate(client: ApiClient, requestId: string): Promise<CreatedTask | undefined> {
	const read = await settle(getTaskResult(client, requestId));
	return read.ok && read.value.status ? { taskId: read.value.id ?? requestId, requestId, status: read.value.status } : undefined;
}

/** The first send's answer when the ledger says an earlier run sent this request ID: nothing was sent. */
interface NotSent {
	sentBefore: VideoError;
}

/** The error of a create that may have made a task the node cannot find: what the user needs to find it. */
function mayExist(error: VideoError, client: ApiClient, request: CreateRequest, why: string): VideoError {
	// A supplied request_id may have been sent by an earlier run, at a time this run does not know.
	const when = request.supplied && !request.sentBefore ? '' : ` at ${new Date(request.firstSentAt).toISOString()}`;
	error.message =
		`${why}. A ${request.model} task may have been created and charged: look for a ${request.model} charge${when} ` +
		`(request ID ${request.requestId}) in ${billingRecordsOf(client.baseUrl)} before running this item again`;
	error.taskMayExist = true;
	return error;
}

/** Where the item queues for the account's concurrency, and how it paces its probes. */
export interface AccountLine {
	gate: AccountGate;
	intervalMs: number;
	expectedMs?: number;
	/** Ends the wait for a place: the execution was cancelled, or the run is failing and starts no new task. */
	stop?: AbortSignal;
	/**
	 * When the account is busy (full, rate-limited or overloaded), give the item up without a task instead of waiting
	 * and sending again (Options › When the Account Is Busy). Only while no send of it went unanswered: then no
	 * task can exist for it.
	 */
	returnWhenBusy?: boolean;
	/** Shared by the items of one run: the busy answer one of them met, so the others give up before they send. */
	busy?: { answer?: VideoError };
}

/** The error of an item given back without a task because the account was busy and the item does not wait. */
export function notSubmitted(busy?: VideoError): VideoError {
	const why = busy?.message ?? 'The account is at its concurrency limit';
	return new VideoError(`${why}. No task was created: send this item again later, with the same request ID`, { kind: 'notSubmitted', apiCode: busy?.apiCode, httpCode: busy?.httpCode });
}

export async function submitTask(client: ApiClient, request: CreateRequest, slot: PaceSlot, deadline: number, line: AccountLine): Promise<Submitted> {
	const { requestId } = request;
	let unanswered = 0;
	/** Whether the item may be given back without a task now: it asked for it, and no send of it went unanswered. */
	const mayReturn = () => line.returnWhenBusy === true && unanswered === 0 && !request.sentBefore;
	const waitFor = (): WaitOptions => ({ deadline, signal: line.stop, intervalMs: line.intervalMs, expectedMs: line.expectedMs, unlessFull: mayReturn() });
	/** Pauses taken for answers other than 1302 (which waits in the account's line instead), for the backoff. */
	let pauses = 0;
	let lastBusy: VideoError | undefined;
	/** The error of an item that gives up: whether a task may exist decides what the user must do. */
	const givenUp = (error: VideoError, attempts: number): VideoError => {
		if (unanswered > 0) return mayExist(error, client, request, `The Zhipu API did not answer the create request (${unanswered} of ${attempts} tries)`);
		if (request.sentBefore) return mayExist(error, client, request, `${error.message}. An earlier try of this node sent this request and got no answer`);
		return error;
	};
	let entry: Entry = await line.gate.enter(waitFor());
	for (let attempt = 1; ; attempt++) {
		if (entry === 'cancelled') {
			const stopped = new VideoError('The run stopped before this item could create its task', { kind: 'other' });
			if (unanswered > 0 || request.sentBefore) throw mayExist(stopped, client, request, stopped.message);
			stopped.message = `${stopped.message}; no task was created`;
			throw stopped;
		}
		if (entry === 'full') throw notSubmitted(lastBusy);
		if (entry === 'timeout') throw givenUp(accountStayedFull(lastBusy), attempt - 1);
		const ticket = entry;
		if (line.busy?.answer && mayReturn()) {
			ticket.withdraw();
			throw notSubmitted(line.busy.answer);
		}
		const attemptResult = await settle(
			request.body().then(async (body): Promise<CreatedTask | NotSent> => {
				const claim = attempt === 1 && request.claim ? await request.claim() : 'send';
				return claim === 'send' ? await createTask(client, body) : claim;
			}),
		);
		const answer = attemptResult.ok ? attemptResult.value : undefined;
		if (answer && !('sentBefore' in answer)) {
			ticket.created();
			slot.account = ticket;
			return { ...answer, attempts: attempt };
		}
		const notSent = answer?.sentBefore;
		const error = attemptResult.ok ? notSent : attemptResult.error;
		if (!(error instanceof VideoError)) {
			ticket.withdraw();
			throw error;
		}
		if (notSent || error.apiCode === '1231') {
			// An earlier send of this request ID made the task (the API makes one per request ID): look it up.
			const found = await findDuplicate(client, requestId);
			if (found) {
				ticket.created();
				slot.account = ticket;
				return { ...found, attempts: attempt, found: true };
			}
			ticket.withdraw();
			throw notSent ?? mayExist(error, client, request, 'The API says this request was already submitted, but its task could not be found');
		}
		if (error.kind === 'network') {
			unanswered++;
		} else if (error.kind !== 'busy') {
			ticket.withdraw();
			throw error;
		}
		if (error.kind === 'busy' && mayReturn()) {
			ticket.withdraw();
			if (line.busy) line.busy.answer = error;
			throw notSubmitted(error);
		}
		if (error.apiCode === '1302' && unanswered < MAX_UNANSWERED_CREATES) {
			// The account is full: wait in the item's place in the account's line, not on a timer of its own.
			lastBusy = error;
			entry = await ticket.refusedAtLimit(waitFor());
			continue;
		}
		ticket.withdraw();
		const pause = jitter(Math.min(BUSY_BACKOFF.firstMs * 2 ** pauses++, BUSY_BACKOFF.maxMs));
		if (unanswered >= MAX_UNANSWERED_CREATES || Date.now() + pause > deadline) {
			if (unanswered === 0 && !request.sentBefore) error.message = `${error.message}. No task was created: the API stayed busy until the timeout`;
			throw givenUp(error, attempt);
		}
		await sleepUnlessCancelled(pause, client.signal);
		entry = await line.gate.enter(waitFor());
	}
}
