// The tooling config (../eslint.tooling.mjs explains why this folder has its own).
export { default } from '../eslint.tooling.mjs';
