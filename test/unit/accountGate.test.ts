import type { AccountTicket, Entry, GateClock } from '../../nodes/CogVideoX/api/accountGate';
import { AccountGate, AccountGates, MAX_CREATES_IN_AIR, nextProbeDelay, PROBE } from '../../nodes/CogVideoX/api/accountGate';

/** A clock whose sleeps end only when the test moves time on. */
class FakeClock implements GateClock {
	private time = 1_000_000;
	private sleepers: Array<{ until: number; wake: () => void }> = [];

	now(): number {
		return this.time;
	}

	async sleep(ms: number): Promise<void> {
		await new Promise<void>((wake) => this.sleepers.push({ until: this.time + ms, wake }));
	}

	/** Moves time on, waking each sleeper whose time came, in order, and letting the woken code run. */
	async advance(ms: number): Promise<void> {
		const end = this.time + ms;
		for (;;) {
			await settleMicrotasks();
			const due = this.sleepers.filter((sleeper) => sleeper.until <= end).sort((a, b) => a.until - b.until)[0];
			if (!due) break;
			this.time = Math.max(this.time, due.until);
			this.sleepers = this.sleepers.filter((sleeper) => sleeper !== due);
			due.wake();
		}
		this.time = end;
		await settleMicrotasks();
	}
}

async function settleMicrotasks(): Promise<void> {
	for (let i = 0; i < 20; i++) await Promise.resolve();
}

const INTERVAL = 1000;

/** An item waiting for the account, with what it got so far. */
function wait(gate: AccountGate, clock: FakeClock, options: { deadlineIn?: number; signal?: AbortSignal; unlessFull?: boolean } = {}) {
	const item: { entry?: Entry } = {};
	const { signal, unlessFull } = options;
	void gate.enter({ deadline: clock.now() + (options.deadlineIn ?? 600_000), intervalMs: INTERVAL, signal, unlessFull }).then((entry) => (item.entry = entry));
	return item;
}

const ticketOf = (item: { entry?: Entry }): AccountTicket => {
	if (!item.entry || typeof item.entry === 'string') throw new Error(`no place: ${String(item.entry)}`);
	return item.entry;
};

