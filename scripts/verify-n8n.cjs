#!/usr/bin/env node
// Proves that an n8n install works with the Node.js running this script, before scripts/install-n8n.sh marks it
// installed (and each time it reuses it). Prints nothing and exits 0 when it works; otherwise prints one line that
// says what is missing and why, and exits 1. When n8n itself crashes (a fatal signal such as SIGSEGV) in a step of the
// smoke run, it prints one line saying so and runs that step once more; a second crash fails the check.
//
//   <node> scripts/verify-n8n.cjs <n8n folder>            quick: the native modules load (sqlite3, isolated-vm)
//   <node> scripts/verify-n8n.cjs <n8n folder> --smoke    and n8n itself opens a fresh database and runs a
//                                                         workflow with an expression (about 10 to 20 s)
//
// Written in CommonJS with no dependencies: it runs on whichever Node.js the n8n install is for.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const [dir, flag] = process.argv.slice(2);
const node = `Node ${process.version}`;

function fail(line) {
	process.stderr.write(`${line}\n`);
	process.exit(1);
}

/** Why a native module did not load, in words: the usual cause is an install that ran without npm's scripts. */
function whyNot(moduleName, message) {
	if (/NODE_MODULE_VERSION/.test(message)) return `${moduleName} was built for another Node.js than ${node} (${message.slice(0, 160)})`;
	if (/Cannot find module|Could not locate the bindings file|\.node/.test(message)) {
		return `${moduleName}'s native module was never built for ${node}: npm installed it with install scripts off (npm_config_ignore_scripts) or its build failed (${message.slice(0, 160)})`;
	}
	return `${moduleName} does not load on ${node}: ${message.slice(0, 200)}`;
}

/** The folders of every copy of a package in the install (n8n may nest one under another package). */
function copiesOf(name, root) {
	const found = [];
	const walk = (modules, depth) => {
		if (depth > 4 || !fs.existsSync(modules)) return;
		for (const entry of fs.readdirSync(modules)) {
			if (entry.startsWith('.')) continue;
			const full = path.join(modules, entry);
			if (entry.startsWith('@')) {
				for (const scoped of fs.readdirSync(full)) walk(path.join(full, scoped, 'node_modules'), depth + 1);
				continue;
			}
			if (entry === name) found.push(full);
			walk(path.join(full, 'node_modules'), depth + 1);
		}
	};
	walk(path.join(root, 'node_modules'), 0);
	return found;
}

/** What loading each native module proves; run in a child process, because a module built for another Node can crash it. */
const LOADERS = {
	sqlite3: (copy) => {
		const sqlite3 = require(copy);
		new sqlite3.Database(':memory:').close();
	},
	'isolated-vm': (copy) => {
		const ivm = require(copy);
		const isolate = new ivm.Isolate({ memoryLimit: 16 });
		const result = isolate.compileScriptSync('20 + 22').runSync(isolate.createContextSync());
		isolate.dispose();
		if (result !== 42) throw new Error(`evaluated 20 + 22 to ${String(result)}`);
	},
};

/** Loads one copy of a native module in a child process; undefined when it works, else why not. */
function loadProblem(moduleName, copy) {
	const child = spawnSync(process.execPath, [__filename, '--load', moduleName, copy], { encoding: 'utf8', timeout: 60_000 });
	if (child.status === 0) return undefined;
	if (child.signal) return `${moduleName} crashed ${node} (${child.signal}): it was built for another Node.js`;
	return whyNot(moduleName, child.stderr.trim() || `exit ${child.status}`);
}

function checkNative(root) {
	const sqlite = copiesOf('sqlite3', root);
	if (sqlite.length === 0) fail(`n8n in ${root} has no sqlite3 package, so it cannot open its database`);
	for (const copy of sqlite) {
		const problem = loadProblem('sqlite3', copy);
		if (problem) fail(`n8n in ${root} cannot open its database: ${problem}`);
	}
	// n8n's expression engine runs in isolated-vm where a release has it (n8n 1.12x, 2.4x); 2.8.4 has none.
	for (const copy of copiesOf('isolated-vm', root)) {
		const problem = loadProblem('isolated-vm', copy);
		if (problem) fail(`n8n in ${root} cannot load its expression engine: ${problem}`);
	}
}

function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/**
 * A workflow whose only work is an expression: the run's output holds its value only if the engine evaluated it.
 * Then it pauses: n8n's expression engine (an isolated-vm isolate pool, n8n 1.123 and 2.x) starts warming a fresh
 * isolate as soon as one is taken, and an `n8n execute` that exits while that isolate still runs its start-up code
 * crashes with SIGSEGV at exit (isolated-vm joins its threads after Node.js has torn down V8's platform), on Node 22
 * and 24 alike: 8 of 12 runs on a loaded 2-core machine, none of 12 with the pause.
 */
