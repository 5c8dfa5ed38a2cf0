const { library, initBackend } = require('../helpers/library');
const ref = require('../helpers/extras-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const { embedding } = library;

function norm(row, p) {
  if (p === Infinity) return Math.max(...Array.from(row, Math.abs));
  return Array.from(row).reduce((sum, x) => sum + Math.abs(x) ** p, 0) ** (1 / p);
}

describe('paddingIdx', () => {
  test('forward gathers the padding row unchanged', () => {
    const weight = { data: Float32Array.from({ length: 12 }, (_, i) => i + 1), shape: [4, 3] };
    const plain = embedding([[0, 2]], weight);
    expect(Array.from(embedding([[0, 2]], weight, { paddingIdx: 2 }).data)).toEqual(Array.from(plain.data));
    expect(Array.from(embedding([[0, 2]], weight, { paddingIdx: -2 }).data)).toEqual(Array.from(plain.data));
  });

  test('out-of-range paddingIdx raises', () => {
    const weight = [[1, 2], [3, 4]];
    expect(() => embedding([0], weight, { paddingIdx: 2 })).toThrow(RangeError);
    expect(() => embedding([0], weight, { paddingIdx: -3 })).toThrow(RangeError);
    expect(() => embedding([0], weight, { paddingIdx: 0.5 })).toThrow(TypeError);
  });
});

describe('maxNorm', () => {
  test.each([2, 1, Infinity])('rescales referenced rows in place with normType %p', (p) => {
    const random = ref.createRandom(5);
    const data = ref.randomFloats(random, 6 * 5, 4);
    const original = Float32Array.from(data);
    const weight = { data, shape: [6, 5] };
    const result = embedding([1, 3, 1, 9], weight, { maxNorm: 1.5, normType: p });
    for (let r = 0; r < 6; r += 1) {
      const before = original.subarray(r * 5, (r + 1) * 5);
      const after = data.subarray(r * 5, (r + 1) * 5);
      const referenced = r === 1 || r === 3 || r === 5;
      const rowNorm = norm(before, p);
      if (referenced && rowNorm > 1.5) {
        const scale = 1.5 / (rowNorm + 1e-7);
        expect(Array.from(after)).toEqual(Array.from(before, (x) => Math.fround(x * scale)));
        expect(norm(after, p)).toBeLessThanOrEqual(1.5 + 1e-5);
      } else {
        expect(Array.from(after)).toEqual(Array.from(before));
      }
    }
    expect(Array.from(result.data.subarray(0, 5))).toEqual(Array.from(data.subarray(5, 10)));
  });

  test('tables are rescaled in wasm memory', () => {
    const weight = { data: Float32Array.from([3, 4, 0.3, 0.4]), shape: [2, 2] };
    const table = library.createTable(weight);
    const result = embedding([0, 1], table, { maxNorm: 1 });
    const scale = 1 / (5 + 1e-7);
    expect(Array.from(result.data)).toEqual([Math.fround(3 * scale), Math.fround(4 * scale), Math.fround(0.3), Math.fround(0.4)]);
    expect(Array.from(table.toTensor().data)).toEqual(Array.from(result.data));
    table.dispose();
  });

  test('float16 rows are rescaled and rounded once', () => {
    const bits = library.toFloat16([30, 40, 1, 0]);
    const weight = { data: bits, shape: [2, 2], dtype: 'float16' };
    embedding([0], weight, { maxNorm: 5 });
    const scale = 5 / (50 + 1e-7);
    const expected = library.toFloat16(Float64Array.from([30 * scale, 40 * scale]));
    expect(Array.from(bits.subarray(0, 2))).toEqual(Array.from(expected));
    expect(Array.from(library.fromFloat16(bits.subarray(2)))).toEqual([1, 0]);
  });

  test('invalid maxNorm arguments raise', () => {
    const weight = { data: Float32Array.from([3, 4]), shape: [1, 2] };
    expect(() => embedding([0], [[3, 4]], { maxNorm: 1 })).toThrow(TypeError);
    expect(() => embedding([0], weight, { maxNorm: -1 })).toThrow(RangeError);
    expect(() => embedding([0], weight, { maxNorm: 1, normType: 0 })).toThrow(RangeError);
    expect(() => embedding([0], weight, { normType: 2 })).toThrow(TypeError);
    expect(() => embedding([5], weight, { maxNorm: 1, sparseGrad: true })).toThrow(RangeError);
    expect(Array.from(weight.data)).toEqual([3, 4]);
  });
});

describe('outputDtype', () => {
  test.each(['float16', 'bfloat16'])('gathers %s rows as float32', (dtype) => {
    const random = ref.createRandom(9);
    const values = ref.randomFloats(random, 40 * 7, 10);
    const bits = dtype === 'float16' ? library.toFloat16(values) : library.toBFloat16(values);
    const decoded = dtype === 'float16' ? library.fromFloat16(bits) : library.fromBFloat16(bits);
    const indices = ref.randomInts(random, 33, -3, 45);
    const result = embedding(indices, { data: bits, shape: [40, 7], dtype }, { outputDtype: 'float32' });
    expect(result.dtype).toBe('float32');
    expect(result.shape).toEqual([33, 7]);
    const expected = embedding(indices, { data: decoded, shape: [40, 7] });
    expect(Array.from(result.data)).toEqual(Array.from(expected.data));
    const same = embedding(indices, { data: bits, shape: [40, 7], dtype }, { outputDtype: dtype });
    expect(same.dtype).toBe(dtype);
  });

  test('unsupported conversions raise', () => {
    expect(() => embedding([0], { data: Float64Array.from([1, 2]), shape: [1, 2] }, { outputDtype: 'float32' })).toThrow(TypeError);
    expect(() => embedding([0], { data: Float32Array.from([1, 2]), shape: [1, 2] }, { outputDtype: 'float16' })).toThrow(TypeError);
  });
});

describe('paddingIdx in the backward', () => {
  const data = [[0, 2, 1], [2, 2, 3]];
  const outGrad = { data: Float32Array.from({ length: 6 * 2 }, (_, i) => i + 1), shape: [2, 3, 2] };

  test('dense write leaves the padding row at zero', () => {
    const plain = library.embeddingBackward(data, outGrad, { inputDim: 4 });
    const padded = library.embeddingBackward(data, outGrad, { inputDim: 4, paddingIdx: 2 });
    const expected = Array.from(plain.data);
    expected.splice(4, 2, 0, 0);
    expect(Array.from(padded.data)).toEqual(expected);
    const negative = library.embeddingBackward(data, outGrad, { inputDim: 4, paddingIdx: -2 });
    expect(Array.from(negative.data)).toEqual(expected);
  });

  test('dense add keeps the padding row of grad', () => {
    const grad = { data: Float32Array.from([1, 1, 2, 2, 3, 3, 4, 4]), shape: [4, 2], dtype: 'float32' };
    const plain = library.embeddingBackward(data, outGrad, { inputDim: 4 });
    library.embeddingBackward(data, outGrad, { inputDim: 4, paddingIdx: 2, gradReq: 'add', grad });
    const expected = [1, 1, 2, 2, 3, 3, 4, 4].map((x, i) => (i === 4 || i === 5 ? x : x + plain.data[i]));
    expect(Array.from(grad.data)).toEqual(expected);
  });

  test('row_sparse results leave out the padding row', () => {
    const sparse = library.embeddingBackward(data, outGrad, { inputDim: 4, paddingIdx: 2, sparseGrad: true });
    expect(Array.from(sparse.indices)).toEqual([0, 1, 3]);
    expect(sparse.values.shape).toEqual([3, 2]);
    const dense = library.embeddingBackward(data, outGrad, { inputDim: 4, paddingIdx: 2 });
    expect(Array.from(sparse.toDense().data)).toEqual(Array.from(dense.data));
  });

  test('out-of-range paddingIdx raises before any work', () => {
    expect(() => library.embeddingBackward(data, outGrad, { inputDim: 4, paddingIdx: 4 })).toThrow(RangeError);
  });

  test('Embedding layer zeroes and freezes the padding row', () => {
    const layer = new library.Embedding({ inputDim: 5, outputDim: 3, paddingIdx: 1 });
    const weights = layer.weight.toTensor().data;
    expect(Array.from(weights.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Array.from(weights.subarray(0, 3)).some((x) => x !== 0)).toBe(true);
    layer.forward([1, 4, 1]);
    const gradient = layer.backward({ data: new Float32Array(9).fill(1), shape: [3, 3] });
    expect(Array.from(gradient.data.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Array.from(gradient.data.subarray(12, 15))).toEqual([1, 1, 1]);
    layer.dispose();
  });
});
