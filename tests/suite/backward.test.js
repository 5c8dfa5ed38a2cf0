const { library, initBackend } = require('../helpers/library');
const {
  fromHalfBits, fromBFloat16Bits, referenceBackward, seededRandom, randomStored,
} = require('../helpers/training-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const FLOAT_DTYPES = ['float32', 'float64', 'float16', 'bfloat16'];

function bitsOf(array) {
  return Array.from(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

function randomCase(seed, dtype, count, inputDim, outputDim) {
  const random = seededRandom(seed);
  const indices = Float64Array.from({ length: count }, () => Math.floor(random() * inputDim));
  const gradData = randomStored(random, dtype, count * outputDim);
  return { indices, outGrad: { data: gradData, shape: [count, outputDim], dtype } };
}

describe('embeddingBackward dense', () => {
  test('doc example sums repeated rows', () => {
    const outGrad = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [2, 2, 5] };
    const result = library.embeddingBackward([[1, 3], [1, 2]], outGrad, { inputDim: 4 });
    expect(result.shape).toEqual([4, 5]);
    expect(result.dtype).toBe('float32');
    expect(Array.from(result.data)).toEqual([
      0, 0, 0, 0, 0, 10, 12, 14, 16, 18, 15, 16, 17, 18, 19, 5, 6, 7, 8, 9,
    ]);
  });

  test.each(FLOAT_DTYPES)('%s matches the scalar reference for every row width', (dtype) => {
    for (const outputDim of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33]) {
      const { indices, outGrad } = randomCase(outputDim * 7 + 1, dtype, 40, 6, outputDim);
      const result = library.embeddingBackward(indices, outGrad, { inputDim: 6, outputDim });
      const expected = referenceBackward(indices, outGrad.data, dtype, 6, outputDim);
      expect(result.dtype).toBe(dtype);
      expect(bitsOf(result.data)).toEqual(bitsOf(expected.data));
    }
  });

  test('clipped and fractional indices map like the forward', () => {
    const data = [-3, -0.5, 0.9, 2.7, 3.999, 7, NaN, Infinity, -Infinity];
    const outGrad = { data: Float32Array.from(data, (_, i) => 2 ** i), shape: [data.length, 1] };
    const result = library.embeddingBackward(data, outGrad, { inputDim: 4 });
    // Row 0: -3, -0.5, 0.9, NaN, -Infinity; row 2: 2.7; row 3: 3.999, 7, Infinity.
    expect(Array.from(result.data)).toEqual([1 + 2 + 4 + 64 + 256, 0, 8, 16 + 32 + 128]);
  });

  test('int64 indices clip on the full value', () => {
    const data = new BigInt64Array([2n ** 40n + 1n, -(2n ** 40n), 1n]);
    const outGrad = { data: new Float64Array([1, 10, 100]), shape: [3, 1] };
    const result = library.embeddingBackward(data, outGrad, { inputDim: 3 });
    expect(Array.from(result.data)).toEqual([10, 100, 1]);
  });

  test('float16 sums do not stall at 2048', () => {
    const ones = library.toFloat16(new Float32Array(4096).fill(1));
    const result = library.embeddingBackward(new Int32Array(4096), { data: ones, shape: [4096, 1], dtype: 'float16' },
      { inputDim: 2 });
    expect(fromHalfBits(result.data[0])).toBe(4096);
    expect(fromHalfBits(result.data[1])).toBe(0);
  });

  test('bfloat16 sums do not stall at 256', () => {
    const ones = library.toBFloat16(new Float32Array(4096).fill(1));
    const result = library.embeddingBackward(new Int32Array(4096), { data: ones, shape: [4096, 1], dtype: 'bfloat16' },
      { inputDim: 1 });
    expect(fromBFloat16Bits(result.data[0])).toBe(4096);
  });

  test('float32 accumulates in float64', () => {
    // In float32, 2^24 + 1 rounds back to 2^24; the float64 sum 2^24 + 2 is exact in float32.
    const outGrad = { data: new Float32Array([2 ** 24, 1, 1]), shape: [3, 1] };
    const result = library.embeddingBackward([0, 0, 0], outGrad, { inputDim: 1 });
    expect(result.data[0]).toBe(2 ** 24 + 2);
  });

  test('gradReq add accumulates in place', () => {
    const grad = { data: new Float32Array([1, 1, 1, 1, 1, 1]), shape: [3, 2], dtype: 'float32' };
    const result = library.embeddingBackward([2, 2], [[1, 2], [3, 4]], { inputDim: 3, gradReq: 'add', grad });
    expect(result).toBe(grad);
    expect(Array.from(grad.data)).toEqual([1, 1, 1, 1, 5, 7]);
  });

  test.each(FLOAT_DTYPES)('%s gradReq add rounds once onto grad', (dtype) => {
    const { indices, outGrad } = randomCase(31, dtype, 50, 7, 9);
    const initial = randomStored(seededRandom(32), dtype, 7 * 9);
    const grad = { data: initial.slice(), shape: [7, 9], dtype };
    library.embeddingBackward(indices, outGrad, { inputDim: 7, gradReq: 'add', grad });
    const expected = referenceBackward(indices, outGrad.data, dtype, 7, 9, initial);
    expect(bitsOf(grad.data)).toEqual(bitsOf(expected.data));
  });

  test('out receives the dense gradient', () => {
    const out = new Float32Array(6).fill(9);
    const result = library.embeddingBackward([1], [[3, 4]], { inputDim: 3, out });
    expect(result.data).toBe(out);
    expect(Array.from(out)).toEqual([0, 0, 3, 4, 0, 0]);
  });

  test('empty data with write gives zeros', () => {
    const result = library.embeddingBackward({ data: new Int32Array(0), shape: [0] },
      { data: new Float32Array(0), shape: [0, 3] }, { inputDim: 2 });
    expect(result.shape).toEqual([2, 3]);
    expect(Array.from(result.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('empty data with add leaves grad unchanged', () => {
    const grad = { data: new Float32Array([1, 2]), shape: [1, 2] };
    const result = library.embeddingBackward({ data: new Int32Array(0), shape: [2, 0] },
      { data: new Float32Array(0), shape: [2, 0, 2] }, { inputDim: 1, gradReq: 'add', grad });
    expect(result).toBe(grad);
    expect(Array.from(grad.data)).toEqual([1, 2]);
  });

  test('0-d data gives one row', () => {
    const result = library.embeddingBackward(1, [5, 6], { inputDim: 2 });
    expect(Array.from(result.data)).toEqual([0, 0, 5, 6]);
  });

  test('large input is identical to the reference', () => {
    // 3000 rows of 33 columns stream through several staging chunks.
    const { indices, outGrad } = randomCase(99, 'float32', 3000, 50, 33);
    const result = library.embeddingBackward(indices, outGrad, { inputDim: 50 });
    expect(bitsOf(result.data)).toEqual(bitsOf(referenceBackward(indices, outGrad.data, 'float32', 50, 33).data));
  });

  test('vocabulary much larger than data sorts instead', () => {
    const indices = new Int32Array([9_000_000, 5, 9_000_000, 0]);
    const outGrad = { data: new Float32Array([1, 2, 3, 4]), shape: [4, 1] };
    const result = library.embeddingBackward(indices, outGrad, { inputDim: 10_000_000, sparseGrad: true });
    expect(Array.from(result.indices)).toEqual([0, 5, 9_000_000]);
    expect(Array.from(result.values.data)).toEqual([4, 2, 4]);
  });
});

describe('embeddingBackward row_sparse', () => {
  test('lists distinct rows ascending with their sums', () => {
    const result = library.embeddingBackward([3, 1, 3, 1, 1], [[1], [2], [3], [4], [5]], { inputDim: 5, sparseGrad: true });
    expect(result.storage).toBe('row_sparse');
    expect(result.shape).toEqual([5, 1]);
    expect(result.indices).toBeInstanceOf(Int32Array);
    expect(Array.from(result.indices)).toEqual([1, 3]);
    expect(result.values.shape).toEqual([2, 1]);
    expect(Array.from(result.values.data)).toEqual([11, 4]);
  });

  test('row with zero gradient is still listed', () => {
    const result = library.embeddingBackward([0, 2], [[0, 0], [1, 1]], { inputDim: 3, sparseGrad: true });
    expect(Array.from(result.indices)).toEqual([0, 2]);
    expect(Array.from(result.values.data)).toEqual([0, 0, 1, 1]);
  });

  test.each(FLOAT_DTYPES)('%s toDense equals the dense gradient', (dtype) => {
    const { indices, outGrad } = randomCase(5, dtype, 30, 12, 7);
    const sparse = library.embeddingBackward(indices, outGrad, { inputDim: 12, sparseGrad: true });
    const dense = library.embeddingBackward(indices, outGrad, { inputDim: 12 });
    expect(bitsOf(sparse.toDense().data)).toEqual(bitsOf(dense.data));
    expect(bitsOf(library.rowSparseToDense(sparse).data)).toEqual(bitsOf(dense.data));
  });

  test('empty data gives no rows', () => {
    const result = library.embeddingBackward([], { data: new Float32Array(0), shape: [0, 4] },
      { inputDim: 3, sparseGrad: true });
    expect(result.indices.length).toBe(0);
    expect(result.values.shape).toEqual([0, 4]);
  });

  test('gradReq add merges row sets without duplicates', () => {
    const grad = library.embeddingBackward([4, 1], [[1, 1], [2, 2]], { inputDim: 6, sparseGrad: true });
    const result = library.embeddingBackward([1, 3, 3], [[10, 10], [20, 20], [30, 30]],
      { inputDim: 6, sparseGrad: true, gradReq: 'add', grad });
    expect(result).toBe(grad);
    expect(Array.from(result.indices)).toEqual([1, 3, 4]);
    expect(Array.from(result.values.data)).toEqual([12, 12, 50, 50, 1, 1]);
    expect(result.values.shape).toEqual([3, 2]);
  });

  test('gradReq add matches the dense sum', () => {
    const first = randomCase(11, 'float32', 25, 9, 3);
    const second = randomCase(12, 'float32', 25, 9, 3);
    const sparse = library.embeddingBackward(first.indices, first.outGrad, { inputDim: 9, sparseGrad: true });
    library.embeddingBackward(second.indices, second.outGrad, { inputDim: 9, sparseGrad: true, gradReq: 'add', grad: sparse });
    const dense = library.embeddingBackward(first.indices, first.outGrad, { inputDim: 9 });
    library.embeddingBackward(second.indices, second.outGrad, { inputDim: 9, gradReq: 'add', grad: dense });
    expect(bitsOf(sparse.toDense().data)).toEqual(bitsOf(dense.data));
  });

  test('invalid index raises and writes nothing', () => {
    const grad = library.embeddingBackward([0], [[1]], { inputDim: 3, sparseGrad: true });
    for (const bad of [-1, 3, -0.5, 2.5 + 1, NaN]) {
      expect(() => library.embeddingBackward([1, bad], [[1], [1]], { inputDim: 3, sparseGrad: true, gradReq: 'add', grad }))
        .toThrow(RangeError);
    }
    expect(Array.from(grad.indices)).toEqual([0]);
    expect(Array.from(grad.values.data)).toEqual([1]);
  });

  test('invalid index message names value and position', () => {
    expect(() => library.embeddingBackward([0, 1, 7], [[1], [1], [1]], { inputDim: 3, sparseGrad: true }))
      .toThrow(/7 at flat position 2.*inputDim 3/);
  });

  test('fractional valid index truncates', () => {
    const result = library.embeddingBackward([2.7], [[1]], { inputDim: 4, sparseGrad: true });
    expect(Array.from(result.indices)).toEqual([2]);
  });
});

describe('embeddingBackward errors', () => {
  test('integer outGrad raises TypeError', () => {
    expect(() => library.embeddingBackward([0], { data: new Int32Array([1]), shape: [1, 1] }, { inputDim: 2 }))
      .toThrow(TypeError);
  });

  test('outGrad shape mismatch prints both shapes', () => {
    expect(() => library.embeddingBackward([[0, 1]], { data: new Float32Array(6), shape: [3, 2] }, { inputDim: 2 }))
      .toThrow(RangeError);
    expect(() => library.embeddingBackward([[0, 1]], { data: new Float32Array(6), shape: [1, 3, 2] }, { inputDim: 2, outputDim: 3 }))
      .toThrow(/\[1, 3, 2\].*\[1, 2\].*\[1, 2, 3\]/);
  });

  test('missing inputDim raises TypeError', () => {
    expect(() => library.embeddingBackward([0], [[1]])).toThrow(/inputDim is missing/);
  });

  test('bad gradReq raises TypeError', () => {
    expect(() => library.embeddingBackward([0], [[1]], { inputDim: 1, gradReq: 'null' })).toThrow(TypeError);
  });

  test('add without grad raises TypeError', () => {
    expect(() => library.embeddingBackward([0], [[1]], { inputDim: 1, gradReq: 'add' })).toThrow(/needs options.grad/);
  });

  test('add grad of another shape raises RangeError', () => {
    const grad = { data: new Float32Array(4), shape: [2, 2] };
    expect(() => library.embeddingBackward([0], [[1]], { inputDim: 1, gradReq: 'add', grad })).toThrow(RangeError);
    const sparse = { storage: 'row_sparse', indices: new Int32Array(0), values: { data: new Float32Array(0), shape: [0, 2] }, shape: [1, 2], dtype: 'float32' };
    expect(() => library.embeddingBackward([0], [[1]], { inputDim: 1, sparseGrad: true, gradReq: 'add', grad: sparse }))
      .toThrow(RangeError);
  });

  test('add grad of another dtype raises TypeError', () => {
    const grad = { data: new Float64Array(1), shape: [1, 1] };
    expect(() => library.embeddingBackward([0], [[1]], { inputDim: 1, gradReq: 'add', grad })).toThrow(TypeError);
  });

  test('unsorted row_sparse grad raises RangeError', () => {
    const grad = { storage: 'row_sparse', indices: new Int32Array([2, 1]), values: { data: new Float32Array(2), shape: [2, 1] }, shape: [3, 1], dtype: 'float32' };
    expect(() => library.embeddingBackward([0], [[1]], { inputDim: 3, sparseGrad: true, gradReq: 'add', grad }))
      .toThrow(/distinct and ascending/);
  });

  test('out with sparseGrad raises TypeError', () => {
    expect(() => library.embeddingBackward([0], [[1]], { inputDim: 1, sparseGrad: true, out: new Float32Array(1) }))
      .toThrow(TypeError);
  });

  test('inputDim 0 with indices raises RangeError', () => {
    expect(() => library.embeddingBackward([0], [[1]], { inputDim: 0 })).toThrow(RangeError);
  });

  test('error paths leave the heap as it was', () => {
    library.embeddingBackward([0], [[1]], { inputDim: 2, sparseGrad: true });
    const before = library.heapInUseBytes();
    for (let i = 0; i < 50; i += 1) {
      expect(() => library.embeddingBackward([0, 5], [[1], [1]], { inputDim: 2, sparseGrad: true })).toThrow(RangeError);
      library.embeddingBackward([0, 1, 1], [[1], [2], [3]], { inputDim: 2, sparseGrad: true });
      library.embeddingBackward([0, 1, 1], [[1], [2], [3]], { inputDim: 2 });
    }
    expect(library.heapInUseBytes()).toBe(before);
  });
});
