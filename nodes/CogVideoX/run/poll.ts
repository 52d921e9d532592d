/**
 * Waits for a task: reads its state every interval until SUCCESS, FAIL or the deadline.
 * Transient read failures (gateway pages, 5xx, dropped connections, rate limits) never abandon a paid task:
 * the poller backs off and reads again until the deadline.
 */
import { jitter, sleepUnlessCancelled } from '../wait';

import { isTransient, VideoError } from '../api/errors';
import { settle } from '../settle';
import type { ApiClient, TaskResult } from '../api/transport';
import { getTaskResult } from '../api/transport';

export interface PollSettings {
	intervalMs: number;
	timeoutMs: number;
	/** When the task was created; the deadline and the expected finish count from here. */
	startedAt: number;
	/** How long this model's tasks took, if the process has seen one finish. */
	expectedMs?: number;
	/** Read the task at once: it was created long before (by an earlier try of the node) and may be done. */
	pollAtOnce?: boolean;
	/** Whether other items wait for the account's concurrency: then a finish seen late keeps one of them out. */
	contended?: () => boolean;
}

/**
 * The pause before the next poll. Until the process has seen the model finish, the plain interval. After that, no
 * poll before 80 % of the expected time, then half the interval up to 120 % of it, then the interval again. That
 * finds the finish faster with fewer polls than a fixed interval. While items wait for the account, every moment a
 * finished task goes unseen keeps one of them out: the first poll comes at 90 % of the expected time, then every
 * quarter interval, or every twentieth of the expected time if that is shorter.
 */
export function nextPollDelay(elapsedMs: number, intervalMs: number, expectedMs?: number, contended = false): number {
	if (!expectedMs) return intervalMs;
	const firstAt = (contended ? 0.9 : 0.8) * expectedMs;
	if (elapsedMs < firstAt) return firstAt - elapsedMs;
	if (elapsedMs < 1.2 * expectedMs) return contended ? Math.min(intervalMs / 4, expectedMs / 20) : intervalMs / 2;
	return intervalMs;
}

/**
 * Generation times seen in this process, per API and model: the median of the recent ones is the next task's
 * expected time. Shared by every execution of the process, so a worker's later executions poll well from their
 * first task. Bounded: the last SAMPLES times of at most MAX_MODELS models.
 */
export class GenerationTimes {
	static readonly SAMPLES = 25;
	static readonly MAX_MODELS = 200;
	private readonly seen = new Map<string, number[]>();

	record(model: string, ms: number): void {
		const list = this.seen.get(model) ?? [];
		this.seen.delete(model);
		if (this.seen.size >= GenerationTimes.MAX_MODELS) this.seen.delete(this.seen.keys().next().value as string);
		list.push(ms);
		if (list.length > GenerationTimes.SAMPLES) list.shift();
		this.seen.set(model, list);
	}

	expected(model: string): number | undefined {
		const list = this.seen.get(model);
		if (!list?.length) return undefined;
		const sorted = [...list].sort((a, b) => a - b);
		return sorted[Math.floor(sorted.length / 2)];
	}
}

/** The generation times of every node of this package in this process. */
export const generationTimes = new GenerationTimes();

export interface FinishedTask extends TaskResult {
	polls: number;
	/** When the poll that saw SUCCESS returned. */
	finishedAt: number;
	/** When the last poll that still saw the task running was sent, if any. */
	lastRunningAt?: number;
}

/** When the task most likely finished: between the last poll that saw it running and the one that saw it done. */
export function estimatedFinish(task: FinishedTask): number {
	return task.lastRunningAt === undefined ? task.finishedAt : (task.lastRunningAt + task.finishedAt) / 2;
}

const STILL_RUNNING = new Set(['PROCESSING', 'SUBMITTED', 'QUEUED', 'RUNNING']);

/**
 * Answers without a task_status in a row before the wait ends. One may be a glitch; a task whose answers keep
 * carrying none is not one the API knows, and waiting for the timeout would only hide that.
 */
export const MAX_ANSWERS_WITHOUT_STATUS = 3;

/** The error of a task the API does not report on: its answers carry no status, or it says the task is unknown. */
export function notReported(taskId: string, why: string): VideoError {
	return new VideoError(`The API does not report on this task: ${why}. Check the task ID, or run Get Result with it later`, {
		kind: 'notFound',
		taskId,
	});
}

/** The error of an answer without a task_status: with the API's words where it gave some. */
export function withoutStatusError(taskId: string, apiMessage?: string, answers = 1): VideoError {
	if (apiMessage) return notReported(taskId, `it answered "${apiMessage}" with no task status`);
	return notReported(taskId, answers > 1 ? `${answers} answers in a row carried no task status` : 'its answer carried no task status');
}

/** Longest pause after repeated read failures; keeps a flapping gateway from being hammered. */
const MAX_FAILURE_BACKOFF_MS = 30_000;

/** The error of a task that ended in FAIL, with the reason the API gave, if any. */
export function taskFailed(result: TaskResult, taskId: string): VideoError {
	const reason = result.failReason ? `: ${result.failReason}` : ' without giving a reason';
	return new VideoError(`The video generation failed${reason}`, { kind: 'taskFailed', taskId });
}

export async function waitForTask(client: ApiClient, taskId: string, settings: PollSettings): Promise<FinishedTask> {
	const deadline = settings.startedAt + settings.timeoutMs;
	let polls = 0;
	let failuresInARow = 0;
	let lastProblem = '';
	let lastRunningAt: number | undefined;
	let withoutStatus = 0;
	for (;;) {
		const planned =
			polls === 0 && settings.pollAtOnce
				? 0
				: failuresInARow === 0
				? nextPollDelay(Date.now() - settings.startedAt, settings.intervalMs, settings.expectedMs, settings.contended?.())
				: jitter(Math.min(settings.intervalMs * 2 ** failuresInARow, MAX_FAILURE_BACKOFF_MS));
		const pause = Math.min(planned, Math.max(0, deadline - Date.now()));
		await sleepUnlessCancelled(pause, client.signal);
		polls++;
		const sentAt = Date.now();
		const read = await settle(getTaskResult(client, taskId));
		if (!read.ok) {
			const error = read.error;
			if (error instanceof VideoError && error.kind === 'notFound') throw notReported(taskId, error.message);
			if (!isTransient(error) || Date.now() >= deadline) throw error;
			failuresInARow++;
			lastProblem = ` The last check failed: ${error.message}.`;
			continue;
		}
		failuresInARow = 0;
		const result = read.value;
		if (result.status === undefined) {
			// An answer that says why (an error in a 200) is final; a bare one may be a glitch, so a few are allowed.
			if (result.apiMessage || ++withoutStatus >= MAX_ANSWERS_WITHOUT_STATUS) throw withoutStatusError(taskId, result.apiMessage, withoutStatus);
			continue;
		}
		withoutStatus = 0;
		if (result.status === 'SUCCESS') return { ...result, polls, finishedAt: Date.now(), lastRunningAt };
		if (result.status === 'FAIL') throw taskFailed(result, taskId);
		lastRunningAt = sentAt;
		if (!STILL_RUNNING.has(result.status)) {
			throw new VideoError(`The API reported an unknown task status "${result.status}"`, { kind: 'other', taskId });
		}
		if (Date.now() >= deadline) {
			throw new VideoError(
				`The task did not finish within ${Math.round(settings.timeoutMs / 100) / 10} s. It may still finish: run Get Result with its task id later.${lastProblem}`,
				{ kind: 'other', taskId },
			);
		}
	}
}
