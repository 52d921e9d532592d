// Preloaded into every n8n process of the benchmark (NODE_OPTIONS=--require): at exit it writes the process's peak
// resident set size, so the benchmark can read the peak of the n8n process that ran the workflow.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

process.on('exit', () => {
	const dir = process.env.RSS_PROBE_DIR;
	if (!dir) return;
	const record = { pid: process.pid, argv: process.argv.slice(1), maxRssKb: process.resourceUsage().maxRSS };
	try {
		writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(record));
	} catch {
		// A benchmark probe must never change how n8n exits.
	}
});
