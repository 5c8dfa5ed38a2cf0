// Loads the ES module glue of a backend in a browser or web worker. The bundle lives in dist/, the glue in
// dist/web/<backend>/; the import paths stay literal so that bundlers can follow them.

const loaders = {
  'simd-threads': () => import('./web/simd-threads/wasm_embedding.js'),
  simd: () => import('./web/simd/wasm_embedding.js'),
  scalar: () => import('./web/scalar/wasm_embedding.js'),
};

export const browserPlatform = {
  // Threads need SharedArrayBuffer, which browsers offer only on cross-origin-isolated pages.
  supportsThreads() {
    return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
  },

  threadsUnavailableReason() {
    return 'which need a cross-origin-isolated page (Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  },

  defaultThreads() {
    return (globalThis.navigator && navigator.hardwareConcurrency) || 1;
  },

  async loadModule(backend, { poolSize }) {
    const { default: factory } = await loaders[backend]();
    return factory({ pthreadPoolSize: poolSize });
  },

  afterThreadsStarted() {},

  terminateThreads(module) {
    if (module.PThread) module.PThread.terminateAllThreads();
  },
};
