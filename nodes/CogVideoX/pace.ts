/**
 * How many of one execution's tasks may be in flight at once. It starts at the node's Max Concurrent Tasks and
 * drops when the API answers a create with 1302 (the account's concurrency limit), then creeps back up as creates
 * go through. One instance per execute() call: two executions never share it.
 */
export class TaskPace {
	private active = 0;
	private limit: number;
	private createdSinceLowered = 0;
	private closed = false;
	private readonly queue: Array<(granted: boolean) => void> = [];

	constructor(private readonly max: number) {
		this.limit = max;
	}

	get currentLimit(): number {
		return this.limit;
	}

	/** Waits for a slot, first come first served. False when the run stopped meanwhile: the item must not start. */
	async acquire(): Promise<boolean> {
		if (this.closed) return false;
		if (this.active < this.limit) {
			this.active++;
			return true;
		}
		return await new Promise<boolean>((resolve) => this.queue.push(resolve));
	}

	release(): void {
		this.active--;
		this.drain();
	}

	/** The API is at its limit with fewer tasks than this run has in flight: keep one fewer from now on. */
	lower(): void {
		this.limit = Math.max(1, Math.min(this.limit, this.active - 1));
		this.createdSinceLowered = 0;
	}

	/** A create went through. After as many in a row as the current limit, allow one more, up to the maximum. */
	created(): void {
		if (this.limit >= this.max) return;
		if (++this.createdSinceLowered >= this.limit) {
			this.limit++;
			this.createdSinceLowered = 0;
			this.drain();
		}
	}

	/** Stops the run: items still waiting for a slot are told not to start. */
	close(): void {
		this.closed = true;
		for (const grant of this.queue.splice(0)) grant(false);
	}

	private drain(): void {
		while (!this.closed && this.active < this.limit && this.queue.length > 0) {
			this.active++;
			this.queue.shift()!(true);
		}
	}
}

/** One item's place in the pace, from its create until the API reports its task finished. */
export interface PaceSlot {
	pace: TaskPace;
	/** Gives the place back: when the task is done, or while waiting out a 1302, so the lowered limit binds too. */
	release(): void;
	/** Takes a place again, waiting in line; false when the run stopped meanwhile. */
	reacquire(): Promise<boolean>;
}

/** A slot for an item that holds a place already (its acquire() returned true). */
export function heldSlot(pace: TaskPace): PaceSlot {
	let held = true;
	return {
		pace,
		release() {
			if (held) pace.release();
			held = false;
		},
		async reacquire() {
			if (!held) held = await pace.acquire();
			return held;
		},
	};
}