const SMOKE_WORKFLOW = {
	id: 'installCheck000001',
	name: 'install check',
	active: false,
	settings: {},
	nodes: [
		{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'check',
			name: 'Check',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [220, 0],
			parameters: {
				mode: 'manual',
				assignments: { assignments: [{ id: 'sum', name: 'sum', value: '={{ 20 + 22 }}', type: 'number' }] },
				options: {},
			},
		},
		{
			id: 'pause',
			name: 'Pause',
			type: 'n8n-nodes-base.wait',
			typeVersion: 1.1,
			position: [440, 0],
			parameters: { resume: 'timeInterval', amount: 3, unit: 'seconds' },
		},
	],
	connections: {
		Start: { main: [[{ node: 'Check', type: 'main', index: 0 }]] },
		Check: { main: [[{ node: 'Pause', type: 'main', index: 0 }]] },
	},
};

async function smoke(root) {
	const bin = path.join(root, 'node_modules', 'n8n', 'bin', 'n8n');
	if (!fs.existsSync(bin)) fail(`n8n in ${root} has no node_modules/n8n/bin/n8n`);
	const home = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-install-check-'));
	try {
		const file = path.join(home, 'workflow.json');
		fs.writeFileSync(file, JSON.stringify([SMOKE_WORKFLOW]));
		const env = {
			PATH: process.env.PATH,
			HOME: process.env.HOME,
			N8N_USER_FOLDER: home,
			N8N_ENCRYPTION_KEY: 'n8n-install-check',
			N8N_LOG_LEVEL: 'info',
			DB_TYPE: 'sqlite',
			// The pooled SQLite driver (WAL), as the end-to-end suite runs n8n (and as n8n 2.x always does).
			DB_SQLITE_POOL_SIZE: '2',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
			NODE_ENV: 'production',
		};
		const once = (args) => spawnSync(process.execPath, [bin, ...args], { env, cwd: home, encoding: 'utf8', timeout: 180_000 });
		const run = (args) => {
			const result = once(args);
			if (!CRASH_SIGNALS.includes(result.signal)) return result;
			// n8n itself crashed, not the install: say so, and run that one step once more. A second crash fails the check.
			process.stderr.write(`n8n itself crashed (${result.signal}) in \`n8n ${args[0]}\` on ${node}: running that step once more\n`);
			return once(args);
		};
		const imported = run(['import:workflow', `--input=${file}`]);
		if (imported.status !== 0) {
			fail(`n8n in ${root} cannot open a new database on ${node}: ${lastLine(imported)}`);
		}
		const executed = run(['execute', `--id=${SMOKE_WORKFLOW.id}`, '--rawOutput']);
		if (executed.status !== 0 || !/"sum": 42\b/.test(executed.stdout)) {
			fail(`n8n in ${root} cannot run a workflow with an expression on ${node}: ${lastLine(executed)}`);
		}
	} finally {
		fs.rmSync(home, { recursive: true, force: true });
	}
}

/** Signals with which n8n's own process crashes (a timeout here ends it with SIGTERM instead). */
const CRASH_SIGNALS = ['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE'];

/** How n8n ended and the last line it printed that says something, for a one-line failure. */
function lastLine(result) {
	if (result.error) return result.error.message;
	const ended = CRASH_SIGNALS.includes(result.signal)
		? `n8n itself crashed (${result.signal}) twice in a row`
		: result.signal
			? `killed by ${result.signal}`
			: `exit ${result.status}`;
	const lines = `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trim()).filter(Boolean);
	const telling = lines.filter((line) => /error|cannot|failed|not found|missing/i.test(line));
	const said = telling.pop() ?? lines.pop();
	return `${ended}${said ? `: ${said.slice(0, 300)}` : ''}`;
}

(async () => {
	if (dir === '--load') {
		const [moduleName, copy] = process.argv.slice(3);
		try {
			LOADERS[moduleName](copy);
		} catch (error) {
			process.stderr.write(String(error && error.message ? error.message : error).split('\n')[0]);
			process.exit(1);
		}
		return;
	}
	if (!dir) fail('usage: node scripts/verify-n8n.cjs <n8n folder> [--smoke]');
	const root = path.resolve(dir);
	checkNative(root);
	if (flag === '--smoke') await smoke(root);
})().catch((error) => fail(`the n8n install check itself failed: ${error.message}`));
