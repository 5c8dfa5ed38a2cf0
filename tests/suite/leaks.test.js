// Heap use over long loops of every op, of failing calls and of table lifetimes: after a warm-up the
// allocator's in-use bytes (heapInUseBytes) must return exactly to where they were. Results returned
// before wasm memory grows must read the same afterwards.
const { library, initBackend } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

// A leak of even one byte per call shows after the first loop, so npm test runs 10,000 calls per op (2,000
// in the SAFE_HEAP and ASan builds, which check every access). `npm run fuzz` sets LEAK_CALLS=100000 for
// the long run, and failing calls run a tenth of LEAK_CALLS.
const CHECKED_BUILD = globalThis.WASM_EMBEDDING_DIST_OVERRIDE !== undefined;
const CALLS = Number(process.env.LEAK_CALLS) || (CHECKED_BUILD ? 2000 : 10000);
const FAILING_CALLS = CALLS / 10;
const TABLES = CHECKED_BUILD ? 2000 : 10000;

const float32Range = (length) => Float32Array.from({ length }, (_, i) => i);
const weight = { data: float32Range(20), shape: [4, 5] };
const float16Weight = { data: Uint16Array.from({ length: 20 }, (_, i) => 0x3c00 + i), shape: [4, 5], dtype: 'float16' };
const data = Int32Array.of(1, 3, 0, 2, 3, 3);
const outGrad = { data: float32Range(30), shape: [6, 5] };
const grad = { data: Float32Array.of(0.5, -0.5, 0.25, 1), shape: [2, 2] };
const sparseGrad = {
  storage: 'row_sparse', indices: Int32Array.of(1), values: { data: Float32Array.of(1, 2), shape: [1, 2] }, shape: [2, 2], dtype: 'float32',
};
const tensor = (shape) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });

// Runs call count times after warm-up calls, and returns the in-use bytes before and after the loop.
function measure(call, count) {
  for (let i = 0; i < 10; i += 1) call(i);
  const before = library.heapInUseBytes();
  for (let i = 0; i < count; i += 1) call(i);
  return { before, after: library.heapInUseBytes() };
}

// Returns the error call raises, so loops of failing calls stay cheap.
function errorOf(call) {
  try {
    call();
  } catch (error) {
    return error;
  }
  return null;
}

