// Worker thread for the concurrency test: loads its own copy of the library, starts the requested
// backend and posts the workload's result.
const path = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');
const { runWorkload } = require('./concurrency-workload');

const library = require(path.join(workerData.dist, 'index.cjs'));

(async () => {
  try {
    await library.init(workerData.initOptions);
    const results = workerData.seeds.map((seed) => runWorkload(library, seed));
    parentPort.postMessage({ results, backend: library.backendInfo() });
  } catch (error) {
    parentPort.postMessage({ error: `${error.name}: ${error.message}\n${error.stack}` });
  } finally {
    library.dispose();
  }
})();
