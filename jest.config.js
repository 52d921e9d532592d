/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	// The real-n8n suite is slow and builds the package: it has its own config, test/e2e/jest.config.js.
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
	// Type checking is done once by `npm run typecheck`; isolatedModules in the tsconfig makes ts-jest only transpile.
	// tsconfig.json is the build's (the node and the credential only); tsconfig.dev.json covers the tests.
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.dev.json' }] },
	testTimeout: 60000,
	setupFiles: ['<rootDir>/test/helpers/quickMarkConfirmation.ts'],
};
