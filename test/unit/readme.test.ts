import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { withModelTable } from '../../scripts/modelTable';

const README = join(__dirname, '..', '..', 'README.md');

it('the README per-model table matches nodes/CogVideoX/models.ts (npm run docs rewrites it)', () => {
	const readme = readFileSync(README, 'utf8');
	const expected = withModelTable(readme);
	if (process.env.UPDATE_DOCS === '1') writeFileSync(README, expected);
	else expect(readme).toBe(expected);
});
