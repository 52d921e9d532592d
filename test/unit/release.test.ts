import { releaseChangelog } from '../../scripts/release';

const changelog = `# Changelog

Intro.

## [Unreleased]

### Added
- Thing one.

## [0.1.0] - 2026-11-01

### Added
- First.
`;

describe('release changelog', () => {
	it('moves the Unreleased entries under the new version and leaves an empty Unreleased section', () => {
		expect(releaseChangelog(changelog, '0.2.0', '2026-11-25')).toBe(`# Changelog

Intro.

## [Unreleased]

## [0.2.0] - 2026-11-25

### Added
- Thing one.

## [0.1.0] - 2026-11-01

### Added
- First.
`);
	});

	it('refuses to release with nothing listed', () => {
		const released = releaseChangelog(changelog, '0.2.0', '2026-11-25');
		expect(() => releaseChangelog(released, '0.2.1', '2026-11-26')).toThrow(/Unreleased section of CHANGELOG.md is empty/);
	});
});
