// Benchmark of the demo's per-keystroke work on a 50,000 x 100 float16 table in wasm memory: one n-gram
// look-up with embedding, and similarity over every row for 1 and 8 queries. Prints the median time per
// call and the table bytes read per second, for each backend.
//
//   node bench/similarity.js [--rows=N] [--rounds=N]      (WASM_EMBEDDING_DIST selects the build)

'use strict';

const path = require('node:path');

const DIST = process.env.WASM_EMBEDDING_DIST || path.join(__dirname, '..', 'dist');
const library = require(path.join(DIST, 'index.cjs'));

const COLUMNS = 100;

function parseArguments(argv) {
  const options = { rows: 50000, rounds: 30 };
  for (const argument of argv) {
    const match = /^--(rows|rounds)=(\d+)$/.exec(argument);
    if (!match) throw new Error(`bench/similarity: unknown argument ${argument}; expected --rows=N or --rounds=N`);
    options[match[1]] = Number(match[2]);
  }
  return options;
}

// Median milliseconds of rounds calls of fn, after warm-up calls that let the engine compile it.
function medianMs(fn, rounds) {
  for (let i = 0; i < 5; i += 1) fn();
  const times = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

async function main() {
  const { rows, rounds } = parseArguments(process.argv.slice(2));
  // Deterministic values in [-1, 1): a linear congruential sequence.
  let state = 12345;
  const values = Float32Array.from({ length: rows * COLUMNS }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 31 - 1;
  });

  console.log(`similarity and look-up on a ${rows} x ${COLUMNS} float16 table, median of ${rounds} calls, Node ${process.version}`);
  for (const backend of library.BACKENDS) {
    const info = await library.init({ backend });
    const table = library.createTable({ data: library.toFloat16(values), shape: [rows, COLUMNS], dtype: 'float16' });
    try {
      const bigram = { data: Int32Array.from([17, 4242]), shape: [1, 2] };
      const lookupMs = medianMs(() => library.embedding(bigram, table), rounds);
      const cells = [`${backend} (${info.threads} thread${info.threads > 1 ? 's' : ''})`, `lookup ${(lookupMs * 1000).toFixed(1)} us`];
      for (const count of [1, 8]) {
        const queries = { data: values.subarray(0, count * COLUMNS), shape: [count, COLUMNS] };
        const ms = medianMs(() => library.similarity(table, queries), rounds);
        cells.push(`similarity x${count} ${ms.toFixed(2)} ms (${(table.byteLength / ms / 1e6).toFixed(2)} GB/s)`);
      }
      console.log(cells.join('  '));
    } finally {
      table.dispose();
      library.dispose();
    }
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 1;
});
