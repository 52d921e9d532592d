/**
 * Creating a task within the run's pace. Busy answers (1302 concurrency, 1303 rate, 1305 overload) are waited out
 * with jittered, growing pauses and the same request_id until the item's deadline; a 1302 also lowers the pace.
 * Every other refusal is final: retrying it blindly could only waste money or time.
 */
import { sleepWithAbort } from 'n8n-workflow';

import { VideoError } from './errors';
import type { TaskPace } from './pace';
import type { ApiClient, CreatedTask } from './transport';
import { createTask, jitter } from './transport';
import type { IDataObject } from 'n8n-workflow';

export const BUSY_BACKOFF = { firstMs: 1000, maxMs: 30_000 };

export interface Submitted extends CreatedTask {
	/** Create calls it took: 1 unless the API was busy. */
	attempts: number;
}

export async function submitTask(
	client: ApiClient,
	body: IDataObject & { request_id: string },
	pace: TaskPace,
	deadline: number,
): Promise<Submitted> {
	for (let attempt = 1; ; attempt++) {
		try {
			const created = await createTask(client, body);
			pace.created();
			return { ...created, attempts: attempt };
		} catch (error) {
			if (!(error instanceof VideoError) || error.kind !== 'busy') throw error;
			if (error.apiCode === '1302') pace.lower();
			const pause = jitter(Math.min(BUSY_BACKOFF.firstMs * 2 ** (attempt - 1), BUSY_BACKOFF.maxMs));
			if (Date.now() + pause > deadline) {
				error.message = `${error.message}. No task was created: the API stayed busy until the timeout`;
				throw error;
			}
			await sleepWithAbort(pause, client.signal);
		}
	}
}
