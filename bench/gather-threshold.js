// Measures where the threaded embedding forward starts to pay off, to choose kParallelGatherMinBytes in
// src/embedding.h.
//
//   node bench/gather-threshold.js [--dist=FOLDER]
//
// The script builds the simd-threads Node module with the threshold set to 1 byte (every call is split
// across threads) into a temporary folder, unless --dist names a folder holding such a build. It then
// times the forward kernel alone on 1 and 2 threads, interleaved, for outputs from 16 KiB to 4 MiB, and
// prints the smallest output size from which 2 threads are at least 10% faster at every larger size.
// The threshold is per thread, so the suggested value is half that size.

'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const data = require('./data.js');
const { ROOT } = require('./peers.js');

const SIZES_KIB = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const ROUNDS = 41;
const WIN_FACTOR = 1.1;

function buildUnthresholded() {
  const buildDir = path.join(os.tmpdir(), 'wasm-embedding-threshold', 'build');
  const dist = path.join(os.tmpdir(), 'wasm-embedding-threshold', 'dist');
  if (!fs.existsSync(path.join(buildDir, 'build.ninja'))) {
    execFileSync('emcmake', [
      'cmake', '-G', 'Ninja', '-B', buildDir, '-S', ROOT,
      '-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch',
      `-DOUTPUT_ROOT=${dist}`,
      '-DCMAKE_CXX_FLAGS=-DWASM_EMBEDDING_PARALLEL_GATHER_MIN_BYTES=1',
    ], { stdio: 'inherit' });
  }
  execFileSync('cmake', ['--build', buildDir, '--target', 'wasm_embedding_simd-threads_node'], { stdio: 'inherit' });
  return dist;
}

async function loadModule(dist, threads) {
  const folder = path.join(dist, 'node', 'simd-threads');
  const factory = require(path.join(folder, 'wasm_embedding.js'));
  const module = await factory({ wasmBinary: fs.readFileSync(path.join(folder, 'wasm_embedding.wasm')), pthreadPoolSize: 1 });
  const started = module.threadPoolStart(threads);
  if (started !== threads) throw new Error(`the module started ${started} threads, not ${threads}`);
  return module;
}

// Copies the table and indices into the module and returns a function that runs one forward call.
function prepareForward(module, table, rows, columns, indices) {
  const buffer = () => module.wasmMemory.buffer;
  const tablePointer = module._malloc(table.byteLength);
  new Float32Array(buffer(), tablePointer, table.length).set(table);
  const indexPointer = module._malloc(indices.byteLength);
  new Int32Array(buffer(), indexPointer, indices.length).set(indices);
  const outPointer = module._malloc(indices.length * columns * 4);
  return (count) => module.embeddingForward(module.DTYPE_INT32, indexPointer, count, rows, tablePointer, columns, 4, outPointer);
}

function median(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function measureShape(dist, rows, columns) {
  const rowBytes = columns * 4;
  const maxCount = Math.ceil((SIZES_KIB[SIZES_KIB.length - 1] * 1024) / rowBytes);
  const table = data.makeTable(rows, columns, 'float32');
  const indices = data.makeIndices(maxCount, rows);
  const forwards = [];
  for (const threads of [1, 2]) forwards.push(prepareForward(await loadModule(dist, threads), table, rows, columns, indices));

  const results = [];
  for (const kib of SIZES_KIB) {
    const count = Math.max(1, Math.round((kib * 1024) / rowBytes));
    const samples = [[], []];
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let k = 0; k < 2; k += 1) {
        const which = (k + round) % 2;
        const start = performance.now();
        forwards[which](count);
        samples[which].push(performance.now() - start);
      }
    }
    results.push({ kib, one: median(samples[0]), two: median(samples[1]) });
  }
  return results;
}

function parseDist(argv) {
  const option = argv.find((argument) => argument.startsWith('--dist='));
  return option ? path.resolve(option.slice('--dist='.length)) : null;
}

async function main() {
  const dist = parseDist(process.argv.slice(2)) ?? buildUnthresholded();
  const shapes = [
    { name: '50000x128 table', rows: 50000, columns: 128 },
    { name: '1000x64 table (cache-resident)', rows: 1000, columns: 64 },
    { name: '8x3 table (tiny rows)', rows: 8, columns: 3 },
  ];
  console.log(`load average: ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  for (const shape of shapes) {
    const results = await measureShape(dist, shape.rows, shape.columns);
    console.log(`\n${shape.name}\n| output KiB | 1 thread ms | 2 threads ms | speed-up |\n| ---: | ---: | ---: | ---: |`);
    for (const row of results) console.log(`| ${row.kib} | ${row.one.toFixed(3)} | ${row.two.toFixed(3)} | ${(row.one / row.two).toFixed(2)} |`);
    let crossover = null;
    for (let i = results.length - 1; i >= 0 && results[i].one >= WIN_FACTOR * results[i].two; i -= 1) crossover = results[i].kib;
    console.log(crossover === null
      ? 'two threads never won by 10% at the largest size'
      : `two threads win from ${crossover} KiB of output: a threshold of ${crossover / 2} KiB per thread`);
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error.stack || error);
  process.exit(1);
});
