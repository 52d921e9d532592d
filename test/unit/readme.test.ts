/**
 * The README and the pages under docs/: the generated model table matches the per-model table, every link to a file
 * of the repository finds it, and every link to a heading finds the heading (as GitHub makes its anchors).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { withModelTable } from '../../scripts/modelTable';

const ROOT = join(__dirname, '..', '..');
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const PAGES = [README, ...readdirSync(DOCS).filter((file) => file.endsWith('.md')).map((file) => join(DOCS, file))];

it('the README per-model table matches nodes/CogVideoX/models.ts (npm run docs rewrites it)', () => {
	const readme = readFileSync(README, 'utf8');
	const expected = withModelTable(readme);
	if (process.env.UPDATE_DOCS === '1') writeFileSync(README, expected);
	else expect(readme).toBe(expected);
});

/** GitHub's anchor for a heading: lower case, no punctuation but hyphens and underscores, spaces as hyphens. */
function anchorOf(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s_-]/gu, '')
		.replace(/\s/g, '-');
}

/** The anchors of a Markdown page's headings, outside code blocks. */
function anchorsOf(file: string): Set<string> {
	const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
	return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, heading]) => anchorOf(heading)));
}

/** Every link of a page that stays in the repository: Markdown links, and href/src of its HTML. */
function localLinks(file: string): string[] {
	const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
	const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g), ...text.matchAll(/\s(?:href|src)="([^"]+)"/g)].map(([, target]) => target);
	return targets.filter((target) => !/^[a-z]+:/i.test(target));
}

describe.each(PAGES.map((file) => [relative(ROOT, file), file]))('%s', (_name, file) => {
	it('links only to files of the repository that exist, and to headings that exist', () => {
		const broken: string[] = [];
		for (const link of localLinks(file)) {
			const [path, anchor] = link.split('#');
			const target = path ? resolve(dirname(file), path) : file;
			if (!existsSync(target)) {
				broken.push(`${link}: no such file`);
				continue;
			}
			if (anchor && statSync(target).isFile() && target.endsWith('.md') && !anchorsOf(target).has(anchor)) {
				broken.push(`${link}: no such heading in ${relative(ROOT, target)}`);
			}
		}
		expect(broken).toEqual([]);
	});
});

describe('the README is for users, and short', () => {
	const text = readFileSync(README, 'utf8');
	const lines = text.replace(/\n$/, '').split('\n');
	/** The line (from 1) of the first line that matches, or 0. */
	const lineOf = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line)) + 1;

	it('is at most 150 lines and 1,500 words (as `wc -lw` counts them: the generated model table and the pictures\' alt text included)', () => {
		expect(lines.length).toBeLessThanOrEqual(150);
		expect(text.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(1500);
	});

	it('reaches a video within its first 40 lines: install, the credential, the text-to-video example with cogvideox-flash, Execute workflow, the mp4 in the output, and a picture of it', () => {
		const start = lineOf(/^## Quick start$/);
		const end = start + lines.slice(start).findIndex((line) => line.startsWith('## '));
		expect(start).toBeGreaterThan(0);
		expect(end).toBeLessThanOrEqual(40);
		const quickStart = lines.slice(start, end).join('\n');
		for (const step of [/Community Nodes/, /Zhipu AI API/, /examples\/text-to-video[\w-]*\.json/, /`cogvideox-flash`.*free/s, /Execute workflow/, /mp4/, /!\[[^\]]+\]\(docs\/screenshot\.png\)/]) {
			expect(quickStart).toMatch(step);
		}
		// The example the quick start imports makes its videos with the free model, and no setting it would refuse.
		const example = /\(examples\/(text-to-video[\w-]*\.json)\)/.exec(quickStart)![1];
		const workflow = JSON.parse(readFileSync(join(ROOT, 'examples', example), 'utf8')) as { nodes: Array<{ type: string; parameters: Record<string, unknown> }> };
		const videos = workflow.nodes.filter((node) => node.type === 'n8n-nodes-cogvideox.cogVideoX');
		expect(videos.map((node) => [node.parameters.model, node.parameters.videoSettings])).toEqual(videos.map(() => ['cogvideox-flash', undefined]));
	});

	it('has the credential, the model table and the error table within its first 150 lines', () => {
		for (const pattern of [/^## Credential$/, /^<!-- model-table:start/, /^\| The error begins with/]) {
			expect(lineOf(pattern)).toBeGreaterThan(0);
			expect(lineOf(pattern)).toBeLessThanOrEqual(150);
		}
	});

	it('gives the two set-up commands: install and test, and a real local n8n', () => {
		expect(text).toMatch(/^npm ci && npm test\b/m);
		expect(text).toMatch(/^npm start\b/m);
	});
});

it('every page under docs/ is linked from the README', () => {
	const linked = new Set(localLinks(README).map((link) => resolve(ROOT, link.split('#')[0])));
	const pages = readdirSync(DOCS).filter((file) => file.endsWith('.md'));
	expect(pages.filter((page) => !linked.has(join(DOCS, page)))).toEqual([]);
});
