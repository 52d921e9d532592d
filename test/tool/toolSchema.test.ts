/**
 * CogVideoX as an AI Agent tool (examples/ai-agent-tool.json), checked the way n8n builds the tool:
 * - n8n adds a `<name>Tool` node type for every node with `usableAsTool` (packages/cli tool-generation: same
 *   properties, no main input, an `ai_tool` output, plus a Tool Description);
 * - the tool's input schema is made of the `$fromAI()` calls in the tool node's parameters (n8n-core's getSchema:
 *   traverseNodeParameters, then one zod schema per key, all required); everything else is fixed in the node.
 * The end-to-end suite also runs this workflow in real n8n with a scripted chat model (test/e2e/chatModel.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INode, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeHelpers, generateZodSchema, nodeNameToToolName, traverseNodeParameters, type FromAIArgument } from 'n8n-workflow';

import { CogVideoX } from '../../nodes/CogVideoX/CogVideoX.node';

const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'ai-agent-tool.json'), 'utf8')) as {
	nodes: Array<INode & { credentials?: Record<string, { id: string }> }>;
	connections: Record<string, Record<string, Array<Array<{ node: string; type: string }>>>>;
};
const toolNode = example.nodes.find((node) => node.type === 'n8n-nodes-cogvideox.cogVideoXTool')!;

/** What n8n's convertNodeToAiTool makes of the node's description (the parts that matter here). */
function asToolType(): INodeType {
	const node = new CogVideoX();
	const description = structuredClone(node.description) as INodeTypeDescription;
	description.name += 'Tool';
	description.displayName += ' Tool';
	description.inputs = [];
	description.outputs = ['ai_tool'] as INodeTypeDescription['outputs'];
	description.properties = [
		{
			displayName: 'Tool Description',
			name: 'descriptionType',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Set Automatically', value: 'auto' },
				{ name: 'Set Manually', value: 'manual' },
			],
			default: 'auto',
		},
		{ displayName: 'Description', name: 'toolDescription', type: 'string', default: description.description, displayOptions: { show: { descriptionType: ['manual'] } } },
		...description.properties,
	];
	return { ...node, description } as INodeType;
}

/** The tool's input schema as n8n-core's createNodeAsTool builds it. */
function fromAiArguments(node: INode): FromAIArgument[] {
	const collected: FromAIArgument[] = [];
	traverseNodeParameters(node.parameters, collected);
	return collected;
}

describe('CogVideoX as an AI Agent tool (examples/ai-agent-tool.json)', () => {
	test('the node offers itself as a tool, and the example wires its tool variant and a chat model into an AI Agent', () => {
		expect(new CogVideoX().description.usableAsTool).toBe(true);
		expect(toolNode).toBeDefined();
		expect(example.connections[toolNode.name].ai_tool[0][0]).toMatchObject({ node: 'AI Agent', type: 'ai_tool' });
		const model = example.nodes.find((node) => node.type === '@n8n/n8n-nodes-langchain.lmChatOpenAi')!;
		expect(example.connections[model.name].ai_languageModel[0][0]).toMatchObject({ node: 'AI Agent', type: 'ai_languageModel' });
		expect(toolNode.credentials?.zhipuAiApi?.id).toBe('ZhipuAiExample01');
	});

	test('the input schema the agent sees is one required string, `prompt`, with a description', () => {
		const args = fromAiArguments(toolNode);
		expect(args).toHaveLength(1);
		expect(args[0]).toMatchObject({ key: 'prompt', type: 'string' });
		expect(args[0].description).toMatch(/500 characters/);
		// n8n-core refuses keys outside this pattern when it builds the tool.
		expect(args[0].key).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);

		const schema = generateZodSchema(args[0]);
		expect(schema.safeParse('A paper boat in the rain').success).toBe(true);
		expect(schema.safeParse(42).success).toBe(false);
		expect(schema.description).toBe(args[0].description);
	});

	test('every other parameter is fixed in the node, valid for the node, and leaves no parameter issues', () => {
		const toolType = asToolType();
		const resolved = NodeHelpers.getNodeParameters(toolType.description.properties, toolNode.parameters, true, false, toolNode, toolType.description)!;
		expect(resolved).toMatchObject({ operation: 'textToVideo', model: 'cogvideox-flash', waitForCompletion: true });
		expect(resolved.options).toMatchObject({ download: false });
		expect(NodeHelpers.getNodeParametersIssues(toolType.description.properties, toolNode, toolType.description)).toBeNull();
		// The model is one of those the operation lists.
		const modelField = toolType.description.properties.find(
			(property) => property.name === 'model' && property.displayOptions?.show?.operation?.includes('textToVideo'),
		);
		expect(modelField?.options?.map((option) => (option as { value: string }).value)).toContain('cogvideox-flash');
	});

	test('the tool gets a name and a description the model can choose it by', () => {
		expect(nodeNameToToolName(toolNode)).toBe('CogVideoX');
		const description = NodeHelpers.getToolDescriptionForNode(toolNode, asToolType());
		expect(description.toLowerCase()).toContain('video');
	});
});
