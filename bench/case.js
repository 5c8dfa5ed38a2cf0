// Times one benchmark case in its own process: node bench/case.js '<case JSON>'. Prints one JSON line with
// every method's samples (milliseconds per whole call from JS) or the reason it was not timed.
//
// Every method's result is compared with a plain-JS reference before timing; a method that returns a wrong
// result is reported as wrong and not timed. Methods run interleaved: each round times every method once,
// in an order rotated by one per round, after warm-up rounds that are not recorded.

'use strict';

const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

const data = require('./data.js');
const { loadWasmEmbedding, loadTfjs, loadOnnxRuntime } = require('./peers.js');
const { gatherModel, scatterAddModel } = require('./onnx-model.js');
const { VARIANTS, Unsupported, WrongResult, exactCheck, closeCheck } = require('./methods.js');
const { adamInputs, adamMethods } = require('./adam.js');

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
      name: `${label}, heap tensor out`,
      group: 'wasm-embedding',
      variant: label,
      output: 'heap',
      setup: async () => {
        const library = await loadLibrary();
        const weight = await loadTable();
        const out = library.createHeapTensor([count, columns], dtype);
        return { run: () => library.embedding(indices, weight, { out }), result: () => out.data, dispose: () => out.dispose() };
      },
    });
    if (dtype !== 'float32') {
      methods.push({
        name: `${label}, out, float32 (outputDtype)`,
        group: 'wasm-embedding',
        variant: label,
        output: 'out, float32',
        setup: async () => {
          const library = await loadLibrary();
          const weight = await loadTable();
          const out = new Float32Array(length);
          const run = () => library.embedding(indices, weight, { outputDtype: 'float32', out }).data;
          return { run, before: () => out.fill(0), check: exactCheck(inputs.expectedFloat32) };
        },
      });
    }
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
    const returned = await instance.run();
    if (!instance.unchecked) (instance.check ?? check)(instance.result ? instance.result() : returned, method);
    return { instance, status: 'ok' };
  } catch (error) {
    let status = 'failed';
    if (error instanceof Unsupported) status = 'unsupported';
    if (error instanceof WrongResult) status = 'wrong';
    return { status, detail: error.message.split('\n')[0] };
  }
}

// The process a method is timed in. The threaded peers keep their pool threads busy on the second core
// between calls. Next to tfjs-backend-wasm or onnxruntime-web with 2 threads, this library's 2-thread
// calls took 2 to 3x as long, so each threaded peer runs in a process of its own.
function processGroupOf(method) {
  if (method.group === 'tfjs') return 'tfjs';
  if (method.group === 'onnxruntime-web' && method.name.endsWith(' x2')) return 'onnxruntime-web x2';
  return 'main';
}

// 2-thread calls timed right after gc() were slower: 50000x128 into a heap tensor took 4.2 to 4.4 ms against
// 3.5 to 3.8 without gc(). The likely cause (an inference) is V8 sweeping and freeing memory on background
// threads after gc() returns, on the second core. After a pause of 2 ms the times matched those without gc().
const PAUSE_AFTER_GC_MS = 2;
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

// bench/run.js starts this process with --expose-gc; without it (a case run by hand) nothing is collected.
function collectGarbage() {
  if (typeof globalThis.gc !== 'function') return;
  globalThis.gc();
  Atomics.wait(pauseCell, 0, 0, PAUSE_AFTER_GC_MS);
}

async function timeMethods(allMethods, check, spec) {
  const processGroup = spec.processGroup ?? 'main';
  const methods = allMethods.filter((method) => method.group === 'reference' || processGroupOf(method) === processGroup);
  const prepared = [];
  for (const method of methods) prepared.push({ method, ...(await prepare(method, check)) });

  const live = prepared.filter((entry) => entry.status === 'ok');
  for (const entry of live) entry.samples = [];
  const totalRounds = spec.warmup + spec.rounds;
  for (let round = 0; round < totalRounds; round += 1) {
    for (let k = 0; k < live.length; k += 1) {
      const entry = live[(k + round) % live.length];
      // Garbage left by the methods that allocate (fresh outputs, peers' tensors) is collected here, outside
      // the timed call, so that no method pays for another method's garbage.
      collectGarbage();
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
    bytes: method.bytes,
    status,
    detail,
    samples,
  }));
}

function readTableFile(file, dtype) {
  const bytes = fs.readFileSync(file);
  const { ArrayType } = data.TABLE_STORAGE[dtype];
  return new ArrayType(bytes.buffer, bytes.byteOffset, bytes.byteLength / ArrayType.BYTES_PER_ELEMENT).slice();
}

async function runGather(spec) {
  const table = spec.file ? readTableFile(spec.file, spec.dtype) : data.makeTable(spec.rows, spec.columns, spec.dtype);
  const indices = data.makeIndices(spec.count, spec.rows);
  const expected = data.gatherBySubarray(table, spec.columns, indices, new data.TABLE_STORAGE[spec.dtype].ArrayType(spec.count * spec.columns));
  const expectedFloat32 = spec.dtype === 'float32' ? expected : data.decodeHalfBits(expected, spec.dtype);
  const methods = gatherMethods(spec, { table, indices, expected, expectedFloat32 });
  return timeMethods(methods, exactCheck(expected), spec);
}

