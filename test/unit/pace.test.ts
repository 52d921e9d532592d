import { heldSlot, TaskPace } from '../../nodes/CogVideoX/run/pace';
import type { FinishedTask } from '../../nodes/CogVideoX/run/poll';
import { estimatedFinish, GenerationTimes, nextPollDelay } from '../../nodes/CogVideoX/run/poll';

describe('TaskPace', () => {
	it('grants up to the limit, then first come first served as slots free', async () => {
		const pace = new TaskPace(2);
		const order: string[] = [];
		await pace.acquire();
		await pace.acquire();
		const third = pace.acquire().then(() => order.push('third'));
		const fourth = pace.acquire().then(() => order.push('fourth'));
		pace.release();
		await third;
		expect(order).toEqual(['third']);
		pace.release();
		await fourth;
		expect(order).toEqual(['third', 'fourth']);
	});

	it('a slot gives back its place in the pace and at the account once, however often it is released', async () => {
		const pace = new TaskPace(1);
		await pace.acquire();
		const slot = heldSlot(pace);
		const finished = jest.fn();
		slot.account = { created: jest.fn(), refusedAtLimit: jest.fn(), withdraw: jest.fn(), finished };
		const next = pace.acquire();
		slot.release();
		slot.release();
		await expect(next).resolves.toBe(true);
		expect(finished).toHaveBeenCalledTimes(1);
		// The second release gave nothing back: the pace is full again with the item that just started.
		let third = false;
		void pace.acquire().then(() => (third = true));
		await Promise.resolve();
		expect(third).toBe(false);
	});

	it('tells waiting items not to start once closed', async () => {
		const pace = new TaskPace(1);
		await pace.acquire();
		const waiting = pace.acquire();
		pace.close();
		await expect(waiting).resolves.toBe(false);
		await expect(pace.acquire()).resolves.toBe(false);
	});
});

describe('poll timing', () => {
	it('uses the plain interval until the run knows the model', () => {
		expect(nextPollDelay(0, 5000)).toBe(5000);
		expect(nextPollDelay(12_000, 5000)).toBe(5000);
	});

	it('waits until 80 % of the expected time, polls at half the interval to 120 %, then at the interval', () => {
		expect(nextPollDelay(0, 5000, 100_000)).toBe(80_000);
		expect(nextPollDelay(85_000, 5000, 100_000)).toBe(2500);
		expect(nextPollDelay(125_000, 5000, 100_000)).toBe(5000);
	});

	it('while items wait for the account: first at 90 % of the expected time, then every quarter interval or twentieth of the expected time', () => {
		expect(nextPollDelay(0, 5000, 100_000, true)).toBe(90_000);
		expect(nextPollDelay(95_000, 5000, 100_000, true)).toBe(1250);
		expect(nextPollDelay(125_000, 5000, 100_000, true)).toBe(5000);
		expect(nextPollDelay(2800, 1000, 3000, true)).toBe(150);
	});

	it("expects the median of the model's recent generation times", () => {
		const times = new GenerationTimes();
		expect(times.expected('cogvideox-3')).toBeUndefined();
		[90, 300, 100].forEach((ms) => times.record('cogvideox-3', ms));
		expect(times.expected('cogvideox-3')).toBe(100);
		expect(times.expected('viduq1-text')).toBeUndefined();
		// Only the recent ones count: the model got slower.
		for (let i = 0; i < GenerationTimes.SAMPLES; i++) times.record('cogvideox-3', 5000);
		expect(times.expected('cogvideox-3')).toBe(5000);
	});

	it('keeps at most MAX_MODELS models, forgetting the least recently seen', () => {
		const times = new GenerationTimes();
		for (let i = 0; i <= GenerationTimes.MAX_MODELS; i++) times.record(`model-${i}`, i + 1);
		expect(times.expected('model-0')).toBeUndefined();
		expect(times.expected(`model-${GenerationTimes.MAX_MODELS}`)).toBe(GenerationTimes.MAX_MODELS + 1);
	});

	it('a finish is placed between the last poll that saw the task running and the one that saw it done', () => {
		const base = { status: 'SUCCESS', polls: 3 } as const;
		expect(estimatedFinish({ ...base, finishedAt: 10_000, lastRunningAt: 9_000 } as FinishedTask)).toBe(9_500);
		expect(estimatedFinish({ ...base, finishedAt: 10_000 } as FinishedTask)).toBe(10_000);
	});
});
