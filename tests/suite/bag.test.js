const { library, initBackend } = require('../helpers/library');
const ref = require('../helpers/extras-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const { embeddingBag, embeddingBagBackward } = library;

function makeTable(seed, rows, columns) {
  const random = ref.createRandom(seed);
  return { data: ref.randomFloats(random, rows * columns, 4), shape: [rows, columns] };
}

function rowReader(table) {
  const columns = table.shape[1];
  return (r) => table.data.subarray(r * columns, (r + 1) * columns);
}

describe('embeddingBag forward', () => {
  test('doc-style 2-D bags in each mode', () => {
    const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };
    const data = [[1, 3], [0, 2]];
    expect(Array.from(embeddingBag(data, weight, { mode: 'sum' }).data)).toEqual([20, 22, 24, 26, 28, 10, 12, 14, 16, 18]);
    expect(Array.from(embeddingBag(data, weight).data)).toEqual([10, 11, 12, 13, 14, 5, 6, 7, 8, 9]);
    const max = embeddingBag(data, weight, { mode: 'max' });
    expect(Array.from(max.data)).toEqual([15, 16, 17, 18, 19, 10, 11, 12, 13, 14]);
    expect(Array.from(max.maxIndices)).toEqual([1, 1, 1, 1, 1, 3, 3, 3, 3, 3]);
    expect(max.shape).toEqual([2, 5]);
    expect(max.dtype).toBe('float32');
  });

  const widths = [1, 3, 4, 5, 8, 9, 16, 17];
  test.each(['sum', 'mean', 'max'])('%s matches the reference at row widths around the SIMD width', (mode) => {
    for (const columns of widths) {
      const table = makeTable(columns, 13, columns);
      const random = ref.createRandom(100 + columns);
      const indices = ref.randomInts(random, 40, 0, 13);
      const offsets = [0, 0, 3, 10, 10, 25, 39];
      const result = embeddingBag(indices, table, { mode, offsets });
      const expected = ref.bagForward({
        indices, starts: ref.bagStarts({ count: 40, offsets }), rowAt: rowReader(table), inputDim: 13,
        outputDim: columns, mode,
      });
      expect(result.shape).toEqual([offsets.length, columns]);
      expect(Array.from(result.data)).toEqual(Array.from(expected.data));
      if (mode === 'max') expect(Array.from(result.maxIndices)).toEqual(Array.from(expected.maxIndices));
    }
  });

  test('many bags match the reference on every thread chunk', () => {
    const table = makeTable(7, 500, 33);
    const random = ref.createRandom(8);
    const indices = ref.randomInts(random, 30000, 0, 500);
    const offsets = [];
    for (let start = 0; start < 30000; start += 1 + Math.floor(random() * 40)) offsets.push(start);
    for (const mode of ['sum', 'mean', 'max']) {
      const result = embeddingBag(indices, table, { mode, offsets });
      const expected = ref.bagForward({
        indices, starts: ref.bagStarts({ count: 30000, offsets }), rowAt: rowReader(table), inputDim: 500,
        outputDim: 33, mode,
      });
      expect(Array.from(result.data)).toEqual(Array.from(expected.data));
    }
  });

  test('empty bags give zeros and max position -1', () => {
    const table = makeTable(1, 6, 4);
    const result = embeddingBag([2, 4], table, { mode: 'max', offsets: [0, 0, 2, 2] });
    expect(Array.from(result.data.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(result.data.subarray(8, 12))).toEqual([0, 0, 0, 0]);
    expect(Array.from(result.maxIndices.subarray(0, 4))).toEqual([-1, -1, -1, -1]);
    const rows = rowReader(table);
    const expectedMax = Array.from(rows(2), (x, d) => Math.max(x, rows(4)[d]));
    expect(Array.from(result.data.subarray(4, 8))).toEqual(expectedMax);
    expect(Array.from(result.maxIndices.subarray(4, 8))).toEqual(Array.from(rows(2), (x, d) => (rows(4)[d] > x ? 1 : 0)));
    const mean = embeddingBag({ data: new Int32Array(0), shape: [3, 0] }, table, { mode: 'mean' });
    expect(mean.shape).toEqual([3, 4]);
    expect(Array.from(mean.data)).toEqual(new Array(12).fill(0));
  });

  test('padding entries are skipped and not counted', () => {
    const weight = { data: Float32Array.from([1, 1, 2, 2, 4, 4, 8, 8]), shape: [4, 2] };
    const mean = embeddingBag([[0, 3, 3], [3, 3, 3], [2, 0, 1]], weight, { mode: 'mean', paddingIdx: 3 });
    expect(Array.from(mean.data)).toEqual([1, 1, 0, 0, 7 / 3, 7 / 3].map(Math.fround));
    const negative = embeddingBag([[0, 3, 3], [3, 3, 3]], weight, { mode: 'sum', paddingIdx: -1 });
    expect(Array.from(negative.data)).toEqual([1, 1, 0, 0]);
    const max = embeddingBag([[3, 3]], weight, { mode: 'max', paddingIdx: 3 });
    expect(Array.from(max.data)).toEqual([0, 0]);
    expect(Array.from(max.maxIndices)).toEqual([-1, -1]);
  });

  test('max ties keep the first position', () => {
    const weight = { data: Float32Array.from([5, 1, 5, 9, 2, 9]), shape: [3, 2] };
    const result = embeddingBag([[1, 0, 2]], weight, { mode: 'max' });
    expect(Array.from(result.data)).toEqual([5, 9]);
    expect(Array.from(result.maxIndices)).toEqual([0, 0]);
    const repeated = embeddingBag([[2, 2, 2]], weight, { mode: 'max' });
    expect(Array.from(repeated.maxIndices)).toEqual([0, 0]);
  });

  test('includeLastOffset takes the extra offset as the end', () => {
    const table = makeTable(3, 5, 3);
    const indices = [4, 1, 0, 2, 3];
    const plain = embeddingBag(indices, table, { mode: 'sum', offsets: [0, 2] });
    const last = embeddingBag(indices, table, { mode: 'sum', offsets: [0, 2, 5], includeLastOffset: true });
    expect(last.shape).toEqual([2, 3]);
    expect(Array.from(last.data)).toEqual(Array.from(plain.data));
    expect(() => embeddingBag(indices, table, { offsets: [0, 2, 4], includeLastOffset: true })).toThrow(RangeError);
  });

  test('perSampleWeights scale each row in sum mode', () => {
    const table = makeTable(4, 9, 6);
    const random = ref.createRandom(5);
    const indices = ref.randomInts(random, 12, 0, 9);
    const weights = ref.randomFloats(random, 12, 2);
    const offsets = [0, 5, 5, 7];
    const result = embeddingBag(indices, table, { mode: 'sum', offsets, perSampleWeights: weights });
    const expected = ref.bagForward({
      indices, starts: ref.bagStarts({ count: 12, offsets }), rowAt: rowReader(table), inputDim: 9, outputDim: 6,
      mode: 'sum', weights,
    });
    expect(Array.from(result.data)).toEqual(Array.from(expected.data));
    expect(() => embeddingBag(indices, table, { mode: 'mean', offsets, perSampleWeights: weights })).toThrow(TypeError);
    expect(() => embeddingBag(indices, table, { mode: 'sum', offsets, perSampleWeights: weights.subarray(1) })).toThrow(RangeError);
  });

  test('offsets out of order or range raise RangeError', () => {
    const table = makeTable(2, 4, 2);
    expect(() => embeddingBag([0, 1, 2], table, { offsets: [0, 2, 1] })).toThrow(/non-decreasing/);
    expect(() => embeddingBag([0, 1, 2], table, { offsets: [0, 4] })).toThrow(RangeError);
    expect(() => embeddingBag([0, 1, 2], table, { offsets: [1, 2] })).toThrow(/offsets\[0\] must be 0/);
    expect(() => embeddingBag([0, 1, 2], table, { offsets: [0, -1] })).toThrow(RangeError);
    expect(() => embeddingBag([0, 1, 2], table, {})).toThrow(TypeError);
    expect(() => embeddingBag([[0, 1]], table, { offsets: [0] })).toThrow(TypeError);
    expect(() => embeddingBag([0, 1], table, { offsets: [0], mode: 'median' })).toThrow(TypeError);
  });

  test('index mapping clips like embedding, sparseGrad raises', () => {
    const table = makeTable(6, 4, 3);
    const clipped = embeddingBag([[-5, 2.9, 100, NaN]], table, { mode: 'max' });
    const explicit = embeddingBag([[0, 2, 3, 0]], table, { mode: 'max' });
    expect(Array.from(clipped.data)).toEqual(Array.from(explicit.data));
    const int64 = embeddingBag({ data: BigInt64Array.from([2n ** 40n, -1n]), shape: [1, 2] }, table, { mode: 'sum' });
    const rows = embeddingBag([[3, 0]], table, { mode: 'sum' });
    expect(Array.from(int64.data)).toEqual(Array.from(rows.data));
    expect(() => embeddingBag([[0, 4]], table, { sparseGrad: true })).toThrow(RangeError);
  });

  test('float16, bfloat16 and float64 tables', () => {
    const table = makeTable(9, 7, 10);
    const random = ref.createRandom(10);
    const indices = ref.randomInts(random, 20, 0, 7);
    const offsets = [0, 4, 4, 11];
    for (const dtype of ['float16', 'bfloat16']) {
      const bits = dtype === 'float16' ? library.toFloat16(table.data) : library.toBFloat16(table.data);
      const decoded = dtype === 'float16' ? library.fromFloat16(bits) : library.fromBFloat16(bits);
      const half = { data: bits, shape: table.shape, dtype };
      for (const mode of ['sum', 'mean', 'max']) {
        const result = embeddingBag(indices, half, { mode, offsets });
        expect(result.dtype).toBe('float32');
        const expected = ref.bagForward({
          indices, starts: ref.bagStarts({ count: 20, offsets }), rowAt: rowReader({ data: decoded, shape: table.shape }),
          inputDim: 7, outputDim: 10, mode,
        });
        expect(Array.from(result.data)).toEqual(Array.from(expected.data));
      }
      const encoded = embeddingBag(indices, half, { mode: 'sum', offsets, outputDtype: dtype });
      expect(encoded.dtype).toBe(dtype);
      const float32 = embeddingBag(indices, half, { mode: 'sum', offsets });
      const again = dtype === 'float16' ? library.toFloat16(float32.data) : library.toBFloat16(float32.data);
      expect(Array.from(encoded.data)).toEqual(Array.from(again));
    }
    const wide = { data: Float64Array.from(table.data, (x) => x / 3), shape: table.shape };
    const result = embeddingBag(indices, wide, { mode: 'mean', offsets });
    expect(result.dtype).toBe('float64');
    const expected = ref.bagForward({
      indices, starts: ref.bagStarts({ count: 20, offsets }), rowAt: rowReader(wide), inputDim: 7, outputDim: 10,
      mode: 'mean', float64: true,
    });
    expect(Array.from(result.data)).toEqual(Array.from(expected.data));
  });

  test('tables in wasm memory match tensors', () => {
    const table = makeTable(11, 50, 12);
    const created = library.createTable(table);
    const indices = ref.randomInts(ref.createRandom(12), 64, 0, 50);
    const viaTable = embeddingBag({ data: indices, shape: [8, 8] }, created, { mode: 'sum' });
    const viaTensor = embeddingBag({ data: indices, shape: [8, 8] }, table, { mode: 'sum' });
    expect(Array.from(viaTable.data)).toEqual(Array.from(viaTensor.data));
    created.dispose();
  });
});

describe('embeddingBagBackward', () => {
  const inputDim = 11;
  const outputDim = 6;
  const random = ref.createRandom(21);
  const indices = ref.randomInts(random, 30, 0, inputDim);
  const offsets = [0, 3, 3, 9, 20, 29];
  const starts = ref.bagStarts({ count: 30, offsets });
  const outGrad = ref.randomFloats(random, offsets.length * outputDim, 3);
  const weights = ref.randomFloats(random, 30, 2);
  const table = makeTable(22, inputDim, outputDim);

  test.each(['sum', 'mean', 'max'])('%s dense and row_sparse match the reference', (mode) => {
    const forward = embeddingBag(indices, table, { mode, offsets });
    const options = { mode, offsets, inputDim, paddingIdx: 4 };
    if (mode === 'max') options.maxIndices = embeddingBag(indices, table, { mode, offsets, paddingIdx: 4 }).maxIndices;
    const gradient = { data: outGrad, shape: forward.shape };
    const dense = embeddingBagBackward(indices, gradient, options);
    const expected = ref.bagBackward({
      indices, starts, inputDim, outGrad, outputDim, mode, maxIndices: options.maxIndices, paddingRow: 4,
    });
    expect(dense.shape).toEqual([inputDim, outputDim]);
    expect(Array.from(dense.data)).toEqual(Array.from(expected.data));
    expect(Array.from(dense.data.subarray(4 * outputDim, 5 * outputDim))).toEqual(new Array(outputDim).fill(0));

    const sparse = embeddingBagBackward(indices, gradient, { ...options, sparseGrad: true });
    expect(Array.from(sparse.indices)).toEqual(expected.rows);
    expect(Array.from(sparse.toDense().data)).toEqual(Array.from(expected.data));
  });

  test('sum with perSampleWeights and float64 gradients', () => {
    const gradient = { data: Float64Array.from(outGrad), shape: [offsets.length, outputDim] };
    const result = embeddingBagBackward(indices, gradient, { mode: 'sum', offsets, inputDim, perSampleWeights: weights });
    const expected = ref.bagBackward({
      indices, starts, inputDim, outGrad: gradient.data, outputDim, mode: 'sum', weights: Float64Array.from(weights),
      float64: true,
    });
    expect(result.dtype).toBe('float64');
    expect(Array.from(result.data)).toEqual(Array.from(expected.data));
  });

  test.each(['float16', 'bfloat16'])('%s gradients round each row once', (dtype) => {
    const encode = dtype === 'float16' ? library.toFloat16 : library.toBFloat16;
    const decode = dtype === 'float16' ? library.fromFloat16 : library.fromBFloat16;
    const bits = encode(outGrad);
    const gradient = { data: bits, shape: [offsets.length, outputDim], dtype };
    const options = { mode: 'sum', offsets, inputDim, perSampleWeights: weights };
    const dense = embeddingBagBackward(indices, gradient, options);
    expect(dense.dtype).toBe(dtype);
    const sums = ref.bagBackward({
      indices, starts, inputDim, outGrad: decode(bits), outputDim, mode: 'sum', weights, float64: true,
    });
    expect(Array.from(dense.data)).toEqual(Array.from(encode(sums.data)));

    const sparse = embeddingBagBackward(indices, gradient, { ...options, sparseGrad: true });
    expect(Array.from(sparse.toDense().data)).toEqual(Array.from(dense.data));
    embeddingBagBackward(indices, gradient, { ...options, sparseGrad: true, gradReq: 'add', grad: sparse });
    const doubled = encode(Float64Array.from(decode(dense.data), (x) => x + x));
    expect(Array.from(sparse.toDense().data)).toEqual(Array.from(doubled));
  });

  test('gradReq add accumulates dense and row_sparse', () => {
    const gradient = { data: outGrad, shape: [offsets.length, outputDim] };
    const options = { mode: 'mean', offsets, inputDim };
    const once = embeddingBagBackward(indices, gradient, options);
    const dense = { data: Float32Array.from(once.data), shape: once.shape, dtype: 'float32' };
    embeddingBagBackward(indices, gradient, { ...options, gradReq: 'add', grad: dense });
    expect(Array.from(dense.data)).toEqual(Array.from(once.data, (x) => Math.fround(x + x)));

    const sparse = embeddingBagBackward(indices, gradient, { ...options, sparseGrad: true });
    embeddingBagBackward(indices, gradient, { ...options, sparseGrad: true, gradReq: 'add', grad: sparse });
    expect(Array.from(sparse.toDense().data)).toEqual(Array.from(dense.data));
  });

  test('max needs matching maxIndices', () => {
    const gradient = { data: outGrad, shape: [offsets.length, outputDim] };
    expect(() => embeddingBagBackward(indices, gradient, { mode: 'max', offsets, inputDim })).toThrow(TypeError);
    const wrong = new Int32Array(offsets.length * outputDim).fill(29);
    expect(() => embeddingBagBackward(indices, gradient, { mode: 'max', offsets, inputDim, maxIndices: wrong })).toThrow(RangeError);
  });

  test('large backward is identical to the sequential reference', () => {
    const bigRandom = ref.createRandom(31);
    const rows = 300;
    const columns = 40;
    const bigIndices = ref.randomInts(bigRandom, 20000, 0, rows);
    const bigOffsets = [];
    for (let start = 0; start < 20000; start += 1 + Math.floor(bigRandom() * 30)) bigOffsets.push(start);
    const bigStarts = ref.bagStarts({ count: 20000, offsets: bigOffsets });
    const bigGrad = ref.randomFloats(bigRandom, bigOffsets.length * columns, 5);
    const bigTable = makeTable(32, rows, columns);
    for (const mode of ['sum', 'mean', 'max']) {
      const options = { mode, offsets: bigOffsets, inputDim: rows };
      if (mode === 'max') options.maxIndices = embeddingBag(bigIndices, bigTable, { mode, offsets: bigOffsets }).maxIndices;
      const result = embeddingBagBackward(bigIndices, { data: bigGrad, shape: [bigOffsets.length, columns] }, options);
      const expected = ref.bagBackward({
        indices: bigIndices, starts: bigStarts, inputDim: rows, outGrad: bigGrad, outputDim: columns, mode,
        maxIndices: options.maxIndices,
      });
      expect(Array.from(result.data)).toEqual(Array.from(expected.data));
    }
  });

  test('empty data gives zero gradients', () => {
    const dense = embeddingBagBackward([], { data: new Float32Array(0), shape: [0, 3] }, { offsets: [], inputDim: 4 });
    expect(Array.from(dense.data)).toEqual(new Array(12).fill(0));
    const allPadding = embeddingBagBackward([[1, 1]], [[1, 2, 3]], { inputDim: 4, paddingIdx: 1, sparseGrad: true });
    expect(allPadding.indices.length).toBe(0);
  });
});