describe('successful calls', () => {
  const table = () => library.createTable(weight);
  let shared;
  beforeAll(() => {
    shared = { table: table(), quantized: library.quantizeTable(weight) };
  });
  afterAll(() => {
    shared.table.dispose();
    shared.quantized.dispose();
  });

  const OPS = {
    'embedding with a tensor weight': () => library.embedding(data, weight),
    'embedding with a table': () => library.embedding(data, shared.table),
    'embedding with sparseGrad and out': () => library.embedding(data, weight, { sparseGrad: true, out: new Float32Array(30) }),
    'embedding of float16': () => library.embedding([[0.5, 3.5]], float16Weight),
    'embedding of a quantized table': () => library.embedding(data, shared.quantized, { outputDtype: 'float32' }),
    'embedding with maxNorm': () => library.embedding(data, tensor([4, 5]), { maxNorm: 1 }),
    toFloat16: () => library.toFloat16([1.5, 65520, -0]),
    toBFloat16: () => library.toBFloat16(Float64Array.of(1.5, 3e38)),
    fromFloat16: () => library.fromFloat16(Uint16Array.of(0x3c00, 0x7c01)),
    fromBFloat16: () => library.fromBFloat16(Uint16Array.of(0x3f80)),
    'embeddingBackward dense': () => library.embeddingBackward(data, outGrad, { inputDim: 4 }),
    'embeddingBackward row_sparse': () => library.embeddingBackward(data, outGrad, { inputDim: 4, sparseGrad: true }),
    'embeddingBackward row_sparse add': () => library.embeddingBackward(data, outGrad, {
      inputDim: 4, sparseGrad: true, gradReq: 'add', grad: library.embeddingBackward([0], { data: new Float32Array(5), shape: [1, 5] }, { inputDim: 4, sparseGrad: true }),
    }),
    sgdUpdate: () => library.sgdUpdate(tensor([2, 2]), grad, { lr: 0.1 }),
    'sgdMomUpdate row_sparse standard': () => library.sgdMomUpdate(tensor([2, 2]), sparseGrad, tensor([2, 2]), { lr: 0.1, momentum: 0.9, lazyUpdate: false }),
    adamUpdate: () => library.adamUpdate(tensor([2, 2]), grad, tensor([2, 2]), tensor([2, 2]), { lr: 0.1 }),
    'adagradUpdate row_sparse': () => library.adagradUpdate(tensor([2, 2]), sparseGrad, tensor([2, 2]), { lr: 0.1 }),
    'embeddingBag sum': () => library.embeddingBag(data, weight, { offsets: [0, 2, 2] }),
    'embeddingBag max and backward': () => {
      const result = library.embeddingBag(data, weight, { offsets: [0, 3], mode: 'max' });
      return library.embeddingBagBackward(data, { data: new Float32Array(10), shape: [2, 5] }, {
        inputDim: 4, offsets: [0, 3], mode: 'max', maxIndices: result.maxIndices,
      });
    },
    take: () => library.take({ data: float32Range(6), shape: [3, 2] }, [2, -1, 7], { axis: 0, mode: 'wrap' }),
    takeBackward: () => library.takeBackward([2, 0, 2], { data: Float32Array.of(1, 2, 3), shape: [3] }, { shape: [3] }),
    'similarity': () => library.similarity(weight, { data: Float32Array.of(1, 0, 0, 0, 0), shape: [1, 5] }),
  };

  test.each(Object.keys(OPS))('%s keeps the heap level', (name) => {
    const { before, after } = measure(OPS[name], CALLS);
    expect(after).toBe(before);
  });

  test('optimizer steps on tables keep the heap level', () => {
    const w = library.createTable({ data: float32Range(4), shape: [2, 2] });
    const optimizers = [new library.SGD({ lr: 0.01, momentum: 0.9 }), new library.Adam(), new library.AdaGrad()];
    const { before, after } = measure((i) => optimizers[i % 3].step(w, i % 2 ? grad : sparseGrad), CALLS);
    expect(after).toBe(before);
    for (const optimizer of optimizers) optimizer.dispose();
    w.dispose();
  });

  test('Embedding layer steps keep the heap level', () => {
    const layer = new library.Embedding({ inputDim: 4, outputDim: 5, sparseGrad: true });
    const optimizer = new library.SGD({ lr: 0.1 });
    const { before, after } = measure(() => {
      const output = layer.forward(data);
      optimizer.step(layer.weight, layer.backward({ data: output.data, shape: output.shape }));
    }, CALLS / 10);
    expect(after).toBe(before);
    optimizer.dispose();
    layer.dispose();
  });
});

