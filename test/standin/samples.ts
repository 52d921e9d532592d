// Sample images for the sandbox: the examples' placeholder URLs (example.com, which a user replaces) become these
// files on the stand-in's result-file host, and the calendar's upload and report placeholders its uploads and
// reports, so every example runs as is. The images are made by scripts/make-standin-media.sh.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

const SAMPLE_TYPES: Record<string, string> = {
	'scene.jpg': 'image/jpeg',
	'first-frame.png': 'image/png',
	'last-frame.png': 'image/png',
};

/** Each placeholder URL in examples/ and the sample that stands in for it in the sandbox. */
export const PLACEHOLDER_SAMPLES: Record<string, string> = {
	'https://example.com/your-image.png': 'scene.jpg',
	'https://example.com/first-frame.png': 'first-frame.png',
	'https://example.com/last-frame.png': 'last-frame.png',
};

const SAMPLES_PATH = '/samples/';

export function sampleUrl(filesOrigin: string, name: string): string {
	return `${filesOrigin}${SAMPLES_PATH}${name}`;
}

/** Answers GET/HEAD /samples/<name> with the sample's bytes; false when the route is not a sample. */
export function serveSample(req: IncomingMessage, res: ServerResponse, route: string): boolean {
	const name = route.startsWith(SAMPLES_PATH) ? route.slice(SAMPLES_PATH.length) : '';
	const type = Object.hasOwn(SAMPLE_TYPES, name) ? SAMPLE_TYPES[name] : undefined;
	if (!type) return false;
	const bytes = readFileSync(join(__dirname, 'media', name));
	res.writeHead(200, { 'Content-Type': type, 'Content-Length': bytes.length });
	res.end(req.method === 'HEAD' ? undefined : bytes);
	return true;
}

/** The upload placeholder of the calendar example (Store Video), and where the sandbox sends those uploads instead. */
export const UPLOAD_PLACEHOLDER = 'https://example.com/videos/';
export const UPLOADS_PATH = '/uploads/';
/** The calendar's failure report placeholder (Send Failure Report), and where the sandbox posts those reports instead. */
export const REPORT_PLACEHOLDER = 'https://example.com/calendar-report';
export const REPORTS_PATH = '/reports/';

/**
 * A copy of a workflow whose node parameters that are exactly a placeholder URL point at its sample on `filesOrigin`
 * instead, and whose upload placeholder (anywhere in a parameter, expressions included) points at the file host's
 * uploads. Notes and sticky notes keep the placeholders: they tell the user what to replace.
 */
export function withSandboxPlaceholders<T extends { nodes: Array<{ type: string; parameters: Record<string, unknown> }> }>(workflow: T, filesOrigin: string): T {
	const swap = (value: unknown): unknown => {
		if (typeof value === 'string') {
			if (Object.hasOwn(PLACEHOLDER_SAMPLES, value)) return sampleUrl(filesOrigin, PLACEHOLDER_SAMPLES[value]);
			if (value === REPORT_PLACEHOLDER) return `${filesOrigin}${REPORTS_PATH}calendar-report`;
			return value.split(UPLOAD_PLACEHOLDER).join(`${filesOrigin}${UPLOADS_PATH}`);
		}
		if (Array.isArray(value)) return value.map(swap);
		if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, swap(inner)]));
		return value;
	};
	const kept = (node: T['nodes'][number]) => node.type === 'n8n-nodes-base.stickyNote';
	return { ...workflow, nodes: workflow.nodes.map((node) => (kept(node) ? node : { ...node, parameters: swap(node.parameters) as Record<string, unknown> })) };
}