// Dense backward (float32, gradient buffer reused) and row_sparse backward. Peers: tfjs scatterND and
// onnxruntime-web ScatterND with reduction 'add'. The lazy Adam step is its own case kind (bench/adam.js).
function backwardMethods(spec, inputs) {
  const { rows, columns, count } = spec;
  const { indices, gradient } = inputs;
  const outGrad = { data: gradient, shape: [count, columns], dtype: 'float32' };
  const methods = [];

  // The reference: one contiguous copy of as many bytes as the gradient input.
  const target = new Float32Array(gradient.length);
  methods.push({
    name: 'set (reference, gradient input bytes)',
    group: 'reference',
    setup: async () => ({ run: () => target.set(gradient) ?? target, unchecked: true }),
  });

  // A lower bound of the dense backward: every byte of the dense gradient is written on every call. Shown
  // where the dense gradient is not much smaller than the gradient input.
  if (rows * 4 >= count) {
    const zeroed = new Float32Array(rows * columns);
    methods.push({
      name: 'fill(0) of the dense gradient (floor)',
      group: 'floor',
      bytes: zeroed.byteLength,
      setup: async () => ({ run: () => zeroed.fill(0), unchecked: true }),
    });
  }

  for (const [label, backend, threads] of VARIANTS) {
    let libraryPromise = null;
    const loadLibrary = () => (libraryPromise ??= loadWasmEmbedding(backend, threads));
    methods.push({
      name: `${label}, dense, out reused`,
      group: 'wasm-embedding',
      variant: label,
      output: 'dense',
      setup: async () => {
        const library = await loadLibrary();
        const out = new Float32Array(rows * columns);
        return { run: () => library.embeddingBackward(indices, outGrad, { inputDim: rows, out }).data, before: () => out.fill(0) };
      },
    });
    methods.push({
      name: `${label}, row_sparse`,
      group: 'wasm-embedding',
      variant: label,
      output: 'row_sparse',
      setup: async () => {
        const library = await loadLibrary();
        const run = () => library.embeddingBackward(indices, outGrad, { inputDim: rows, sparseGrad: true });
        return { run, result: () => library.rowSparseToDense(run()).data };
      },
    });
  }

  if (spec.peers) {
    methods.push({
      name: 'tfjs-backend-wasm tf.scatterND',
      group: 'tfjs',
      setup: async () => {
        const tf = await loadTfjs();
        const run = () => {
          const indexTensor = tf.tensor2d(indices, [count, 1], 'int32');
          const updates = tf.tensor2d(gradient, [count, columns], 'float32');
          const result = tf.scatterND(indexTensor, updates, [rows, columns]);
          const values = result.dataSync();
          indexTensor.dispose();
          updates.dispose();
          result.dispose();
          return values;
        };
        return { run };
      },
    });
    for (const threads of [1, 2]) {
      methods.push({
        name: `onnxruntime-web ScatterND add x${threads}`,
        group: 'onnxruntime-web',
        setup: async () => {
          const ort = loadOnnxRuntime(threads);
          const session = await ort.InferenceSession.create(scatterAddModel({ dtype: 'float32', rows, columns, count }), {
            executionProviders: ['wasm'],
            extra: { session: { 'intra_op.allow_spinning': '0' } },
          });
          const indexTensor = new ort.Tensor('int64', BigInt64Array.from(indices, (row) => BigInt(row)), [count, 1]);
          const updates = new ort.Tensor('float32', gradient, [count, columns]);
          const run = async () => (await session.run({ indices: indexTensor, updates })).grad.data;
          return { run, dispose: () => session.release() };
        },
      });
    }
  }
  return methods;
}

async function runBackward(spec) {
  const indices = data.makeIndices(spec.count, spec.rows);
  const gradient = data.makeGradient(spec.count, spec.columns);
  const expected = data.scatterAddReference(indices, gradient, spec.rows, spec.columns);
  const methods = backwardMethods(spec, { indices, gradient });
  // Ours must match the float64-accumulated reference exactly; float32 peers may differ by rounding.
  const exact = exactCheck(expected);
  const close = closeCheck(expected, 1e-3);
  return timeMethods(methods, (actual, method) => (method.group === 'wasm-embedding' ? exact : close)(actual), spec);
}

// Each timed Adam step changes the weight and states, so every method checks its first step, taken from
// the initial values, and the timed steps continue from there (see bench/adam.js).
async function runAdam(spec) {
  const inputs = adamInputs(spec);
  return timeMethods(adamMethods(spec, inputs), () => {
    throw new Error('every lazy Adam method brings its own check');
  }, spec);
}

const RUNNERS = { gather: runGather, backward: runBackward, adam: runAdam };

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
