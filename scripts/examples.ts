/**
 * The workflows in examples/ as scripts/start.sh imports them into n8n: each with a fixed id, so a new import
 * replaces the old one, and in the sandbox with its placeholder image URLs pointing at the stand-in's sample images.
 *
 *   tsx scripts/examples.ts OUT [--samples-origin URL]     writes the workflows to OUT as one JSON array
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { withSandboxPlaceholders } from '../test/standin/samples';

export const EXAMPLES_DIR = resolve(__dirname, '..', 'examples');
/** The README's picture of each example's canvas (`npm run screenshot` makes them). */
export const EXAMPLE_PICTURES_DIR = resolve(__dirname, '..', 'docs', 'examples');
/** Wide enough to read the sticky notes in a README (GitHub shows it at about this width), and small in bytes. */
export const PICTURE_WIDTH = 900;
/** The PNG text keyword under which a picture carries the canvasFingerprint it was made from. */
export const PICTURE_FINGERPRINT_KEY = 'n8n-nodes-cogvideox canvas';

export interface ExampleWorkflow {
	id: string;
	name: string;
	/** The file in examples/ it comes from. */
	file: string;
	nodes: Array<{ name: string; type: string; parameters: Record<string, unknown>; [key: string]: unknown }>;
	[key: string]: unknown;
}

/** The id an example gets in n8n, from its file name. */
export function exampleId(file: string): string {
	return `example${createHash('sha256').update(file).digest('hex').slice(0, 9)}`;
}

/** The file name of an example's picture in EXAMPLE_PICTURES_DIR, e.g. text-to-video.png. */
export function examplePictureFile(file: string): string {
	return file.replace(/\.json$/, '.png');
}

/**
 * A hash of what n8n draws of a workflow: its nodes where they stand (a CogVideoX node's subtitle is its operation and
 * model), the sticky notes whole, the connections. A picture made from another fingerprint shows an older canvas.
 */
export function canvasFingerprint(workflow: ExampleWorkflow): string {
	const drawn = workflow.nodes.map((node) => ({
		name: node.name,
		type: node.type,
		typeVersion: node.typeVersion,
		position: node.position,
		disabled: node.disabled,
		notes: node.notesInFlow ? node.notes : undefined,
		parameters: node.type === 'n8n-nodes-base.stickyNote' ? node.parameters : { operation: node.parameters.operation, model: node.parameters.model },
	}));
	return createHash('sha256').update(JSON.stringify({ drawn, connections: workflow.connections })).digest('hex').slice(0, 16);
}

/** Every example, sorted by file name; with samplesOrigin (the stand-in's file host), placeholders become samples. */
export function exampleWorkflows(samplesOrigin?: string): ExampleWorkflow[] {
	const files = readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.json')).sort();
	return files.map((file) => {
		const workflow = JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as ExampleWorkflow;
		const imported = { ...workflow, id: exampleId(file), file, active: false };
		return samplesOrigin ? withSandboxPlaceholders(imported, samplesOrigin) : imported;
	});
}

if (require.main === module) {
	const [out] = process.argv.slice(2);
	const originFlag = process.argv.indexOf('--samples-origin');
	if (!out) throw new Error('usage: tsx scripts/examples.ts OUT [--samples-origin URL]');
	const workflows = exampleWorkflows(originFlag >= 0 ? process.argv[originFlag + 1] : undefined);
	// `file` is ours, not n8n's: JSON.stringify drops an undefined field.
	writeFileSync(out, JSON.stringify(workflows.map((workflow) => ({ ...workflow, file: undefined }))));
	process.stderr.write(`[start] importing ${workflows.length} example workflows: ${workflows.map((w) => w.name).join('; ')}\n`);
}
