/**
 * A promise's outcome as a value. Retry loops look at a failure and decide what to throw outside any catch block,
 * so that every error that leaves an item is turned into n8n's NodeApiError or NodeOperationError in one place
 * (execute.ts) and never re-thrown raw from a catch.
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
	return await promise.then(
		(value): Settled<T> => ({ ok: true, value }),
		(error: unknown): Settled<T> => ({ ok: false, error }),
	);
}
