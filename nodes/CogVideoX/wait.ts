/**
 * Pauses between polls and retries that end at once when the execution is cancelled, on every n8n this package
 * supports. The host n8n lends its own n8n-workflow: `sleepWithAbort` exists only up to n8n 2.x's early releases,
 * and `sleep(ms, signal)` takes the signal only in later ones, so the signal is also watched here.
 */
import { sleep } from 'n8n-workflow';

const sleepFor = sleep as (ms: number, signal?: AbortSignal) => Promise<void>;

/** Full jitter on the upper half, so many items backing off at once do not return at once. */
export function jitter(ms: number): number {
	return Math.round(ms / 2 + Math.random() * (ms / 2));
}

export async function sleepUnlessCancelled(ms: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await sleepFor(ms);
	await new Promise<void>((resolve, reject) => {
		const cancelled = () => reject(new Error('The execution was cancelled'));
		if (signal.aborted) return cancelled();
		signal.addEventListener('abort', cancelled, { once: true });
		sleepFor(ms, signal)
			.then(resolve, reject)
			.finally(() => signal.removeEventListener('abort', cancelled));
	});
}
