/**
 * The node in a real n8n: the packed package installed as a user would, the workflows in examples/ imported and run
 * with n8n's CLI against the API stand-in, and the videos compared byte for byte with what the stand-in served.
 * One suite, run once per n8n/Node pair in targets.ts by its own test file (*.e2e.test.ts):
 *
 *   npm run test:e2e                             both pairs, one after the other
 *   npm run test:e2e -- node24                   one (a jest path filter)
 *   (N8N_E2E_N8N_DIR, N8N_E2E_KEEP=1: see n8n.ts; N8N_E2E_*: see targets.ts)
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { fixture } from '../fixtures/images';
import { startStandin, type Fault, type Standin, type StandinTask } from '../standin/server';
import {
	chatCredentialOf,
	CREDENTIAL_TYPE,
	credentialIdOf,
	expectServedVideo as expectVideoFrom,
	keyIn,
	CALENDAR_EXAMPLES,
	loadExample,
	makePng,
	NODE_TYPE,
	nodeOfType,
	placeholderDownload,
	RETRY_ON_FAIL,
	serveFile,
	sha256,
	type FileServer,
	withId,
	type Workflow,
	type WorkflowNode,
} from './fixtures';
import { FINAL_ANSWER_PREFIX, startScriptedChatModel, type ScriptedChatModel } from './chatModel';
import { N8nHarness, type ExecutionResult, type OutputItem } from './n8n';
import type { E2eTarget } from './targets';

const MINUTE = 60_000;

const IDS = {
	textToVideo: 'e2eTextToVideo000001',
	textFromList: 'e2eTextFromList00001',
	imageToVideo: 'e2eImageToVideo00001',
	firstLastFrame: 'e2eFirstLastFrame001',
	submitWaitGet: 'e2eSubmitWaitGet0001',
	aiAgent: 'e2eAiAgentTool000001',
	longPrompt: 'e2eLongPrompt0000001',
	flashFpsExpression: 'e2eFlashFpsExpr00001',
	flashFpsLiteral: 'e2eFlashFpsLiteral01',
	faults: 'e2eFaultMatrix000001',
	retryOnFail: 'e2eRetryOnFail000001',
	imageRules: 'e2eViduImageRules001',
	errorOutput: 'e2eErrorOutput000001',
} as const;

const textExample = loadExample('text-to-video.json');
const listExample = loadExample('text-to-video-from-list.json');
const imageExample = loadExample('image-to-video-from-http.json');
const framesExample = loadExample('first-last-frame-from-urls.json');
const submitExample = loadExample('submit-wait-get-result.json');
const agentExample = loadExample('ai-agent-tool.json');
/** What the scripted chat model asks the CogVideoX tool for. */
const AGENT_PROMPT = 'A paper boat sails down a rainy street at night, neon reflections, close-up';
/** Every example the suite runs: each must point at the one credential the suite (and `npm start`) imports. */
const RUN_EXAMPLES = [textExample, listExample, imageExample, framesExample, submitExample, agentExample];
const EXAMPLE_FILES = readdirSync(join(__dirname, '..', '..', 'examples')).filter((file) => file.endsWith('.json'));

/** The text-to-video example with other prompts (and fields) coming out of its Code node. */
function textVariant(id: string, name: string, items: Array<Record<string, unknown>>, videoNode: Record<string, unknown>): Workflow {
	const workflow = withId(textExample, id, name);
	nodeOfType(workflow, 'n8n-nodes-base.code').parameters.jsCode = `return ${JSON.stringify(items.map((json) => ({ json })))};`;
	Object.assign(nodeOfType(workflow, NODE_TYPE).parameters, videoNode);
	return workflow;
}

/** Three images for a Vidu run: the 130x1040 one (1:8) breaks the 1:4 to 4:1 rule. */
const RULE_IMAGES = [
	{ name: 'rule-256x144.webp', mimeType: 'image/webp' },
	{ name: 'rule-130x1040.jpg', mimeType: 'image/jpeg' },
	{ name: 'rule-1280x720.jpg', mimeType: 'image/jpeg' },
];
const RULE_REFUSAL = 'Image Binary Property: the image is 130x1040 (aspect ratio 1:8); vidu2-image needs an aspect ratio between 1:4 and 4:1';

