// The browser suite: a newcomer's first hour in the sandbox's editor, in headless Chromium (firstHour.browser.ts).
//   npm run test:browser
// It starts its own sandbox (about a minute), then drives the editor step by step, one test after another.
const path = require('node:path');
const base = require('../../jest.config');

/** @type {import('jest').Config} */
module.exports = {
	...base,
	rootDir: path.resolve(__dirname, '..', '..'),
	roots: ['<rootDir>/test/browser'],
	testMatch: ['**/*.browser.ts'],
	testPathIgnorePatterns: ['/node_modules/'],
	testTimeout: 3 * 60 * 1000,
	maxWorkers: 1,
	verbose: true,
};
