/**
 * A newcomer's first hour in the sandbox's editor, in headless Chromium: sign in, make a Zhipu AI credential and test
 * it, run every example (each with its Execute workflow button, the AI Agent one through its chat) until every node
 * is green, play the videos in the output panel, run the video calendar's two workflows in their order and read its
 * Data Table, find the node in the node panel, and try one bad input.
 *
 *   npm run test:browser                  (its own sandbox in a fresh temp folder, removed afterwards)
 *
 * On a failure the page is saved as .tmp/browser/<test>.png and the message says what the editor showed.
 * See sandbox.ts for Chromium, ports and the environment variables.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BrowserContext, Locator, Page } from 'playwright-core';

import { exampleWorkflows, type ExampleWorkflow } from '../../scripts/examples';
import { FINAL_ANSWER_PREFIX } from '../e2e/chatModel';
import type { TaskLog } from '../standin/cli';
import {
	dataTableRows,
	executeWorkflow,
	executeWorkflowFrom,
	greenNodes,
	nodeNames,
	openExample,
	openNode,
	searchNodePanel,
	toasts,
	viewFirstBinaryVideo,
	waitForGreen,
} from './editor';
import { REPO, ensureChromium, launchChromium, signIn, startSandbox, type Sandbox } from './sandbox';

const MINUTE = 60_000;
const NODE_TYPE = 'n8n-nodes-cogvideox.cogVideoX';
const CHAT_TRIGGER = '@n8n/n8n-nodes-langchain.chatTrigger';
/** What a newcomer might type to find the node. */
const SEARCH_WORDS = ['Zhipu', 'GLM', 'Vidu', 'CogVideoX', 'text to video', 'image to video'];
const FAILURES_DIR = join(REPO, '.tmp', 'browser');

const examples = exampleWorkflows();
const hasChatTrigger = (workflow: ExampleWorkflow) => workflow.nodes.some((node) => node.type === CHAT_TRIGGER);
/** The video calendar's three workflows work through one Data Table in turn: they run in their own test, in order. */
const isCalendar = (workflow: ExampleWorkflow) => workflow.file.startsWith('calendar-');
const buttonExamples = examples.filter((workflow) => !hasChatTrigger(workflow) && !isCalendar(workflow));
const chatExamples = examples.filter(hasChatTrigger);
const calendarExamples = examples.filter(isCalendar);

let work: string;
let sandbox: Sandbox;
let browser: BrowserContext;
let page: Page;
/** The credential the newcomer made in the form, by the name the editor gave it. */
let credentialName: string | undefined;

/** Runs a step; on failure, saves the page and adds what n8n's notifications said to the error. */
async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
	try {
		return await body();
	} catch (error) {
		await mkdir(FAILURES_DIR, { recursive: true });
		const file = join(FAILURES_DIR, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
		const saved = await page?.screenshot({ path: file }).then(() => true, () => false);
		const said = page ? await toasts(page).catch(() => []) : [];
		const context = [saved ? `the page: ${file}` : '', said.length ? `n8n said: ${said.join(' | ')}` : ''].filter(Boolean).join('\n');
		if (error instanceof Error && context) error.message += `\n${context}`;
		throw error;
	}
}

/** The stand-in's task log before and after a body, as the change in create calls, tasks and key checks. */
async function taskLogChange(body: () => Promise<void>): Promise<{ creates: number; tasks: TaskLog['tasks']; keyChecks: number }> {
	const before = await sandbox.taskLog();
	await body();
	const after = await sandbox.taskLog();
	const known = new Set(before.tasks.map((task) => task.id));
	return { creates: after.creates - before.creates, tasks: after.tasks.filter((task) => !known.has(task.id)), keyChecks: after.keyChecks - before.keyChecks };
}

