/** The package as of an earlier commit, for a benchmark that measures it beside the current one in the same run. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..');

/** The package's sources as of a git ref, in a temporary folder that builds with this checkout's node_modules. */
export function checkout(ref: string): string {
	const dir = mkdtempSync(join(tmpdir(), 'cogvideox-baseline-'));
	execFileSync('bash', ['-c', `git -C "${REPO}" archive --format=tar "${ref}" | tar -x -C "${dir}"`]);
	symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
	return dir;
}
