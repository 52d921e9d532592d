/**
 * Throughput and memory of the CogVideoX node in a real n8n, against the stand-in API. Prints a table of figures,
 * each beside the ideal it is measured against; asserts nothing about time (the machine is shared and noisy).
 *
 *   npm run bench                  N=50 items, C=5 in flight, T=3 s generation, 1 s poll interval, 500 MB video
 *   BENCH_ITEMS=20 BENCH_BIG_MB=200 npm run bench
 * Then the memory case with many image items (bench/imageMemory.ts), queue mode (bench/queue.ts), and the video
 * calendar's batch time and executions per cadence (bench/calendar.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { N8nHarness } from '../test/e2e/n8n';
import type { Standin, StandinTask } from '../test/standin/server';
import { startStandin } from '../test/standin/server';
import { calendarBench } from './calendar';
import { imageMemoryBench } from './imageMemory';
import { queueBench } from './queue';
import { printTable } from './table';

const N = Number(process.env.BENCH_ITEMS ?? 50);
const C = Number(process.env.BENCH_CONCURRENCY ?? 5);
const T_MS = Number(process.env.BENCH_GENERATION_MS ?? 3000);
const INTERVAL_S = Number(process.env.BENCH_POLL_INTERVAL ?? 1);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 500);
const SMALL_MB = 1;
const MB = 1024 * 1024;

const NODE_TYPE = 'n8n-nodes-cogvideox.cogVideoX';
const log = (line: string) => process.stderr.write(`${line}\n`);

function workflow(id: string, credentialId: string, items: number, options: Record<string, unknown>) {
	const trigger = { id: `${id}-t`, name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
	const prompts = {
		id: `${id}-p`,
		name: 'Prompts',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [200, 0],
		parameters: { jsCode: `return Array.from({ length: ${items} }, (_, i) => ({ json: { prompt: 'Benchmark video ' + i } }));` },
	};
	const video = {
		id: `${id}-v`,
		name: 'Generate Video',
		type: NODE_TYPE,
		typeVersion: 1,
		position: [400, 0],
		parameters: { operation: 'textToVideo', model: 'cogvideox-3', prompt: '={{ $json.prompt }}', options },
		credentials: { zhipuAiApi: { id: credentialId, name: credentialId } },
	};
	return {
		id,
		name: id,
		nodes: [trigger, prompts, video],
		connections: {
			Start: { main: [[{ node: 'Prompts', type: 'main', index: 0 }]] },
			Prompts: { main: [[{ node: 'Generate Video', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function credential(id: string, standin: Standin) {
	return { id, name: id, type: 'zhipuAiApi', data: { apiKey: standin.apiKey, region: 'custom', baseUrl: standin.apiUrl } };
}

/** Peak RSS of the `n8n execute` process of the last run, from the probe's files. */
function peakRssMb(probeDir: string): number {
	const records = readdirSync(probeDir).map((file) => JSON.parse(readFileSync(join(probeDir, file), 'utf8')) as { argv: string[]; maxRssKb: number });
	const main = records.find((record) => record.argv.includes('execute'));
	if (!main) throw new Error(`no probe record of the n8n execute process in ${probeDir}`);
	return main.maxRssKb / 1024;
}

