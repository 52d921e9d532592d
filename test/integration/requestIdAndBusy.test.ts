/**
 * What a scheduled batch needs from the node (the content calendar): a request ID the workflow keeps in its row
 * before the create is sent, so that a run that died before it saw the task sends the same request again and never
 * pays twice; and a submit that never waits for room at the account, so each tick lasts seconds.
 */
import { runError, runNode, standinsOfThisFile } from './run';

const standin = standinsOfThisFile();

const submit = (requestId: string, more: Record<string, unknown> = {}) => ({ waitForCompletion: false, options: { requestId, ...more } });

describe('Options › Request ID', () => {
	it('sends the request ID the workflow gives, and returns it on the item', async () => {
		const api = await standin();
		const { items } = await runNode(api, { ...submit('calendar-row-17-1'), waitForCompletion: true });
		const task = api.tasks.get(items[0].json.taskId as string)!;
		expect(task.requestId).toBe('calendar-row-17-1');
		expect(items[0].json.requestId).toBe('calendar-row-17-1');
	});

	it('refuses a request ID the API would not take, and two items with one request ID, before any call', async () => {
		const api = await standin();
		for (const bad of ['abc', 'x'.repeat(65), 'row 17', 'row/17']) {
			const error = await runError(api, submit(bad));
			expect(error.message).toBe(
				`Options › Request ID: "${bad}" is not a request ID the API takes: 6 to 64 characters of letters, digits, "-", "_", "." and ":"`,
			);
		}
		const error = await runError(api, { waitForCompletion: false, options: (i: number) => ({ requestId: i === 2 ? 'row-1-a' : `row-${i}-a` }) }, {
			items: [{ json: {} }, { json: {} }, { json: {} }],
		});
		expect(error.message).toBe('Options › Request ID: items 1 and 2 both have "row-1-a"; each item needs a request ID of its own');
		expect(api.apiRequests).toEqual([]);
	});

	describe('a run that died between the create and writing down its task, run again with the same request ID', () => {
		it('gets the same task where the API answers a repeated request ID with it: one task', async () => {
			const api = await standin({ duplicateRequest: 'existingTask' });
			const { items: first } = await runNode(api, submit('calendar-row-3-1'));
			const { items: again } = await runNode(api, submit('calendar-row-3-1'));
			expect(again[0].json.taskId).toBe(first[0].json.taskId);
			expect(api.tasks.size).toBe(1);
		});

		it('finds the task by its request ID where the API answers 1231 and allows that: one task', async () => {
			const api = await standin({ findByRequestId: true });
			const { items: first } = await runNode(api, submit('calendar-row-4-1'));
			const { items: again } = await runNode(api, submit('calendar-row-4-1'));
			expect(api.tasks.size).toBe(1);
			expect(again[0].json.taskId).toBe(first[0].json.taskId);
			expect(api.tasks.get(again[0].json.taskId as string)?.requestId).toBe('calendar-row-4-1');
		});

		it('where the API answers 1231 and finds nothing, fails the item with where to find the charge: still one task', async () => {
			const api = await standin();
			await runNode(api, submit('calendar-row-5-1'));
			const error = await runError(api, submit('calendar-row-5-1'));
			expect(api.tasks.size).toBe(1);
			expect(error.message).toMatch(
				/^The API says this request was already submitted, but its task could not be found\. A cogvideox-3 task may have been created and charged: look for a cogvideox-3 charge \(request ID calendar-row-5-1\) in the billing records of the Zhipu platform console that issued the API key before running this item again$/,
			);
		});
	});
});

describe('Options › When the Account Is Busy: Return the Item Without a Task', () => {
	it('gives back the items the account has no room for, at once, with status NOT_SUBMITTED and their request IDs; a later run sends them', async () => {
		const api = await standin({ concurrencyLimit: 2, generationMs: 20_000 });
		const items = [0, 1, 2, 3].map((row) => ({ json: { requestId: `calendar-row-${row}-1` } }));
		const options = (requestIds: string[]) => (i: number) => ({ requestId: requestIds[i], whenAccountBusy: 'returnWithoutTask', maxConcurrency: 4 });
		const started = Date.now();
		const { items: out } = await runNode(api, { waitForCompletion: false, options: options(items.map((item) => item.json.requestId)) }, { items });
		expect(Date.now() - started).toBeLessThan(5000);
		const submitted = out.filter((item) => item.json.status === 'PROCESSING');
		const returned = out.filter((item) => item.json.status === 'NOT_SUBMITTED');
		expect(submitted).toHaveLength(2);
		expect(returned).toHaveLength(2);
		for (const item of returned) {
			expect(item.json.taskId).toBeUndefined();
			expect(item.json.requestId).toMatch(/^calendar-row-\d-1$/);
			expect(item.json.reason).toMatch(/No task was created: send this item again later, with the same request ID$/);
		}
		expect(out.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(api.tasks.size).toBe(2);

		// The two tasks finish (a Get Result sees them done), which frees the account for the two items given back.
		api.setGenerationMs(50);
		for (const task of api.tasks.values()) task.finishAt = Date.now();
		await runNode(api, { operation: 'getResult', taskId: submitted.map((item) => item.json.taskId).join(','), waitForCompletion: false, options: { download: false } });
		const again = returned.map((item) => String(item.json.requestId));
		const { items: later } = await runNode(api, { waitForCompletion: false, options: options(again) }, { items: again.map((requestId) => ({ json: { requestId } })) });
		expect(later.map((item) => item.json.status)).toEqual(['PROCESSING', 'PROCESSING']);
		expect(api.tasks.size).toBe(4);
	});

	it('an overloaded API (1305) gives the item back too; the default still waits and sends again', async () => {
		const api = await standin();
		api.injectFault({ on: 'create', status: 429, code: '1305', message: 'overloaded' });
		const { items } = await runNode(api, { waitForCompletion: false, options: { whenAccountBusy: 'returnWithoutTask' } });
		expect(items[0].json).toMatchObject({ status: 'NOT_SUBMITTED', model: 'cogvideox-3' });
		expect(api.tasks.size).toBe(0);
		api.injectFault({ on: 'create', status: 429, code: '1305', message: 'overloaded' });
		const { items: waited } = await runNode(api, { waitForCompletion: false });
		expect(waited[0].json.status).toBe('PROCESSING');
		expect(api.createCalls()).toBe(3);
	});
});
