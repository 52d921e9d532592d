/**
 * The video calendar's examples (examples/calendar-*.json) as the end-to-end suite (calendarSuite.ts) and the
 * calendar benchmark (bench/calendar.ts) import them into a real n8n: test ids, the sandbox's placeholders (uploads
 * and failure reports go to the stand-in's file host), and what a test changes: the table by id, a schedule of
 * seconds, a credential of its own, the values of the Settings node.
 */
import { withSandboxPlaceholders } from '../standin/samples';
import type { Standin } from '../standin/server';
import { CALENDAR_EXAMPLES, CREDENTIAL_TYPE, loadExample, NODE_TYPE, withId, type Workflow } from './fixtures';

/** The Data Table the examples work through, by name. */
export const TABLE = 'Video calendar';

/** A row of the calendar as n8n's REST API reads it. */
export type CalendarRow = Record<string, unknown> & {
	id: number;
	prompt?: string;
	status?: string;
	requestId?: string | null;
	taskId?: string | null;
	video?: string | null;
	error?: string | null;
	tries?: number | null;
};

export interface CalendarOptions {
	/** Every Data Table node picks this table by its id (n8n 1.x, whose node picks none by name; a table of a test's own). */
	tableId?: string;
	/** The schedule fires every this many seconds instead of the example's minutes. */
	tickSeconds?: number;
	/** The credential of the CogVideoX nodes, instead of the example's. */
	credential?: { id: string; name: string };
	/** Values of the run's Settings node, by name (tasksAtOnce, uploadTries). */
	settings?: Record<string, number>;
}

/** The table's columns, as the set-up example makes them. */
export function calendarColumns(): Array<{ name: string; type: string }> {
	const create = loadExample(CALENDAR_EXAMPLES[0]).nodes.find((node) => node.parameters.operation === 'create');
	const columns = (create?.parameters.columns as { column?: Array<{ name: string; type: string }> } | undefined)?.column;
	if (!columns?.length) throw new Error(`${CALENDAR_EXAMPLES[0]} has no Data Table node that creates the table`);
	return columns;
}

/** The set-up and run workflows, as `prefix`'s copies pointing at `standin`. */
export function calendarWorkflows(prefix: string, standin: Standin, options: CalendarOptions = {}): [setup: Workflow, run: Workflow] {
	const [setup, run] = CALENDAR_EXAMPLES.map((file, index) => {
		const workflow = withSandboxPlaceholders(withId(loadExample(file), `${prefix}Calendar${index}`.padEnd(16, '0').slice(0, 20)), standin.filesOrigin);
		for (const node of workflow.nodes) {
			if (node.type === 'n8n-nodes-base.dataTable' && options.tableId && node.parameters.dataTableId) {
				node.parameters.dataTableId = { __rl: true, mode: 'id', value: options.tableId };
			}
			if (node.type === 'n8n-nodes-base.scheduleTrigger' && options.tickSeconds) {
				node.parameters.rule = { interval: [{ field: 'seconds', secondsInterval: options.tickSeconds }] };
			}
			if (node.type === NODE_TYPE && options.credential) node.credentials = { [CREDENTIAL_TYPE]: options.credential };
		}
		return workflow;
	});
	for (const [name, value] of Object.entries(options.settings ?? {})) settingOf(run, name).value = value;
	return [setup, run];
}

/** One field of the run's Settings node (a Set node). */
export function settingOf(run: Workflow, name: string): { name: string; value: unknown } {
	const settings = run.nodes.find((node) => node.name === 'Settings');
	const assignments = (settings?.parameters.assignments as { assignments?: Array<{ name: string; value: unknown }> } | undefined)?.assignments ?? [];
	const field = assignments.find((assignment) => assignment.name === name);
	if (!field) throw new Error(`"${run.name}" has no Settings node with the field ${name}`);
	return field;
}