describe('failing calls', () => {
  const FAILURES = {
    // The sparseGrad check runs after the indices were copied into wasm memory.
    'embedding sparseGrad index': [() => library.embedding(Int32Array.of(0, 9), weight, { sparseGrad: true }), RangeError],
    'embeddingBackward sparseGrad index': [() => library.embeddingBackward(Float64Array.of(0, -0.5), { data: new Float32Array(10), shape: [2, 5] }, { inputDim: 4, sparseGrad: true }), RangeError],
    'embeddingBag sparseGrad index': [() => library.embeddingBag([0, 4], weight, { offsets: [0], sparseGrad: true }), RangeError],
    'take raise mode': [() => library.take([1, 2, 3], [0, 5], { mode: 'raise' }), RangeError],
    'embedding out length': [() => library.embedding(data, weight, { out: new Float32Array(3) }), RangeError],
    'sgdUpdate row_sparse index': [() => library.sgdUpdate(tensor([2, 2]), { ...sparseGrad, indices: Int32Array.of(2) }, { lr: 0.1 }), RangeError],
    'adamUpdate epsilon': [() => library.adamUpdate(tensor([2, 2]), grad, tensor([2, 2]), tensor([2, 2]), { lr: 0.1, epsilon: 0 }), RangeError],
    'output beyond the memory limit': [() => library.takeBackward([0], Float32Array.of(1), { shape: [2 ** 30] }), RangeError],
    'toFloat16 bad element': [() => library.toFloat16([1, 'x']), TypeError],
  };

  test.each(Object.keys(FAILURES))('%s keeps the heap level', (name) => {
    const [call, ErrorClass] = FAILURES[name];
    expect(errorOf(call)).toBeInstanceOf(ErrorClass);
    const { before, after } = measure(() => errorOf(call), FAILING_CALLS);
    expect(after).toBe(before);
    expect(Array.from(library.embedding([1], weight).data)).toEqual([5, 6, 7, 8, 9]);
  });
});

describe('table lifetimes', () => {
  test('create and dispose keeps the heap level', () => {
    const before = library.heapInUseBytes();
    for (let i = 0; i < TABLES; i += 1) library.createTable(weight).dispose();
    expect(library.heapInUseBytes()).toBe(before);
  });

  test('quantized create and dispose keeps the heap level', () => {
    const before = library.heapInUseBytes();
    for (let i = 0; i < TABLES; i += 1) library.quantizeTable(weight).dispose();
    expect(library.heapInUseBytes()).toBe(before);
  });

  test('optimizer dispose frees its state tables', () => {
    const w = library.createTable({ data: float32Range(4), shape: [2, 2] });
    const before = library.heapInUseBytes();
    for (let i = 0; i < TABLES / 10; i += 1) {
      const optimizer = new library.Adam({ multiPrecision: true });
      optimizer.step(w, grad);
      optimizer.dispose();
    }
    expect(library.heapInUseBytes()).toBe(before);
    w.dispose();
  });

  test('double dispose frees once', () => {
    const before = library.heapInUseBytes();
    const table = library.createTable(weight);
    table.dispose();
    table.dispose();
    const other = library.createTable(weight);
    expect(Array.from(library.embedding([2], other).data)).toEqual([10, 11, 12, 13, 14]);
    other.dispose();
    expect(library.heapInUseBytes()).toBe(before);
  });
});

describe('results after memory growth', () => {
  test('every op result survives growth', () => {
    const results = {
      embedding: library.embedding([[3, 1]], weight).data,
      float16: library.toFloat16([1.5]),
      decoded: library.fromFloat16(Uint16Array.of(0x3e00)),
      backward: library.embeddingBackward([1, 1], { data: Float32Array.of(1, 2), shape: [2, 1] }, { inputDim: 2 }).data,
      sparse: library.embeddingBackward([1], { data: Float32Array.of(3), shape: [1, 1] }, { inputDim: 2, sparseGrad: true }).values.data,
      bag: library.embeddingBag([[0, 1]], weight).data,
      take: library.take([7, 8, 9], [2]).data,
    };
    const expected = Object.fromEntries(Object.entries(results).map(([key, value]) => [key, Array.from(value)]));
    expect(expected.embedding).toEqual([15, 16, 17, 18, 19, 5, 6, 7, 8, 9]);

    // 128 MiB is beyond the memory any earlier test in this file needed, so the table grows wasm memory.
    const before = library.heapInUseBytes();
    const big = library.createTable({ data: new Float32Array(2 ** 25), shape: [2 ** 15, 2 ** 10] });
    for (const [key, value] of Object.entries(results)) expect([key, Array.from(value)]).toEqual([key, expected[key]]);
    expect(Array.from(library.embedding([2 ** 15 - 1], big).data.subarray(0, 2))).toEqual([0, 0]);
    big.dispose();
    expect(library.heapInUseBytes()).toBe(before);
  });
});
