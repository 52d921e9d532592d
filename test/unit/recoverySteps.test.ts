/**
 * docs/reliability.md's steps to get the videos of a lost run, run as written: its shell lines (the pattern, the
 * tail that puts the lines in item order, the one that finds a request with no task) over a log made of the node's
 * own lines (taskLog.ts), as `docker compose logs` prints them for two workers, with another execution's lines and
 * n8n's own around them. What they print, pasted into Get Result's Task ID, must give the run's task IDs in item order.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IExecuteFunctions } from 'n8n-workflow';

import { taskIdsOf } from '../../nodes/CogVideoX/item/prepare';
import { logRequest, taskLine, type TaskOrigin } from '../../nodes/CogVideoX/run/taskLog';

const PAGE = readFileSync(join(__dirname, '..', '..', 'docs', 'reliability.md'), 'utf8');
const SECTION = PAGE.slice(PAGE.indexOf('### Get the videos of a lost run'), PAGE.indexOf('### Keep n8n'));
const SHELL = [...SECTION.matchAll(/```bash\n([\s\S]*?)```/g)].map(([, block]) => block);

/** The documented line that starts with `text`. */
function documented(text: string): string {
	const line = SHELL.join('\n').split('\n').find((candidate) => candidate.startsWith(text));
	if (!line) throw new Error(`docs/reliability.md's steps have no line starting with ${text}`);
	return line;
}

/** A documented line's pipeline (what follows its first `|`), fed the log, after the documented variables are set. */
function tail(startsWith: string, log: string): string[] {
	const line = documented(startsWith);
	const script = [documented('run='), documented('created='), `cat <<'LOG' ${line.slice(line.indexOf(' | '))}`, log, 'LOG'].join('\n');
	const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
	expect(result.stderr).toBe('');
	return result.stdout.split('\n').filter(Boolean);
}

const origin = (executionId: string, itemIndex: number): TaskOrigin => ({ workflowId: '12', workflowName: 'Nightly videos', executionId, node: 'Generate Video', itemIndex });
const at = new Date('2026-12-04T10:21:12.345Z');
const created = (task: string, executionId: string, item: number) => taskLine({ taskId: task, requestId: `req-${task}`, model: 'cogvideox-3' }, origin(executionId, item), { event: 'created' }, at);
function sent(requestId: string, executionId: string, item: number): string {
	const lines: string[] = [];
	const ctx = { logger: { info: (line: string) => lines.push(line) } } as unknown as IExecuteFunctions;
	logRequest(ctx, { requestId, model: 'cogvideox-3' }, origin(executionId, item));
	return lines[0];
}

// Execution 4711 ran on worker 2: items created out of order (2 before 0 and 1), one request lost in flight.
const LOG = [
	'n8n-worker-1  | Worker started execution 4710 (job 8)',
	`n8n-worker-1  | ${sent('req-other', '47110', 0)}`,
	`n8n-worker-1  | ${created('task-other', '47110', 0)}`,
	'n8n-worker-2  | Worker started execution 4711 (job 9)',
	...[2, 0, 1].flatMap((item) => [`n8n-worker-2  | ${sent(`req-task-${item}`, '4711', item)}`, `n8n-worker-2  | ${created(`task-${item}`, '4711', item)}`]),
	`n8n-worker-2  | ${sent('req-lost', '4711', 3)}`,
	`n8n-worker-2  | ${taskLine({ taskId: 'task-0', requestId: 'req-task-0' }, origin('4711', 0), { event: 'delivered' }, at)}`,
].join('\n');

it('the run variable names execution 4711, as the steps say', () => {
	expect(documented('run=')).toBe('run=4711');
});

it("step 1's pattern finds exactly the execution's created lines, whichever worker's log they are in", () => {
	const found = tail('docker compose logs', LOG);
	expect(found.map((line) => /CogVideoX task (\S+) created/.exec(line)?.[1])).toEqual(['task-2', 'task-0', 'task-1']);
});

it("step 2's tail puts them in item order, and pasted into Get Result they give the task IDs in that order", () => {
	const pasted = tail('… | grep -E "$created" | sed', LOG).join('\n');
	expect(taskIdsOf(pasted)).toEqual(['task-0', 'task-1', 'task-2']);
});

it("step 4's tail names the request that has no task line, and only that one", () => {
	expect(tail('… | grep -F', LOG)).toEqual(['request req-lost']);
});
