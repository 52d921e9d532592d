#!/usr/bin/env node
// package.json's prepublishOnly: refuses an `npm publish` that does not come from the Release workflow, before npm
// packs or reaches a registry. n8n's verification takes a community package only with npm provenance, and npm can
// make that only inside GitHub Actions: there `npm run release` (`n8n-node release`) publishes with RELEASE_MODE=true
// and NPM_CONFIG_PROVENANCE=true (.github/workflows/release.yml).
if (process.env.GITHUB_ACTIONS === 'true' && process.env.RELEASE_MODE === 'true') process.exit(0);
console.error(
	[
		'npm publish refused: n8n verifies a community node only when npm provenance ties the package to its source,',
		'and npm makes provenance only inside GitHub Actions. To release, run `npm run release:tag -- patch` (or minor,',
		'major) and push the tag (`git push --follow-tags`): the Release workflow (.github/workflows/release.yml)',
		'builds, tests and publishes with provenance. To look at the tarball instead: `npm pack --dry-run`.',
	].join('\n'),
);
process.exit(1);
