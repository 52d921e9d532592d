/**
 * Waits for a task: reads its state every interval until SUCCESS, FAIL or the deadline.
 * Transient read failures (gateway pages, 5xx, dropped connections, rate limits) never abandon a paid task:
 * the poller backs off and reads again until the deadline.
 */
import { jitter, sleepUnlessCancelled } from './wait';

import { isTransient, VideoError } from './errors';
import { settle } from './settle';
import type { ApiClient, TaskResult } from './transport';
import { getTaskResult } from './transport';

export interface PollSettings {
	intervalMs: number;
	timeoutMs: number;
	/** When the task was created; the deadline and the expected finish count from here. */
	startedAt: number;
	/** How long this model's tasks took earlier in the same run, if any finished yet. */
	expectedMs?: number;
	/** Read the task at once: it was created long before (by an earlier try of the node) and may be done. */
	pollAtOnce?: boolean;
}

/**
 * The pause before the next poll. Until the run has seen the model finish, the plain interval. After that, no poll
 * before 80 % of the expected time, half the interval up to 120 % of it (so the finish is seen sooner), then the
 * interval again. That finds the finish faster with fewer polls than a fixed interval.
 */
export function nextPollDelay(elapsedMs: number, intervalMs: number, expectedMs?: number): number {
	if (!expectedMs) return intervalMs;
	if (elapsedMs < 0.8 * expectedMs) return 0.8 * expectedMs - elapsedMs;
	if (elapsedMs < 1.2 * expectedMs) return intervalMs / 2;
	return intervalMs;
}

/** Generation times seen in one execution, per model: the median is the next task's expected time. */
export class GenerationTimes {
	private readonly seen = new Map<string, number[]>();

	record(model: string, ms: number): void {
		const list = this.seen.get(model) ?? [];
		list.push(ms);
		list.sort((a, b) => a - b);
		this.seen.set(model, list);
	}

	expected(model: string): number | undefined {
		const list = this.seen.get(model);
		return list?.length ? list[Math.floor(list.length / 2)] : undefined;
	}
}

export interface FinishedTask extends TaskResult {
	polls: number;
	/** When the poll that saw SUCCESS returned. */
	finishedAt: number;
}

const STILL_RUNNING = new Set(['PROCESSING', 'SUBMITTED', 'QUEUED', 'RUNNING', 'UNKNOWN']);

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
	for (;;) {
		const planned =
			polls === 0 && settings.pollAtOnce
				? 0
				: failuresInARow === 0
				? nextPollDelay(Date.now() - settings.startedAt, settings.intervalMs, settings.expectedMs)
				: jitter(Math.min(settings.intervalMs * 2 ** failuresInARow, MAX_FAILURE_BACKOFF_MS));
		const pause = Math.min(planned, Math.max(0, deadline - Date.now()));
		await sleepUnlessCancelled(pause, client.signal);
		polls++;
		const read = await settle(getTaskResult(client, taskId));
		if (!read.ok) {
			const error = read.error;
			if (!isTransient(error) || Date.now() >= deadline) throw error;
			failuresInARow++;
			lastProblem = ` The last check failed: ${error.message}.`;
			continue;
		}
		failuresInARow = 0;
		const result = read.value;
		if (result.status === 'SUCCESS') return { ...result, polls, finishedAt: Date.now() };
		if (result.status === 'FAIL') throw taskFailed(result, taskId);
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