/** Opens an example and checks that the canvas shows its nodes (sticky notes are not nodes). */
async function openWhole(workflow: ExampleWorkflow): Promise<string[]> {
	await openExample(page, sandbox.url, workflow.file);
	const names = await nodeNames(page);
	expect([...names].sort()).toEqual(workflow.nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote').map((node) => node.name).sort());
	return names;
}

/** Presses View on a node's first output binary: the video has a length, plays, and is the sandbox's 640×360 clip. */
async function expectViewPlays(nodeName: string): Promise<void> {
	const panel = await openNode(page, nodeName);
	const playback = await viewFirstBinaryVideo(panel);
	expect(playback.error).toBeUndefined();
	expect(playback.duration).toBeGreaterThan(0);
	expect(playback.currentTime).toBeGreaterThan(0); // it played
	expect({ width: playback.width, height: playback.height }).toEqual({ width: 640, height: 360 });
	await page.keyboard.press('Escape');
}

beforeAll(async () => {
	const log = (line: string) => process.stderr.write(`[browser] ${line}\n`);
	ensureChromium(log);
	work = await mkdtemp(join(tmpdir(), 'cogvideox-browser-'));
	const started = Date.now();
	sandbox = await startSandbox(work);
	log(`sandbox ready at ${sandbox.url} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	browser = await launchChromium(join(work, 'chromium-profile'));
	page = browser.pages()[0] ?? (await browser.newPage());
	await signIn(page, sandbox.url);
}, 8 * MINUTE);

afterAll(async () => {
	await browser?.close().catch(() => undefined);
	await sandbox?.stop();
	if (work) await rm(work, { recursive: true, force: true });
}, MINUTE);

test('after signing in with the sandbox owner account, Overview lists every example', async () => {
	await step('overview', async () => {
		await page.goto(`${sandbox.url}/home/workflows`, { waitUntil: 'domcontentloaded' });
		const names = page.locator('[data-test-id="workflow-card-name"]');
		await names.first().waitFor({ state: 'visible', timeout: 30_000 });
		expect((await names.allInnerTexts()).map((name) => name.trim()).sort()).toEqual(examples.map((workflow) => workflow.name).sort());
	});
});

describe('a Zhipu AI credential made in the editor form', () => {
	let dialog: Locator;

	const PASSED = 'Connection tested successfully';
	const REFUSED = /Couldn.t connect with these settings/;

	/** Waits until the banner shows `expected`; fails saying what it shows instead. */
	async function verdictBecomes(expected: string | RegExp): Promise<void> {
		const visible = dialog.getByText(expected).filter({ visible: true });
		try {
			await visible.waitFor({ state: 'visible', timeout: 30_000 });
		} catch {
			const shown = await dialog.getByText(/Connection tested successfully|Couldn.t connect/).filter({ visible: true }).allInnerTexts();
			throw new Error(`the credential test did not say "${String(expected)}"; the form shows: ${shown.join(' | ') || 'no verdict'}`);
		}
	}

	/** What the editor's credential test call answered, once the form shows `expected`. */
	async function credentialTest(press: () => Promise<void>, expected: string | RegExp): Promise<{ status?: string; message?: string }> {
		const answer = page.waitForResponse((response) => response.request().method() === 'POST' && response.url().includes('/rest/credentials/test'), { timeout: 30_000 });
		await press();
		const result = ((await (await answer).json()) as { data?: { status?: string; message?: string } }).data ?? {};
		await verdictBecomes(expected);
		return result;
	}

	/** Saves the form, which tests the credential. */
	const saveAndTest = (expected: string | RegExp) => credentialTest(() => page.locator('[data-test-id="credential-save-button"]').click(), expected);

	/** Presses the verdict banner's Retry button, which runs the credential test again. */
	const pressTest = (expected: string | RegExp) =>
		credentialTest(() => dialog.locator('button[title="Retry credential test"]').filter({ visible: true }).click(), expected);

	test('Test refuses a wrong key with a message a person understands', async () => {
		await step('credential wrong key', async () => {
			await page.goto(`${sandbox.url}/home/credentials`, { waitUntil: 'domcontentloaded' });
			await page.locator('[data-test-id="add-resource-credential"]').click();
			await page.locator('[data-test-id="new-credential-type-select"]').click();
			await page.keyboard.type('Zhipu');
			await page.locator('[data-test-id="new-credential-type-select-option"]').filter({ hasText: 'Zhipu AI API' }).click();
			await page.locator('[data-test-id="new-credential-type-button"]').click();
			dialog = page.locator('[data-test-id="credential-edit-dialog"]');
			await dialog.locator('[data-test-id="parameter-input-apiKey"] input').fill('wrong-id.wrong-secret');
			await dialog.locator('[data-test-id="parameter-input-region"]').click();
			await page.getByRole('option', { name: 'Custom Base URL' }).click();
			await dialog.locator('[data-test-id="parameter-input-baseUrl"] input').fill(sandbox.standin.apiUrl);

			const change = await taskLogChange(async () => {
				const saved = await saveAndTest(REFUSED);
				expect(saved.status).toBe('Error');
				// The reason shows under the banner, in one line a person can act on.
				await dialog.getByText('More details').click();
				const reason = dialog.getByText(saved.message ?? 'no message').filter({ visible: true });
				await reason.waitFor({ state: 'visible', timeout: 10_000 });
				expect(saved.message).toMatch(/^(Authorization failed - please check your credentials|The API key was rejected\. .*)$/);
				expect(await pressTest(REFUSED)).toEqual(saved);
			});
			// Both tests reached the API with the wrong key (n8n tries a refused request twice); no paid task.
			expect(change.keyChecks).toBeGreaterThanOrEqual(2);
			expect(change).toMatchObject({ creates: 0, tasks: [] });
		});
	}, 2 * MINUTE);

	test('Test passes the right key, and creates no task', async () => {
		await step('credential good key', async () => {
			const change = await taskLogChange(async () => {
				await dialog.locator('[data-test-id="parameter-input-apiKey"] input').fill(sandbox.standin.apiKey);
				expect(await saveAndTest(PASSED)).toMatchObject({ status: 'OK' });
				expect(await pressTest(PASSED)).toMatchObject({ status: 'OK' });
			});
			expect(change).toMatchObject({ keyChecks: 2, creates: 0, tasks: [] });
			credentialName = (await page.locator('[data-test-id="editCredential-modal"] [data-test-id="credential-name"]').innerText()).trim();
			expect(credentialName).toMatch(/Zhipu AI/);
			await page.keyboard.press('Escape');
		});
	}, 2 * MINUTE);
});

describe('every example runs green in the sandbox', () => {
	test.each(buttonExamples.map((workflow) => [workflow.name, workflow] as const))(
		'"%s": Execute workflow turns every node green, and View plays its video',
		async (_name, workflow) => {
			await step(`run ${workflow.file}`, async () => {
				const names = await openWhole(workflow);
				const change = await taskLogChange(async () => {
					await executeWorkflow(page);
					await waitForGreen(page, names);
				});
				expect(change.tasks.length).toBeGreaterThan(0);
				expect(change.tasks.every((task) => task.status === 'SUCCESS')).toBe(true);

				// The last CogVideoX node of the flow holds the video: its output's View plays it.
				await expectViewPlays(workflow.nodes.filter((node) => node.type === NODE_TYPE).at(-1)!.name);
			});
		},
		3 * MINUTE,
	);

	test.each(chatExamples.map((workflow) => [workflow.name, workflow] as const))(
		'"%s": a chat message makes one video, the agent answers with it, every node it used turns green',
		async (_name, workflow) => {
			await step(`chat ${workflow.file}`, async () => {
				await openExample(page, sandbox.url, workflow.file);
				await page.locator('[data-test-id="workflow-chat-button"]').click();
				const input = page.locator('textarea[data-test-id="chat-input"]');
				let answer = '';
				const change = await taskLogChange(async () => {
					await input.fill('Make me a short video of a lighthouse in a storm');
					await input.press('Enter');
					const reply = page.locator('[data-test-id="canvas-chat-body"]').getByText(FINAL_ANSWER_PREFIX);
					await reply.waitFor({ state: 'visible', timeout: 2 * MINUTE });
					answer = await reply.innerText();
				});
				expect(change.creates).toBe(1);
				expect(change.tasks).toHaveLength(1);
				expect(answer).toContain(change.tasks[0].id);
				// The run started at the chat trigger: everything but the manual trigger took part.
				const used = (await nodeNames(page)).filter((name) => workflow.nodes.find((node) => node.name === name)?.type !== 'n8n-nodes-base.manualTrigger');
				await waitForGreen(page, used);
			});
		},
		3 * MINUTE,
	);
});

describe('the video calendar, in the order its notes give: set up, then the run from its manual trigger until every row is done', () => {
	const [setUp, run] = ['calendar-1-setup.json', 'calendar-2-run.json'].map((file) => {
		const workflow = calendarExamples.find((candidate) => candidate.file === file);
		if (!workflow) throw new Error(`examples/${file} is missing`);
		return workflow;
	});
	const TABLE = 'Video calendar';
	/** The manual trigger beside the schedule in calendar 2: a newcomer runs the workflow from it. */
	const MANUAL = 'When clicking ‘Execute workflow’';
	/** The run's three branches, in the order they run: what each takes part in when it has work. */
	const START = [MANUAL, 'Settings', 'Rows to Collect', 'Rows in Flight', 'Rows to Submit', 'Failed This Run'];
	const COLLECT = ['Get Result', 'Finished?', 'Store Video', 'Note Done'];
	const SUBMIT = ['Free Places', 'Keep Request IDs', 'Kind of Video', 'Submit Text Video', 'Got a Task?', 'Note Task IDs'];
	/** What calendar 1 made: the step after needs it. */
	let rowsToDo: Array<Record<string, string>> | undefined;

	/** The calendar's rows as Overview → Data tables shows them. */
	const rowsShown = () => dataTableRows(page, sandbox.url, TABLE, ['prompt', 'status', 'taskId', 'video']);

	/** Waits until exactly these nodes are green (the path the run took); fails naming the green ones otherwise. */
	async function ranExactly(expected: string[]): Promise<void> {
		await waitForGreen(page, expected, MINUTE).catch(async (error: Error) => {
			throw new Error(`${error.message}; green: ${(await greenNodes(page)).join(', ') || 'none'}`);
		});
		const green = (await greenNodes(page)).sort();
		if (green.join('\n') !== [...expected].sort().join('\n')) {
			throw new Error(`the green nodes are ${green.join(', ')}; expected exactly ${[...expected].sort().join(', ')}`);
		}
	}

	/** The stand-in's tasks with these IDs, once every one is done: the sandbox's videos take 5 seconds. */
	async function whenDone(ids: Set<string>): Promise<TaskLog['tasks']> {
		const deadline = Date.now() + MINUTE;
		for (;;) {
			const tasks = (await sandbox.taskLog()).tasks.filter((task) => ids.has(task.id));
			if (tasks.every((task) => task.status === 'SUCCESS')) return tasks;
			if (Date.now() > deadline) throw new Error(`the stand-in's calendar tasks are not done after a minute: ${tasks.map((task) => task.status).join(', ')}`);
			await page.waitForTimeout(1000);
		}
	}

	/** Fails in one line unless the grid's rows have these statuses, in order. */
	function expectStatuses(rows: Array<Record<string, string>>, expected: string[]): void {
		const shown = rows.map((row) => row.status);
		if (shown.join('\n') !== expected.join('\n')) throw new Error(`the Data Table "${TABLE}" shows rows with status ${shown.map((status) => `"${status}"`).join(', ') || 'none'}; expected ${expected.map((status) => `"${status}"`).join(', ')}`);
	}

	test('calendar 1: Execute workflow turns every node green; Data tables then shows "Video calendar" with three rows to do, and a second run adds none', async () => {
		await step('calendar 1 set up', async () => {
			const names = await openWhole(setUp);
			const change = await taskLogChange(async () => {
				await executeWorkflow(page);
				await waitForGreen(page, names);
				await executeWorkflow(page);
				// The second run finds every sample row in the table already: nothing reaches Add Rows.
				await ranExactly(names.filter((name) => name !== 'Add Rows'));
			});
			expect(change).toMatchObject({ creates: 0, tasks: [] });
			const rows = await rowsShown();
			expectStatuses(rows, ['to do', 'to do', 'to do']);
			// Each row has its prompt and no task yet: the grid shows an empty cell as "Null".
			expect(rows.map((row) => [row.prompt.length > 0, row.taskId])).toEqual(rows.map(() => [true, 'Null']));
			rowsToDo = rows;
		});
	}, 2 * MINUTE);

	test('calendar 2, run from its manual trigger until every row is done: each run stores the finished video, then submits the next row (tasksAtOnce is 1); each video stored byte for byte, View plays it, every row done', async () => {
		await step('calendar 2 run', async () => {
			if (!rowsToDo) throw new Error('calendar 1 did not make the rows: nothing to submit');
			await openWhole(run);
			const tasks: TaskLog['tasks'] = [];
			const runs = rowsToDo.length + 1;
			for (let round = 1; round <= runs; round++) {
				if (tasks.length) await whenDone(new Set(tasks.map((task) => task.id)));
				const change = await taskLogChange(async () => {
					await executeWorkflowFrom(page, MANUAL);
					// The first run has nothing to collect; the last nothing to submit.
					await ranExactly([...START, ...(round > 1 ? COLLECT : []), ...(round < runs ? SUBMIT : [])]);
				});
				expect(change.creates).toBe(round < runs ? 1 : 0);
				tasks.push(...change.tasks);
			}
			expect(tasks.map((task) => task.prompt).sort()).toEqual(rowsToDo.map((row) => row.prompt).sort());
			// The last run's Get Result holds the video it collected: View plays it.
			await expectViewPlays('Get Result');

			// Store Video sent each task's mp4, as the API served it, to the stand-in's file host (example.com in the example), once.
			const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
			const stored = (await sandbox.uploads()).map(({ name, size, sha256 }) => ({ name, size, sha256 })).sort(byName);
			const done = await whenDone(new Set(tasks.map((task) => task.id)));
			expect(stored).toEqual(done.map((task) => ({ name: `${task.id}.mp4`, size: task.videoSize, sha256: task.videoSha256 })).sort(byName));
			expect((await sandbox.uploadLog()).attempts).toHaveLength(done.length);

			const rows = await rowsShown();
			expectStatuses(rows, ['done', 'done', 'done']);
			// `video` holds what the storage answered: the stand-in answers with the stored file's URL.
			const uploads = `${sandbox.standin.filesOrigin}/uploads/`;
			expect(rows.map((row) => row.video).sort()).toEqual(done.map((task) => `${uploads}${task.id}.mp4`).sort());
		});
	}, 4 * MINUTE);
});

