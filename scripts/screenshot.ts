/**
 * The README's picture: the sandbox n8n (scripts/start.sh --sandbox, in a fresh user folder) opened in headless
 * Chromium, an example workflow with the CogVideoX node's panel open, saved as docs/screenshot.png.
 *
 *   npm run screenshot                 (SCREENSHOT_OUT=path to write elsewhere)
 *
 * The workflow is run once first (against the stand-in), so the panel shows its input prompts and output videos.
 * It fails, and writes nothing, unless the panel shows the node's own parameters ("Model", "Prompt", ...) and a
 * video/mp4 output, so CI notices when the picture would go stale. Chromium, ports and the sandbox: see
 * test/browser/sandbox.ts (shared with the browser suite, `npm run test:browser`).
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { executeWorkflow, nodeNames, openExample, openNode, waitForGreen } from '../test/browser/editor';
import { REPO, ensureChromium, launchChromium, signIn, startSandbox } from '../test/browser/sandbox';

const OUT = resolve(process.env.SCREENSHOT_OUT ?? join(REPO, 'docs', 'screenshot.png'));
const EXAMPLE_FILE = 'text-to-video.json';
const NODE_NAME = 'Generate Video';
/** Labels the CogVideoX panel must show; without them the picture is not of the node. */
const EXPECTED_LABELS = ['Operation', 'Model', 'Prompt', 'Video Settings'];

const log = (line: string) => process.stderr.write(`[screenshot] ${line}\n`);

async function main(): Promise<void> {
	ensureChromium(log);
	const started = Date.now();
	const work = await mkdtemp(join(tmpdir(), 'cogvideox-screenshot-'));
	const sandbox = await startSandbox(work);
	log(`sandbox ready at ${sandbox.url} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
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
		await mkdir(dirname(OUT), { recursive: true });
		await page.screenshot({ path: `${OUT}.tmp.png` });
		await rename(`${OUT}.tmp.png`, OUT);
		log(`saved ${OUT} (the panel shows ${EXPECTED_LABELS.join(', ')} and the video/mp4 output) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	} finally {
		await context.close().catch(() => undefined);
		await sandbox.stop();
		await rm(work, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`[screenshot] failed: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
