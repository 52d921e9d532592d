#!/usr/bin/env node
// Which n8n runs on which Node.js: test/e2e/targets.json pins each pair the end-to-end suite runs in; this file picks
// from it for the scripts (test.sh, install-e2e.sh, start.sh) and for test/e2e/targets.ts, so there is one rule:
// - The default target is the one for the Node.js running the command: the newest n8n that runs on that Node's major
//   line (Node 20: n8n 2.8.4; Node 22: 2.35.x; Node 24 and later: the newest 2.x). `npm test` and `npm start` use it.
// - A target runs on the Node.js running the command when that one is on the target's major line and at least its
//   `nodeMin` (what that n8n release accepts); otherwise on the pinned `node`, which scripts/install-node.sh fetches
//   from npm. So on a Node 20 machine n8n 2.41.1 runs on Node 24 from npm, and on a Node 24 machine on the machine's.
// - N8N_E2E_<TARGET>_N8N and N8N_E2E_<TARGET>_NODE (e.g. N8N_E2E_NODE24_N8N) override a target's versions.
//
//   node scripts/lib/targets.cjs default            the default target's name
//   node scripts/lib/targets.cjs compat             every other target's name, one a line
//   node scripts/lib/targets.cjs show NAME...       per target: name, n8n version, and the Node version to fetch
//                                                   ("-" when the Node running this runs it)
//
// CommonJS without dependencies: it runs on whichever Node.js the caller has.
'use strict';
const path = require('node:path');

const pinned = require(path.join(__dirname, '..', '..', 'test', 'e2e', 'targets.json'));

/** [major, minor, patch] of a version like "v22.23.5" or "22.23.5". */
function parts(version) {
	return String(version).replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10) || 0);
}

function atLeast(version, minimum) {
	const [a, b] = [parts(version), parts(minimum)];
	for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
	return true;
}

/** The default target for a Node.js version: its major line's, else the newest line below it, else the oldest. */
function defaultTarget(nodeVersion = process.version) {
	const major = parts(nodeVersion)[0];
	const lines = Object.entries(pinned)
		.filter(([, target]) => target.default)
		.map(([name, target]) => ({ name, major: parts(target.node)[0] }))
		.sort((a, b) => a.major - b.major);
	const below = lines.filter((line) => line.major <= major);
	return (below.length ? below[below.length - 1] : lines[0]).name;
}

/** The other targets, in targets.json's order. */
function compatTargets(nodeVersion = process.version) {
	const main = defaultTarget(nodeVersion);
	return Object.keys(pinned).filter((name) => name !== main);
}

/**
 * A target as it runs here: its n8n version, and the Node.js version to fetch from npm for it (undefined when the
 * Node.js running this runs it).
 */
function resolveTarget(name, env = process.env, nodeVersion = process.version) {
	const target = pinned[name];
	if (!target) throw new Error(`no end-to-end target "${name}" in test/e2e/targets.json (${Object.keys(pinned).join(', ')})`);
	const override = (what) => env[`N8N_E2E_${name.toUpperCase()}_${what}`];
	const n8nVersion = override('N8N') || target.n8n;
	if (override('NODE')) return { name, n8nVersion, nodeVersion: override('NODE') };
	const sameLine = parts(nodeVersion)[0] === parts(target.node)[0];
	return { name, n8nVersion, nodeVersion: sameLine && atLeast(nodeVersion, target.nodeMin) ? undefined : target.node };
}

module.exports = { pinned, defaultTarget, compatTargets, resolveTarget };

if (require.main === module) {
	const [command, ...names] = process.argv.slice(2);
	try {
		if (command === 'default') console.log(defaultTarget());
		else if (command === 'compat') console.log(compatTargets().join('\n'));
		else if (command === 'show') {
			for (const name of names) {
				const { n8nVersion, nodeVersion } = resolveTarget(name);
				console.log(`${name} ${n8nVersion} ${nodeVersion ?? '-'}`);
			}
		} else throw new Error('usage: node scripts/lib/targets.cjs default | compat | show NAME...');
	} catch (error) {
		process.stderr.write(`${error.message}\n`);
		process.exit(1);
	}
}