describe('a new workflow', () => {
	/** A new workflow with a manual trigger, and the node panel open on what can come next (unless it is open). */
	async function openNodePanel(): Promise<void> {
		if (await page.locator('[data-test-id="node-creator-search-bar"]').isVisible()) return;
		await page.goto(`${sandbox.url}/workflow/new`, { waitUntil: 'domcontentloaded' });
		await page.locator('[data-test-id="canvas-plus-button"]').click();
		await searchNodePanel(page, 'manual');
		await page.locator('[data-test-id="node-creator-item-name"]').filter({ hasText: 'Manual Trigger' }).first().click();
		await page.keyboard.press('Escape');
		await page.locator('[data-test-id="node-creator-plus-button"]').click();
	}

	test.each(SEARCH_WORDS)('the node panel finds CogVideoX for "%s"', async (words) => {
		await step(`search ${words}`, async () => {
			await openNodePanel();
			const found = await searchNodePanel(page, words);
			expect(found.slice(0, 3)).toContain('CogVideoX');
		});
	});

	test('a prompt over 512 characters: the error panel names the field and the limit in one line; no task is created', async () => {
		await step('bad input', async () => {
			if (!credentialName) throw new Error('no credential to use: the credential tests above did not make one');
			await openNodePanel();
			await searchNodePanel(page, 'CogVideoX');
			await page.locator('[data-test-id="node-creator-item-name"]').filter({ hasText: 'CogVideoX' }).first().click();
			await page.locator('[data-test-id="node-creator"]').getByText('Generate a video from text').click();
			const panel = page.locator('[data-test-id="ndv"]');
			await panel.waitFor({ state: 'visible', timeout: 30_000 });
			await panel.locator('[data-test-id="node-credentials-select"]').click();
			await page.getByRole('option').filter({ has: page.getByText(credentialName, { exact: true }) }).click();
			const prompt = 'A calm lake at dawn, mist over the water. '.repeat(14); // 588 characters
			await panel.locator('[data-test-id="parameter-input-prompt"] textarea').fill(prompt);

			let message = '';
			const change = await taskLogChange(async () => {
				await panel.locator('[data-test-id="node-execute-button"]').click();
				const error = panel.locator('[data-test-id="node-error-message"]');
				await error.waitFor({ state: 'visible', timeout: MINUTE });
				message = (await error.innerText()).trim();
			});
			// One line that names the field, what it got and the rule.
			expect(message).toMatch(new RegExp(`^Prompt\\b[^\\n]*\\b${prompt.length}\\b[^\\n]*\\b512\\b[^\\n]*$`));
			expect(change).toMatchObject({ creates: 0, tasks: [] });
		});
	}, 2 * MINUTE);
});
