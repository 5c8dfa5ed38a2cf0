// Loads the built library (dist/, or WASM_EMBEDDING_DIST) and starts the backend this Jest project tests.
const path = require('node:path');

// A Jest project that tests a checked build sets WASM_EMBEDDING_DIST_OVERRIDE to that build's folder.
const DIST = globalThis.WASM_EMBEDDING_DIST_OVERRIDE
  || process.env.WASM_EMBEDDING_DIST
  || path.join(__dirname, '..', '..', 'dist');
const library = require(path.join(DIST, 'index.cjs'));

// Set per project in jest.config.js; tests outside a backend project get the automatic choice.
const BACKEND = globalThis.WASM_EMBEDDING_BACKEND;

function initBackend(options = {}) {
  return library.init(BACKEND ? { backend: BACKEND, ...options } : options);
}

module.exports = { library, BACKEND, DIST, initBackend };
