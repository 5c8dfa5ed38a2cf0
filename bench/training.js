// Throughput of the embedding backward and a lazy Adam step, per backend, against a plain JS scatter-add
// measured in the same run.
//
// Usage: node bench/training.js [--count=100000] [--rows=10000] [--dim=64] [--rounds=9]
// WASM_EMBEDDING_DIST selects the build (default dist/). Prints the median of the timed rounds.
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const DIST = process.env.WASM_EMBEDDING_DIST || path.join(__dirname, '..', 'dist');
const library = require(path.join(DIST, 'index.cjs'));

function option(name, fallback) {
  const found = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
}

const count = option('count', 100000);
const rows = option('rows', 10000);
const dim = option('dim', 64);
const rounds = option('rounds', 9);

function median(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function time(fn) {
  fn();
  const samples = [];
  for (let round = 0; round < rounds; round += 1) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

// Deterministic inputs: skewed indices, as in real vocabularies, and gradients in [-1, 1).
let seed = 12345;
function random() {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
}
const indices = Int32Array.from({ length: count }, () => Math.floor(random() ** 3 * rows));
const gradData = Float32Array.from({ length: count * dim }, () => 2 * random() - 1);
const outGrad = { data: gradData, shape: [count, dim], dtype: 'float32' };

// The baseline: a JS scatter-add into float64 accumulators, rounded to float32 at the end.
function jsBackward() {
  const accumulators = new Float64Array(rows * dim);
  for (let i = 0; i < count; i += 1) {
    const target = indices[i] * dim;
    const source = i * dim;
    for (let c = 0; c < dim; c += 1) accumulators[target + c] += gradData[source + c];
  }
  return Float32Array.from(accumulators);
}

function report(name, milliseconds, elements) {
  const rate = elements / milliseconds / 1e3;
  console.log(`${name.padEnd(50)} ${milliseconds.toFixed(2).padStart(9)} ms  ${rate.toFixed(1).padStart(8)} M elements/s`);
}

(async () => {
  console.log(`node ${process.version}, ${count} indices into [${rows}, ${dim}] float32, median of ${rounds} rounds`);
  report('js scatter-add (float64 accumulators)', time(jsBackward), count * dim);

  for (const backend of library.BACKENDS) {
    library.dispose();
    await library.init({ backend });
    const { threads } = library.backendInfo();
    const label = `${backend} (${threads} thread${threads > 1 ? 's' : ''})`;

    report(`${label} backward dense`, time(() => library.embeddingBackward(indices, outGrad, { inputDim: rows })), count * dim);
    report(`${label} backward row_sparse`,
      time(() => library.embeddingBackward(indices, outGrad, { inputDim: rows, sparseGrad: true })), count * dim);

    const grad = library.embeddingBackward(indices, outGrad, { inputDim: rows, sparseGrad: true });
    const zeros = { data: new Float32Array(rows * dim), shape: [rows, dim], dtype: 'float32' };
    const weight = library.createTable(zeros);
    const mean = library.createTable(zeros);
    const variance = library.createTable(zeros);
    const optimizer = { lr: 0.001 };
    report(`${label} lazy adamUpdate, ${grad.indices.length} rows`,
      time(() => library.adamUpdate(weight, grad, mean, variance, optimizer)), grad.indices.length * dim);
    [weight, mean, variance].forEach((table) => table.dispose());
  }
  library.dispose();
})();
