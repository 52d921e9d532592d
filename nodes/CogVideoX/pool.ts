/**
 * Runs work for many items with at most `limit` in flight. The pool lives in one execute() call:
 * nothing is shared between executions, so two runs of a workflow never share a limit or a queue.
 */
export async function runPool<T>(
	items: readonly T[],
	limit: number,
	shouldStart: () => boolean,
	worker: (item: T) => Promise<void>,
): Promise<void> {
	let next = 0;
	const lane = async () => {
		while (next < items.length && shouldStart()) {
			const item = items[next++];
			await worker(item);
		}
	};
	const lanes = Math.max(1, Math.min(limit, items.length));
	await Promise.all(Array.from({ length: lanes }, lane));
}
