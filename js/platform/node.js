// Loads the CommonJS glue of a backend in Node. The bundle lives in dist/, the glue in dist/node/<backend>/.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function glueFolder(backend) {
  return path.join(__dirname, 'node', backend);
}

export const nodePlatform = {
  supportsThreads() {
    return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
  },

  threadsUnavailableReason() {
    return 'which this Node build lacks';
  },

  defaultThreads() {
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  },

  async loadModule(backend, { poolSize }) {
    const folder = glueFolder(backend);
    const factory = require(path.join(folder, 'wasm_embedding.js'));
    // Node 20's global fetch rejects file paths, so the glue gets the bytes directly.
    const wasmBinary = fs.readFileSync(path.join(folder, 'wasm_embedding.wasm'));
    // print carries only the checked builds' heap-resize notices; printErr keeps sanitizer reports.
    return factory({ wasmBinary, pthreadPoolSize: poolSize, print: () => {} });
  },

  // Pool workers would keep Node alive; unref lets the process exit when nothing else runs.
  afterThreadsStarted(module) {
    const { PThread } = module;
    for (const worker of [...PThread.unusedWorkers, ...PThread.runningWorkers]) {
      if (typeof worker.unref === 'function') worker.unref();
    }
  },

  terminateThreads(module) {
    if (module.PThread) module.PThread.terminateAllThreads();
  },
};
