// Browser entry point, bundled to dist/browser.js as an ES module.
import { setPlatform } from './runtime.js';
import { browserPlatform } from './platform/browser.js';

setPlatform(browserPlatform);

export * from './api.js';
