// The backward with gradReq 'write' takes one of two paths by result size. Results whose dense wide
// accumulators take at most 4 MiB (16 MiB with at least 8 indices per gradient row) stream through a ring
// of staging slots into the accumulators, dense and row_sparse alike. Larger ones group rows: dense results
// are then filled in row blocks of 128 KiB through the block pipeline. Results of gradReq 'add' always
// group rows. Every case here is compared bit for bit with the scalar reference.
const { library, initBackend } = require('../helpers/library');
const { referenceBackward, seededRandom, randomStored, DTYPE_RULES } = require('../helpers/training-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const FLOAT_DTYPES = ['float32', 'float64', 'float16', 'bfloat16'];
const STREAM_MAX_WIDE_BYTES = 4 * 1024 * 1024;
const BLOCK_BYTES = 128 * 1024;
const WIDE_BYTES = { float32: 8, float64: 8, float16: 4, bfloat16: 4 };

function bitsOf(array) {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

function randomIndices(random, count, inputDim) {
  return Int32Array.from({ length: count }, () => Math.floor(random() * inputDim));
}

function outGradOf(random, dtype, count, outputDim) {
  return { data: randomStored(random, dtype, count * outputDim), shape: [count, outputDim], dtype };
}

// Runs the dense 'write' backward into an out array filled with NaN bits, so that an element the op
// leaves unwritten shows up, and compares it with the reference.
function expectDenseMatches(indices, outGrad, inputDim) {
  const { dtype } = outGrad;
  const outputDim = outGrad.shape[1];
  const out = new DTYPE_RULES[dtype].Array(inputDim * outputDim);
  new Uint8Array(out.buffer).fill(0xff);
  const result = library.embeddingBackward(indices, outGrad, { inputDim, out });
  expect(result.data).toBe(out);
  const expected = referenceBackward(indices, outGrad.data, dtype, inputDim, outputDim);
  expect(bitsOf(out).equals(bitsOf(expected.data))).toBe(true);
}

describe('embeddingBackward dense path choice', () => {
  test.each(FLOAT_DTYPES)('%s on both sides of the streaming limit', (dtype) => {
    const outputDim = 64;
    const rowsAtLimit = STREAM_MAX_WIDE_BYTES / (outputDim * WIDE_BYTES[dtype]);
    for (const inputDim of [rowsAtLimit, rowsAtLimit + 1]) {
      const random = seededRandom(inputDim);
      expectDenseMatches(randomIndices(random, 3000, inputDim), outGradOf(random, dtype, 3000, outputDim), inputDim);
    }
  });
});

describe('embeddingBackward streaming for many indices per row', () => {
  // Above 4 MiB of accumulators, results stream only with at least 8 indices per gradient row.
  test.each(['float32', 'float16'])('%s just above 4 MiB with 8 indices per row and one fewer', (dtype) => {
    const outputDim = 512;
    const inputDim = STREAM_MAX_WIDE_BYTES / (outputDim * WIDE_BYTES[dtype]) + 50;
    for (const count of [8 * inputDim, 8 * inputDim - 1]) {
      const random = seededRandom(count);
      expectDenseMatches(randomIndices(random, count, inputDim), outGradOf(random, dtype, count, outputDim), inputDim);
    }
  });
});

describe('embeddingBackward dense blocks', () => {
  test.each(FLOAT_DTYPES)('%s with a column tail', (dtype) => {
    const random = seededRandom(67);
    const inputDim = 20000;
    expectDenseMatches(randomIndices(random, 4000, inputDim), outGradOf(random, dtype, 4000, 67), inputDim);
  });

  test('partial, empty and edge blocks', () => {
    // 400-byte rows: 327 rows per block. Indices sit at block edges and in one narrow band.
    const outputDim = 100;
    const inputDim = 20000;
    const random = seededRandom(5);
    const edges = [0, 326, 327, 328, 653, 654, 19999, 19998, 19620, 19619];
    const band = Array.from({ length: 2000 }, () => 5000 + Math.floor(random() * 100));
    const indices = Int32Array.from([...edges, ...band, ...edges]);
    expect(inputDim * outputDim * 8).toBeGreaterThan(STREAM_MAX_WIDE_BYTES);
    expectDenseMatches(indices, outGradOf(random, 'float32', indices.length, outputDim), inputDim);
  });

  test('input dim a multiple of the block rows', () => {
    // 512-byte rows: 256 rows per block, 40 whole blocks.
    const random = seededRandom(6);
    const inputDim = 256 * 40;
    expectDenseMatches(randomIndices(random, 5000, inputDim), outGradOf(random, 'float32', 5000, 128), inputDim);
  });

  test('rows wider than a block', () => {
    const outputDim = BLOCK_BYTES / 4 + 3;
    const inputDim = 30;
    const random = seededRandom(7);
    const indices = Int32Array.from([29, 0, 4, 4, 17, 29, 0, 4]);
    expectDenseMatches(indices, outGradOf(random, 'float32', indices.length, outputDim), inputDim);
  });

  test.each([1, 3, 17, 63, 65])('rows of %i columns', (outputDim) => {
    const inputDim = Math.ceil((STREAM_MAX_WIDE_BYTES + 1) / (outputDim * 8));
    const random = seededRandom(outputDim);
    expectDenseMatches(randomIndices(random, 6000, inputDim), outGradOf(random, 'float32', 6000, outputDim), inputDim);
  });

  test.each([32, 64, 128])('groups larger than a touch batch, %i columns', (outputDim) => {
    // 300 rows of row 7 are more than 64 KiB for 64 and 128 columns; rows of 32 float32 are read untouched.
    const inputDim = Math.ceil((STREAM_MAX_WIDE_BYTES + 1) / (outputDim * 8));
    const random = seededRandom(outputDim + 1);
    const indices = Int32Array.from({ length: 3000 }, (_, i) => (i % 10 === 3 ? 7 : Math.floor(random() * inputDim)));
    expectDenseMatches(indices, outGradOf(random, 'float32', indices.length, outputDim), inputDim);
  });

  test('negative zero sums to positive zero', () => {
    const outputDim = 64;
    const inputDim = 9000;
    const indices = new Int32Array([3, 3, 8999]);
    const outGrad = { data: new Float32Array(3 * outputDim).fill(-0), shape: [3, outputDim], dtype: 'float32' };
    expectDenseMatches(indices, outGrad, inputDim);
  });
});

describe('embeddingBackward dense streaming', () => {
  // Offsets of the outGrad view into its buffer: aligned, and off the 8-byte alignment where the type allows.
  const OFFSETS = { float32: [0, 1], float64: [0], float16: [0, 1, 3], bfloat16: [0, 1, 3] };

  test.each(FLOAT_DTYPES)('%s over many chunks from offset views', (dtype) => {
    for (const outputDim of [1, 3, 4, 5, 9]) {
      for (const offset of OFFSETS[dtype]) {
        const random = seededRandom(outputDim * 10 + offset);
        const count = 70000;
        const inputDim = 11;
        const backing = randomStored(random, dtype, offset + count * outputDim);
        const outGrad = { data: backing.subarray(offset), shape: [count, outputDim], dtype };
        expectDenseMatches(randomIndices(random, count, inputDim), outGrad, inputDim);
      }
    }
  });

  test.each(FLOAT_DTYPES)('%s with wide rows', (dtype) => {
    const random = seededRandom(64);
    const inputDim = 1000;
    expectDenseMatches(randomIndices(random, 20000, inputDim), outGradOf(random, dtype, 20000, 64), inputDim);
  });

  test('one row and one index', () => {
    const outGrad = { data: new Float32Array([-0, 2.5]), shape: [1, 2], dtype: 'float32' };
    expectDenseMatches(new Int32Array([0]), outGrad, 1);
  });
});

describe('embeddingBackward row_sparse streaming', () => {
  test.each(FLOAT_DTYPES)('%s on both sides of the streaming limit', (dtype) => {
    const outputDim = 32;
    const rowsAtLimit = STREAM_MAX_WIDE_BYTES / (outputDim * WIDE_BYTES[dtype]);
    for (const inputDim of [rowsAtLimit, rowsAtLimit + 1]) {
      const random = seededRandom(inputDim + 3);
      const indices = Int32Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? inputDim - 1 : Math.floor(random() * 50)));
      const outGrad = outGradOf(random, dtype, indices.length, outputDim);
      const result = library.embeddingBackward(indices, outGrad, { inputDim, sparseGrad: true });
      const expected = referenceBackward(indices, outGrad.data, dtype, inputDim, outputDim);
      expect(Array.from(result.indices)).toEqual(expected.rows);
      expect(bitsOf(library.rowSparseToDense(result).data).equals(bitsOf(expected.data))).toBe(true);
    }
  });

  test('many chunks of short rows', () => {
    const random = seededRandom(13);
    const indices = Int32Array.from({ length: 100000 }, () => Math.floor(random() * 7) * 2);
    const outGrad = outGradOf(random, 'float32', indices.length, 3);
    const result = library.embeddingBackward(indices, outGrad, { inputDim: 15, sparseGrad: true });
    const expected = referenceBackward(indices, outGrad.data, 'float32', 15, 3);
    expect(Array.from(result.indices)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(result.values.shape).toEqual([7, 3]);
    expect(bitsOf(library.rowSparseToDense(result).data).equals(bitsOf(expected.data))).toBe(true);
  });
});

describe('embeddingBackward grouped sums', () => {
  test.each(FLOAT_DTYPES)('%s row_sparse of a large vocabulary', (dtype) => {
    const random = seededRandom(11);
    const inputDim = 50000;
    const indices = Int32Array.from({ length: 4000 }, (_, i) => (i % 7 === 0 ? 12 : Math.floor(random() * inputDim)));
    const outGrad = outGradOf(random, dtype, indices.length, 96);
    const result = library.embeddingBackward(indices, outGrad, { inputDim, sparseGrad: true });
    const expected = referenceBackward(indices, outGrad.data, dtype, inputDim, 96);
    expect(Array.from(result.indices)).toEqual(expected.rows);
    expect(bitsOf(library.rowSparseToDense(result).data).equals(bitsOf(expected.data))).toBe(true);
  });

  test.each(FLOAT_DTYPES)('%s gradReq add onto a large gradient', (dtype) => {
    const random = seededRandom(12);
    const inputDim = 20000;
    const outputDim = 70;
    const indices = randomIndices(random, 5000, inputDim);
    const outGrad = outGradOf(random, dtype, indices.length, outputDim);
    const initial = randomStored(random, dtype, inputDim * outputDim);
    const grad = { data: initial.slice(), shape: [inputDim, outputDim], dtype };
    library.embeddingBackward(indices, outGrad, { inputDim, gradReq: 'add', grad });
    const expected = referenceBackward(indices, outGrad.data, dtype, inputDim, outputDim, initial);
    expect(bitsOf(grad.data).equals(bitsOf(expected.data))).toBe(true);
  });
});
