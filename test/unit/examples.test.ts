// The examples as a newcomer meets them: a sticky note on each canvas, placeholders that the sandbox swaps for its own
// sample images, and a node the editor's node panel finds. (The browser suite shows all of it in a real editor.)
import { exampleWorkflows } from '../../scripts/examples';
import { PLACEHOLDER_SAMPLES, REPORT_PLACEHOLDER, withSandboxPlaceholders } from '../standin/samples';
import codex from '../../nodes/CogVideoX/CogVideoX.node.json';

const STICKY = 'n8n-nodes-base.stickyNote';
const examples = exampleWorkflows();

/** Every string in a node's parameters, however deep. */
function strings(value: unknown): string[] {
	if (typeof value === 'string') return [value];
	if (Array.isArray(value)) return value.flatMap(strings);
	if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
	return [];
}

const placeholderUrls = (workflow: (typeof examples)[number]) =>
	workflow.nodes.flatMap((node) => strings(node.parameters)).filter((text) => /^https?:\/\/example\.com\//.test(text));
const anyPlaceholder = (workflow: (typeof examples)[number]) =>
	workflow.nodes.filter((node) => node.type !== STICKY).flatMap((node) => strings(node.parameters)).filter((text) => text.includes('example.com/'));

describe.each(examples.map((workflow) => [workflow.file, workflow] as const))('%s', (_file, workflow) => {
	it('has a sticky note saying what it shows and how to set it up', () => {
		const notes = workflow.nodes.filter((node) => node.type === STICKY).map((node) => String(node.parameters.content));
		expect(notes.length).toBeGreaterThan(0);
		const [main] = notes;
		expect(main).toMatch(/^## \S/);
		expect(main).toMatch(/### Set up\n1\. /);
		expect(main).toMatch(/credential/i);
	});

	it('points every placeholder URL at a sample image (or the stand-in\'s report inbox) in the sandbox, and keeps it everywhere else', () => {
		for (const url of placeholderUrls(workflow)) expect([...Object.keys(PLACEHOLDER_SAMPLES), REPORT_PLACEHOLDER]).toContain(url);
		const sandboxed = withSandboxPlaceholders(workflow, 'http://127.0.0.1:9');
		expect(anyPlaceholder(sandboxed)).toEqual([]);
		expect(sandboxed.nodes.map((node) => node.notes)).toEqual(workflow.nodes.map((node) => node.notes));
		expect(sandboxed.nodes.filter((node) => node.type === STICKY)).toEqual(workflow.nodes.filter((node) => node.type === STICKY));
		if (anyPlaceholder(workflow).length > 0) {
			const notes = workflow.nodes.filter((node) => node.type === STICKY).map((node) => String(node.parameters.content));
			expect(notes.join('\n')).toMatch(/replace the placeholder/i);
		}
	});
});

describe('the node in the editor node panel', () => {
	it('is found by the names people search for (codex aliases)', () => {
		expect(codex.alias).toEqual(expect.arrayContaining(['Zhipu', 'GLM', 'Vidu', 'CogVideoX', 'Text to Video', 'Image to Video']));
	});

	it('is an AI "Root Nodes" node, without which the panel hides AI-category nodes from its search', () => {
		// n8n's node creator (filterOutAiNodes) drops nodes in the AI category from the "What happens next?" search
		// unless their AI subcategories include "Root Nodes".
		expect(codex.categories).toContain('AI');
		expect(codex.subcategories.AI).toContain('Root Nodes');
	});
});
