// Heap tensors as embedding outputs, and forwards large enough to be gathered in several blocks.
const { library, initBackend } = require('../helpers/library');
const { STORAGE, bytesOf, firstByteDifference, randomBits, referenceEmbedding, seededRandom } = require('../helpers/reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

// Index values in [-2, inputDim + 2) of a dtype, so that clipping at both ends is exercised.
function makeIndices(dtype, count, inputDim, random) {
  const values = Array.from({ length: count }, () => Math.floor(random() * (inputDim + 4)) - 2);
  if (dtype === 'int64') return BigInt64Array.from(values, (value) => BigInt(value));
  if (dtype.startsWith('uint')) return STORAGE[dtype].from(values, (value) => Math.max(value, 0));
  return STORAGE[dtype].from(values);
}

describe('blocked forward', () => {
  // 120000 rows of 12 bytes span several copy-out blocks at 1 to 4 threads.
  test.each(['int8', 'uint16', 'int32', 'int64', 'float32', 'float64'])('%s indices across blocks', (indexDtype) => {
    const random = seededRandom(11);
    const inputDim = 100;
    const outputDim = 3;
    const weight = randomBits(Float32Array, inputDim * outputDim, random);
    const indices = makeIndices(indexDtype, 120000, inputDim, random);
    const expected = referenceEmbedding(indices, indexDtype, weight, inputDim, outputDim);

    const result = library.embedding(indices, { data: weight, shape: [inputDim, outputDim] });
    expect(firstByteDifference(bytesOf(result.data), expected)).toBeNull();
  });

  test('wide rows into caller out', () => {
    const random = seededRandom(12);
    const inputDim = 50;
    const outputDim = 70000;
    const weight = randomBits(Uint16Array, inputDim * outputDim, random);
    const indices = makeIndices('int32', 9, inputDim, random);
    const out = new Uint16Array(indices.length * outputDim);
    const expected = referenceEmbedding(indices, 'int32', weight, inputDim, outputDim);

    const result = library.embedding(indices, { data: weight, shape: [inputDim, outputDim], dtype: 'float16' }, { out });
    expect(result.data).toBe(out);
    expect(firstByteDifference(bytesOf(out), expected)).toBeNull();
  });
});

describe('heap tensor output', () => {
  test('createHeapTensor starts zeroed', () => {
    const tensor = library.createHeapTensor([3, 4], 'float32');
    expect(tensor).toBeInstanceOf(library.HeapTensor);
    expect(tensor.shape).toEqual([3, 4]);
    expect(tensor.dtype).toBe('float32');
    expect(tensor.byteLength).toBe(48);
    expect(Array.from(tensor.data)).toEqual(new Array(12).fill(0));
    tensor.dispose();
  });

  test.each(['float32', 'float16', 'int8', 'float64'])('embedding writes a %s result in place', (dtype) => {
    const random = seededRandom(13);
    const inputDim = 40;
    const outputDim = 33;
    const weight = randomBits(STORAGE[dtype], inputDim * outputDim, random);
    const indices = makeIndices('int32', 2000, inputDim, random);
    const expected = referenceEmbedding(indices, 'int32', weight, inputDim, outputDim);
    const table = library.createTable({ data: weight, shape: [inputDim, outputDim], dtype });
    const out = library.createHeapTensor([50, 40, outputDim], dtype);

    const result = library.embedding({ data: indices, shape: [50, 40] }, table, { out });
    expect(result).toBe(out);
    expect(firstByteDifference(bytesOf(out.data), expected)).toBeNull();
    out.dispose();
    table.dispose();
  });

  test('data stays readable after memory growth', () => {
    const table = library.createTable({ data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] });
    const out = library.createHeapTensor([2, 2]);
    library.embedding(Int32Array.from([1, 0]), table, { out });
    const large = library.createTable({ data: new Float32Array(16 * 2 ** 20), shape: [2 ** 20, 16] });

    expect(Array.from(out.data)).toEqual([3, 4, 1, 2]);
    expect(Array.from(out.toTensor().data)).toEqual([3, 4, 1, 2]);
    large.dispose();
    out.dispose();
    table.dispose();
  });

  test('wrong dtype is a TypeError', () => {
    const out = library.createHeapTensor([2, 2], 'float64');
    const call = () => library.embedding([1, 0], { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, { out });
    expect(call).toThrow(TypeError);
    expect(call).toThrow(/embedding: options\.out is a float64 heap tensor, but the result is float32/);
    out.dispose();
  });

  test('wrong shape is a RangeError and writes nothing', () => {
    const out = library.createHeapTensor([4], 'float32');
    const call = () => library.embedding([1, 0], { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, { out });
    expect(call).toThrow(RangeError);
    expect(call).toThrow(/options\.out has shape \[4\], but the result has shape \[2, 2\]/);
    expect(Array.from(out.data)).toEqual([0, 0, 0, 0]);
    out.dispose();
  });

  test('disposed tensor raises DisposedError', () => {
    const out = library.createHeapTensor([2, 2]);
    out.dispose();
    out.dispose();
    expect(out.disposed).toBe(true);
    expect(() => out.data).toThrow(library.DisposedError);
    expect(() => library.embedding([1, 0], { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, { out }))
      .toThrow(library.DisposedError);
  });

  test('bad shape and dtype are rejected', () => {
    expect(() => library.createHeapTensor([2, -1])).toThrow(RangeError);
    expect(() => library.createHeapTensor('2x2')).toThrow(TypeError);
    expect(() => library.createHeapTensor([2], 'complex64')).toThrow(TypeError);
  });

  test('repeated calls do not grow the heap', () => {
    const table = library.createTable({ data: new Float32Array(64 * 8), shape: [64, 8] });
    const indices = Int32Array.from({ length: 500 }, (_, i) => i % 64);
    const before = library.heapInUseBytes();
    for (let i = 0; i < 20; i += 1) {
      const out = library.createHeapTensor([500, 8]);
      library.embedding(indices, table, { out });
      out.dispose();
    }
    expect(library.heapInUseBytes()).toBe(before);
    table.dispose();
  });
});
