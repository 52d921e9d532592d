/**
 * The sandbox (scripts/start.sh --sandbox) in a fresh user folder, and Debian's Chromium to drive its editor: shared by
 * the browser suite (firstHour.browser.ts) and `npm run screenshot`.
 *
 * - Chromium is /usr/bin/chromium (or $CHROMIUM_PATH); as root it is installed with apt-get when missing. The flags
 *   keep it off the network it cannot reach here (no background requests, no component updates).
 * - n8n and its task-runner broker take the first two free ports from $BROWSER_PORT_BASE (default 5800) upwards; the
 *   stand-in's servers take ports the system picks. start.sh, n8n, its runner and the stand-in are one process group,
 *   stopped together.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import type { StandinInfo, TaskLog, UploadLog } from '../standin/cli';

export const REPO = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The owner account start.sh presets in the sandbox. */
export const OWNER = {
	email: process.env.SANDBOX_OWNER_EMAIL ?? 'sandbox@example.com',
	password: process.env.SANDBOX_OWNER_PASSWORD ?? 'Sandbox-n8n-1',
};
const READY_TIMEOUT_MS = 5 * 60_000;

export type Log = (line: string) => void;

export function ensureChromium(log: Log): void {
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

/** Headless Chromium with a profile of its own, in English, at a fixed window size. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
	return await chromium.launchPersistentContext(profileDir, {
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
			// The output panel's <video> plays without a click, as a person's would after pressing View.
			'--autoplay-policy=no-user-gesture-required',
		],
		viewport: { width: 1440, height: 900 },
		deviceScaleFactor: 1,
		colorScheme: 'light',
		locale: 'en-US',
	});
}

function portIsFree(port: number): Promise<boolean> {
	return new Promise((resolveFree) => {
		const server = createServer();
		server.once('error', () => resolveFree(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
	});
}

/** The first `count` free ports from `base` upwards. */
async function freePorts(base: number, count: number): Promise<number[]> {
	const ports: number[] = [];
	for (let port = base; ports.length < count && port < base + 100; port++) {
		if (await portIsFree(port)) ports.push(port);
	}
	if (ports.length < count) throw new Error(`no ${count} free ports between ${base} and ${base + 99} (BROWSER_PORT_BASE)`);
	return ports;
}

export interface Sandbox {
	/** The editor, e.g. http://localhost:5800. */
	url: string;
	/** The stand-in's addresses (test/standin/cli.ts). */
	standin: StandinInfo;
	/** Everything start.sh, n8n and the stand-in printed so far. */
	output(): string;
	/** The stand-in's task log. */
	taskLog(): Promise<TaskLog>;
	/** What the stand-in's file host was sent with PUT /uploads/<name> and kept (the calendar's stored videos). */
	uploads(): Promise<UploadLog['uploads']>;
	/** The same, with every upload (refused ones included) and the calendar's failure reports. */
	uploadLog(): Promise<UploadLog>;
	stop(): Promise<void>;
}

/** Starts the sandbox with its user folder and stand-in info under `workDir`; resolves once start.sh says it is ready. */
export async function startSandbox(workDir: string): Promise<Sandbox> {
	const [port, brokerPort] = await freePorts(Number(process.env.BROWSER_PORT_BASE ?? 5800), 2);
	const infoFile = join(workDir, 'standin.json');
	const env = {
		...process.env,
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_SANDBOX_FOLDER: join(workDir, 'n8n'),
		SANDBOX_STANDIN_INFO: infoFile,
		// start.sh gives up (and says why) before this waits no longer.
		N8N_READY_TIMEOUT: String(READY_TIMEOUT_MS / 1000 - 20),
	};
	const child = spawn('bash', [join(REPO, 'scripts', 'start.sh'), '--sandbox'], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const stop = () => stopGroup(child);
	try {
		const url = await new Promise<string>((resolveUrl, reject) => {
			const timer = setTimeout(() => reject(new Error(`the sandbox was not ready after ${READY_TIMEOUT_MS / 60_000} minutes:\n${output.slice(-3000)}`)), READY_TIMEOUT_MS);
			child.stderr!.on('data', () => {
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
		const standin = JSON.parse(await readFile(infoFile, 'utf8')) as StandinInfo;
		const control = async (path: string) => (await fetch(`${standin.controlUrl}${path}`)).json();
		const taskLog = async () => (await control('/tasks')) as TaskLog;
		const uploadLog = async () => (await control('/uploads')) as UploadLog;
		const uploads = async () => (await uploadLog()).uploads;
		return { url, standin, output: () => output, taskLog, uploads, uploadLog, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

/** SIGTERM to the whole group (start.sh, n8n, its task runner, the stand-in), SIGKILL after 20 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
	const signal = (name: NodeJS.Signals) => {
		try {
			process.kill(-child.pid!, name);
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
 * Signs in through the editor's sign-in form, as a person does. If the form never shows, the error says what the page
 * showed instead (n8n's owner setup, say, when start.sh could not preset the owner).
 */
export async function signIn(page: Page, url: string): Promise<void> {
	const email = page.locator('input[name="emailOrLdapLoginId"]');
	await page.goto(`${url}/signin`, { waitUntil: 'domcontentloaded' });
	// The editor's first load in a fresh profile (megabytes of scripts) can take over 30 s on a busy machine.
	await email.waitFor({ state: 'visible', timeout: 2 * 60_000 }).catch(async (error: Error) => {
		const shown = await page
			.locator('body')
			.innerText({ timeout: 5_000 })
			.catch(() => '(the page could not be read)');
		throw new Error(
			`the sign-in form did not appear at ${url}/signin; the page is ${page.url()} and shows: ` +
				`${JSON.stringify(shown.replace(/\s+/g, ' ').trim().slice(0, 300))} (${error.message.split('\n')[0]})`,
		);
	});
	await email.fill(OWNER.email);
	await page.locator('input[name="password"]').fill(OWNER.password);
	await page.locator('[data-test-id="form-submit-button"]').click();
	await page.waitForURL((address) => !address.pathname.startsWith('/signin'), { timeout: 30_000 });
}
