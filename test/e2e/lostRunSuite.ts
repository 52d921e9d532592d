/**
 * n8n going away while the node waits for its paid tasks, for real: the process is killed (SIGKILL, as an
 * out-of-memory kill or a lost host does) or stopped (SIGTERM, as a deploy does), in queue mode (a main and two
 * workers) and in one n8n in regular mode, both on Postgres: a part of serverSuite.ts, in n8n 2.8.4 and 2.41.1.
 * Each case runs a webhook workflow whose three prompts become three tasks of the stand-in API, and shows:
 * - tasks created = items: nothing n8n runs afterwards (the Retry button of the executions list included) makes a
 *   second task for an item;
 * - every task ID is found in n8n's own log (what the killed process printed, as `docker logs` keeps it);
 * - the documented action delivers every video byte for byte with no new task: Get Result with the log lines
 *   pasted into its Task ID (here posted to a webhook workflow whose Get Result reads them);
 * - planned stops drain: with N8N_GRACEFUL_SHUTDOWN_TIMEOUT above the node's Timeout, a SIGTERMed worker and a
 *   SIGTERMed single n8n finish the execution and deliver every video before they exit.
 * n8n 1.x's queue runs a lost worker's job again on another worker, in the same execution; there the re-run finds the
 * tasks by the request IDs the first run sent (taskLedger.ts), under each reading of a repeated request ID the
 * stand-in offers: refused (1231) and found by the request ID (the re-run delivers the videos itself), refused and
 * not found, and an API that would make a second task (the re-run fails each item with where its task is). Three
 * tasks in every case.
 * Bull's lock settings are shortened (FAST_STALL_DETECTION) so that n8n notices a lost worker in seconds instead of
 * its default minute or two: what it does then is the same.
 */
import { startStandin, type Standin, type StandinOptions } from '../standin/server';
import { CREDENTIAL_TYPE, expectServedVideo, NODE_TYPE, workflowNode, type Workflow } from './fixtures';
import type { QueueExecution, QueueProcess } from './queue';
import { DRAINING_GRACE_S, type Server, type ServerMode, type ServerPart } from './serverSuite';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** How long the stand-in takes per video: long enough to kill or stop n8n while the node waits. */
const GENERATION_MS = 8 * SECOND;
/** The node's Timeout in these workflows: below the shutdown grace (serverSuite.ts), as docs/scaling.md tells operators. */
const NODE_TIMEOUT_S = 120;
const PROMPTS = ['A lighthouse beam sweeps over a stormy sea', 'Cherry blossoms fall on a temple path', 'Paper lanterns drift over a dark river'];
const RECOVER_PATH = 'lost-runs-recover';

/** How the API answers a repeated request ID: each reading has its own stand-in, credential and batch workflow. */
const READINGS = {
	'refused (1231), not found by its request ID': {},
	'refused (1231) and found by its request ID': { findByRequestId: true },
	'a second task made for it': { unlike: { duplicateMakesTask: true } },
} satisfies Record<string, StandinOptions>;
type Reading = keyof typeof READINGS;
const DEFAULT_READING: Reading = 'refused (1231), not found by its request ID';
const readingNumber = (reading: Reading) => Object.keys(READINGS).indexOf(reading);
const credentialOf = (reading: Reading) => `ZhipuAiLostRun0${readingNumber(reading)}`;
const batchPathOf = (reading: Reading) => `lost-runs-batch-${readingNumber(reading)}`;

/** Webhook (answers at once) → three prompts → CogVideoX: the shape of a scheduled batch. */
function batchWorkflow(id: string, reading: Reading): Workflow {
	const credentials = { [CREDENTIAL_TYPE]: { id: credentialOf(reading), name: `Zhipu AI account ${readingNumber(reading)}` } };
	const path = batchPathOf(reading);
	const webhook = { ...workflowNode(id, 'Webhook', 'n8n-nodes-base.webhook', 2, 0, { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} }), webhookId: path };
	const prompts = workflowNode(id, 'Prompts', 'n8n-nodes-base.code', 2, 220, { jsCode: `return ${JSON.stringify(PROMPTS.map((prompt) => ({ json: { prompt } })))};` });
	const video = {
		...workflowNode(id, 'Generate Video', NODE_TYPE, 1, 440, {
			operation: 'textToVideo',
			model: 'cogvideox-3',
			prompt: '={{ $json.prompt }}',
			options: { pollInterval: 1, timeout: NODE_TIMEOUT_S },
		}),
		credentials,
	};
	const connect = (to: string) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });
	return { id, name: 'e2e: a batch n8n loses mid-wait', nodes: [webhook, prompts, video], connections: { Webhook: connect('Prompts'), Prompts: connect('Generate Video') }, settings: {} };
}

