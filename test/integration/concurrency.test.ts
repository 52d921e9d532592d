/** Many items at once: order, pairedItem, continueOnFail and the account's 1302 limit, asserted on behaviour, not on timings. */
import type { Standin, StandinTask } from '../standin/server';
import { startStandin } from '../standin/server';
import { runNode } from './run';

const opened: Standin[] = [];
afterAll(async () => Promise.all(opened.map((standin) => standin.close())));

async function standinWith(options: Parameters<typeof startStandin>[0]): Promise<Standin> {
	const standin = await startStandin(options);
	opened.push(standin);
	return standin;
}

/** The most tasks that were running at once, each from its create until the node saw it finished. */
function maxInFlight(tasks: StandinTask[]): number {
	const events = tasks.flatMap((task) => [
		{ at: task.createdAt, change: 1 },
		{ at: task.firstPollAfterDoneAt ?? task.finishAt, change: -1 },
	]);
	events.sort((a, b) => a.at - b.at || a.change - b.change);
	let current = 0;
	let max = 0;
	for (const event of events) max = Math.max(max, (current += event.change));
	return max;
}

const prompts = (count: number) => Array.from({ length: count }, (_, index) => `video ${index}`);
const itemsFor = (list: string[]) => list.map((prompt) => ({ json: { prompt } }));

describe('items in parallel', () => {
	it('keeps input order and pairedItem when later items finish first, with at most Max Concurrent Tasks in flight', async () => {
		// Earlier items take longer, so they finish last.
		const standin = await standinWith({ generationMsFor: (body) => 600 - 50 * Number(String(body.prompt).split(' ')[1]) });
		const list = prompts(10);
		const { items } = await runNode(
			standin,
			{ prompt: (i: number) => list[i], options: { pollInterval: 0.05, maxConcurrency: 4, download: false } },
			{ items: itemsFor(list) },
		);
		expect(items.map((item) => item.json.prompt)).toEqual(list);
		expect(items.map((item) => item.pairedItem)).toEqual(list.map((_, item) => ({ item })));
		const tasks = [...standin.tasks.values()];
		expect(tasks).toHaveLength(10);
		expect(maxInFlight(tasks)).toBeLessThanOrEqual(4);
		expect(maxInFlight(tasks)).toBeGreaterThan(1);
	});

	it('with Continue On Fail, a failed task lands on its own item; the others complete', async () => {
		const standin = await standinWith({ generationMs: 150 });
		standin.injectFault({ on: 'taskFail', reason: 'rejected by review' });
		const list = prompts(6);
		const { items } = await runNode(
			standin,
			{ prompt: (i: number) => list[i], options: { pollInterval: 0.05, maxConcurrency: 3, download: false } },
			{ items: itemsFor(list), continueOnFail: true },
		);
		expect(items.map((item) => item.pairedItem)).toEqual(list.map((_, item) => ({ item })));
		const failed = items.filter((item) => item.json.error);
		expect(failed).toHaveLength(1);
		const failedTask = standin.tasks.get(String(failed[0].json.taskId))!;
		expect(failedTask.status).toBe('FAIL');
		expect(failedTask.body.prompt).toBe(list[(failed[0].pairedItem as { item: number }).item]);
		expect(items.filter((item) => item.json.status === 'SUCCESS')).toHaveLength(5);
	});

	it('a 1302 from the account makes the item wait for a place, and the create is retried with the same request_id, never failing the item', async () => {
		const standin = await standinWith({ generationMs: 300, concurrencyLimit: 2 });
		const list = prompts(6);
		const { items } = await runNode(
			standin,
			{ prompt: (i: number) => list[i], options: { pollInterval: 0.05, maxConcurrency: 5, download: false } },
			{ items: itemsFor(list) },
		);
		expect(items.map((item) => item.json.status)).toEqual(list.map(() => 'SUCCESS'));
		expect(standin.concurrencyRefusals()).toBeGreaterThan(0);
		// Exactly one task per item, and every retry reused its item's request_id.
		expect(standin.tasks.size).toBe(6);
		const posts = standin.apiRequests.filter((request) => request.method === 'POST').map((request) => request.body as { request_id: string; prompt: string });
		const requestIdsByPrompt = new Map<string, Set<string>>();
		for (const post of posts) requestIdsByPrompt.set(post.prompt, (requestIdsByPrompt.get(post.prompt) ?? new Set()).add(post.request_id));
		expect([...requestIdsByPrompt.values()].every((ids) => ids.size === 1)).toBe(true);
	});

	it('executions at once share what the process learns of the account: every item done, one task each, fewer busy answers than tasks', async () => {
		const standin = await standinWith({ generationMs: 400, concurrencyLimit: 3 });
		const run = (tag: string) =>
			runNode(
				standin,
				{ prompt: (i: number) => `${tag} ${i}`, options: { pollInterval: 0.5, maxConcurrency: 5, download: false } },
				{ items: itemsFor(['a', 'b', 'c', 'd', 'e', 'f']) },
			);
		const runs = await Promise.all([run('first'), run('second'), run('third')]);
		for (const { items } of runs) expect(items.map((item) => item.json.status)).toEqual(Array(6).fill('SUCCESS'));
		expect(standin.tasks.size).toBe(18);
		expect(new Set([...standin.tasks.values()].map((task) => task.requestId)).size).toBe(18);
		// 15 items asked for a place at once against a limit of 3: each execution on its own would meet a 1302 on
		// nearly every try. Through the shared gate, fewer than one busy answer per task.
		expect(standin.concurrencyRefusals()).toBeLessThan(18);
	});

	it('two executions at once keep their own pace: neither limits the other', async () => {
		const standin = await standinWith({ generationMs: 400 });
		const run = (tag: string) =>
			runNode(
				standin,
				{ prompt: (i: number) => `${tag} ${i}`, options: { pollInterval: 0.05, maxConcurrency: 2, download: false } },
				{ items: itemsFor(['a', 'b', 'c', 'd']) },
			);
		await Promise.all([run('first'), run('second')]);
		const tasks = [...standin.tasks.values()];
		const of = (tag: string) => tasks.filter((task) => String(task.body.prompt).startsWith(tag));
		expect(maxInFlight(of('first'))).toBeLessThanOrEqual(2);
		expect(maxInFlight(of('second'))).toBeLessThanOrEqual(2);
		expect(maxInFlight(tasks)).toBeGreaterThan(2);
	});
});
