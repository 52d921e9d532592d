/**
 * What a person does in n8n's editor, as Playwright steps: open a workflow, run it with its button (or from one of its
 * triggers) and wait for the nodes to turn green, open a node, view an output binary, search the node panel, read a
 * Data Table's rows. Written against n8n 2.8.4's data-test-id attributes.
 */
import type { Locator, Page } from 'playwright-core';

import { exampleId } from '../../scripts/examples';

const MINUTE = 60_000;

const canvasNode = (page: Page, name: string): Locator => page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);

/** Opens an imported example (by its file in examples/) and waits for its nodes to be drawn. */
export async function openExample(page: Page, url: string, file: string): Promise<void> {
	await page.goto(`${url}/workflow/${exampleId(file)}`, { waitUntil: 'domcontentloaded' });
	await page.locator('[data-test-id="canvas-node"]').first().waitFor({ state: 'visible', timeout: MINUTE });
}

/** The names of the nodes on the canvas (sticky notes are not nodes here). */
export async function nodeNames(page: Page): Promise<string[]> {
	return await page.locator('[data-test-id="canvas-node"]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-node-name') ?? ''));
}

/** What n8n's toasts say right now (run results, errors). */
export async function toasts(page: Page): Promise<string[]> {
	return (await page.locator('.el-notification').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
}

/**
 * Waits until every named node shows n8n's green check. Fails as soon as n8n reports a problem, or after the
 * timeout, saying which nodes are green and what n8n said.
 */
export async function waitForGreen(page: Page, names: string[], timeoutMs = 2 * MINUTE): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const green = await Promise.all(names.map((name) => canvasNode(page, name).locator('[data-test-id="canvas-node-status-success"]').count()));
		if (green.every((count) => count > 0)) return;
		const said = await toasts(page);
		const problem = said.find((text) => /problem|error|failed/i.test(text));
		if (problem || Date.now() > deadline) {
			const state = names.map((name, index) => `${name}: ${green[index] ? 'green' : 'not green'}`).join('; ');
			throw new Error(`${problem ? `n8n reported: ${problem}` : `not all nodes were green after ${timeoutMs / 1000} s`} (${state})`);
		}
		await page.waitForTimeout(500);
	}
}

/** The names of the nodes that show n8n's green check. */
export async function greenNodes(page: Page): Promise<string[]> {
	return await page
		.locator('[data-test-id="canvas-node"]:has([data-test-id="canvas-node-status-success"])')
		.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-node-name') ?? ''));
}

