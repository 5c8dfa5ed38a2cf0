// Benchmarks for embeddingBag and the decoding gathers, on every backend, against the plain gather of the
// same rows measured in the same run.
//
//   node bench/bag.js [--rounds=N] [--backend=NAME]
//
// Cases: EmbeddingBag sum, mean and max over 16384 bags of 20 indices into a 50000 x 128 float32 Table,
// beside embedding() of the same 327,680 rows; embedding() on a 50000 x 300 table as float32, as an int8
// and a uint8 quantized table, and as float16 decoded to float32 (outputDtype). Prints the median time of
// each case, rows per second, and the ratio to the plain float32 gather. WASM_EMBEDDING_DIST selects the
// build (default dist/).

'use strict';

const os = require('node:os');
const path = require('node:path');

const DIST = process.env.WASM_EMBEDDING_DIST || path.join(__dirname, '..', 'dist');
const library = require(path.join(DIST, 'index.cjs'));

function parseArguments(argv) {
  const options = { rounds: 15, backends: ['simd-threads', 'simd', 'scalar'] };
  for (const argument of argv) {
    if (argument.startsWith('--rounds=')) options.rounds = Number(argument.slice('--rounds='.length));
    else if (argument.startsWith('--backend=')) options.backends = [argument.slice('--backend='.length)];
    else throw new Error(`bench/bag.js: unknown argument ${argument}; expected --rounds=N or --backend=NAME`);
  }
  if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new Error('bench/bag.js: --rounds must be a positive integer');
  return options;
}

// Deterministic inputs: a linear congruential generator with a fixed seed.
function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function randomTable(rows, columns, seed) {
  const random = createRandom(seed);
  return { data: Float32Array.from({ length: rows * columns }, () => random() * 2 - 1), shape: [rows, columns] };
}

function randomIndices(count, rows, seed) {
  const random = createRandom(seed);
  return Int32Array.from({ length: count }, () => Math.floor(random() * rows));
}

// Median milliseconds of `rounds` calls after two warm-up calls.
function measure(run, rounds) {
  run();
  run();
  const times = [];
  for (let i = 0; i < rounds; i += 1) {
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function bagCases() {
  const table = randomTable(50000, 128, 1);
  const indices = randomIndices(16384 * 20, 50000, 2);
  const bags = { data: indices, shape: [16384, 20] };
  return {
    rows: indices.length,
    setup: () => ({ created: library.createTable(table) }),
    cases: [
      ['gather 327,680 rows (embedding)', ({ created }) => library.embedding(indices, created)],
      ['bag sum 16384 x 20', ({ created }) => library.embeddingBag(bags, created, { mode: 'sum' })],
      ['bag mean 16384 x 20', ({ created }) => library.embeddingBag(bags, created, { mode: 'mean' })],
      ['bag max 16384 x 20', ({ created }) => library.embeddingBag(bags, created, { mode: 'max' })],
    ],
    teardown: ({ created }) => created.dispose(),
  };
}

function decodeCases() {
  const table = randomTable(50000, 300, 3);
  const indices = randomIndices(65536, 50000, 4);
  return {
    rows: indices.length,
    setup: () => ({
      created: library.createTable(table),
      int8: library.quantizeTable(table, { dtype: 'int8' }),
      uint8: library.quantizeTable(table, { dtype: 'uint8' }),
      half: library.createTable({ data: library.toFloat16(table.data), shape: table.shape, dtype: 'float16' }),
    }),
    cases: [
      ['gather 65,536 rows of 300 (float32)', ({ created }) => library.embedding(indices, created)],
      ['gather int8 quantized to float32', ({ int8 }) => library.embedding(indices, int8)],
      ['gather uint8 quantized to float32', ({ uint8 }) => library.embedding(indices, uint8)],
      ['gather float16 to float32', ({ half }) => library.embedding(indices, half, { outputDtype: 'float32' })],
    ],
    teardown: (tables) => Object.values(tables).forEach((table) => table.dispose()),
  };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0].model}), ${options.rounds} rounds, median ms`);
  for (const backend of options.backends) {
    const info = await library.init({ backend });
    console.log(`\nbackend ${info.backend}, ${info.threads} thread(s)`);
    for (const group of [bagCases(), decodeCases()]) {
      const state = group.setup();
      let reference = null;
      for (const [title, run] of group.cases) {
        const ms = measure(() => run(state), options.rounds);
        reference ??= ms;
        const rate = (group.rows / ms / 1e3).toFixed(1);
        console.log(`  ${title.padEnd(40)} ${ms.toFixed(2).padStart(9)} ms  ${rate.padStart(7)} M rows/s  ${(ms / reference).toFixed(2)}x gather`);
      }
      if (state.int8) {
        const { int8, uint8, created } = state;
        console.log(`  memory: float32 ${created.byteLength} B, int8 ${int8.byteLength} B (${(int8.byteLength / created.byteLength).toFixed(3)}), uint8 ${uint8.byteLength} B`);
        console.log(`  reconstruction error: int8 max ${int8.reconstructionError.maxAbs.toExponential(3)} rms ${int8.reconstructionError.rms.toExponential(3)}, uint8 max ${uint8.reconstructionError.maxAbs.toExponential(3)} rms ${uint8.reconstructionError.rms.toExponential(3)}`);
      }
      group.teardown(state);
    }
    library.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
