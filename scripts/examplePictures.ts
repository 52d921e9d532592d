/**
 * The README's small picture of each example's canvas, taken in the sandbox editor by `npm run screenshot`: every node
 * and sticky note of the workflow drawn and in view, the CogVideoX nodes with the package's own icon (a node type n8n
 * does not know gets a question mark), cropped to the drawing and shrunk to PICTURE_WIDTH px as a palette PNG.
 * Each picture carries the canvasFingerprint of the example it shows, so test/unit/examplePictures.test.ts notices
 * a picture that no longer shows its example.
 */
import type { CDPSession, Page } from 'playwright-core';
import sharp from 'sharp';

import { canvasFingerprint, PICTURE_FINGERPRINT_KEY, PICTURE_WIDTH, type ExampleWorkflow } from './examples';
import { withPngText } from './lib/pngText';
import { openExample } from '../test/browser/editor';

/** Drawn at twice the pixels, then shrunk: sharper text than shrinking a 1x screenshot. */
const SUPERSAMPLE = 2;
const MARGIN = 24;
const STICKY = 'n8n-nodes-base.stickyNote';
const OUR_NODES = 'n8n-nodes-cogvideox.';
const DATA_TABLE = 'n8n-nodes-base.dataTable';
/** The editor's floating buttons (zoom, add node, Execute workflow, ...) are not part of the workflow. */
const HIDE_EDITOR_BUTTONS = `
	[data-test-id="canvas-wrapper"] .vue-flow__panel,
	[data-test-id="canvas-wrapper"] button:not(.vue-flow__viewport button) { visibility: hidden !important; }`;

interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

/** What the editor drew of one node or sticky note, read in the page. */
interface Drawn {
	name: string;
	type: string;
	box: Box;
	text: string;
	/** For our nodes: whether the package's icon loaded. */
	ownIcon: boolean;
}

/** Every node and sticky note on the canvas, with the box that holds it and everything it draws (label, handles). */
async function drawnNodes(page: Page): Promise<Drawn[]> {
	return await page.locator('.vue-flow__node [data-node-type]').evaluateAll((elements, ourNodes) => {
		interface Rect {
			left: number;
			top: number;
			right: number;
			bottom: number;
			width: number;
			height: number;
		}
		interface Element {
			getAttribute(name: string): string | null;
			getBoundingClientRect(): Rect;
			checkVisibility(options: { opacityProperty: boolean; visibilityProperty: boolean }): boolean;
			closest(selector: string): Element | null;
			querySelectorAll(selector: string): Iterable<Element>;
			textContent: string | null;
			complete?: boolean;
			naturalWidth?: number;
			src?: string;
		}
		return (elements as unknown as Element[]).map((element) => {
			// Parts that draw nothing until hovered (the node toolbar, a sticky note's resize edges) count for nothing.
			const rects = [element, ...Array.from(element.querySelectorAll('*'))]
				.filter((part) => part.checkVisibility({ opacityProperty: true, visibilityProperty: true }))
				.filter((part) => !part.closest('[data-test-id="canvas-node-toolbar"], .vue-flow__resize-control'))
				.map((part) => part.getBoundingClientRect())
				.filter((rect) => rect.width > 0 && rect.height > 0);
			const left = Math.min(...rects.map((rect) => rect.left));
			const top = Math.min(...rects.map((rect) => rect.top));
			const right = Math.max(...rects.map((rect) => rect.right));
			const bottom = Math.max(...rects.map((rect) => rect.bottom));
			const type = element.getAttribute('data-node-type') ?? '';
			const icons = Array.from(element.querySelectorAll('img')).filter((img) => img.src?.includes('/icons/n8n-nodes-cogvideox/'));
			return {
				name: element.getAttribute('data-node-name') ?? '',
				type,
				box: { x: left, y: top, width: right - left, height: bottom - top },
				text: (element.textContent ?? '').replace(/\s+/g, ' '),
				ownIcon: type.startsWith(ourNodes) && icons.some((img) => img.complete === true && (img.naturalWidth ?? 0) > 0),
			};
		});
	}, OUR_NODES);
}

/** The sticky note's heading, as its markdown starts ("## Text to video" shows "Text to video"). */
const headingOf = (content: unknown) => /^#+\s*(.+)$/m.exec(String(content))?.[1].trim();
/** Letters and digits only: markdown marks and typographic quotes do not count. */
const bare = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/**
 * Why the canvas does not show the workflow, or nothing when it does: a node or sticky note missing, out of view, or
 * drawn without its text; a CogVideoX node without the package's icon.
 */
