// Node entry point, bundled to dist/index.cjs (and re-exported by dist/index.mjs).
import { setPlatform } from './runtime.js';
import { nodePlatform } from './platform/node.js';

setPlatform(nodePlatform);

export * from './api.js';
