/**
 * One line in n8n's own log for every paid task: when it is created and when it ends. n8n keeps nothing of a node
 * that is still running when its process dies (a worker killed, a deploy past its grace, a crash) or when its
 * execution is cancelled: the execution record then holds n8n's own error, or nothing of this node. These lines are
 * written as each thing happens (and one with the request ID right before the first create is sent: logRequest),
 * at `info` (n8n's default level), so the task IDs of a lost run are in the log of the process that ran it, ready
 * for Get Result. At n8n's default text format only the message is printed, so the message carries every field;
 * the JSON format (N8N_LOG_FORMAT=json, and the log file) has them as metadata too.
 * Never the API key: the fields are ids, names, a model and a time.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

/** Where a task comes from in n8n: enough to find the run, the node and the item it belongs to. */
export interface TaskOrigin {
	workflowId: string;
	workflowName: string;
	executionId: string;
	node: string;
	itemIndex: number;
}

export interface TaskFacts {
	taskId: string;
	requestId?: string;
	model?: string;
}

/** What happened to the task: it exists, its video reached the node's output, or it ends without that. */
export type TaskEvent =
	| { event: 'created' }
	| { event: 'reused'; why: string }
	| { event: 'delivered' }
	| { event: 'submitted' }
	| { event: 'not delivered'; why: string }
	| { event: 'failed'; why: string };

export function taskOrigin(ctx: IExecuteFunctions, itemIndex: number): TaskOrigin {
	const workflow = ctx.getWorkflow();
	return {
		workflowId: String(workflow.id ?? ''),
		workflowName: String(workflow.name ?? ''),
		executionId: String(ctx.getExecutionId() ?? ''),
		node: ctx.getNode().name,
		itemIndex,
	};
}

/** The line itself, e.g. `CogVideoX task 2026… created: request …, model cogvideox-3, workflow "Nightly" (id 12), …`. */
export function taskLine(facts: TaskFacts, origin: TaskOrigin, what: TaskEvent, at: Date): string {
	const head = {
		created: 'created',
		reused: `reused (${'why' in what ? what.why : ''})`,
		delivered: 'done: its video is in the node output',
		submitted: 'submitted without waiting: Get Result fetches its video',
		'not delivered': `not delivered (${'why' in what ? what.why : ''}): run Get Result with this task ID within a day to fetch its video`,
		failed: `ended without a video (${'why' in what ? what.why : ''})`,
	}[what.event];
	return `CogVideoX task ${facts.taskId} ${head}; ${fieldsOf(facts, origin, at)}`;
}

function fieldsOf(facts: Partial<TaskFacts>, origin: TaskOrigin, at: Date): string {
	return [
		facts.requestId ? `request ${facts.requestId}` : undefined,
		facts.model ? `model ${facts.model}` : undefined,
		`workflow "${origin.workflowName}" (id ${origin.workflowId})`,
		`execution ${origin.executionId}`,
		`node "${origin.node}"`,
		`item ${origin.itemIndex}`,
		`at ${at.toISOString()}`,
	]
		.filter(Boolean)
		.join(', ');
}

/**
 * The line written right before an item's first create is sent. A process that dies after the API made the task and
 * before its answer arrived leaves no "created" line; this one still names the request ID, by which the charge is
 * found in the platform's billing records. It does not start with "CogVideoX task", so Get Result, fed a pasted
 * log, does not take the request ID for a task ID.
 */
export function logRequest(ctx: IExecuteFunctions, facts: { requestId: string; model: string }, origin: TaskOrigin): void {
	const at = new Date();
	ctx.logger.info(`CogVideoX request ${facts.requestId} sent for a new task; ${fieldsOf({ model: facts.model }, origin, at)}`, { ...facts, ...origin, event: 'sent', at: at.toISOString() });
}

/** Writes the line through n8n's logger: warn for a task whose video the run did not hand on, else info. */
export function logTask(ctx: IExecuteFunctions, facts: TaskFacts, origin: TaskOrigin, what: TaskEvent): void {
	const at = new Date();
	const metadata = { ...facts, ...origin, event: what.event, ...('why' in what ? { why: what.why } : {}), at: at.toISOString() };
	const line = taskLine(facts, origin, what, at);
	if (what.event === 'not delivered' || what.event === 'failed') ctx.logger.warn(line, metadata);
	else ctx.logger.info(line, metadata);
}
