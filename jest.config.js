// The suite in tests/suite runs once per backend; package-level tests run once.
const path = require('node:path');

const BACKENDS = ['simd-threads', 'simd', 'scalar'];

const backendProjects = BACKENDS.map((backend) => ({
  displayName: backend,
  testMatch: ['<rootDir>/tests/suite/**/*.test.js'],
  globals: { WASM_EMBEDDING_BACKEND: backend },
}));

// The same suite against checked builds of the simd backend (`scripts/build.sh debug`): SAFE_HEAP with
// ASSERTIONS=2, and AddressSanitizer.
const checkedProjects = [
  ['debug', process.env.WASM_EMBEDDING_DEBUG_DIST || path.join(__dirname, 'dist-debug')],
  ['asan', process.env.WASM_EMBEDDING_ASAN_DIST || path.join(__dirname, 'dist-asan')],
].map(([name, dist]) => ({
  displayName: name,
  testMatch: ['<rootDir>/tests/suite/**/*.test.js'],
  globals: { WASM_EMBEDDING_BACKEND: 'simd', WASM_EMBEDDING_DIST_OVERRIDE: dist },
}));

module.exports = {
  testTimeout: 60000,
  projects: [
    ...backendProjects,
    ...checkedProjects,
    { displayName: 'package', testMatch: ['<rootDir>/tests/package/**/*.test.js'] },
    // The demo page in Debian's Chromium through playwright-core, with and without cross-origin isolation.
    { displayName: 'browser', testMatch: ['<rootDir>/tests/browser/**/*.test.js'] },
  ],
};