/** The documented action: Get Result with what the log gave pasted into Task ID (here: the webhook's body). */
function recoverWorkflow(id: string, reading: Reading): Workflow {
	const credentials = { [CREDENTIAL_TYPE]: { id: credentialOf(reading), name: `Zhipu AI account ${readingNumber(reading)}` } };
	const webhook = { ...workflowNode(id, 'Webhook', 'n8n-nodes-base.webhook', 2, 0, { httpMethod: 'POST', path: RECOVER_PATH, responseMode: 'lastNode', options: {} }), webhookId: RECOVER_PATH };
	const result = { ...workflowNode(id, 'Get Result', NODE_TYPE, 1, 220, { operation: 'getResult', taskId: '={{ $json.body.pasted }}', options: { pollInterval: 1 } }), credentials };
	return { id, name: 'e2e: Get Result with the task IDs from the log', nodes: [webhook, result], connections: { Webhook: { main: [[{ node: 'Get Result', type: 'main', index: 0 }]] } }, settings: {} };
}

/** The node's lines of one execution in a process's output that match a pattern, as an operator copies them out of the log. */
function executionLines(output: string, executionId: string, pattern: RegExp): string[] {
	return output.split('\n').filter((line) => pattern.test(line) && line.includes(`, execution ${executionId}, `));
}
const createdLines = (output: string, executionId: string) => executionLines(output, executionId, /CogVideoX task \S+ created; /);
const taskIdOf = (line: string) => /CogVideoX task (\S+) /.exec(line)![1];

