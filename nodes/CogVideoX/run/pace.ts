/**
 * How many of one execution's tasks may be in flight at once: the node's Max Concurrent Tasks. One instance per
 * execute() call. The account's own limit, which every execution of the process shares, is the AccountGate's.
 */
import type { AccountTicket } from '../api/accountGate';

export class TaskPace {
	private active = 0;
	private closed = false;
	private readonly queue: Array<(granted: boolean) => void> = [];

	constructor(private readonly limit: number) {}

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
		while (!this.closed && this.active < this.limit && this.queue.length > 0) {
			this.active++;
			this.queue.shift()!(true);
		}
	}

	/** Stops the run: items still waiting for a slot are told not to start. */
	close(): void {
		this.closed = true;
		for (const grant of this.queue.splice(0)) grant(false);
	}
}

/**
 * One item's place, from its create until the API reports its task finished: a slot in the execution's pace and,
 * once its create is sent, a place at the account.
 */
export interface PaceSlot {
	/** The item's place at the account, set by the create that holds it. */
	account?: AccountTicket;
	/** Gives both places back: the task is done, or the item ends. */
	release(): void;
}

/** A slot for an item that holds a place in the pace already (its acquire() returned true). */
export function heldSlot(pace: TaskPace): PaceSlot {
	let held = true;
	const slot: PaceSlot = {
		release() {
			slot.account?.finished();
			slot.account = undefined;
			if (held) pace.release();
			held = false;
		},
	};
	return slot;
}
