import { heldSlot, TaskPace } from '../../nodes/CogVideoX/pace';
import { GenerationTimes, nextPollDelay } from '../../nodes/CogVideoX/poll';

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

	it('lowers to one fewer than in flight on a 1302, and climbs back as creates go through', () => {
		const pace = new TaskPace(5);
		for (let i = 0; i < 4; i++) void pace.acquire();
		pace.lower();
		expect(pace.currentLimit).toBe(3);
		pace.created();
		pace.created();
		expect(pace.currentLimit).toBe(3);
		pace.created();
		expect(pace.currentLimit).toBe(4);
	});

	it('never goes below one', () => {
		const pace = new TaskPace(3);
		void pace.acquire();
		pace.lower();
		expect(pace.currentLimit).toBe(1);
	});

	it('a slot given back while waiting out a 1302 gets in line again behind the items already waiting', async () => {
		const pace = new TaskPace(2);
		await pace.acquire();
		await pace.acquire();
		const slot = heldSlot(pace);
		const order: string[] = [];
		const waiting = pace.acquire().then(() => order.push('waiting item'));
		pace.lower();
		expect(pace.currentLimit).toBe(1);
		slot.release();
		slot.release();
		const back = slot.reacquire().then((granted) => order.push(`slot again: ${granted}`));
		pace.release();
		await waiting;
		pace.release();
		await back;
		expect(order).toEqual(['waiting item', 'slot again: true']);
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

	it('expects the median generation time of the model within the run', () => {
		const times = new GenerationTimes();
		expect(times.expected('cogvideox-3')).toBeUndefined();
		[90, 300, 100].forEach((ms) => times.record('cogvideox-3', ms));
		expect(times.expected('cogvideox-3')).toBe(100);
		expect(times.expected('viduq1-text')).toBeUndefined();
	});
});
