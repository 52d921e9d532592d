/**
 * The README's picture: the sandbox n8n (scripts/start.sh --sandbox, in a fresh user folder) opened in headless
 * Chromium, an example workflow with the CogVideoX node's panel open, saved as docs/screenshot.png.
 *
 *   npm run screenshot                 (SCREENSHOT_OUT=path to write elsewhere)
 *
 * The workflow is run once first (against the stand-in), so the panel shows its input prompts and output videos.
 * It fails, and writes nothing, unless the panel shows the node's own parameters ("Model", "Prompt", ...) and a
 * video/mp4 output, so CI
 * (.ci/run) notices when the picture would go stale. Chromium is Debian's (/usr/bin/chromium, or $CHROMIUM_PATH);
 * as root it is installed with apt-get when missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { chromium, type APIRequestContext } from 'playwright-core';

import { SANDBOX_API_KEY } from '../test/standin/cli';

const REPO = resolve(__dirname, '..');
const OUT = resolve(process.env.SCREENSHOT_OUT ?? join(REPO, 'docs', 'screenshot.png'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EXAMPLE_FILE = 'text-to-video.json';
const NODE_NAME = 'Generate Video';
/** Labels the CogVideoX panel must show; without them the picture is not of the node. */
const EXPECTED_LABELS = ['Operation', 'Model', 'Prompt', 'Video Settings'];
const OWNER = { email: process.env.SANDBOX_OWNER_EMAIL ?? 'sandbox@example.com', password: process.env.SANDBOX_OWNER_PASSWORD ?? 'Sandbox-n8n-1' };

const log = (line: string) => process.stderr.write(`[screenshot] ${line}\n`);

function ensureChromium(): void {
	if (existsSync(CHROMIUM)) return;
	if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
	log('installing Debian chromium (apt-get)');
	execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
	execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
		stdio: 'inherit',
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	});
	if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
}

async function freePort(): Promise<number> {
	return await new Promise((resolvePort, reject) => {
		const server = createServer();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
		});
	});
}

/** The id scripts/start.sh gives an example workflow. */
function exampleId(file: string): string {
	return `example${createHash('sha256').update(file).digest('hex').slice(0, 9)}`;
}

/** Starts the sandbox and resolves with its URL once start.sh says it is ready. */
async function startSandbox(userFolder: string, port: number): Promise<{ child: ChildProcess; url: string; output: () => string }> {
	// The broker port must be free too: start.sh uses N8N_PORT + 1 by default.
	const env = { ...process.env, N8N_PORT: String(port), N8N_RUNNERS_BROKER_PORT: String(await freePort()), N8N_SANDBOX_FOLDER: userFolder };
	const child = spawn('bash', [join(REPO, 'scripts', 'start.sh'), '--sandbox'], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const url = await new Promise<string>((resolveUrl, reject) => {
		const timer = setTimeout(() => reject(new Error(`the sandbox was not ready after 5 minutes:\n${output.slice(-3000)}`)), 5 * 60_000);
		child.stderr!.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			const ready = /\[start\] ready: (http:\/\/\S+)/.exec(output);
			if (ready) {
				clearTimeout(timer);
				resolveUrl(ready[1]);
			}
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`scripts/start.sh --sandbox exited (${code}) before it was ready:\n${output.slice(-3000)}`));
		});
	});
	return { child, url, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
	const signal = (name: NodeJS.Signals) => {
		try {
			process.kill(-child.pid!, name); // start.sh, n8n, its task runner and the stand-in: one process group
		} catch {
			/* already gone */
		}
	};
	signal('SIGTERM');
	const timer = setTimeout(() => signal('SIGKILL'), 20_000);
	await exited;
	clearTimeout(timer);
}

/**
 * The credential's Test button, through the same REST call the editor makes: the sandbox's key passes and a wrong
 * one is told apart, against the stand-in API, without creating a task.
 */
async function checkCredentialTest(request: APIRequestContext, n8nUrl: string, startOutput: string): Promise<void> {
	const apiUrl = /points at (\S+);/.exec(startOutput)?.[1];
	if (!apiUrl) throw new Error('start.sh did not say where the stand-in API is');
	for (const [apiKey, expected] of [
		[SANDBOX_API_KEY, 'OK'],
		['wrong-id.wrong-secret', 'Error'],
	] as const) {
		const response = await request.post(`${n8nUrl}/rest/credentials/test`, {
			data: { credentials: { name: 'Test button check', type: 'zhipuAiApi', data: { apiKey, region: 'custom', baseUrl: apiUrl } } },
		});
		const result = ((await response.json()) as { data?: { status?: string; message?: string } }).data;
		if (result?.status !== expected) {
			throw new Error(`the credential Test button gave ${JSON.stringify(result)} for a ${expected === 'OK' ? 'good' : 'wrong'} key`);
		}
	}
	log('the credential Test button passes the sandbox key and refuses a wrong one');
}

async function main(): Promise<void> {
	ensureChromium();
	const started = Date.now();
	const work = await mkdtemp(join(tmpdir(), 'cogvideox-screenshot-'));
	const sandbox = await startSandbox(join(work, 'n8n'), await freePort());
	log(`sandbox ready at ${sandbox.url} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
	const context = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
		viewport: { width: 1440, height: 900 },
		deviceScaleFactor: 1,
		colorScheme: 'light',
		locale: 'en-US',
	});
	try {
		const page = context.pages()[0] ?? (await context.newPage());
		const login = await page.request.post(`${sandbox.url}/rest/login`, {
			data: { emailOrLdapLoginId: OWNER.email, password: OWNER.password },
		});
		if (!login.ok()) throw new Error(`signing in as ${OWNER.email} failed: HTTP ${login.status()} ${await login.text()}`);
		await checkCredentialTest(page.request, sandbox.url, sandbox.output());

		await page.goto(`${sandbox.url}/workflow/${exampleId(EXAMPLE_FILE)}`, { waitUntil: 'domcontentloaded' });
		const node = page.locator(`[data-test-id="canvas-node"][data-node-name="${NODE_NAME}"]`);
		await node.waitFor({ state: 'visible', timeout: 90_000 });
		await page.waitForTimeout(1500); // the canvas fits the view after the nodes appear
		// Run it once against the stand-in, so that the panel shows a real input and output.
		await page.locator('[data-test-id="execute-workflow-button"]').first().click();
		await node.locator('[data-test-id="canvas-node-status-success"]').waitFor({ state: 'attached', timeout: 90_000 });
		await node.dblclick();
		const panel = page.locator('[data-test-id="ndv"]');
		await panel.waitFor({ state: 'visible', timeout: 30_000 });
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
		await stop(sandbox.child);
		await rm(work, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`[screenshot] failed: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
