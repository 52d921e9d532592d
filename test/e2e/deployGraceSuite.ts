/**
 * A deploy in the middle of a batch, for real: one n8n in regular mode on Postgres (a part of serverSuite.ts) runs a
 * batch of 8 text-to-video items against an account that takes 2 tasks at a time, 20 s a video, and gets SIGTERM
 * while the first 2 are being made. n8n gives the node no sign of the stop, so the node goes on creating the other
 * 6 tasks during the grace; the grace is docs/scaling.md's formula for this batch (graceForBatch), and with it the
 * execution finishes with all 8 videos before n8n exits.
 * The account's cap is the stand-in's concurrencyLimit (a 9th task at once gets 1302, as a real account answers),
 * and the node keeps its default Max Concurrent Tasks (5), so it learns the cap from those answers, as it would in
 * production.
 */
import { startStandin, type Standin } from '../standin/server';
import { CREDENTIAL_TYPE, expectServedVideo, loadExample, NODE_TYPE, nodeOfType, withId, withWebhookTrigger, type Workflow } from './fixtures';
import type { Server, ServerPart } from './serverSuite';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const ITEMS = 8;
/** The account's concurrency: tasks in flight at once. */
const ACCOUNT_CAP = 2;
const GENERATION_S = 20;
const CREDENTIAL_ID = 'ZhipuAiDeployGr1';
const WORKFLOW_ID = 'e2eDeployGrace01';
const PATH = 'deploy-grace-batch';

/**
 * docs/scaling.md, "How long a batch needs": ⌈items still to make ÷ the account's concurrency⌉ × the generation time,
 * plus a minute for the download, the polls and the exit.
 */
export function graceForBatch(itemsToMake: number, concurrency: number, generationS: number): number {
	return Math.ceil(itemsToMake / concurrency) * generationS + 60;
}

/** The text-to-video example as a production batch: a webhook that answers at once, then ITEMS prompts. */
function batchWorkflow(): Workflow {
	const workflow = withId(withWebhookTrigger(loadExample('text-to-video.json'), PATH), WORKFLOW_ID, 'e2e: a batch SIGTERMed mid-wait');
	nodeOfType(workflow, 'n8n-nodes-base.webhook').parameters.responseMode = 'onReceived';
	const prompts = Array.from({ length: ITEMS }, (_, index) => ({ json: { prompt: `Deploy batch, video ${index + 1}: a paper boat on a pond` } }));
	nodeOfType(workflow, 'n8n-nodes-base.code').parameters.jsCode = `return ${JSON.stringify(prompts)};`;
	const video = nodeOfType(workflow, NODE_TYPE);
	video.parameters.options = { pollInterval: 1, timeout: 600 };
	video.credentials = { [CREDENTIAL_TYPE]: { id: CREDENTIAL_ID, name: 'Zhipu AI account' } };
	return workflow;
}

/** The part of serverSuite.ts (regular mode) where a deploy's SIGTERM comes in the middle of a batch. */
export function deployGracePart(): ServerPart {
	let standin: Standin;
	let server: Server;

	async function until(what: string, done: () => boolean): Promise<void> {
		const deadline = Date.now() + 2 * MINUTE;
		while (!done()) {
			if (Date.now() > deadline) throw new Error(`not within 2 minutes: ${what}`);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}

	const grace = graceForBatch(ITEMS, ACCOUNT_CAP, GENERATION_S);

	return {
		async prepare(given) {
			server = given;
			standin = await startStandin({ apiKey: server.apiKey, generationMs: GENERATION_S * SECOND, concurrencyLimit: ACCOUNT_CAP });
			const { n8n } = server;
			await n8n.importCredentials([{ id: CREDENTIAL_ID, name: 'Zhipu AI account', type: CREDENTIAL_TYPE, data: { apiKey: standin.apiKey, region: 'custom', baseUrl: standin.apiUrl } }]);
			await n8n.importWorkflows([batchWorkflow()]);
			await n8n.publish([WORKFLOW_ID]);
		},
		async close() {
			await standin?.close();
		},
		tests() {
			test(`SIGTERMed while the first ${ACCOUNT_CAP} of ${ITEMS} videos are made (${ACCOUNT_CAP} at a time, ${GENERATION_S} s each), with docs/scaling.md's grace (${grace} s): every video delivered, then n8n exits`, async () => {
				const { n8n } = server;
				// The grace is read at start: this n8n starts with the batch's.
				await n8n.stop();
				await n8n.start({ env: { N8N_GRACEFUL_SHUTDOWN_TIMEOUT: String(grace) } });
				const main = n8n.main!;
				const call = await n8n.runWebhook(PATH);
				await until(`the first ${ACCOUNT_CAP} tasks are made and the node waits for them`, () => standin.tasks.size >= ACCOUNT_CAP && (main.output().match(/CogVideoX task \S+ created; /g) ?? []).length >= ACCOUNT_CAP);
				const atSigterm = standin.tasks.size;
				expect(atSigterm).toBeLessThan(ITEMS);
				main.signal('SIGTERM');
				await main.exited;
				const run = await n8n.execution(call.executionId);
				server.log(`  SIGTERM with ${atSigterm} tasks made, grace ${grace} s: ${standin.tasks.size} tasks in all, ${standin.concurrencyRefusals()} creates refused for the cap; n8n exited ${main.exitCode}; execution ${call.executionId} ${run.status}`);
				expect(main.output()).toMatch(/Waiting for \d+ active executions to finish/);
				expect(run.status).toBe('success');
				expect(standin.tasks.size).toBe(ITEMS);
				const videos = run.output['Generate Video'];
				expect(videos).toHaveLength(ITEMS);
				expect(new Set(videos.map((item) => item.json.taskId)).size).toBe(ITEMS);
				for (const item of videos) expectServedVideo(standin, item);
			}, grace * SECOND + 5 * MINUTE);
		},
	};
}
