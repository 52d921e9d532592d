// The end-to-end suite: a real n8n runs the workflows in examples/. Run it with
//   npx jest -c test/e2e/jest.config.js
// The first run installs n8n (several minutes, cached outside the repo); later runs take about a minute.
const path = require('node:path');
const base = require('../../jest.config');

/** @type {import('jest').Config} */
module.exports = {
	...base,
	rootDir: path.resolve(__dirname, '..', '..'),
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	testPathIgnorePatterns: ['/node_modules/'],
	testTimeout: 5 * 60 * 1000,
	maxWorkers: 1,
};