describe('AccountGate: one account and model, shared by every execution of the process', () => {
	let clock: FakeClock;
	let gate: AccountGate;
	beforeEach(() => {
		clock = new FakeClock();
		gate = new AccountGate(clock);
	});

	it('an item that does not wait for running tasks is turned back once the account is known full, and is let in while nothing runs', async () => {
		const [first, second] = [wait(gate, clock), wait(gate, clock)];
		await settleMicrotasks();
		ticketOf(first).created();
		const refused = ticketOf(second).refusedAtLimit({ deadline: clock.now() + 600_000, intervalMs: INTERVAL });
		await settleMicrotasks();
		expect(gate.state).toMatchObject({ running: 1, limit: 1, waiting: 1 });
		const hurried = wait(gate, clock, { unlessFull: true });
		await settleMicrotasks();
		expect(hurried.entry).toBe('full');
		// The process waits for no task: it cannot tell whether the account is full, so the item may try.
		ticketOf(first).finished();
		await settleMicrotasks();
		const entry = await refused;
		ticketOf({ entry }).withdraw();
		const tries = wait(gate, clock, { unlessFull: true });
		await settleMicrotasks();
		expect(typeof tries.entry).toBe('object');
	});

	it(`until the first 1302, lets ${MAX_CREATES_IN_AIR} creates into the air at once and no limit on tasks`, async () => {
		const items = Array.from({ length: 8 }, () => wait(gate, clock));
		await settleMicrotasks();
		expect(items.filter((item) => item.entry).length).toBe(MAX_CREATES_IN_AIR);
		for (let answered = 0; answered < 8; answered++) {
			ticketOf(items[answered]).created();
			await settleMicrotasks();
		}
		expect(items.every((item) => item.entry)).toBe(true);
		expect(gate.state).toMatchObject({ running: 8, inAir: 0, limit: undefined, waiting: 0 });
	});

	it('a 1302 sets the limit to the tasks the process holds; the refused item waits first in line for a task of the process to finish', async () => {
		const first = Array.from({ length: 3 }, () => wait(gate, clock));
		await settleMicrotasks();
		first.forEach((item) => ticketOf(item).created());
		const refused = wait(gate, clock);
		const later = wait(gate, clock);
		await settleMicrotasks();
		const again: { entry?: Entry } = {};
		void ticketOf(refused).refusedAtLimit({ deadline: clock.now() + 600_000, intervalMs: INTERVAL }).then((entry) => (again.entry = entry));
		await settleMicrotasks();
		expect(gate.state).toMatchObject({ running: 3, limit: 3 });
		// `later` went into the air before the refusal came back; it is refused too and queues behind.
		const laterAgain: { entry?: Entry } = {};
		void ticketOf(later).refusedAtLimit({ deadline: clock.now() + 600_000, intervalMs: INTERVAL }).then((entry) => (laterAgain.entry = entry));
		await settleMicrotasks();
		expect(again.entry).toBeUndefined();
		ticketOf(first[0]).finished();
		await settleMicrotasks();
		expect(again.entry).toBeDefined();
		expect(laterAgain.entry).toBeUndefined();
		expect(gate.state).toMatchObject({ running: 2, inAir: 1, waiting: 1 });
	});

	it('probes for room while items wait: after half an interval, twice as long after a refusal, at once after a probe that went through', async () => {
		const held = wait(gate, clock);
		await settleMicrotasks();
		ticketOf(held).created();
		// Two items refused at the limit wait in line.
		const a = wait(gate, clock);
		const b = wait(gate, clock);
		await settleMicrotasks();
		const options = { deadline: clock.now() + 600_000, intervalMs: INTERVAL };
		const aAgain: { entry?: Entry } = {};
		const bAgain: { entry?: Entry } = {};
		void ticketOf(a).refusedAtLimit(options).then((entry) => (aAgain.entry = entry));
		void ticketOf(b).refusedAtLimit(options).then((entry) => (bAgain.entry = entry));
		await settleMicrotasks();
		expect(gate.state).toMatchObject({ limit: 1, waiting: 2 });

		await clock.advance(INTERVAL / 2 - 10);
		expect(aAgain.entry).toBeUndefined();
		await clock.advance(20);
		expect(aAgain.entry).toBeDefined(); // the first probe
		// Refused: the next probe comes after a whole interval.
		const aThird: { entry?: Entry } = {};
		void ticketOf(aAgain).refusedAtLimit(options).then((entry) => (aThird.entry = entry));
		await clock.advance(INTERVAL - 20);
		expect(aThird.entry).toBeUndefined();
		await clock.advance(40);
		expect(aThird.entry).toBeDefined();
		// This probe goes through: the limit rises, and the next item is sent at once.
		ticketOf(aThird).created();
		await settleMicrotasks();
		expect(gate.state.limit).toBe(2);
		expect(bAgain.entry).toBeDefined();
	});

	it('an item that waits past its deadline is told so, and a cancelled one leaves the line at once', async () => {
		const held = wait(gate, clock);
		await settleMicrotasks();
		ticketOf(held).created();
		const refused = wait(gate, clock);
		await settleMicrotasks();
		const controller = new AbortController();
		const timedOut: { entry?: Entry } = {};
		void ticketOf(refused).refusedAtLimit({ deadline: clock.now() + 200, intervalMs: 60_000 }).then((entry) => (timedOut.entry = entry));
		const cancelled = wait(gate, clock, { signal: controller.signal });
		await settleMicrotasks();
		expect(gate.state.waiting).toBe(2);
		controller.abort();
		await settleMicrotasks();
		expect(cancelled.entry).toBe('cancelled');
		await clock.advance(250);
		expect(timedOut.entry).toBe('timeout');
		expect(gate.state).toMatchObject({ waiting: 0, running: 1 });
		expect(await gate.enter({ deadline: clock.now() + 1000, intervalMs: INTERVAL, signal: controller.signal })).toBe('cancelled');
	});

	it('a create withdrawn for another reason (1305, a network error) gives its place back without changing the limit', async () => {
		const items = Array.from({ length: MAX_CREATES_IN_AIR + 1 }, () => wait(gate, clock));
		await settleMicrotasks();
		expect(items[MAX_CREATES_IN_AIR].entry).toBeUndefined();
		ticketOf(items[0]).withdraw();
		await settleMicrotasks();
		expect(items[MAX_CREATES_IN_AIR].entry).toBeDefined();
		expect(gate.state.limit).toBeUndefined();
	});
});

describe('nextProbeDelay', () => {
	it('starts at half the poll interval and doubles up to half the generation time', () => {
		expect(nextProbeDelay(0, 1000, 3000)).toBe(500);
		expect(nextProbeDelay(1, 1000, 3000)).toBe(1000);
		expect(nextProbeDelay(5, 1000, 3000)).toBe(1500);
		expect(nextProbeDelay(10, 5000, 120_000)).toBe(60_000);
		expect(nextProbeDelay(10, 5000, 600_000)).toBe(PROBE.maxMs);
	});

	it('without a known generation time, goes up to two intervals', () => {
		expect(nextProbeDelay(10, 5000)).toBe(10_000);
	});
});

describe('AccountGates', () => {
	it('one gate per base URL, key and model; the key itself is not kept', () => {
		const gates = new AccountGates(new FakeClock());
		const a = gates.for('https://open.bigmodel.cn/api/paas/v4', 'id.secret-one', 'cogvideox-3');
		expect(gates.for('https://open.bigmodel.cn/api/paas/v4', 'id.secret-one', 'cogvideox-3')).toBe(a);
		expect(gates.for('https://open.bigmodel.cn/api/paas/v4', 'id.secret-one', 'viduq1-text')).not.toBe(a);
		expect(gates.for('https://open.bigmodel.cn/api/paas/v4', 'id.secret-two', 'cogvideox-3')).not.toBe(a);
		expect(gates.for('https://api.z.ai/api/paas/v4', 'id.secret-one', 'cogvideox-3')).not.toBe(a);
		expect(JSON.stringify([...(gates as unknown as { gates: Map<string, unknown> }).gates.keys()])).not.toContain('secret');
	});
});
