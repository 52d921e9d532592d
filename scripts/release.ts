/**
 * Cuts a release: bumps the version, moves the changelog's Unreleased section under it, commits and tags.
 * Pushing the tag (`git push --follow-tags`) makes the Release workflow publish to npm with provenance, through
 * `npm run release` (`n8n-node release`). Run on a laptop, `n8n-node release` would hand over to release-it and
 * auto-changelog, which rewrite CHANGELOG.md from commit messages: this script keeps the changelog written by hand.
 *   npm run release:tag -- patch | minor | major | 1.2.3
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const UNRELEASED = '## [Unreleased]';

/** The changelog with the Unreleased entries under `## [version] - date`, and a new empty Unreleased section. */
export function releaseChangelog(changelog: string, version: string, date: string): string {
	const start = changelog.indexOf(UNRELEASED);
	if (start < 0) throw new Error(`CHANGELOG.md has no "${UNRELEASED}" section`);
	const bodyStart = start + UNRELEASED.length;
	const next = changelog.indexOf('\n## [', bodyStart);
	const entries = changelog.slice(bodyStart, next < 0 ? undefined : next).trim();
	if (!entries) throw new Error('The Unreleased section of CHANGELOG.md is empty: list the changes first');
	const rest = next < 0 ? '' : changelog.slice(next);
	return `${changelog.slice(0, start)}${UNRELEASED}\n\n## [${version}] - ${date}\n\n${entries}\n${rest}`;
}

function run(command: string, args: string[], cwd: string): string {
	return execFileSync(command, args, { cwd, encoding: 'utf8' }).trim();
}

function main() {
	const bump = process.argv[2];
	if (!bump) throw new Error('usage: npm run release:tag -- <patch|minor|major|x.y.z>');
	const root = join(__dirname, '..');
	if (run('git', ['status', '--porcelain', '--untracked-files=no'], root)) throw new Error('The work tree has uncommitted changes; commit them first');
	run('npm', ['version', bump, '--no-git-tag-version'], root);
	const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
	const changelogPath = join(root, 'CHANGELOG.md');
	writeFileSync(changelogPath, releaseChangelog(readFileSync(changelogPath, 'utf8'), version, new Date().toISOString().slice(0, 10)));
	run('git', ['add', 'package.json', 'package-lock.json', 'CHANGELOG.md'], root);
	run('git', ['commit', '-m', `Release ${version}`], root);
	run('git', ['tag', '-a', `v${version}`, '-m', `Release ${version}`], root);
	process.stdout.write(`Tagged v${version}. Publish with: git push --follow-tags\n`);
}

if (require.main === module) main();
