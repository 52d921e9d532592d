/**
 * Many executions at once in queue mode, on one Zhipu account, for the queue-mode suite (a small run in CI) and the
 * benchmark (bench/queue.ts, the full size). Each run is E webhook executions of K text-to-video items, fired at
 * once at the main, run by the workers against one API stand-in, then read back from Postgres.
 *
 * - sharedAccount: the API takes at most C tasks in flight (1302 beyond) and makes a video in T. The figures:
 *   throughput against C/T, busy answers per task, items failed by the cap, duplicated tasks.
 * - soak: one item in ten meets a fault from the fault matrix (overload, a 5xx poll, a reset download, FAIL, an
 *   expired link; the stand-in's plannedFault), with Continue On Fail on. The figures: whether every task the API
 *   made is named by an output item or an error, duplicated tasks, and where the API key was seen.
 */
import { randomBytes } from 'node:crypto';

import type { PlannedFault, Standin } from '../standin/server';
import { startStandin } from '../standin/server';
import { keyIn, NODE_TYPE, workflowNode } from './fixtures';
import type { OutputItem } from './n8n';
import type { QueueN8n } from './queue';

export interface LoadShape {
	/** Executions fired at once. */
	executions: number;
	/** Text-to-video items per execution. */
	items: number;
	/** The account's concurrency limit at the stand-in. */
	cap: number;
	/** Generation time of a video, ms. */
	generationMs: number;
	/** The node's Poll Interval, seconds. */
	pollInterval: number;
	/** The node's Max Concurrent Tasks. */
	maxConcurrency: number;
}

export interface LoadRun {
	standin: Standin;
	apiKey: string;
	/** From the first webhook call to the last answer. */
	wallMs: number;
	/** From the first task the API made to the last one's finish. */
	apiSpanMs: number;
	/**
	 * For each create past the first `cap`: how long after the finish that freed its place it came (the k-th create
	 * takes the place of the (k - cap)-th finish). How long the account's places stood empty.
	 */
	slotIdleMs: number[];
	/** Polls per task, mean. */
	pollsPerTask: number;
	/** Every output item of the video node, of every execution. */
	items: OutputItem[];
	/** Executions per process that ran them ('worker-1', ..., or 'main'). */
	ranOn: Record<string, number>;
	/** Executions that did not end in success. */
	failedExecutions: string[];
	/** Tasks the API made beyond one per item (the prompt names the item). */
	duplicates: number;
	/** Everything n8n printed and stored for these executions and answered to the webhooks, for leak checks. */
	everything: string;
}

const VIDEO_NODE = 'Generate Video';

