/**
 * The README's pictures, from the sandbox n8n (scripts/start.sh --sandbox, in a fresh user folder) opened in headless
 * Chromium:
 * - docs/screenshot.png: an example workflow with the CogVideoX node's panel open;
 * - docs/examples/<example>.png: the canvas of every workflow in examples/, small (scripts/examplePictures.ts).
 *
 *   npm run screenshot       SCREENSHOT_OUT=file.png writes the first picture there, and the canvases beside it
 *                            in file-examples/ (SCREENSHOT_EXAMPLES_DIR=folder puts them elsewhere)
 *
 * The workflow is run once first (against the stand-in), so the panel shows its input prompts and output videos.
 * It fails, and writes nothing, unless the panel shows the node's own parameters ("Model", "Prompt", ...) and a
 * video/mp4 output, and every example's canvas shows all its nodes and sticky notes, the CogVideoX nodes with their
 * own icon; so CI notices when a picture would go stale. Chromium, ports and the sandbox: see test/browser/sandbox.ts
 * (shared with the browser suite, `npm run test:browser`).
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

import { captureCanvas, pictureOf, supersampled } from './examplePictures';
import { EXAMPLE_PICTURES_DIR, examplePictureFile, exampleWorkflows } from './examples';
import { executeWorkflow, nodeNames, openExample, openNode, waitForGreen } from '../test/browser/editor';
import { REPO, ensureChromium, launchChromium, signIn, startSandbox } from '../test/browser/sandbox';

const OUT = resolve(process.env.SCREENSHOT_OUT ?? join(REPO, 'docs', 'screenshot.png'));
const EXAMPLES_OUT = resolve(
	process.env.SCREENSHOT_EXAMPLES_DIR ?? (process.env.SCREENSHOT_OUT ? OUT.replace(/(\.png)?$/i, '-examples') : EXAMPLE_PICTURES_DIR),
);
const EXAMPLE_FILE = 'text-to-video.json';
const NODE_NAME = 'Generate Video';
/** Labels the CogVideoX panel must show; without them the picture is not of the node. */
const EXPECTED_LABELS = ['Operation', 'Model Name or ID', 'Prompt', 'Video Settings'];

const started = Date.now();
const log = (line: string) => process.stderr.write(`[screenshot] ${((Date.now() - started) / 1000).toFixed(0)} s: ${line}\n`);

async function main(): Promise<void> {
	ensureChromium(log);
	const work = await mkdtemp(join(tmpdir(), 'cogvideox-screenshot-'));
	const sandbox = await startSandbox(work);
	log(`sandbox ready at ${sandbox.url}`);
	const context = await launchChromium(join(work, 'chromium-profile'));
	try {
		const page = context.pages()[0] ?? (await context.newPage());
		await signIn(page, sandbox.url);
		await openExample(page, sandbox.url, EXAMPLE_FILE);
		await page.waitForTimeout(1500); // the canvas fits the view after the nodes appear
		// Run it once against the stand-in, so that the panel shows a real input and output.
		await executeWorkflow(page);
		await waitForGreen(page, await nodeNames(page));
		const panel = await openNode(page, NODE_NAME);
		for (const label of EXPECTED_LABELS) {
			await panel.getByText(label, { exact: true }).first().waitFor({ state: 'visible', timeout: 15_000 });
		}
		// The output side shows the videos the run produced.
		await panel.getByText('video/mp4').first().waitFor({ state: 'visible', timeout: 15_000 });
		await page.waitForTimeout(1000); // let icons and fonts settle
		const screenshot = await page.screenshot();
		log(`the panel shows ${EXPECTED_LABELS.join(', ')} and the video/mp4 output`);

		const pictures = new Map<string, Buffer>();
		const normalPixels = await supersampled(page);
		for (const workflow of exampleWorkflows()) {
			const picture = await pictureOf(await captureCanvas(page, sandbox.url, workflow), workflow);
			pictures.set(examplePictureFile(workflow.file), picture);
			log(`${workflow.file}: every node and sticky note drawn (${(picture.length / 1024).toFixed(0)} KiB)`);
		}
		await normalPixels();

		// Written only once every picture was taken, each file whole (renamed into place).
		await writeWhole(OUT, screenshot);
		for (const [file, picture] of pictures) await writeWhole(join(EXAMPLES_OUT, file), picture);
		log(`saved ${OUT} and ${pictures.size} canvases in ${relative(REPO, EXAMPLES_OUT) || EXAMPLES_OUT}/`);
	} finally {
		await context.close().catch(() => undefined);
		await sandbox.stop();
		await rm(work, { recursive: true, force: true });
	}
}

async function writeWhole(path: string, content: Buffer): Promise<void> {
	await mkdir(dirname(path), { recursive: true });
	await writeFile(`${path}.tmp`, content);
	await rename(`${path}.tmp`, path);
}

main().catch((error: unknown) => {
	process.stderr.write(`[screenshot] failed: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
