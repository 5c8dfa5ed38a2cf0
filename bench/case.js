// Times one benchmark case in its own process: node bench/case.js '<case JSON>'. Prints one JSON line with
// every method's samples (milliseconds per whole call from JS) or the reason it was not timed.
//
// Every method's result is compared with a plain-JS reference before timing; a method that returns a wrong
// result is reported as wrong and not timed. Methods run interleaved: each round times every method once,
// in an order rotated by one per round, after warm-up rounds that are not recorded.

'use strict';

const { performance } = require('node:perf_hooks');

const data = require('./data.js');
const { loadWasmEmbedding, loadTfjs, loadOnnxRuntime } = require('./peers.js');
const { gatherModel, scatterAddModel } = require('./onnx-model.js');

// Builds of this library timed in every case: [label, backend, threads].
const VARIANTS = [
  ['simd-threads x2', 'simd-threads', 2],
  ['simd-threads x1', 'simd-threads', 1],
  ['simd', 'simd', undefined],
  ['scalar', 'scalar', undefined],
];

class Unsupported extends Error {}
class WrongResult extends Error {}

// Returns a check function that raises when a result differs from the expected bytes.
function exactCheck(expected) {
  return (actual) => {
    const position = data.firstByteDifference(actual, expected);
    if (position >= 0) throw new WrongResult(`result differs from the reference at byte ${position}`);
  };
}

function gatherMethods(spec, inputs) {
  const { rows, columns, count, dtype } = spec;
  const { table, indices, expected } = inputs;
  const { ArrayType } = data.TABLE_STORAGE[dtype];
  const length = count * columns;
  const methods = [];

  // The reference: one contiguous copy of as many bytes as the output.
  const source = new ArrayType(length);
  source.set(expected);
  const target = new ArrayType(length);
  methods.push({
    name: 'set (reference)',
    group: 'reference',
    setup: async () => ({ run: () => target.set(source) ?? target }),
  });

  for (const [label, backend, threads] of VARIANTS) {
    let libraryPromise = null;
    const loadLibrary = () => (libraryPromise ??= loadWasmEmbedding(backend, threads));
    let tablePromise = null;
    const loadTable = () => (tablePromise ??= loadLibrary().then((library) => library.createTable({ data: table, shape: [rows, columns], dtype })));

    methods.push({
      name: `${label}, out`,
      group: 'wasm-embedding',
      variant: label,
      output: 'out',
      setup: async () => {
        const library = await loadLibrary();
        const weight = await loadTable();
        const out = new ArrayType(length);
        return { run: () => library.embedding(indices, weight, { out }).data, before: () => out.fill(0) };
      },
    });
    methods.push({
      name: `${label}, fresh`,
      group: 'wasm-embedding',
      variant: label,
      output: 'fresh',
      setup: async () => {
        const library = await loadLibrary();
        const weight = await loadTable();
        return { run: () => library.embedding(indices, weight).data };
      },
    });
  }

  const jsOut = new ArrayType(length);
  methods.push({
    name: 'JS subarray + set per row',
    group: 'plain JS',
    setup: async () => ({ run: () => data.gatherBySubarray(table, columns, indices, jsOut), before: () => jsOut.fill(0) }),
  });
  methods.push({
    name: 'JS scalar loop',
    group: 'plain JS',
    setup: async () => ({ run: () => data.gatherByLoop(table, columns, indices, jsOut), before: () => jsOut.fill(0) }),
  });

  if (spec.peers && spec.tfjs) {
    methods.push({
      name: 'tfjs-backend-wasm tf.gather',
      group: 'tfjs',
      setup: async () => {
        if (dtype !== 'float32') throw new Unsupported(`tfjs has no ${dtype} dtype`);
        const tf = await loadTfjs();
        const weight = tf.tensor2d(table, [rows, columns], 'float32');
        const run = () => {
          const indexTensor = tf.tensor1d(indices, 'int32');
          const result = tf.gather(weight, indexTensor);
          const values = result.dataSync();
          indexTensor.dispose();
          result.dispose();
          return values;
        };
        return { run, dispose: () => weight.dispose() };
      },
    });
  }
  if (spec.peers) {
    for (const threads of [1, 2]) {
      methods.push({
        name: `onnxruntime-web Gather x${threads}`,
        group: 'onnxruntime-web',
        setup: async () => {
          if (dtype === 'bfloat16') throw new Unsupported('onnxruntime-web tensors have no bfloat16 type');
          const ort = loadOnnxRuntime(threads);
          const model = gatherModel({ weight: table, dtype, rows, columns, count });
          const session = await ort.InferenceSession.create(model, {
            executionProviders: ['wasm'],
            // Idle pool threads would otherwise spin and take the second core from the methods timed next.
            extra: { session: { 'intra_op.allow_spinning': '0' } },
          });
          const indexTensor = new ort.Tensor('int32', indices, [count]);
          const run = async () => (await session.run({ indices: indexTensor })).output.data;
          return { run, dispose: () => session.release() };
        },
      });
    }
  }
  return methods;
}

async function prepare(method, check) {
  try {
    const instance = await method.setup();
    if (instance.before) instance.before();
    const result = await instance.run();
    check(result);
    return { instance, status: 'ok' };
  } catch (error) {
    let status = 'failed';
    if (error instanceof Unsupported) status = 'unsupported';
    if (error instanceof WrongResult) status = 'wrong';
    return { status, detail: error.message.split('\n')[0] };
  }
}

async function timeMethods(methods, check, spec) {
  const prepared = [];
  for (const method of methods) prepared.push({ method, ...(await prepare(method, check)) });

  const live = prepared.filter((entry) => entry.status === 'ok');
  for (const entry of live) entry.samples = [];
  const totalRounds = spec.warmup + spec.rounds;
  for (let round = 0; round < totalRounds; round += 1) {
    for (let k = 0; k < live.length; k += 1) {
      const entry = live[(k + round) % live.length];
      const start = performance.now();
      const result = entry.instance.run();
      if (result && typeof result.then === 'function') await result;
      const elapsed = performance.now() - start;
      if (round >= spec.warmup) entry.samples.push(elapsed);
    }
  }
  for (const entry of live) if (entry.instance.dispose) await entry.instance.dispose();

  return prepared.map(({ method, status, detail, samples }) => ({
    name: method.name,
    group: method.group,
    variant: method.variant,
    output: method.output,
    status,
    detail,
    samples,
  }));
}

async function runGather(spec) {
  const table = data.makeTable(spec.rows, spec.columns, spec.dtype);
  const indices = data.makeIndices(spec.count, spec.rows);
  const expected = data.gatherBySubarray(table, spec.columns, indices, new data.TABLE_STORAGE[spec.dtype].ArrayType(spec.count * spec.columns));
  const methods = gatherMethods(spec, { table, indices, expected });
  return timeMethods(methods, exactCheck(expected), spec);
}

const RUNNERS = { gather: runGather };

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const runner = RUNNERS[spec.kind];
  if (!runner) throw new Error(`unknown case kind ${spec.kind}`);
  const methods = await runner(spec);
  process.stdout.write(`${JSON.stringify({ spec, methods })}\n`);
  // Thread pools of the peers keep the event loop alive; the result is already written.
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
