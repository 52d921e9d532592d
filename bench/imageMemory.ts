/**
 * Memory with many image items, in a real n8n against the stand-in API: N image-to-video items share one 5 MB PNG
 * (an HTTP Request node downloads it once, a Code node puts it on every item), and the API refuses creates with 1302
 * beyond a cap below Max Concurrent Tasks, so items wait for a place and wait out 1302s. Each create body carries
 * the image inline (about 7 MB of base64). Prints the peak RSS of the n8n process for N against a small N; the goal
 * is memory bounded by Max Concurrent Tasks, not by the item count. Asserts nothing.
 *
 *   npm run bench                          after the throughput figures
 *   npx tsx bench/imageMemory.ts           this case alone
 *   BENCH_IMAGE_BASELINE=<git ref>         also runs the package as of that commit, in the same n8n, for contrast
 *   BENCH_IMAGE_ITEMS (1000), BENCH_IMAGE_SMALL (50), BENCH_IMAGE_CONCURRENCY (5), BENCH_IMAGE_API_CAP (2)
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

import { makePng, serveFile, workflowNode, type FileServer } from '../test/e2e/fixtures';
import { N8nHarness } from '../test/e2e/n8n';
import type { Standin } from '../test/standin/server';
import { startStandin } from '../test/standin/server';
import { checkout } from './baseline';
import { rssProbe, type RssProbe } from './rssProbe';
import { printTable } from './table';

const N = Number(process.env.BENCH_IMAGE_ITEMS ?? 1000);
const SMALL_N = Number(process.env.BENCH_IMAGE_SMALL ?? 50);
const C = Number(process.env.BENCH_IMAGE_CONCURRENCY ?? 5);
const API_CAP = Number(process.env.BENCH_IMAGE_API_CAP ?? 2);
const BASELINE = process.env.BENCH_IMAGE_BASELINE;
const REPO = resolve(__dirname, '..');
const MB = 1024 * 1024;

const write = (line: string) => process.stderr.write(`${line}\n`);

/** Trigger → download the image → the same binary on `items` items → Image to Video, C in flight. */
function workflow(id: string, imageUrl: string, items: number) {
	// The workflow and its credential share the id: each run has its own stand-in.
	const node = (name: string, type: string, typeVersion: number, x: number, parameters: Record<string, unknown>) => workflowNode(id, name, type, typeVersion, x, parameters);
	return {
		id,
		name: id,
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', 1, 0, {}),
			node('Download Image', 'n8n-nodes-base.httpRequest', 4.2, 200, { url: imageUrl, options: { response: { response: { responseFormat: 'file' } } } }),
			node('Items', 'n8n-nodes-base.code', 2, 400, {
				jsCode: `const image = $input.first().binary;\nreturn Array.from({ length: ${items} }, (_, i) => ({ json: { prompt: 'Benchmark image ' + i }, binary: image }));`,
			}),
			{
				...node('Animate Image', 'n8n-nodes-cogvideox.cogVideoX', 1, 600, {
					operation: 'imageToVideo',
					model: 'cogvideox-3',
					imageSource: 'binary',
					imageBinaryProperty: 'data',
					prompt: '={{ $json.prompt }}',
					options: { maxConcurrency: C, pollInterval: 0.1 },
				}),
				credentials: { zhipuAiApi: { id, name: id } },
			},
		],
		connections: {
			Start: { main: [[{ node: 'Download Image', type: 'main', index: 0 }]] },
			'Download Image': { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: 'Animate Image', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

interface Measured {
	items: number;
	peakMb: number;
	seconds: number;
	creates: number;
	refusals: number;
}

/** Runs the workflow for `items` items in a fresh API stand-in; the peak RSS of the n8n process that ran it. */
async function measure(n8n: N8nHarness, probe: RssProbe, image: FileServer, items: number, label: string): Promise<Measured> {
	const api: Standin = await startStandin({ generationMs: 200, concurrencyLimit: API_CAP, keepImageData: false });
	try {
		const id = `benchImage${label}${String(items).padStart(6, '0')}`;
		await n8n.importCredentials([{ id, name: id, type: 'zhipuAiApi', data: { apiKey: api.apiKey, region: 'custom', baseUrl: api.apiUrl } }]);
		await n8n.importWorkflows([workflow(id, image.url, items)]);
		probe.clear();
		write(`Image memory (${label}): ${items} items, ${C} in flight, the API refusing beyond ${API_CAP} tasks`);
		const run = await n8n.execute(id);
		const peakMb = probe.executePeakMb();
		if (!run.succeeded) throw new Error(`${label} run of ${items} items failed: ${run.error?.message}`);
		const videos = run.output['Animate Image'];
		if (videos.length !== items || api.tasks.size !== items) throw new Error(`${label}: ${videos.length} videos and ${api.tasks.size} tasks for ${items} items`);
		return { items, peakMb, seconds: run.durationMs / 1000, creates: api.createCalls(), refusals: api.concurrencyRefusals() };
	} finally {
		await api.close();
	}
}

async function measurePackage(label: string, packageDir: string, image: FileServer): Promise<Measured[]> {
	const probe = rssProbe();
	const n8n = await N8nHarness.setup({ packageDir, log: write, env: probe.env, cliTimeoutMs: 60 * 60_000 });
	try {
		return [await measure(n8n, probe, image, SMALL_N, label), await measure(n8n, probe, image, N, label)];
	} finally {
		await n8n.cleanup();
		probe.remove();
	}
}

export async function imageMemoryBench(): Promise<void> {
	const png = makePng(1600, 1088, 'noise');
	const image = await serveFile('image.png', png, 'image/png');
	const baselineDir = BASELINE ? checkout(BASELINE) : undefined;
	try {
		const packages: Array<[string, string]> = [['this package', REPO]];
		if (baselineDir) packages.push([`as of ${BASELINE}`, baselineDir]);
		const rows = [['package', 'items', 'peak RSS of n8n', 'against the small run', 'creates (1302 refusals)', 'run time']];
		for (const [label, dir] of packages) {
			const [small, large] = await measurePackage(label === 'this package' ? 'Now' : 'Base', dir, image);
			for (const run of [small, large]) {
				const change = large.peakMb - small.peakMb;
				const growth = run === small ? '' : `${change < 0 ? '-' : '+'}${Math.abs(change).toFixed(0)} MB (${(large.peakMb / small.peakMb).toFixed(2)}×)`;
				rows.push([label, String(run.items), `${run.peakMb.toFixed(0)} MB`, growth, `${run.creates} (${run.refusals})`, `${run.seconds.toFixed(0)} s`]);
			}
		}
		printTable(`Image items in n8n: one ${(png.length / MB).toFixed(2)} MB PNG on every item, Max Concurrent Tasks ${C}, the API refusing with 1302 beyond ${API_CAP} tasks`, rows);
	} finally {
		await image.close();
		if (baselineDir) rmSync(baselineDir, { recursive: true, force: true });
	}
}

if (require.main === module) {
	imageMemoryBench().catch((error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	});
}
