// The end-to-end suite: a real n8n runs the workflows in examples/, once per target in targets.json (one test file
// each, run one after the other). Run it with
//   npx jest -c test/e2e/jest.config.js [node20|node24]
// The first run installs each n8n (several minutes, cached outside the repo); later runs take 1-2 minutes each.
const path = require('node:path');
const base = require('../../jest.config');

/** @type {import('jest').Config} */
module.exports = {
	...base,
	rootDir: path.resolve(__dirname, '..', '..'),
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	testPathIgnorePatterns: ['/node_modules/'],
	setupFiles: [],
	testTimeout: 5 * 60 * 1000,
	maxWorkers: 1,
};
