// The streaming backward copies outGrad into a ring of 16 slots of 128 KiB chunks. With pool workers, a
// worker adds chunks (or the upper rows of wide chunks) in order while the calling thread copies the next
// ones. For dense results the indices are mapped chunk by chunk. Chunk boundaries, ring wrap-around, the index dtype and the thread
// count must never show in the result: every case is compared bit for bit with the scalar reference.
const { library, BACKEND } = require('../helpers/library');
const { referenceBackward, seededRandom, randomStored, toHalfBits, fromHalfBits } = require('../helpers/training-reference');

afterAll(() => library.dispose());

const threadCounts = BACKEND === 'simd-threads' ? [1, 2, 3] : [1];
const FLOAT_DTYPES = ['float32', 'float64', 'float16', 'bfloat16'];
const SLOTS = 16;

// Positions per chunk of 128 KiB for 3-column float32 rows (12 bytes): 10922, an even number.
const CHUNK_ROWS_3 = 10922;

function bitsOf(array) {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

// Index values that clip at both ends, truncate and map NaN to row 0, in every index dtype.
function indexTensor(random, dtype, count, inputDim) {
  const value = () => Math.floor(random() * (inputDim + 4)) - 2;
  if (dtype === 'int32') return { tensor: Int32Array.from({ length: count }, value), values: null };
  if (dtype === 'uint8') return { tensor: Uint8Array.from({ length: count }, () => Math.floor(random() * 256)), values: null };
  if (dtype === 'int64') {
    const data = BigInt64Array.from({ length: count }, (_, i) => (i % 97 === 5 ? 2n ** 40n : BigInt(value())));
    return { tensor: data, values: null };
  }
  if (dtype === 'float64') {
    const data = Float64Array.from({ length: count }, (_, i) => (i % 101 === 7 ? NaN : value() + random()));
    return { tensor: data, values: null };
  }
  // float16 index bits; the reference gets their decoded values.
  const bits = Uint16Array.from({ length: count }, () => toHalfBits(value() + 0.5));
  return { tensor: { data: bits, shape: [count], dtype: 'float16' }, values: Array.from(bits, fromHalfBits) };
}

function expectDense(indices, indexValues, outGrad, inputDim) {
  const { dtype } = outGrad;
  const outputDim = outGrad.shape[1];
  const expected = referenceBackward(indexValues, outGrad.data, dtype, inputDim, outputDim);
  const out = new expected.data.constructor(inputDim * outputDim);
  new Uint8Array(out.buffer).fill(0xff);
  library.embeddingBackward(indices, outGrad, { inputDim, out });
  expect(bitsOf(out).equals(bitsOf(expected.data))).toBe(true);
  return expected;
}

describe.each(threadCounts)('streaming backward at %i threads', (threads) => {
  beforeAll(async () => {
    library.dispose();
    await library.init(BACKEND === 'simd-threads' ? { backend: BACKEND, threads } : { backend: BACKEND });
  });

  test('counts around chunk boundaries and ring turns', () => {
    const inputDim = 8;
    const counts = [1, CHUNK_ROWS_3 - 1, CHUNK_ROWS_3, CHUNK_ROWS_3 + 1, 2 * CHUNK_ROWS_3, SLOTS * CHUNK_ROWS_3 - 1,
      SLOTS * CHUNK_ROWS_3, SLOTS * CHUNK_ROWS_3 + 1, 2 * SLOTS * CHUNK_ROWS_3 + 5];
    for (const count of counts) {
      const random = seededRandom(count);
      const indices = Int32Array.from({ length: count }, () => Math.floor(random() * (inputDim + 2)) - 1);
      const outGrad = { data: randomStored(random, 'float32', count * 3), shape: [count, 3], dtype: 'float32' };
      expectDense(indices, indices, outGrad, inputDim);
    }
  });

  test.each(['int32', 'uint8', 'int64', 'float64', 'float16'])('%s indices mapped chunk by chunk', (indexDtype) => {
    const random = seededRandom(indexDtype.length * 31 + threads);
    const inputDim = 50;
    const count = (SLOTS + 1) * CHUNK_ROWS_3 + 17;
    const { tensor, values } = indexTensor(random, indexDtype, count, inputDim);
    const outGrad = { data: randomStored(random, 'float32', count * 3), shape: [count, 3], dtype: 'float32' };
    expectDense(tensor, values ?? (tensor.data ?? tensor), outGrad, inputDim);
  });

  test('indices in a typed array subclass', () => {
    // Slot views are built from the dtype's own array class, never from the caller's: Node's Buffer, for
    // one, warns when its constructor is called.
    let viewsOfMemory = 0;
    class CountingArray extends Uint8Array {
      static get [Symbol.species]() {
        return Uint8Array;
      }

      constructor(...args) {
        super(...args);
        if (args.length === 3) viewsOfMemory += 1;
      }
    }
    const random = seededRandom(31);
    const count = 2 * CHUNK_ROWS_3 + 1;
    const indices = CountingArray.from({ length: count }, () => Math.floor(random() * 12));
    const outGrad = { data: randomStored(random, 'float32', count * 3), shape: [count, 3], dtype: 'float32' };
    expectDense(indices, Array.from(indices), outGrad, 10);
    expect(viewsOfMemory).toBe(0);
  });

  test('outGrad subclass with reentrant species', () => {
    // Chunks are viewed with the dtype's own array class, so no user code runs while the pipeline does: a
    // nested backward would find the pipeline busy.
    let speciesCalls = 0;
    class Species extends Float32Array {
      constructor(...args) {
        super(...args);
        speciesCalls += 1;
        library.embeddingBackward([0, 1], { data: Float32Array.of(1, 2), shape: [2, 1] }, { inputDim: 2 });
      }
    }
    class GradientArray extends Float32Array {
      static get [Symbol.species]() {
        return Species;
      }
    }
    const random = seededRandom(41);
    const count = 3 * CHUNK_ROWS_3 + 7;
    const indices = Int32Array.from({ length: count }, () => Math.floor(random() * 9));
    const gradient = new GradientArray(randomStored(random, 'float32', count * 3));
    expectDense(indices, indices, { data: gradient, shape: [count, 3], dtype: 'float32' }, 9);
    expect(speciesCalls).toBe(0);
  });

  test('indices and outGrad viewed at offsets into their buffers', () => {
    const random = seededRandom(77);
    const count = (SLOTS + 1) * CHUNK_ROWS_3 + 3;
    const indexBacking = Int32Array.from({ length: count + 3 }, () => Math.floor(random() * 9));
    const gradBacking = randomStored(random, 'float32', count * 3 + 1);
    const indices = indexBacking.subarray(3);
    const outGrad = { data: gradBacking.subarray(1), shape: [count, 3], dtype: 'float32' };
    expectDense(indices, indices, outGrad, 9);
  });

  test.each(FLOAT_DTYPES)('%s rows of 64 columns over many ring turns', (dtype) => {
    const random = seededRandom(dtype.length + 64 * threads);
    // 512 float32 rows of 64 columns fill a chunk, so 20000 positions take 2.4 turns of the ring.
    const inputDim = 1000;
    const count = 20000;
    const indices = Int32Array.from({ length: count }, () => Math.floor(random() * inputDim));
    const outGrad = { data: randomStored(random, dtype, count * 64), shape: [count, 64], dtype };
    expectDense(indices, indices, outGrad, inputDim);
  });

  test.each(FLOAT_DTYPES)('%s row_sparse over many ring turns', (dtype) => {
    // 3 columns: chunks go to a worker whole; 40 float32 or float64 columns: split between the threads.
    for (const [outputDim, count] of [[3, (SLOTS + 1) * CHUNK_ROWS_3 + 9], [40, 30000]]) {
      const random = seededRandom(dtype.length + outputDim + 5 * threads);
      const inputDim = 40;
      const indices = Int32Array.from({ length: count }, () => Math.floor(random() * 20) * 2);
      const outGrad = { data: randomStored(random, dtype, count * outputDim), shape: [count, outputDim], dtype };
      const result = library.embeddingBackward(indices, outGrad, { inputDim, sparseGrad: true });
      const expected = referenceBackward(indices, outGrad.data, dtype, inputDim, outputDim);
      expect(Array.from(result.indices)).toEqual(expected.rows);
      expect(bitsOf(library.rowSparseToDense(result).data).equals(bitsOf(expected.data))).toBe(true);
    }
  });

  test.each(FLOAT_DTYPES)('%s: 16 calls with and without the worker', (dtype) => {
    // Every 8th call of a kind takes the way (with or without the worker) that was slower so far. So 16
    // calls in a row add chunks both ways, for whole and for split chunks.
    const random = seededRandom(dtype.length + 300 * threads);
    const cases = [[20, 3, 3 * CHUNK_ROWS_3 + 5], [300, 64, 3000]].map(([inputDim, outputDim, count]) => {
      const indices = Int32Array.from({ length: count }, () => Math.floor(random() * inputDim));
      const outGrad = { data: randomStored(random, dtype, count * outputDim), shape: [count, outputDim], dtype };
      return { indices, outGrad, inputDim, expected: referenceBackward(indices, outGrad.data, dtype, inputDim, outputDim) };
    });
    for (const { indices, outGrad, inputDim, expected } of cases) {
      for (let call = 0; call < 16; call += 1) {
        const result = library.embeddingBackward(indices, outGrad, { inputDim });
        expect(bitsOf(result.data).equals(bitsOf(expected.data))).toBe(true);
      }
    }
  });

  test('same bits while another thread keeps a core busy', async () => {
    // A busy Node worker thread competes with the pool's worker for the cores, so the pool's worker loses
    // its core now and then, and the calling thread takes over the rest of some calls.
    const { Worker } = require('node:worker_threads');
    const hog = new Worker('const end = Date.now() + 20000; while (Date.now() < end) {}', { eval: true });
    try {
      const random = seededRandom(700 + threads);
      const cases = [[8, 3, 120000], [500, 64, 20000]].map(([inputDim, outputDim, count]) => {
        const indices = Int32Array.from({ length: count }, () => Math.floor(random() * inputDim));
        const outGrad = { data: randomStored(random, 'float32', count * outputDim), shape: [count, outputDim], dtype: 'float32' };
        return { indices, outGrad, inputDim, expected: referenceBackward(indices, outGrad.data, 'float32', inputDim, outputDim) };
      });
      for (let round = 0; round < 15; round += 1) {
        for (const { indices, outGrad, inputDim, expected } of cases) {
          const result = library.embeddingBackward(indices, outGrad, { inputDim });
          expect(bitsOf(result.data).equals(bitsOf(expected.data))).toBe(true);
        }
      }
    } finally {
      await hog.terminate();
    }
  });

  test('repeated calls of changing shapes give the same bits every time', () => {
    const random = seededRandom(900 + threads);
    const cases = [[8, 3, 200000], [1000, 64, 30000], [3, 1, 300000], [300, 33, 30000]].map(([inputDim, outputDim, count]) => {
      const indices = Int32Array.from({ length: count }, () => Math.floor(random() * inputDim));
      const outGrad = { data: randomStored(random, 'float32', count * outputDim), shape: [count, outputDim], dtype: 'float32' };
      const expected = referenceBackward(indices, outGrad.data, 'float32', inputDim, outputDim);
      return { indices, outGrad, inputDim, expected };
    });
    for (let round = 0; round < 6; round += 1) {
      for (const { indices, outGrad, inputDim, expected } of cases) {
        const result = library.embeddingBackward(indices, outGrad, { inputDim });
        expect(bitsOf(result.data).equals(bitsOf(expected.data))).toBe(true);
      }
    }
  });
});
