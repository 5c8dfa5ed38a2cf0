// Several module instances, each in its own worker thread, running lookups and training steps at the same
// time must produce the same results as one instance running the same work alone.
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { library, initBackend, BACKEND, DIST } = require('../helpers/library');
const { runWorkload } = require('../helpers/concurrency-workload');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const WORKERS = 3;
const SEEDS = [11, 22, 33];

function runInWorker(seeds) {
  const initOptions = BACKEND ? { backend: BACKEND, ...(BACKEND === 'simd-threads' ? { threads: 2 } : {}) } : {};
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, '..', 'helpers', 'concurrency-worker.js'), {
      workerData: { dist: DIST, initOptions, seeds },
    });
    worker.once('message', (message) => {
      if (message.error) reject(new Error(message.error));
      else resolve(message);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

test('worker threads match one instance', async () => {
  const expected = SEEDS.map((seed) => runWorkload(library, seed));
  // Each worker runs every seed in a different order, so different work overlaps in time.
  const orders = Array.from({ length: WORKERS }, (_, w) => SEEDS.map((_, i) => SEEDS[(i + w) % SEEDS.length]));
  const messages = await Promise.all(orders.map((seeds) => runInWorker(seeds)));

  messages.forEach((message, w) => {
    if (BACKEND) expect(message.backend.backend).toBe(BACKEND);
    orders[w].forEach((seed, i) => {
      const reference = expected[SEEDS.indexOf(seed)];
      expect(message.results[i].weights).toEqual(reference.weights);
      expect(message.results[i].lookups).toEqual(reference.lookups);
    });
  });
});

test('main instance still matches after the workers', () => {
  const first = runWorkload(library, SEEDS[0]);
  const second = runWorkload(library, SEEDS[0]);
  expect(second).toEqual(first);
});
