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

/** GitHub's anchor for a heading: lower case, no punctuation but hyphens, spaces as hyphens. */
function anchorOf(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N}\s-]/gu, '')
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

it('the README is for users: the credential, the model table and the error list come within its first 150 lines', () => {
	const lines = readFileSync(README, 'utf8').split('\n');
	const lineOf = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line)) + 1;
	expect(lineOf(/^## Credential$/)).toBeGreaterThan(0);
	expect(lineOf(/^<!-- model-table:start/)).toBeGreaterThan(0);
	expect(lineOf(/^\| The error begins with/)).toBeGreaterThan(0);
	for (const line of [lineOf(/^## Credential$/), lineOf(/^<!-- model-table:start/), lineOf(/^\| The error begins with/)]) expect(line).toBeLessThanOrEqual(150);
});

it('every page under docs/ is linked from the README', () => {
	const linked = new Set(localLinks(README).map((link) => resolve(ROOT, link.split('#')[0])));
	const pages = readdirSync(DOCS).filter((file) => file.endsWith('.md'));
	expect(pages.filter((page) => !linked.has(join(DOCS, page)))).toEqual([]);
});
