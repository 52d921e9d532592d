/** Peak RSS of n8n processes, from the probe (rss-probe.cjs) that every n8n process of a benchmark preloads. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface RssProbe {
	/** The environment that makes n8n processes write their peak RSS at exit. */
	env: Record<string, string>;
	/** Forgets the processes so far (e.g. imports), so that the next reading is of the next run. */
	clear(): void;
	/** Peak RSS of the `n8n execute` process since the last clear(), in MB. */
	executePeakMb(): number;
	remove(): void;
}

export function rssProbe(): RssProbe {
	const dir = mkdtempSync(join(tmpdir(), 'cogvideox-rss-'));
	return {
		env: { NODE_OPTIONS: `--require ${resolve(__dirname, 'rss-probe.cjs')}`, RSS_PROBE_DIR: dir },
		clear() {
			for (const file of readdirSync(dir)) rmSync(join(dir, file));
		},
		executePeakMb() {
			const records = readdirSync(dir).map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as { argv: string[]; maxRssKb: number });
			const main = records.find((record) => record.argv.includes('execute'));
			if (!main) throw new Error(`no probe record of the n8n execute process in ${dir}`);
			return main.maxRssKb / 1024;
		},
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}