/** Presses the canvas's Execute workflow button. */
export async function executeWorkflow(page: Page): Promise<void> {
	await page.locator('[data-test-id="execute-workflow-button"]').first().click();
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Runs a workflow that has several triggers from the one named, as the editor offers it: the Execute workflow button
 * runs from the trigger it names under its label ("from Every 5 Minutes"), and the menu of the chevron beside it
 * ("Select trigger node") picks another; picking only relabels the button, so it is pressed after.
 */
export async function executeWorkflowFrom(page: Page, trigger: string): Promise<void> {
	const button = page.locator('[data-test-id="execute-workflow-button"]').first();
	await page.getByRole('button', { name: 'Select trigger node' }).click();
	await page
		.getByRole('menuitem', { name: `from ${trigger}`, exact: true })
		.click({ timeout: 10_000 })
		.catch(async () => {
			const offered = await page.getByRole('menuitem').filter({ hasText: /^\s*from / }).allInnerTexts();
			throw new Error(`the Execute workflow button's menu offers no "from ${trigger}"; it offers: ${offered.map((item) => item.trim()).join(' | ') || 'nothing'}`);
		});
	// The label names the trigger, shortened in the middle when long ("from When clicking ‘…workflow’").
	let shown = '';
	for (let reads = 0; reads < 20; reads++) {
		shown = (await button.innerText()).replace(/\s+/g, ' ').trim();
		const named = /\bfrom (.+)$/.exec(shown)?.[1];
		if (named && new RegExp(`^${named.split('…').map(escapeRegExp).join('.*')}$`).test(trigger)) return await button.click();
		await page.waitForTimeout(250);
	}
	throw new Error(`after choosing "from ${trigger}" in its menu, the Execute workflow button says "${shown}"`);
}

/** Opens a node's panel (NDV) by double-clicking it on the canvas. */
export async function openNode(page: Page, name: string): Promise<Locator> {
	await canvasNode(page, name).dblclick();
	const panel = page.locator('[data-test-id="ndv"]');
	await panel.waitFor({ state: 'visible', timeout: 30_000 });
	return panel;
}

/** The parts of a DOM <video> read here (the repository compiles without the DOM library). */
interface VideoElement {
	duration: number;
	currentTime: number;
	videoWidth: number;
	videoHeight: number;
	readyState: number;
	muted: boolean;
	error: { code: number; message: string } | null;
	play(): Promise<void>;
	addEventListener(type: string, listener: () => void, options: { once: boolean }): void;
}

export interface Playback {
	duration: number;
	currentTime: number;
	width: number;
	height: number;
	error?: string;
}

/**
 * Presses View on the first binary of an open panel's output and lets the <video> play for a moment: the figures
 * a person would see (it has a length, the picture moves, it has a size).
 */
export async function viewFirstBinaryVideo(panel: Locator): Promise<Playback> {
	await panel.locator('[data-test-id="output-panel"] [data-test-id="ndv-view-binary-data"]').first().click();
	const video = panel.page().locator('video').first();
	await video.waitFor({ state: 'attached', timeout: 30_000 });
	return await video.evaluate(async (node) => {
		const element = node as unknown as VideoElement;
		const figures = (error?: string) => ({ duration: element.duration, currentTime: element.currentTime, width: element.videoWidth, height: element.videoHeight, error });
		const loaded = new Promise<string | undefined>((resolveLoaded) => {
			if (element.readyState >= 2) return resolveLoaded(undefined);
			element.addEventListener('loadeddata', () => resolveLoaded(undefined), { once: true });
			element.addEventListener('error', () => resolveLoaded(`media error ${element.error?.code}: ${element.error?.message}`), { once: true });
			setTimeout(() => resolveLoaded('no video data after 20 s'), 20_000);
		});
		const error = await loaded;
		if (error) return figures(error);
		element.muted = true;
		await element.play();
		await new Promise((resolveWait) => setTimeout(resolveWait, 1500));
		return figures();
	});
}

/** Types a search into the open node panel ("What happens next?") and returns the names it lists, in order. */
export async function searchNodePanel(page: Page, words: string): Promise<string[]> {
	await page.locator('[data-test-id="node-creator-search-bar"]').fill(words);
	const names = page.locator('[data-test-id="node-creator-item-name"]');
	// The list updates as one types: read it until it holds still.
	let shown: string[] = [];
	for (let reads = 0; reads < 20; reads++) {
		await page.waitForTimeout(250);
		const now = (await names.allInnerTexts()).map((name) => name.trim());
		if (reads > 0 && now.join('\n') === shown.join('\n')) break;
		shown = now;
	}
	return shown;
}

/** The parts of the DOM read in the Data Table's grid (the repository compiles without the DOM library). */
interface GridElement {
	getAttribute(name: string): string | null;
	querySelector(selector: string): GridElement | null;
	querySelectorAll(selector: string): Iterable<GridElement>;
	textContent: string | null;
	innerText: string;
}

/**
 * Opens a Data Table from Overview → Data tables, as a person looks at what a workflow wrote, and reads the named
 * columns of each row in the grid, top to bottom. Fails, saying what the page lists, when the table or a column is
 * not shown.
 */
export async function dataTableRows(page: Page, url: string, table: string, columns: string[]): Promise<Array<Record<string, string>>> {
	await page.goto(`${url}/home/datatables`, { waitUntil: 'domcontentloaded' });
	const cards = page.locator('[data-test-id="data-table-card-name"]');
	await cards
		.filter({ hasText: new RegExp(`^\\s*${escapeRegExp(table)}\\s*$`) })
		.click({ timeout: 30_000 })
		.catch(async () => {
			const listed = (await cards.allInnerTexts()).map((name) => name.trim());
			throw new Error(`Overview → Data tables lists no "${table}"; it lists: ${listed.join(' | ') || 'no table'}`);
		});
	const grid = page.locator('[data-test-id="data-table-grid"]');
	await grid.locator('.ag-center-cols-container .ag-row').first().waitFor({ state: 'visible', timeout: 30_000 });
	// The grid draws only the columns in view: a window wide enough for every column, as a person scrolls to them.
	const viewport = page.viewportSize();
	if (viewport) await page.setViewportSize({ width: Math.max(viewport.width, WIDE_GRID_PX), height: viewport.height });
	try {
		const last = grid.locator('[data-test-id="data-table-column-header-text"]').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(columns.at(-1) ?? '')}\\s*$`) });
		await last.first().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
		return await readGrid(grid, columns);
	} finally {
		if (viewport) await page.setViewportSize(viewport);
	}
}

/** Wide enough for the video calendar's twelve columns and the grid's own. */
const WIDE_GRID_PX = 3600;

/** The named columns of each row the grid draws, top to bottom; fails naming the columns it shows when one is not. */
async function readGrid(grid: Locator, columns: string[]): Promise<Array<Record<string, string>>> {
	return await grid.evaluate((element, wanted) => {
		const root = element as unknown as GridElement;
		const headers = new Map<string, string>();
		for (const header of root.querySelectorAll('.ag-header-cell')) {
			const name = header.querySelector('[data-test-id="data-table-column-header-text"]')?.innerText.trim();
			if (name) headers.set(name, header.getAttribute('col-id') ?? '');
		}
		const missing = wanted.filter((name) => !headers.has(name));
		if (missing.length) throw new Error(`the grid shows no column ${missing.join(', ')}; it shows: ${[...headers.keys()].join(', ')}`);
		const rows = Array.from(root.querySelectorAll('.ag-center-cols-container .ag-row'));
		rows.sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')));
		return rows.map((row) =>
			Object.fromEntries(wanted.map((name) => [name, (row.querySelector(`.ag-cell[col-id="${headers.get(name)}"]`)?.textContent ?? '').trim()])),
		);
	}, columns);
}