/**
 * The image example turned into a Vidu run over several images, Continue On Fail on: a Code node gives one item per
 * image URL, Download Image fetches each into `data`.
 */
function imageRulesVariant(urls: string[]): Workflow {
	const workflow = withId(imageExample, IDS.imageRules, 'e2e: Vidu image to video over three images, one of them 1:8, Continue On Fail');
	const download = nodeOfType(workflow, 'n8n-nodes-base.httpRequest');
	const animate = nodeOfType(workflow, NODE_TYPE);
	const trigger = nodeOfType(workflow, 'n8n-nodes-base.manualTrigger');
	const list: WorkflowNode = {
		name: 'Image URLs',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [110, 0],
		parameters: { jsCode: `return ${JSON.stringify(urls.map((url) => ({ json: { url } })))};` },
	};
	workflow.nodes.push(list);
	download.parameters.url = '={{ $json.url }}';
	Object.assign(animate.parameters, { model: 'vidu2-image', prompt: '' });
	animate.onError = 'continueRegularOutput';
	workflow.connections = {
		[trigger.name]: { main: [[{ node: list.name, type: 'main', index: 0 }]] },
		[list.name]: { main: [[{ node: download.name, type: 'main', index: 0 }]] },
		[download.name]: { main: [[{ node: animate.name, type: 'main', index: 0 }]] },
	};
	return workflow;
}

/**
 * Two prompts, Generate Video set to On Error › Continue (using error output), whose error output goes to a node of
 * its own: a failed item must arrive there, with its task ID, and the other on the main output.
 */
function errorOutputVariant(): Workflow {
	const workflow = textVariant(IDS.errorOutput, 'e2e: two prompts, one video failing, Continue (using error output)', [{ prompt: 'A kite over a calm sea' }, { prompt: 'A kite in a storm that fails' }], {});
	const video = nodeOfType(workflow, NODE_TYPE);
	video.onError = 'continueErrorOutput';
	const failed: WorkflowNode = { name: 'Failed Videos', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [900, 200], parameters: {} };
	workflow.nodes.push(failed);
	workflow.connections[video.name] = { main: [[], [{ node: failed.name, type: 'main', index: 0 }]] };
	return workflow;
}

