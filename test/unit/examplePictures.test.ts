// The README's picture of each example's canvas (docs/examples/, made by `npm run screenshot`): committed for every
// example, made from the example as it is now, small, and shown in the README's Example section with alt text.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { imageSize } from 'image-size';

import { canvasFingerprint, EXAMPLE_PICTURES_DIR, examplePictureFile, exampleWorkflows, PICTURE_FINGERPRINT_KEY, PICTURE_WIDTH } from '../../scripts/examples';
import { pngText } from '../../scripts/lib/pngText';

const README = join(__dirname, '..', '..', 'README.md');
/** A picture bigger than this is not a small README picture (and would bloat the repository). */
const MAX_BYTES = 120 * 1024;
const REFRESH = 'run `npm run screenshot` to make it again';

const examples = exampleWorkflows();

/** The README's Example section: from its heading to the next second-level heading. */
function exampleSection(): string {
	const readme = readFileSync(README, 'utf8');
	const start = readme.search(/^## Examples?\b/m);
	if (start < 0) throw new Error('README.md has no "## Example" section');
	const end = readme.slice(start + 3).search(/^## /m);
	return end < 0 ? readme.slice(start) : readme.slice(start, start + 3 + end);
}

/** The alt text of each picture the section shows (![alt](docs/examples/NAME.png) or <img src=... alt=...>), by NAME.png. */
function sectionImages(): Map<string, string> {
	const section = exampleSection();
	const images = new Map<string, string>();
	for (const [, alt, picture] of section.matchAll(/!\[([^\]]*)\]\(docs\/examples\/([^)\s]+\.png)\)/g)) images.set(picture, alt);
	for (const [tag] of section.matchAll(/<img\s[^>]*>/g)) {
		const picture = /\ssrc="docs\/examples\/([^"]+\.png)"/.exec(tag)?.[1];
		if (picture) images.set(picture, /\salt="([^"]*)"/.exec(tag)?.[1] ?? '');
	}
	return images;
}

describe.each(examples.map((workflow) => [workflow.file, workflow] as const))('%s', (file, workflow) => {
	const picture = examplePictureFile(file);
	const path = join(EXAMPLE_PICTURES_DIR, picture);

	it(`has its canvas in docs/examples/${picture}, made from the example as it is now`, () => {
		if (!existsSync(path)) throw new Error(`docs/examples/${picture} is missing: ${REFRESH}`);
		const made = pngText(readFileSync(path), PICTURE_FINGERPRINT_KEY);
		if (made !== canvasFingerprint(workflow)) throw new Error(`docs/examples/${picture} shows an older canvas of ${file}: ${REFRESH}`);
	});

	it('is a small picture', () => {
		const png = readFileSync(path);
		const { width, height, type } = imageSize(png);
		expect(type).toBe('png');
		expect(width).toBe(PICTURE_WIDTH);
		expect(height).toBeLessThan(width);
		expect(png.length).toBeLessThan(MAX_BYTES);
	});

	it('is shown in the README Example section, with alt text that names its CogVideoX nodes (the calendar set-up: its Data Table nodes)', () => {
		const alt = sectionImages().get(picture);
		if (alt === undefined) throw new Error(`README.md's Example section does not show docs/examples/${picture}`);
		const ofType = (prefix: string) => workflow.nodes.filter((node) => node.type.startsWith(prefix)).map((node) => node.name);
		const ours = ofType('n8n-nodes-cogvideox.');
		const named = ours.length ? ours : ofType('n8n-nodes-base.dataTable');
		expect(named.length).toBeGreaterThan(0);
		for (const name of named) expect(alt).toContain(name);
	});
});

it('docs/examples/ holds no picture of a workflow that is not in examples/', () => {
	const pictures = examples.map((workflow) => examplePictureFile(workflow.file));
	const strays = readdirSync(EXAMPLE_PICTURES_DIR).filter((file) => !pictures.includes(file));
	expect(strays).toEqual([]);
	expect([...sectionImages().keys()].filter((picture) => !pictures.includes(picture))).toEqual([]);
});