/** Webhook → the execution's K prompts → Text to Video (Continue On Fail when asked). */
function loadWorkflow(id: string, path: string, shape: LoadShape, continueOnFail: boolean) {
	const node = (name: string, type: string, typeVersion: number, x: number, parameters: Record<string, unknown>) => workflowNode(id, name, type, typeVersion, x, parameters);
	return {
		id,
		name: `Load: ${path}`,
		nodes: [
			{ ...node('Webhook', 'n8n-nodes-base.webhook', 2, 0, { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} }), webhookId: path },
			node('Prompts', 'n8n-nodes-base.code', 2, 200, {
				// Each prompt names its execution, its item and its number in the whole load (#n).
				jsCode: `const e = $json.body.execution;\nreturn Array.from({ length: ${shape.items} }, (_, i) => ({ json: { prompt: $json.body.prefix + ' execution ' + e + ' item ' + i + ' #' + (e * ${shape.items} + i) } }));`,
			}),
			{
				...node(VIDEO_NODE, NODE_TYPE, 1, 400, {
					operation: 'textToVideo',
					model: 'cogvideox-3',
					prompt: '={{ $json.prompt }}',
					options: { pollInterval: shape.pollInterval, maxConcurrency: shape.maxConcurrency },
				}),
				credentials: { zhipuAiApi: { id, name: id } },
				...(continueOnFail ? { onError: 'continueRegularOutput' } : {}),
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Prompts', type: 'main', index: 0 }]] },
			Prompts: { main: [[{ node: VIDEO_NODE, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

export interface PreparedLoad {
	id: string;
	path: string;
	standin: Standin;
	apiKey: string;
	shape: LoadShape;
}

export interface LoadSpec {
	/** Names the load's workflow, credential, webhook path and prompts. */
	name: string;
	shape: LoadShape;
	/** A soak: one fault per task, from its prompt (soakFault); its video node continues on fail. */
	plannedFault?: (body: Record<string, unknown>) => PlannedFault | undefined;
	videoBytes?: number;
}

/**
 * Each load gets its own stand-in, credential and published webhook workflow, in an n8n that is not started yet
 * (publish comes before start()). One import and one publish for them all: each n8n CLI call takes seconds.
 */
export async function prepareLoads(n8n: QueueN8n, specs: LoadSpec[]): Promise<PreparedLoad[]> {
	const loads: PreparedLoad[] = [];
	for (const { name, shape, plannedFault, videoBytes } of specs) {
		const apiKey = `${name}${randomBytes(4).toString('hex')}.${randomBytes(12).toString('hex')}`;
		const standin = await startStandin({ apiKey, generationMs: shape.generationMs, concurrencyLimit: shape.cap, plannedFault, videoBytes });
		loads.push({ id: `load${name}`.padEnd(16, '0').slice(0, 16), path: `load-${name.toLowerCase()}`, standin, apiKey, shape });
	}
	await n8n.importCredentials(loads.map(({ id, apiKey, standin }) => ({ id, name: id, type: 'zhipuAiApi', data: { apiKey, region: 'custom', baseUrl: standin.apiUrl } })));
	await n8n.importWorkflows(loads.map((load, index) => loadWorkflow(load.id, load.path, load.shape, specs[index].plannedFault !== undefined)));
	await n8n.publish(loads.map((load) => load.id));
	return loads;
}

/** Fires the executions at once, waits for every answer, and reads them back. */
export async function runLoad(n8n: QueueN8n, load: PreparedLoad, prefix = 'Load'): Promise<LoadRun> {
	const { standin, shape } = load;
	const last = await n8n.lastExecutionId(load.id);
	const started = Date.now();
	const answers = await Promise.all(
		Array.from({ length: shape.executions }, async (_, execution) => {
			const response = await fetch(n8n.webhookUrl(load.path), {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ execution, prefix }),
				signal: AbortSignal.timeout(30 * 60_000),
			});
			return `${response.status} ${await response.text()}`;
		}),
	);
	const wallMs = Date.now() - started;
	const made = await n8n.executionsAfter(load.id, last);
	if (made.length !== shape.executions) throw new Error(`${shape.executions} webhook calls made ${made.length} executions`);
	const items: OutputItem[] = [];
	const ranOn: Record<string, number> = {};
	const failedExecutions: string[] = [];
	const stored: string[] = [];
	for (const id of made) {
		const execution = await n8n.execution(id, 5 * 60_000);
		if (!execution.succeeded) failedExecutions.push(`${id}: ${execution.status} ${execution.error?.message ?? ''}`);
		items.push(...(execution.output[VIDEO_NODE] ?? []));
		const where = await n8n.ranOn(id);
		ranOn[where] = (ranOn[where] ?? 0) + 1;
		stored.push(JSON.stringify(execution.run));
	}
	const tasks = [...standin.tasks.values()].filter((task) => String(task.body.prompt).startsWith(`${prefix} `));
	const prompts = new Set(tasks.map((task) => String(task.body.prompt)));
	const apiSpanMs = tasks.length ? Math.max(...tasks.map((task) => task.finishAt)) - Math.min(...tasks.map((task) => task.createdAt)) : 0;
	const creates = tasks.map((task) => task.createdAt).sort((a, b) => a - b);
	const finishes = tasks.map((task) => task.finishAt).sort((a, b) => a - b);
	const slotIdleMs = creates.slice(shape.cap).map((createdAt, k) => createdAt - finishes[k]);
	return {
		standin,
		apiKey: load.apiKey,
		wallMs,
		apiSpanMs,
		slotIdleMs,
		pollsPerTask: tasks.reduce((sum, task) => sum + task.polls, 0) / Math.max(1, tasks.length),
		items,
		ranOn,
		failedExecutions,
		duplicates: tasks.length - prompts.size,
		everything: [n8n.allOutput(), ...answers, ...stored].join('\n'),
	};
}

/** Items that failed because the account stayed full: the failure the shared gate must prevent. */
export function failedByCap(run: LoadRun): OutputItem[] {
	return run.items.filter((item) => typeof item.json.error === 'string' && /1302|concurrency limit/i.test(item.json.error));
}

/** The soak's fault for the load's item #n: one item in ten, the five kinds in turn. */
export const SOAK_FAULTS: readonly PlannedFault[] = ['overload', 'pollError', 'downloadReset', 'fail', 'expired'];
export function soakFault(body: Record<string, unknown>): PlannedFault | undefined {
	const match = /#(\d+)$/.exec(String(body.prompt));
	if (!match) return undefined;
	const n = Number(match[1]);
	return n % 10 === 0 ? SOAK_FAULTS[(n / 10) % SOAK_FAULTS.length] : undefined;
}

export interface SoakFigures {
	tasks: number;
	succeeded: number;
	failed: number;
	/** Task ids the API made that no output item and no error names. */
	unaccounted: string[];
	duplicates: number;
	/** Where the key was seen: 'outputs and errors', 'logs, stored executions or webhook answers', or nowhere (empty). */
	keySeen: string[];
	/** Faults met, by kind, from the stand-in's tasks (overloads count the creates refused). */
	faults: Record<string, number>;
}

/** What a soak run shows: every task accounted for, none twice, the key nowhere. */
export function soakFigures(run: LoadRun, n8n: QueueN8n): SoakFigures {
	const tasks = [...run.standin.tasks.values()];
	const named = new Set(run.items.map((item) => String(item.json.taskId ?? '')));
	const faults: Record<string, number> = {};
	for (const task of tasks) if (task.plannedFault) faults[task.plannedFault] = (faults[task.plannedFault] ?? 0) + 1;
	const outputs = JSON.stringify(run.items.map((item) => item.json));
	return {
		tasks: tasks.length,
		succeeded: run.items.filter((item) => item.json.status === 'SUCCESS' && item.binary.data).length,
		failed: run.items.filter((item) => item.json.error !== undefined).length,
		unaccounted: tasks.map((task) => task.id).filter((id) => !named.has(id)),
		duplicates: run.duplicates,
		keySeen: [
			...(keyIn(outputs, run.apiKey) ? ['outputs and errors'] : []),
			...(keyIn(`${n8n.allOutput()}\n${run.everything}`, run.apiKey) ? ['logs, stored executions or webhook answers'] : []),
		],
		faults,
	};
}