/** The suite, for one n8n release on one Node.js (see targets.ts). */
export function describeExamplesIn(target: E2eTarget): void {
	describe(`CogVideoX in n8n ${target.n8nVersion} on Node ${target.nodeVersion ?? process.versions.node} (examples/ run by the n8n CLI)`, () => {
		let n8n: N8nHarness;
		let standin: Standin;
		let pngServer: FileServer;
		let ruleServers: FileServer[] = [];
		let chat: ScriptedChatModel;
		const png = makePng();
		const apiKey = `e2e${randomBytes(6).toString('hex')}.${randomBytes(12).toString('hex')}`;
		const progress: string[] = [];
		const knownBreaks: string[] = [];
		const log = (line: string) => progress.push(`${new Date().toISOString().slice(11, 19)} ${line}`);

		/** Runs a workflow and returns its result with the stand-in's create calls during that run. */
		async function execute(id: string): Promise<ExecutionResult & { creates: number }> {
			const before = standin.createCalls();
			const result = await n8n.execute(id);
			const creates = standin.createCalls() - before;
			log(`  ${id}: ${result.status ?? 'no run JSON'}, ${creates} task(s) created${result.error ? `, error: ${result.error.message}` : ''}`);
			return { ...result, creates };
		}

		function expectNoKeyIn(text: string): void {
			expect(keyIn(text, apiKey)).toBe(false);
		}

		/** On a failed run, jest shows n8n's error and the end of its output instead of a bare `false`. */
		/**
		 * A run that failed with the target's known break (targets.ts): the node itself does not work in this n8n yet.
		 * The test stops there and the break is reported at the end; any other failure still fails the test.
		 */
		function knownBreak(result: ExecutionResult, alsoIn = ''): boolean {
			if (!target.knownBreak || (result.succeeded && !alsoIn)) return false;
			const message = `${result.error?.message ?? ''} ${Object.values(result.nodeErrors).map((error) => error.message).join(' ')} ${alsoIn}`;
			if (!target.knownBreak.error.test(message)) return false;
			knownBreaks.push(message.trim());
			return true;
		}

		/** Runs a workflow that must succeed and create `creates` tasks; undefined when the target's known break stopped it. */
		async function runSucceeding(id: string, creates?: number): Promise<(ExecutionResult & { creates: number }) | undefined> {
			const run = await execute(id);
			if (knownBreak(run)) return undefined;
			expectSucceeded(run);
			if (creates !== undefined) expect(run.creates).toBe(creates);
			return run;
		}

		/** Neither the result-file host nor anything n8n printed in the run saw the API key. */
		function expectNoLeak(run: ExecutionResult): void {
			expect(standin.fileAuthorizationHeaders).toEqual([]);
			expectNoKeyIn(run.stdout + run.stderr);
		}

		/** The stand-in's task behind an output item, after checking that the item's `data` is that task's mp4, byte for byte. */
		function expectServedVideo(item: OutputItem, taskId = item.json.taskId as string): StandinTask {
			return expectVideoFrom(standin, item, taskId);
		}

		function expectSucceeded(result: ExecutionResult): void {
			if (!result.succeeded) {
				throw new Error(`n8n run failed (exit ${result.exitCode}, status ${result.status}): ${result.error?.message}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`);
			}
		}

		beforeAll(async () => {
			const started = Date.now();
			n8n = await N8nHarness.setup({ version: target.n8nVersion, nodeVersion: target.nodeVersion, log });
			standin = await startStandin({ generationMs: 1000, apiKey });
			pngServer = await serveFile('scene.png', png, 'image/png');
			ruleServers = await Promise.all(RULE_IMAGES.map(({ name, mimeType }) => serveFile(name, fixture(name), mimeType)));
			chat = await startScriptedChatModel({ prompt: AGENT_PROMPT });

			const credentialId = credentialIdOf(textExample);
			for (const example of RUN_EXAMPLES) expect(credentialIdOf(example)).toBe(credentialId);
			await n8n.importCredentials([
				{
					id: credentialId,
					name: 'Zhipu AI account',
					type: CREDENTIAL_TYPE,
					data: { apiKey: standin.apiKey, region: 'custom', baseUrl: standin.apiUrl },
				},
			]);

			const image = withId(imageExample, IDS.imageToVideo);
			placeholderDownload(image).parameters.url = pngServer.url;

			// The agent's chat model: the OpenAI credential's Base URL points at the scripted model.
			const agent = withId(agentExample, IDS.aiAgent);
			const chatCredential = chatCredentialOf(agent);
			await n8n.importCredentials([{ ...chatCredential, type: 'openAiApi', data: { apiKey: 'sk-scripted-chat-model', url: chat.baseUrl } }]);

			await n8n.importWorkflows([
				withId(textExample, IDS.textToVideo),
				withId(listExample, IDS.textFromList),
				image,
				withId(framesExample, IDS.firstLastFrame),
				withId(submitExample, IDS.submitWaitGet),
				agent,
				textVariant(IDS.longPrompt, 'e2e: prompt over 512 characters', [{ prompt: 'A calm lake at dawn, mist over the water. '.repeat(13) }], {}),
				textVariant(
					IDS.flashFpsExpression,
					'e2e: FPS for CogVideoX-Flash, model from an expression',
					[{ prompt: 'A paper boat drifts down a rain gutter', model: 'cogvideox-flash' }],
					{ model: '={{ $json.model }}', videoSettings: { fps: 60 } },
				),
				textVariant(
					IDS.flashFpsLiteral,
					'e2e: FPS for CogVideoX-Flash, model chosen in the list',
					[{ prompt: 'A paper boat drifts down a rain gutter' }],
					{ model: 'cogvideox-flash', videoSettings: { fps: 60 } },
				),
				// The cover too: the stand-in serves it as the real API does, a JPEG on a third host.
				textVariant(IDS.faults, 'e2e: one video and its cover, run once per fault of the fault matrix', [{ prompt: 'A kite over a windy beach' }], {
					options: { downloadCover: true },
				}),
				RETRY_ON_FAIL.workflow(IDS.retryOnFail, credentialId),
				imageRulesVariant(ruleServers.map((server) => server.url)),
				errorOutputVariant(),
			]);
			log(`beforeAll total: ${((Date.now() - started) / 1000).toFixed(1)} s`);
		}, 25 * MINUTE);

		afterAll(async () => {
			await Promise.all([standin?.close(), pngServer?.close(), chat?.close(), ...ruleServers.map((server) => server.close())]);
			await n8n?.cleanup();
			console.log(`n8n e2e (${n8n?.n8nDir ?? 'no n8n'}, node ${n8n?.nodeBinary ?? '?'}):\n${progress.join('\n')}`);
			if (target.knownBreak) {
				const summary = knownBreaks.length
					? `KNOWN BREAK in n8n ${target.n8nVersion}: ${knownBreaks.length} workflow run(s) failed with it, and stopped there: ${target.knownBreak.note}\n  e.g. ${knownBreaks[0]}`
					: `targets.ts lists a known break for n8n ${target.n8nVersion} that no run showed: it is fixed, remove it from targets.ts`;
					console.warn(summary);
			}
		}, MINUTE);

		test('every workflow in examples/ is run by this suite, or by the calendar suite (a running n8n: `n8n execute` loads no Data Tables)', () => {
			expect(RUN_EXAMPLES.map((workflow) => workflow.name).sort()).toEqual(
				EXAMPLE_FILES.filter((file) => !CALENDAR_EXAMPLES.includes(file)).map((file) => loadExample(file).name).sort(),
			);
		});

		test('the tarball installs without a copy of n8n-workflow: n8n lends its own', async () => {
			expect(await n8n.installedPackages()).toEqual(['n8n-nodes-cogvideox']);
		});

		test('text to video: two prompts become two videos, in input order, with the bytes the API served', async () => {
			const run = await runSucceeding(IDS.textToVideo, 2);
			if (!run) return;

			const prompts = run.output['Prompts'].map((item) => item.json.prompt);
			expect(prompts).toHaveLength(2);
			const videos = run.output['Generate Video'];
			expect(videos).toHaveLength(2);

			for (const [index, item] of videos.entries()) {
				const task = expectServedVideo(item);
				expect(item.json).toMatchObject({ status: 'SUCCESS', model: 'cogvideox-3', prompt: prompts[index] });
				expect(item.json.videoUrl).toBe(`${standin.filesOrigin}/video/${task.id}.mp4`);
				expect(item.pairedItem).toEqual({ item: index });
				expect(task.body).toMatchObject({ model: 'cogvideox-3', prompt: prompts[index], size: '1920x1080', duration: 5 });
			}
			expect(new Set(videos.map((item) => item.json.taskId)).size).toBe(2);
			expectNoLeak(run);
		}, 5 * MINUTE);

		test('image to video: the PNG from the HTTP Request node reaches the API as a data URL, the video comes back', async () => {
			const run = await runSucceeding(IDS.imageToVideo, 1);
			if (!run) return;
			expect(pngServer.requests.filter((request) => request.method === 'GET')).toHaveLength(1);

			const [downloaded] = run.output['Download Image'];
			expect(downloaded.binary.data).toMatchObject({ mimeType: 'image/png', sha256: sha256(png), size: png.length });

			const [item] = run.output['Animate Image'];
			const task = expectServedVideo(item);
			expect(item.json).toMatchObject({ status: 'SUCCESS', model: 'cogvideox-3' });
			expect(task.body).toMatchObject({ model: 'cogvideox-3', prompt: 'Make the scene come alive' });
			const imageUrl = task.body.image_url as string;
			expect(imageUrl.startsWith('data:image/png;base64,')).toBe(true);
			expect(Buffer.from(imageUrl.slice('data:image/png;base64,'.length), 'base64').equals(png)).toBe(true);
			expectNoLeak(run);
		}, 5 * MINUTE);

		test('text to video from a list (Edit Fields, Split Out): one free Flash video per prompt, in list order', async () => {
			const run = await runSucceeding(IDS.textFromList);
			if (!run) return;
			const [list] = run.output['Prompt List'];
			const prompts = list.json.prompts as string[];
			expect(Array.isArray(prompts)).toBe(true);
			expect(prompts).toHaveLength(3);
			expect(run.output['One Item per Prompt'].map((item) => item.json.prompt)).toEqual(prompts);
			expect(run.creates).toBe(3);

			const videos = run.output['Generate Video'];
			expect(videos.map((item) => item.json.prompt)).toEqual(prompts);
			for (const [index, item] of videos.entries()) {
				const task = expectServedVideo(item);
				expect(item.json).toMatchObject({ status: 'SUCCESS', model: 'cogvideox-flash' });
				expect(item.pairedItem).toEqual({ item: index });
				// Flash takes only the prompt: nothing else from the per-model table may be sent.
				expect(Object.keys(task.body).sort()).toEqual(expect.arrayContaining(['model', 'prompt']));
				expect(task.body).not.toHaveProperty('size');
				expect(task.body).not.toHaveProperty('fps');
			}
			expectNoLeak(run);
		}, 5 * MINUTE);

		test('first & last frame from two URLs: both URLs reach the API in order, first frame first; the video comes back', async () => {
			const run = await runSucceeding(IDS.firstLastFrame, 1);
			if (!run) return;
			const node = nodeOfType(framesExample, NODE_TYPE);
			const [item] = run.output[node.name];
			const task = expectServedVideo(item);
			expect(item.json).toMatchObject({ status: 'SUCCESS', model: 'cogvideox-3', prompt: node.parameters.prompt });
			expect(task.body).toMatchObject({ model: 'cogvideox-3', prompt: node.parameters.prompt });
			expect(task.body.image_url).toEqual([node.parameters.firstFrameUrl, node.parameters.lastFrameUrl]);
			expectNoKeyIn(run.stdout + run.stderr);
		}, 5 * MINUTE);

		test('submit without waiting, a Wait node, then Get Result by task ID: one task, its video downloaded by Get Result', async () => {
			const run = await runSucceeding(IDS.submitWaitGet, 1);
			if (!run) return;

			const [submitted] = run.output['Submit Video Task'];
			const taskId = submitted.json.taskId as string;
			expect(typeof taskId).toBe('string');
			expect(submitted.json.status).toBe('PROCESSING');
			expect(submitted.binary).toEqual({});
			expect(run.output['Wait'].map((item) => item.json.taskId)).toEqual([taskId]);

			const [result] = run.output['Get Result'];
			const task = expectServedVideo(result, taskId);
			expect(result.json).toMatchObject({ taskId, status: 'SUCCESS', model: 'cogvideox-3' });
			expect(result.json.videoUrl).toBe(`${standin.filesOrigin}/video/${taskId}.mp4`);
			// The Wait node really waited (its amount, in seconds) between the create and Get Result's first poll.
			const waitSeconds = nodeOfType(submitExample, 'n8n-nodes-base.wait').parameters.amount as number;
			const polls = standin.apiRequests.filter((request) => request.method === 'GET' && request.path.includes(taskId) && request.at >= task.createdAt);
			expect(polls.length).toBeGreaterThan(0);
			expect(polls[0].at - task.createdAt).toBeGreaterThanOrEqual(waitSeconds * 1000 - 100);
			expectNoLeak(run);
		}, 5 * MINUTE);

		test('AI Agent with CogVideoX as its tool: the model sees a `prompt` schema, its call makes one task, the agent gets its ID and URL', async () => {
			const run = await execute(IDS.aiAgent);
			const answer = String(run.output['AI Agent']?.[0]?.json.output ?? '');
			if (knownBreak(run, answer)) return;
			expectSucceeded(run);

			// n8n offered the node as a tool named after it, with the input schema made of its $fromAI() call.
			const offered = chat.requests[0].body.tools ?? [];
			const tool = offered.find((candidate) => candidate.function.name === 'CogVideoX');
			expect(tool).toBeDefined();
			expect(tool!.function.parameters).toMatchObject({ type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] });
			expect(tool!.function.description?.toLowerCase()).toContain('video');
			expect(chat.requests.length).toBe(2); // the tool call, then the answer

			expect(run.creates).toBe(1);
			const task = [...standin.tasks.values()].find((candidate) => candidate.body.prompt === AGENT_PROMPT);
			expect(task).toBeDefined();
			expect(task!.body).toMatchObject({ model: 'cogvideox-flash', prompt: AGENT_PROMPT });
			expect(answer.startsWith(FINAL_ANSWER_PREFIX)).toBe(true);
			expect(answer).toContain(task!.id);
			expect(answer).toContain(`${standin.filesOrigin}/video/${task!.id}.mp4`);
			// Download Video is off in the tool: the agent gets the URL, and nothing fetched the file.
			expect(standin.fileRequests.filter((request) => request.path.includes(task!.id))).toEqual([]);
			expectNoKeyIn(run.stdout + run.stderr);
		}, 5 * MINUTE);

		test('Retry On Fail (2 tries): the third task FAILs in the first try, the second reuses the first two tasks: 4 tasks, three videos', async () => {
			const tasksBefore = new Set(standin.tasks.keys());
			standin.injectFault(RETRY_ON_FAIL.fault);
			const run = await runSucceeding(IDS.retryOnFail, RETRY_ON_FAIL.tasks);
			if (!run) return;

			const videos = run.output[RETRY_ON_FAIL.nodeName];
			expect(videos.map((item) => item.json.prompt)).toEqual(RETRY_ON_FAIL.prompts);
			for (const [index, item] of videos.entries()) {
				expectServedVideo(item);
				expect(item.json.status).toBe('SUCCESS');
				expect(item.pairedItem).toEqual({ item: index });
			}
			// One task per prompt, and a second one only for the prompt whose first task failed: n8n did retry.
			const created = [...standin.tasks.values()].filter((task) => !tasksBefore.has(task.id));
			const byPrompt = RETRY_ON_FAIL.prompts.map((prompt) => created.filter((task) => task.body.prompt === prompt).map((task) => task.status));
			expect(byPrompt).toEqual([['SUCCESS'], ['SUCCESS'], ['FAIL', 'SUCCESS']]);
			expectNoLeak(run);
		}, 5 * MINUTE);

		test('a prompt over 512 characters fails the run, naming the prompt, before any task is created', async () => {
			const run = await execute(IDS.longPrompt);
			expect(run.succeeded).toBe(false);
			expect(run.exitCode).not.toBe(0);
			expect(run.status).toBe('error');
			expect(run.error?.node).toBe('Generate Video');
			expect(run.error?.message).toMatch(/prompt/i);
			expect(run.error?.message).toMatch(/512/);
			expect(run.nodeErrors['Generate Video']?.message).toBe(run.error?.message);
			expect(run.creates).toBe(0);
			expectNoKeyIn(run.stdout + run.stderr);
		}, 5 * MINUTE);

		test('Vidu image to video over three downloaded images, one of them 130x1040: with Continue On Fail, two videos and one refusal, two tasks', async () => {
			const before = new Set(standin.tasks.keys());
			const run = await runSucceeding(IDS.imageRules, 2);
			if (!run) return;
			expect(run.output['Download Image'].map((item) => item.binary.data.size)).toEqual(RULE_IMAGES.map(({ name }) => fixture(name).length));
			const [first, refused, third] = run.output['Animate Image'];
			expect(refused.json.error).toBe(RULE_REFUSAL);
			expect(refused.json.taskId).toBeUndefined();
			expect(refused.binary).toEqual({});
			for (const [item, image] of [[first, RULE_IMAGES[0]], [third, RULE_IMAGES[2]]] as const) {
				const task = expectServedVideo(item);
				expect(item.json).toMatchObject({ status: 'SUCCESS', model: 'vidu2-image' });
				expect(task.body.image_url).toBe(`data:${image.mimeType};base64,${fixture(image.name).toString('base64')}`);
			}
			expect([...standin.tasks.keys()].filter((id) => !before.has(id))).toHaveLength(2);
			expect(run.output['Animate Image'].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expectNoLeak(run);
		}, 5 * MINUTE);

		test('On Error › Continue (using error output): the item whose task FAILed leaves by the error output with its task ID inside `error`, the other by the main output', async () => {
			standin.injectFault({ on: 'taskFail', prompt: 'storm that fails', reason: 'rendering failed' });
			const run = await runSucceeding(IDS.errorOutput, 2);
			if (!run) return;
			const [video] = run.output['Generate Video'];
			expect(run.output['Generate Video']).toHaveLength(1);
			expectServedVideo(video);
			const [failed] = run.output['Failed Videos'];
			expect(run.output['Failed Videos']).toHaveLength(1);
			// There n8n keeps an item whose JSON holds only `error`: the task ID is inside it.
			const error = failed.json.error as { message: string; taskId: string };
			expect(error.message).toMatch(/^The video generation failed: rendering failed \[task \S+\]$/);
			expect(standin.tasks.get(error.taskId)?.status).toBe('FAIL');
			expect(failed.json.prompt).toBe('A kite in a storm that fails'); // n8n adds the input item's fields
			expectNoLeak(run);
		}, 5 * MINUTE);

		test('FPS on CogVideoX-Flash, with the model from an expression, fails the run naming FPS, before any task is created', async () => {
			// With the model from an expression n8n cannot apply displayOptions, so the node gets fps and must reject it.
			const run = await execute(IDS.flashFpsExpression);
			expect(run.succeeded).toBe(false);
			expect(run.status).toBe('error');
			expect(run.error?.node).toBe('Generate Video');
			expect(run.error?.message).toMatch(/FPS/);
			expect(run.creates).toBe(0);
		}, 5 * MINUTE);

		test('FPS on CogVideoX-Flash chosen from the list is never sent (n8n drops the hidden setting)', async () => {
			// A literal model lets n8n apply the setting's displayOptions: it removes `fps` before the node runs. Either
			// outcome is fine for the API bill, as long as fps never reaches a model that rejects it.
			const run = await execute(IDS.flashFpsLiteral);
			if (knownBreak(run)) return;
			if (run.succeeded) {
				const [item] = run.output['Generate Video'];
				const task = standin.tasks.get(item.json.taskId as string);
				expect(task?.body.model).toBe('cogvideox-flash');
				expect(task?.body).not.toHaveProperty('fps');
			} else {
				expect(run.error?.message).toMatch(/FPS/);
				expect(run.creates).toBe(0);
			}
		}, 5 * MINUTE);

		describe('the fault matrix, where a workflow can show it (faults switched on in the stand-in before each run)', () => {
			const createBodies = () => standin.apiRequests.filter((request) => request.method === 'POST').map((request) => request.body as { request_id: string });

			/** The task the last run created, and its output item. */
			async function runWithFault(...faults: Fault[]) {
				const tasksBefore = new Set(standin.tasks.keys());
				const postsBefore = createBodies().length;
				faults.forEach((fault) => standin.injectFault(fault));
				const run = await execute(IDS.faults);
				const created = [...standin.tasks.values()].filter((task) => !tasksBefore.has(task.id));
				return { run, created, posts: createBodies().slice(postsBefore), item: run.output['Generate Video']?.[0] };
			}

			test('a create whose connection drops after the task was made is sent again with the same request_id: one task, and where to find it', async () => {
				// The stand-in takes the strict reading of the docs: the repeat answers 1231 and no lookup by request_id works.
				const { run, created, posts } = await runWithFault({ on: 'create', drop: 'afterCreate' });
				expect(run.succeeded).toBe(false);
				expect(posts).toHaveLength(2);
				expect(posts[1].request_id).toBe(posts[0].request_id);
				expect(created).toHaveLength(1);
				expect(run.error?.message).toMatch(
					new RegExp(
						`^The API says this request was already submitted, but its task could not be found\\. A cogvideox-3 task may have been created and charged: ` +
							`look for a cogvideox-3 charge at \\S+Z \\(request ID ${created[0].requestId}\\) in the billing records`,
					),
				);
			}, 5 * MINUTE);

			test('with no fault, in the answers’ recorded shapes: the video byte for byte, and the JPEG cover from a third host stored as image/jpeg', async () => {
				const { run, created, item } = await runWithFault();
				expectSucceeded(run);
				const task = expectServedVideo(item, created[0].id);
				expect(task.coverUrl.startsWith(standin.coverOrigin)).toBe(true);
				expect(item.json).toMatchObject({ coverImageUrl: task.coverUrl, model: 'cogvideox-3' });
				expect(item.binary.cover).toMatchObject({ fileName: `${task.id}.jpg`, mimeType: 'image/jpeg' });
				expect({ sha256: item.binary.cover.sha256, size: item.binary.cover.size }).toEqual({ sha256: task.coverSha256, size: standin.coverBytesFor(task.id).length });
			}, 5 * MINUTE);

			test('a usage cap (1308, sent with HTTP 429 as recorded) fails the run after one create, in seconds, in the API’s words', async () => {
				const message = '已达到 5 小时 的使用上限。您的限额将在 2026-12-02 15:00:00 重置。';
				const { run, created, posts } = await runWithFault({ on: 'create', status: 429, body: { error: { code: '1308', message } } });
				expect(run.succeeded).toBe(false);
				expect(run.error?.message).toBe(
					'The account has reached its usage cap: 已达到 5 小时 的使用上限。您的限额将在 2026-12-02 15:00:00 重置. Run again after the reset time the API gives, or raise the cap in the platform console (HTTP 429, code 1308)',
				);
				expect(posts).toHaveLength(1);
				expect(created).toHaveLength(0);
				// The whole n8n run, start-up included: no backoff to a timeout.
				expect(run.durationMs).toBeLessThan(60_000);
			}, 5 * MINUTE);

			test('a download cut short is fetched again, and n8n stores the bytes the API served', async () => {
				const { run, created, item } = await runWithFault({ on: 'download', cut: 'short' });
				expectSucceeded(run);
				expect(standin.fileRequests.filter((request) => request.path === `/video/${created[0].id}.mp4`)).toHaveLength(2);
				expectServedVideo(item, created[0].id);
			}, 5 * MINUTE);

			test('a poll answered by a gateway page is retried; the task is not abandoned', async () => {
				const { run, created, item } = await runWithFault({ on: 'poll', status: 502, html: true });
				expectSucceeded(run);
				expect(item.json).toMatchObject({ taskId: created[0].id, status: 'SUCCESS' });
			}, 5 * MINUTE);

			test('a FAIL status fails the run with the task id and the reason the API gave', async () => {
				const { run, created } = await runWithFault({ on: 'taskFail', reason: 'The prompt could not be rendered' });
				expect(run.succeeded).toBe(false);
				expect(run.error?.message).toBe(`The video generation failed: The prompt could not be rendered [task ${created[0].id}]`);
			}, 5 * MINUTE);

			test('an expired result link fails the run saying so, with the task id', async () => {
				const { run, created } = await runWithFault({ on: 'download', status: 404 });
				expect(run.succeeded).toBe(false);
				expect(run.error?.message).toBe(`The video link has expired or is gone (HTTP 404). Result links last about a day; generate the video again [task ${created[0].id}]`);
			}, 5 * MINUTE);

			test('no balance (1113) is one plain line, not retried', async () => {
				const { run, created, posts } = await runWithFault({ on: 'create', status: 429, code: '1113', text: 'noBalance' });
				expect(run.succeeded).toBe(false);
				expect(run.error?.message).toBe(
					'The Zhipu AI account has no balance left: Insufficient balance or no resource package. Please recharge. Top up the account, then run again (HTTP 429, code 1113)',
				);
				expect(posts).toHaveLength(1);
				expect(created).toHaveLength(0);
			}, 5 * MINUTE);

			test('the result-file host never saw the API key, and no fault put it in anything n8n printed', () => {
				expect(standin.fileAuthorizationHeaders).toEqual([]);
				expectNoKeyIn(n8n.allOutput());
			});
		});

		test('the API key appears in nothing n8n printed', () => {
			expect(n8n.transcript.length).toBeGreaterThan(0);
			expectNoKeyIn(n8n.allOutput());
		});
	});
}
