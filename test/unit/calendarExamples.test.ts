// What the video calendar's examples promise in their notes and in docs/scaling.md, read from the workflow files
// (the end-to-end suite, test/e2e/calendarSuite.ts, runs them in a real n8n).
import { calendarColumns } from '../e2e/calendar';
import { CALENDAR_EXAMPLES, loadExample, NODE_TYPE, type WorkflowNode } from '../e2e/fixtures';

const [setup, run] = CALENDAR_EXAMPLES.map(loadExample);
const STICKY = 'n8n-nodes-base.stickyNote';
const notes = (color?: number) =>
	run.nodes.filter((node) => node.type === STICKY && (color === undefined || node.parameters.color === color)).map((node) => String(node.parameters.content));
const ofType = (type: string) => run.nodes.filter((node) => node.type === type);

/** Every column a Data Table node of the run filters on or writes. */
function columnsUsed(node: WorkflowNode): string[] {
	const filters = (node.parameters.filters as { conditions?: Array<{ keyName: string }> } | undefined)?.conditions ?? [];
	const written = Object.keys((node.parameters.columns as { value?: Record<string, unknown> } | undefined)?.value ?? {});
	return [...filters.map((filter) => filter.keyName), ...written];
}

describe('the video calendar examples', () => {
	it('have one schedule: the cadence is set in one place', () => {
		expect(ofType('n8n-nodes-base.scheduleTrigger')).toHaveLength(1);
		expect(CALENDAR_EXAMPLES.flatMap((file) => loadExample(file).nodes).filter((node) => node.type === 'n8n-nodes-base.scheduleTrigger')).toHaveLength(1);
	});

	it('keep tasks at once and upload tries in one visible Settings node, which the Data Table nodes read', () => {
		const [settings] = ofType('n8n-nodes-base.set').filter((node) => node.name === 'Settings');
		const fields = (settings.parameters.assignments as { assignments: Array<{ name: string; value: unknown }> }).assignments;
		expect(Object.fromEntries(fields.filter((field) => field.name !== 'runStartedAt').map((field) => [field.name, field.value]))).toEqual({ tasksAtOnce: 1, uploadTries: 5 });
		expect(JSON.stringify(run.nodes)).toContain("$('Settings').first().json.tasksAtOnce");
		expect(String(settings.notes)).toMatch(/Rate limits/);
	});

	it('use only columns that the set-up makes', () => {
		const columns = calendarColumns().map((column) => column.name);
		const used = ofType('n8n-nodes-base.dataTable').flatMap(columnsUsed).filter((name) => name !== 'id');
		expect(used.filter((name) => !columns.includes(name))).toEqual([]);
	});

	it('start with free sample rows, say what a cogvideox-3 row costs, and add no row twice', () => {
		const sampleCode = String(setup.nodes.find((node) => node.name === 'Sample Rows')?.parameters.jsCode);
		expect(sampleCode).toContain("model: 'cogvideox-flash'");
		expect(sampleCode).not.toContain("'cogvideox-3'");
		const setupNote = setup.nodes.filter((node) => node.type === STICKY).map((node) => String(node.parameters.content)).join('\n');
		expect(setupNote).toMatch(/`cogvideox-3` row is a paid video/);
		const [guard] = setup.nodes.filter((node) => node.parameters.operation === 'rowNotExists');
		expect(guard.name).toBe('New Rows Only');
		expect(setup.connections['Sample Rows']).toEqual({ main: [[{ node: 'New Rows Only', type: 'main', index: 0 }]] });
	});

	it('name every node to change in a red placeholder note: the storage, what Note Done keeps of its answer, the report', () => {
		const red = notes(3).join('\n');
		for (const name of ['Store Video', 'Note Done', 'Send Failure Report']) expect(red).toContain(`*${name}*`);
		const noteDone = run.nodes.find((node) => node.name === 'Note Done')!;
		// `video` is what the storage node answered, never a link made up from the task ID.
		expect((noteDone.parameters.columns as { value: Record<string, string> }).value.video).not.toMatch(/example\.com|taskId/);
	});

	it('route the CogVideoX nodes\' failures by their error field: n8n\'s error output takes no item that also carries its task ID', () => {
		for (const node of ofType(NODE_TYPE)) expect([node.name, node.onError]).toEqual([node.name, 'continueRegularOutput']);
		expect(ofType('n8n-nodes-base.httpRequest').find((node) => node.name === 'Store Video')?.onError).toBe('continueErrorOutput');
		const routes = ['Finished?', 'Got a Task?'].map((name) => JSON.stringify(run.nodes.find((node) => node.name === name)?.parameters));
		for (const route of routes) expect(route).toContain('{{ $json.error }}');
	});

	it('make photo rows Image to Video and frame rows First & Last Frame tasks, the rest Text to Video', () => {
		const operations = Object.fromEntries(ofType(NODE_TYPE).map((node) => [node.name, node.parameters.operation]));
		expect(operations).toEqual({ 'Get Result': 'getResult', 'Submit Frames Video': 'firstLastFrame', 'Submit Photo Video': 'imageToVideo', 'Submit Text Video': 'textToVideo' });
		expect(run.connections['Kind of Video']).toEqual({
			main: ['Submit Frames Video', 'Submit Photo Video', 'Submit Text Video'].map((node) => [{ node, type: 'main', index: 0 }]),
		});
	});
});