/** The part of serverSuite.ts where n8n goes away while the node waits: its workflows, then its tests. */
export function lostRunPart(mode: ServerMode): ServerPart {
	const standins = new Map<Reading, Standin>();
	let standin: Standin;
	let server: Server;
	const log = (line: string) => server.log(line);
	/** n8n 1.x runs a lost worker's job again; 2.x fails it. */
	const rerunsLostJobs = (target: Server['target']) => target.n8nVersion.startsWith('1.');
	const readings = (target: Server['target']): Reading[] => (mode === 'queue' && rerunsLostJobs(target) ? (Object.keys(READINGS) as Reading[]) : [DEFAULT_READING]);

	/**
	 * Starts the batch and returns once the node waits for its three tasks: the API made them and the node logged
	 * their answers ("created" lines in the output of the process running it). With the execution and that process.
	 */
	async function startBatch(reading = DEFAULT_READING): Promise<{ executionId: string; runner: QueueProcess; tasks: string[]; api: Standin }> {
		await server.ensureRunning();
		const { n8n } = server;
		const api = standins.get(reading)!;
		const before = new Set(api.tasks.keys());
		const call = await n8n.runWebhook(batchPathOf(reading), {});
		const deadline = Date.now() + MINUTE;
		const fresh = () => [...api.tasks.keys()].filter((id) => !before.has(id));
		while (fresh().length < PROMPTS.length) {
			if (Date.now() > deadline) throw new Error(`the batch made ${fresh().length} tasks in a minute`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		// The process running it is the one that logs the tasks' "created" lines (the answers reach the node a moment
		// after the API made the tasks; a kill in that moment is not mid-wait).
		const running = () => [n8n.main!, ...n8n.workers].find((child) => createdLines(child.output(), call.executionId).length === PROMPTS.length);
		for (; !running(); await new Promise((resolve) => setTimeout(resolve, 50))) {
			if (Date.now() > deadline) throw new Error(`no n8n process logged the ${PROMPTS.length} "created" lines of execution ${call.executionId} in a minute`);
		}
		const runner = running()!;
		log(`  execution ${call.executionId}: 3 tasks, running on ${runner.name} (pid ${runner.pid})`);
		return { executionId: call.executionId, runner, tasks: fresh(), api };
	}

	/** The documented action: the log lines pasted into Get Result. Every video byte for byte, no new task. */
	async function deliverFromLog(lines: string[], tasks: string[]): Promise<QueueExecution> {
		const { n8n } = server;
		const creates = standin.createCalls();
		const call = await n8n.runWebhook(RECOVER_PATH, { pasted: lines.join('\n') });
		const run = await n8n.execution(call.executionId);
		expect(run.status).toBe('success');
		const items = run.output['Get Result'];
		expect(items.map((item) => item.json.taskId).sort()).toEqual([...tasks].sort());
		for (const item of items) expectServedVideo(standin, item);
		expect(standin.createCalls()).toBe(creates);
		return run;
	}

	/** The node's lines of the batch's tasks, as found in what the process that ran it printed. */
	function expectTasksInLog(runner: QueueProcess, executionId: string, tasks: string[], api = standin): string[] {
		const lines = createdLines(runner.output(), executionId);
		expect(lines.map(taskIdOf).sort()).toEqual([...tasks].sort());
		// And each request ID, logged before its create was sent.
		const sent = executionLines(runner.output(), executionId, /CogVideoX request \S+ sent for a new task; /).map((line) => /CogVideoX request (\S+)/.exec(line)![1]);
		expect(sent.sort()).toEqual(tasks.map((task) => api.tasks.get(task)!.requestId).sort());
		return lines;
	}

	/**
	 * A planned stop: SIGTERM to the process running the batch, as a deploy sends it. With the grace above the node's
	 * Timeout, n8n waits for the execution, which finishes with every video, and then exits.
	 */
	async function expectDrainsOnSigterm(): Promise<void> {
		const before = standin.tasks.size;
		const { executionId, runner, tasks } = await startBatch();
		runner.signal('SIGTERM');
		await runner.exited;
		const run = await server.n8n.execution(executionId);
		log(`  SIGTERM ${runner.name}: exited ${runner.exitCode}; execution ${executionId} ${run.status}`);
		expect(run.status).toBe('success');
		expect(runner.output()).toMatch(/Waiting for 1 active executions to finish/);
		const videos = run.output['Generate Video'];
		expect(videos.map((item) => item.json.taskId).sort()).toEqual([...tasks].sort());
		for (const item of videos) expectServedVideo(standin, item);
		expect(standin.tasks.size - before).toBe(PROMPTS.length);
	}

	const drains = `SIGTERMed mid-wait, with N8N_GRACEFUL_SHUTDOWN_TIMEOUT (${DRAINING_GRACE_S} s) above the node's Timeout: it finishes the execution, every video delivered, then exits`;

	return {
		async prepare(given) {
			server = given;
			const { n8n } = server;
			const workflows: Workflow[] = [];
			for (const reading of readings(server.target)) {
				const api = await startStandin({ generationMs: GENERATION_MS, apiKey: server.apiKey, ...READINGS[reading] });
				standins.set(reading, api);
				const number = readingNumber(reading);
				await n8n.importCredentials([{ id: credentialOf(reading), name: `Zhipu AI account ${number}`, type: CREDENTIAL_TYPE, data: { apiKey: api.apiKey, region: 'custom', baseUrl: api.apiUrl } }]);
				workflows.push(batchWorkflow(`e2eLost${mode}Batch${number}`.padEnd(16, '0'), reading));
			}
			standin = standins.get(DEFAULT_READING)!;
			workflows.push(recoverWorkflow(`e2eLost${mode}Fetch`.padEnd(16, '0'), DEFAULT_READING));
			await n8n.importWorkflows(workflows);
			await n8n.publish(workflows.map((workflow) => workflow.id!));
		},
		async close() {
			await Promise.all([...standins.values()].map((api) => api.close()));
		},
		tests(given) {
			if (mode === 'queue' && rerunsLostJobs(given.target)) {
				test("workers SIGKILLed mid-wait, n8n 1.x runs their jobs again on new workers: no second task under any reading of a repeated request ID, and the videos delivered where the API finds tasks by it", async () => {
					const { n8n } = server;
					// One batch per reading at once, so that one kill (of every worker running one) covers them all.
					const batches = await Promise.all((Object.keys(READINGS) as Reading[]).map(async (reading) => ({ reading, ...(await startBatch(reading)) })));
					const runners = [...new Set(batches.map((batch) => batch.runner))];
					runners.forEach((runner) => runner.signal('SIGKILL'));
					await Promise.all(runners.map((runner) => runner.exited));
					await Promise.all(runners.map((runner) => n8n.replaceWorker(runner)));
					for (const { reading, executionId, runner, tasks, api } of batches) {
						const rerun = await n8n.execution(executionId, 4 * MINUTE);
						log(`  SIGKILL ${runner.name}, ${reading}: execution ${executionId} ran again: ${rerun.status}; tasks ${api.tasks.size}`);
						expect(api.tasks.size).toBe(PROMPTS.length);
						const lines = expectTasksInLog(runner, executionId, tasks, api);
						if (reading === 'refused (1231) and found by its request ID') {
							// The re-run finds each task by its request ID and delivers its video itself.
							expect(rerun.status).toBe('success');
							const videos = rerun.output['Generate Video'];
							expect(videos.map((item) => item.json.taskId).sort()).toEqual([...tasks].sort());
							for (const item of videos) expectServedVideo(api, item);
						} else {
							expect(rerun.status).toBe('error');
							expect(rerun.error?.message).toMatch(new RegExp(`^An earlier run of execution ${executionId} already sent this item's create \\(request ID cvx-`));
							if (reading === DEFAULT_READING) await deliverFromLog(lines, tasks);
						}
						expect(api.tasks.size).toBe(PROMPTS.length);
					}
				}, 8 * MINUTE);
				return;
			}
			if (mode === 'queue') {
				test('a worker SIGKILLed mid-wait: n8n fails the execution, Retry runs nothing, and the log lines fetch every video with no new task', async () => {
					const { executionId, runner, tasks } = await startBatch();
					const { n8n } = server;
					runner.signal('SIGKILL');
					await runner.exited;
					const lost = await n8n.execution(executionId, 3 * MINUTE);
					log(`  SIGKILL ${runner.name}: execution ${executionId} ${lost.status}: ${lost.error?.message.slice(0, 80)}`);
					expect(lost.status).toBe('error');
					expect(lost.error?.message).toMatch(/failed to be processed too many times/);
					const lines = expectTasksInLog(runner, executionId, tasks);

					const creates = standin.createCalls();
					const retried = await n8n.retry(executionId);
					const retry = await n8n.execution(retried.executionId);
					log(`  Retry: execution ${retried.executionId} ${retry.status}; tasks made ${standin.createCalls() - creates}`);
					expect(standin.createCalls()).toBe(creates);

					await deliverFromLog(lines, tasks);
					expect(standin.tasks.size).toBe(PROMPTS.length);
				}, 8 * MINUTE);

				test(`a worker ${drains}`, expectDrainsOnSigterm, 8 * MINUTE);
				return;
			}

			test('SIGKILLed mid-wait and started again: the execution is crashed, Retry makes no second task, and the log lines fetch every video', async () => {
				const before = standin.tasks.size;
				const { executionId, runner, tasks } = await startBatch();
				const { n8n } = server;
				runner.signal('SIGKILL');
				await runner.exited;
				await n8n.stop();
				await n8n.start();
				const lost = await n8n.execution(executionId, 2 * MINUTE);
				log(`  SIGKILL, start again: execution ${executionId} ${lost.status}`);
				expect(lost.status).toBe('crashed');
				const lines = expectTasksInLog(runner, executionId, tasks);

				// Retry replays the workflow from its first node, with nothing of the node: each item finds its open mark and makes no task.
				const creates = standin.createCalls();
				const retried = await n8n.retry(executionId);
				const retry = await n8n.execution(retried.executionId);
				log(`  Retry: execution ${retried.executionId} ${retry.status}: ${retry.error?.message.slice(0, 120)}; tasks made ${standin.createCalls() - creates}`);
				expect(standin.createCalls()).toBe(creates);
				expect(retry.status).toBe('error');
				expect(retry.error?.message).toMatch(/^The execution this Retry repeats already sent this item to the API and n8n lost it in a crash, keeping nothing of its task\. Its task ID is in n8n's log/);

				await deliverFromLog(lines, tasks);
				expect(standin.tasks.size - before).toBe(PROMPTS.length);
			}, 8 * MINUTE);

			test('Stop from the executions list: n8n keeps nothing of the node, its log names every task, and the log lines fetch every video', async () => {
				const before = standin.tasks.size;
				const { executionId, runner, tasks } = await startBatch();
				const { n8n } = server;
				await n8n.stopExecution(executionId);
				const stopped = await n8n.execution(executionId);
				log(`  Stop: execution ${executionId} ${stopped.status}`);
				expect(stopped.status).toBe('canceled');
				const lines = expectTasksInLog(runner, executionId, tasks);
				// The warning lines of the cancel name each task too.
				await new Promise((resolve) => setTimeout(resolve, 2 * SECOND));
				for (const task of tasks) expect(runner.output()).toMatch(new RegExp(`CogVideoX task ${task} not delivered \\(the execution was cancelled\\)`));
				await deliverFromLog(lines, tasks);
				expect(standin.tasks.size - before).toBe(PROMPTS.length);
			}, 8 * MINUTE);

			test(drains, expectDrainsOnSigterm, 8 * MINUTE);
		},
	};
}