async function main() {
	const probeDir = mkdtempSync(join(tmpdir(), 'cogvideox-rss-'));
	const throughputApi = await startStandin({ generationMs: T_MS });
	const smallApi = await startStandin({ generationMs: 500, videoBytes: SMALL_MB * MB });
	const bigApi = await startStandin({ generationMs: 500, videoBytes: BIG_MB * MB });
	const n8n = await N8nHarness.setup({
		log,
		env: { NODE_OPTIONS: `--require ${resolve(__dirname, 'rss-probe.cjs')}`, RSS_PROBE_DIR: probeDir },
	});
	try {
		await n8n.importCredentials([credential('benchThroughput01', throughputApi), credential('benchSmall000001', smallApi), credential('benchBig00000001', bigApi)]);
		await n8n.importWorkflows([
			workflow('benchThroughput01', 'benchThroughput01', N, { pollInterval: INTERVAL_S, maxConcurrency: C }),
			workflow('benchSmallVideo01', 'benchSmall000001', 1, { pollInterval: 0.5 }),
			workflow('benchBigVideo0001', 'benchBig00000001', 1, { pollInterval: 0.5 }),
		]);

		log(`Throughput: ${N} items, ${C} in flight, T = ${T_MS / 1000} s`);
		const throughput = await n8n.execute('benchThroughput01');
		if (!throughput.succeeded) throw new Error(`throughput run failed: ${throughput.error?.message}`);
		const executionTime = throughput.run?.data?.resultData?.runData?.['Generate Video']?.[0]?.executionTime;
		if (executionTime === undefined) throw new Error('the throughput run has no execution time for Generate Video');
		const tasks = [...throughputApi.tasks.values()] as StandinTask[];
		const delays = tasks.map((task) => (task.firstDownloadAt ?? NaN) - task.finishAt);
		const polls = tasks.map((task) => task.polls);

		const rss: Record<string, number> = {};
		for (const [label, id] of [
			['small', 'benchSmallVideo01'],
			['big', 'benchBigVideo0001'],
		] as const) {
			for (const file of readdirSync(probeDir)) rmSync(join(probeDir, file));
			log(`Memory: one ${label === 'big' ? BIG_MB : SMALL_MB} MB video in filesystem binary mode`);
			const result = await n8n.execute(id);
			if (!result.succeeded) throw new Error(`${label} video run failed: ${result.error?.message}`);
			const binary = result.output['Generate Video'][0].binary.data;
			if (binary.size !== (label === 'big' ? BIG_MB : SMALL_MB) * MB) throw new Error(`${label} video arrived with ${binary.size} bytes`);
			rss[label] = peakRssMb(probeDir);
		}

		const ideal = Math.ceil(N / C) * T_MS;
		const serial = N * T_MS;
		const pollIdeal = T_MS / 1000 / INTERVAL_S + 2;
		const rows = [
			['figure', 'measured', 'ideal / baseline', 'ratio', 'goal'],
			[`wall time, N=${N} at C=${C}`, seconds(executionTime), `ceil(N/C)·T = ${seconds(ideal)}`, (executionTime / ideal).toFixed(3), '≤ 1.15'],
			['  against serial items', seconds(executionTime), `N·T = ${seconds(serial)}`, (executionTime / serial).toFixed(3), ''],
			['finish-to-download delay, median', seconds(median(delays)), `poll interval ${seconds(INTERVAL_S * 1000)}`, '', ''],
			['finish-to-download delay, max', seconds(Math.max(...delays)), `poll interval ${seconds(INTERVAL_S * 1000)}`, '', ''],
			['polls per task, mean', (polls.reduce((a, b) => a + b, 0) / polls.length).toFixed(2), `T/interval + 2 = ${pollIdeal.toFixed(1)}`, '', `≤ ${pollIdeal.toFixed(1)}`],
			['polls per task, max', String(Math.max(...polls)), `T/interval + 2 = ${pollIdeal.toFixed(1)}`, '', ''],
			[`peak RSS of n8n, one ${BIG_MB} MB video`, `${rss.big.toFixed(0)} MB`, `${SMALL_MB} MB video: ${rss.small.toFixed(0)} MB`, `+${(rss.big - rss.small).toFixed(0)} MB`, '≤ +64 MB'],
		];
		printTable(`CogVideoX node in n8n (${n8n.n8nDir.split('/').pop()}, Node ${process.version}), stand-in API on 127.0.0.1`, rows);
	} finally {
		await n8n.cleanup();
		await Promise.all([throughputApi.close(), smallApi.close(), bigApi.close()]);
		rmSync(probeDir, { recursive: true, force: true });
	}
}

main()
	.then(imageMemoryBench)
	.then(queueBench)
	.then(calendarBench)
	.catch((error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	});