function problems(workflow: ExampleWorkflow, drawn: Drawn[], view: Box): string[] {
	const found: string[] = [];
	for (const node of workflow.nodes) {
		const shown = drawn.find((candidate) => candidate.name === node.name && candidate.type === node.type);
		if (!shown) {
			found.push(`"${node.name}" (${node.type}) is not on the canvas`);
			continue;
		}
		const { x, y, width, height } = shown.box;
		if (x < view.x || y < view.y || x + width > view.x + view.width || y + height > view.y + view.height) found.push(`"${node.name}" is not wholly in view`);
		if (node.type === STICKY) {
			const heading = headingOf(node.parameters.content);
			if (heading && !bare(shown.text).includes(bare(heading))) found.push(`the sticky note "${node.name}" does not show "${heading}"`);
		} else if (!bare(shown.text).includes(bare(node.name))) found.push(`"${node.name}" is drawn without its name`);
		if (node.type.startsWith(OUR_NODES) && !shown.ownIcon) found.push(`"${node.name}" is drawn without the CogVideoX icon (is the package installed?)`);
	}
	// Every example shows a CogVideoX node, but for the calendar's set-up, which makes its Data Table.
	const shows = (prefix: string) => workflow.nodes.some((node) => node.type.startsWith(prefix));
	if (!shows(OUR_NODES) && !shows(DATA_TABLE)) found.push('the workflow has neither a CogVideoX node nor a Data Table node');
	return found;
}

/** The smallest box around all the boxes, MARGIN wider on each side, kept inside `view`. */
function around(boxes: Box[], view: Box): Box {
	const left = Math.max(view.x, Math.min(...boxes.map((box) => box.x)) - MARGIN);
	const top = Math.max(view.y, Math.min(...boxes.map((box) => box.y)) - MARGIN);
	const right = Math.min(view.x + view.width, Math.max(...boxes.map((box) => box.x + box.width)) + MARGIN);
	const bottom = Math.min(view.y + view.height, Math.max(...boxes.map((box) => box.y + box.height)) + MARGIN);
	return { x: Math.floor(left), y: Math.floor(top), width: Math.ceil(right - left), height: Math.ceil(bottom - top) };
}

/** Waits until the canvas stops moving (n8n fits the view to the nodes once they are drawn). */
async function settled(page: Page): Promise<void> {
	const transform = () => page.locator('.vue-flow__transformationpane').first().evaluate((pane) => (pane as unknown as { style: { transform: string } }).style.transform);
	let last = '';
	for (let reads = 0; reads < 40; reads++) {
		const now = await transform();
		if (reads > 0 && now === last) return;
		last = now;
		await page.waitForTimeout(500);
	}
}

/**
 * Opens the example in the editor and returns its canvas as a PNG, cropped to the drawing, at SUPERSAMPLE times the
 * pixels; throws, saying what is wrong, unless every node and sticky note is drawn in view.
 */
export async function captureCanvas(page: Page, url: string, workflow: ExampleWorkflow): Promise<Buffer> {
	await openExample(page, url, workflow.file);
	await settled(page);
	const canvas = await page.locator('[data-test-id="canvas-wrapper"]').boundingBox();
	if (!canvas) throw new Error(`${workflow.file}: the editor shows no canvas`);
	const drawn = await drawnNodes(page);
	const found = problems(workflow, drawn, canvas);
	if (found.length > 0) throw new Error(`${workflow.file}: the canvas does not show the workflow: ${found.join('; ')}`);
	await page.waitForTimeout(500); // icons and fonts
	return await page.screenshot({ clip: around(drawn.map((node) => node.box), canvas), animations: 'disabled', style: HIDE_EDITOR_BUTTONS });
}

/** Renders the page at SUPERSAMPLE times its pixels until the returned function is called. */
export async function supersampled(page: Page): Promise<() => Promise<void>> {
	const cdp: CDPSession = await page.context().newCDPSession(page);
	const viewport = page.viewportSize() ?? { width: 1440, height: 900 };
	await cdp.send('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: SUPERSAMPLE, mobile: false });
	return async () => {
		await cdp.send('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: 1, mobile: false });
		await cdp.detach();
	};
}

/** The capture shrunk to PICTURE_WIDTH (never enlarged), as a palette PNG carrying the example's fingerprint. */
export async function pictureOf(capture: Buffer, workflow: ExampleWorkflow): Promise<Buffer> {
	const png = await sharp(capture)
		.resize({ width: PICTURE_WIDTH, withoutEnlargement: true, kernel: 'lanczos3' })
		.png({ palette: true, quality: 90, effort: 10, compressionLevel: 9 })
		.toBuffer();
	return withPngText(png, PICTURE_FINGERPRINT_KEY, canvasFingerprint(workflow));
}
