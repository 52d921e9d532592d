// ESLint for the code that never ships: test/, scripts/ and bench/ are Node programs (they start n8n, read files,
// time things), so n8n Cloud's rules for node code (no process, timers, fs or child_process) do not apply to them.
// Each of those folders has an eslint.config.mjs that re-exports this one. `npm run lint` turns on ESLint's per-folder
// config lookup (ESLINT_FLAGS=unstable_config_lookup_from_file, the default from ESLint 10 on), so every file gets
// its nearest config: these three folders this one, everything else the root eslint.config.mjs, which is exactly
// @n8n/node-cli's strict config (n8n-node lint refuses any other).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config({
	files: ['**/*.ts'],
	extends: [js.configs.recommended, tseslint.configs.recommended],
});
