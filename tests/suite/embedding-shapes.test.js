// Output shapes and contents of embedding() for data of every rank, zero-size shapes, row widths around
// the 16-byte SIMD vector, and sizes large enough to run on the thread pool.
const { library, initBackend } = require('../helpers/library');
const {
  seededRandom, randomBits, referenceEmbedding, bytesOf, firstByteDifference,
} = require('../helpers/reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

function arange(length) {
  return Float32Array.from({ length }, (_, i) => i);
}

// The doc example's weight: rows [0..4], [5..9], [10..14], [15..19].
const weight = { data: arange(20), shape: [4, 5] };

// Checks result against the byte-level reference for index data of the given dtype.
function expectMatchesReference(result, indexData, indexDtype, weightData, inputDim, outputDim) {
  const expected = referenceEmbedding(indexData, indexDtype, weightData, inputDim, outputDim);
  expect(firstByteDifference(bytesOf(result.data), expected)).toBeNull();
}

describe('output shape', () => {
  test('0-d index gives one row', () => {
    const result = library.embedding(2, weight);
    expect(result.shape).toEqual([5]);
    expect(Array.from(result.data)).toEqual([10, 11, 12, 13, 14]);
  });

  test('0-d tensor object gives one row', () => {
    const result = library.embedding({ data: new Int32Array([3]), shape: [] }, weight);
    expect(result.shape).toEqual([5]);
    expect(Array.from(result.data)).toEqual([15, 16, 17, 18, 19]);
  });

  test('1-D data appends outputDim', () => {
    const result = library.embedding(new Int32Array([3, 0, 3]), weight);
    expect(result.shape).toEqual([3, 5]);
    expect(Array.from(result.data)).toEqual([15, 16, 17, 18, 19, 0, 1, 2, 3, 4, 15, 16, 17, 18, 19]);
  });

  test('3-D data keeps every axis', () => {
    const data = [[[0, 1], [2, 3], [1, 1]], [[3, 2], [1, 0], [0, 0]]];
    const result = library.embedding(data, weight);
    expect(result.shape).toEqual([2, 3, 2, 5]);
    expect(result.data).toHaveLength(60);
    expectMatchesReference(result, Float64Array.from(data.flat(2)), 'float64', weight.data, 4, 5);
  });

  test('shape option reshapes flat data', () => {
    const data = { data: new Int32Array([0, 1, 2, 3, 3, 2]), shape: [1, 2, 3] };
    const result = library.embedding(data, weight);
    expect(result.shape).toEqual([1, 2, 3, 5]);
    expectMatchesReference(result, data.data, 'int32', weight.data, 4, 5);
  });

  test('nested array weight infers its shape', () => {
    const nested = [[0, 1, 2], [3, 4, 5]];
    const result = library.embedding([1, 0], nested);
    expect(result.shape).toEqual([2, 3]);
    expect(result.dtype).toBe('float32');
    expect(Array.from(result.data)).toEqual([3, 4, 5, 0, 1, 2]);
  });

  test('matching inputDim and outputDim pass', () => {
    const result = library.embedding([1], weight, { inputDim: 4, outputDim: 5 });
    expect(result.shape).toEqual([1, 5]);
    expect(Array.from(result.data)).toEqual([5, 6, 7, 8, 9]);
  });
});

describe('zero-size shapes', () => {
  test('data of shape [0] gives [0, outputDim]', () => {
    const result = library.embedding(new Int32Array(0), weight);
    expect(result.shape).toEqual([0, 5]);
    expect(result.data).toBeInstanceOf(Float32Array);
    expect(result.data).toHaveLength(0);
  });

  test('data of shape [2, 0] gives [2, 0, outputDim]', () => {
    const result = library.embedding({ data: new Float32Array(0), shape: [2, 0] }, weight);
    expect(result.shape).toEqual([2, 0, 5]);
    expect(result.data).toHaveLength(0);
  });

  test('empty nested array gives [0, outputDim]', () => {
    const result = library.embedding([], weight);
    expect(result.shape).toEqual([0, 5]);
    expect(result.data).toHaveLength(0);
  });

  test('empty data never reads a rowless weight', () => {
    const result = library.embedding([], { data: new Float64Array(0), shape: [0, 3] });
    expect(result.shape).toEqual([0, 3]);
    expect(result.dtype).toBe('float64');
    expect(result.data).toHaveLength(0);
  });

  test('outputDim 0 gives empty rows', () => {
    const result = library.embedding([[1, 2], [0, 1]], { data: new Int8Array(0), shape: [3, 0] });
    expect(result.shape).toEqual([2, 2, 0]);
    expect(result.dtype).toBe('int8');
    expect(result.data).toHaveLength(0);
  });
});

describe('row widths around the SIMD vector', () => {
  // One dtype per element width: the kernels move 1, 2, 4 or 8 bytes per element.
  const widths = [
    ['uint8', Uint8Array],
    ['float16', Uint16Array],
    ['float32', Float32Array],
    ['float64', Float64Array],
  ];

  test.each(widths)('%s rows of 1 to 40 elements', (dtype, ArrayType) => {
    const random = seededRandom(0x5eed + ArrayType.BYTES_PER_ELEMENT);
    const inputDim = 7;
    for (let outputDim = 1; outputDim <= 40; outputDim += 1) {
      const weightData = randomBits(ArrayType, inputDim * outputDim, random);
      for (let count = 1; count <= 9; count += 1) {
        const indexData = Int32Array.from({ length: count }, () => Math.floor(random() * inputDim));
        const result = library.embedding(indexData, { data: weightData, shape: [inputDim, outputDim], dtype });
        expect(result.shape).toEqual([count, outputDim]);
        expect(result.dtype).toBe(dtype);
        const expected = referenceEmbedding(indexData, 'int32', weightData, inputDim, outputDim);
        expect({ outputDim, count, difference: firstByteDifference(bytesOf(result.data), expected) })
          .toEqual({ outputDim, count, difference: null });
      }
    }
  });

  // Rows of 768 bytes or more are copied four at a time in the SIMD builds, with a per-row tail when the
  // row is not a whole number of vectors and single rows after the last group of four.
  test.each(widths)('%s rows near 768 bytes', (dtype, ArrayType) => {
    const random = seededRandom(0x768 + ArrayType.BYTES_PER_ELEMENT);
    const inputDim = 11;
    const rowBytesList = [752, 760, 767, 768, 769, 776, 784, 1200, 3072, 3080];
    for (const rowBytes of rowBytesList) {
      const outputDim = Math.max(1, Math.round(rowBytes / ArrayType.BYTES_PER_ELEMENT));
      const weightData = randomBits(ArrayType, inputDim * outputDim, random);
      for (const count of [1, 3, 4, 5, 7, 8, 9, 13]) {
        const indexData = Int32Array.from({ length: count }, () => Math.floor(random() * inputDim));
        const table = { data: weightData, shape: [inputDim, outputDim], dtype };
        const expected = referenceEmbedding(indexData, 'int32', weightData, inputDim, outputDim);
        const out = new ArrayType(count * outputDim).fill(3);
        library.embedding(indexData, table, { out });
        const heapOut = library.createHeapTensor([count, outputDim], dtype);
        try {
          library.embedding(indexData, table, { out: heapOut });
          const differences = [bytesOf(out), bytesOf(heapOut.data)].map((actual) => firstByteDifference(actual, expected));
          expect({ outputDim, count, differences }).toEqual({ outputDim, count, differences: [null, null] });
        } finally {
          heapOut.dispose();
        }
      }
    }
  });

  test('views with a byte offset read their own elements', () => {
    const random = seededRandom(0x0ff5e7);
    const weightBacking = randomBits(Float32Array, 3 + 6 * 5, random);
    const weightData = weightBacking.subarray(3);
    const indexBacking = new Int16Array([9, 9, 9, 5, 0, 2, 4, 9]);
    const indexData = indexBacking.subarray(3, 7);

    const result = library.embedding(indexData, { data: weightData, shape: [6, 5] });
    expect(result.shape).toEqual([4, 5]);
    expectMatchesReference(result, indexData, 'int16', weightData, 6, 5);
  });
});

describe('large inputs', () => {
  // The threaded build splits outputs of 512 KiB or more across its threads, at least 256 KiB each.
  test('multi-threaded sizes match the reference', () => {
    const random = seededRandom(0xb16);
    const inputDim = 1000;
    const outputDim = 64;
    const count = 5000 + 3;
    const weightData = randomBits(Float32Array, inputDim * outputDim, random);
    const indexData = Int32Array.from({ length: count }, () => Math.floor(random() * (inputDim + 40)) - 20);

    const result = library.embedding({ data: indexData, shape: [count] }, { data: weightData, shape: [inputDim, outputDim] });
    expect(result.shape).toEqual([count, outputDim]);
    expectMatchesReference(result, indexData, 'int32', weightData, inputDim, outputDim);
  });

  test('narrow rows over many indices', () => {
    const random = seededRandom(0x7a11);
    const inputDim = 300;
    const outputDim = 3;
    const count = 100000;
    const weightData = randomBits(Uint16Array, inputDim * outputDim, random);
    const indexData = randomBits(Float32Array, count, random).map((value) => (random() < 0.9 ? Math.floor(random() * 320) : value));

    const result = library.embedding(indexData, { data: weightData, shape: [inputDim, outputDim], dtype: 'bfloat16' });
    expect(result.shape).toEqual([count, outputDim]);
    expect(result.dtype).toBe('bfloat16');
    expectMatchesReference(result, indexData, 'float32', weightData, inputDim, outputDim);
  });
});
