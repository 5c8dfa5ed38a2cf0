// Loaders for the benchmark's peers in Node: this library's builds, tfjs-backend-wasm and onnxruntime-web.
// Each loader returns a fresh, independent instance, so that one process can time several configurations
// side by side.

'use strict';

const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const DIST = process.env.WASM_EMBEDDING_DIST || path.join(ROOT, 'dist');
const NODE_MODULES = path.join(ROOT, 'node_modules');

// Requires a CommonJS file again with an empty cache entry, so that module-level state is not shared.
function requireFresh(file) {
  const resolved = require.resolve(file);
  delete require.cache[resolved];
  return require(resolved);
}

// A started instance of this library for one backend and thread count.
async function loadWasmEmbedding(backend, threads) {
  const library = requireFresh(path.join(DIST, 'index.cjs'));
  const info = await library.init(threads === undefined ? { backend } : { backend, threads });
  if (threads !== undefined && info.threads !== threads) {
    throw new Error(`${backend} started ${info.threads} threads, not the ${threads} requested`);
  }
  return library;
}

let tfPromise = null;

// tfjs-core on the wasm backend, with the .wasm files read from node_modules (no network).
function loadTfjs() {
  tfPromise ??= (async () => {
    const tf = require('@tensorflow/tfjs-core');
    const backend = require('@tensorflow/tfjs-backend-wasm');
    backend.setWasmPaths(`${path.join(NODE_MODULES, '@tensorflow/tfjs-backend-wasm/dist')}/`);
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  })();
  return tfPromise;
}

// onnxruntime-web with numThreads fixed for this instance. The runtime reads numThreads once, when its wasm
// module starts, so every thread count needs its own copy of the package's CommonJS bundle.
function loadOnnxRuntime(threads) {
  // onnxruntime-common keeps the registry of backends, so it needs a fresh copy too.
  for (const file of Object.keys(require.cache)) {
    if (file.includes(`${path.sep}onnxruntime-`)) delete require.cache[file];
  }
  const ort = require(path.join(NODE_MODULES, 'onnxruntime-web'));
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = `${path.join(NODE_MODULES, 'onnxruntime-web/dist')}/`;
  return ort;
}

function packageVersion(name) {
  try {
    return require(path.join(NODE_MODULES, name, 'package.json')).version;
  } catch {
    return 'not installed';
  }
}

module.exports = { DIST, ROOT, loadWasmEmbedding, loadTfjs, loadOnnxRuntime, packageVersion };
