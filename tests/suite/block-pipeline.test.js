// Results copied out to a JS array are built in blocks of rows, filled by the pool's workers and the calling
// thread while finished blocks are copied out. Block boundaries, ring wrap-around and the thread count must
// never show in the result: these tests compare with the plain-JS reference at sizes around block sizes.

const { library, BACKEND } = require('../helpers/library');
const ref = require('../helpers/reference');

afterAll(() => library.dispose());

const threadCounts = BACKEND === 'simd-threads' ? [1, 2, 3] : [1];

// Counts from one row to many ring turns, for 256-byte rows (a block holds a power of two of them).
const COUNTS = [1, 2, 255, 256, 257, 511, 512, 513, 2047, 2048, 2049, 5 * 512 + 1, 15 * 512, 15 * 512 + 1, 16 * 512 + 1, 40000];

// Decodes float16 or bfloat16 bits to the float32 values the decoding gather must produce.
function decodedReference(bits, dtype, rows, indices, columns) {
  const decode = dtype === 'float16' ? ref.decodeFloat16 : ref.decodeBFloat16;
  const out = new Float32Array(indices.length * columns);
  for (let i = 0; i < indices.length; i += 1) {
    const row = ref.referenceRow(indices[i], rows);
    for (let d = 0; d < columns; d += 1) out[i * columns + d] = decode(bits[row * columns + d]);
  }
  return out;
}

// The row each index selects, as numbers, for decodedReference.
function indexValues(indices, rows) {
  return Array.from(indices, (value) => ref.referenceRow(value, rows));
}

// First position where two float32 arrays differ, NaN equal to NaN, or -1.
function firstValueDifference(actual, expected) {
  if (actual.length !== expected.length) return -2;
  for (let i = 0; i < actual.length; i += 1) {
    const same = Object.is(actual[i], expected[i]) || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]));
    if (!same) return i;
  }
  return -1;
}

describe.each(threadCounts)('at %i threads', (threads) => {
  beforeAll(async () => {
    library.dispose();
    await library.init(BACKEND === 'simd-threads' ? { backend: BACKEND, threads } : { backend: BACKEND });
  });

  test('float32 out and fresh results at block boundaries', () => {
    const random = ref.seededRandom(900 + threads);
    const rows = 3000;
    const columns = 64;
    const weight = ref.randomBits(Float32Array, rows * columns, random);
    const table = library.createTable({ data: weight, shape: [rows, columns] });
    try {
      for (const count of COUNTS) {
        // Out-of-range values clip to the last row.
        const indices = Int32Array.from({ length: count }, () => Math.floor(random() * (rows + 50)) - 10);
        const expected = ref.referenceEmbedding(indices, 'int32', weight, rows, columns);
        const out = new Float32Array(count * columns).fill(7);
        library.embedding(indices, table, { out });
        expect(ref.firstByteDifference(ref.bytesOf(out), expected)).toBeNull();
        const fresh = library.embedding(indices, { data: weight, shape: [rows, columns] });
        expect(ref.firstByteDifference(ref.bytesOf(fresh.data), expected)).toBeNull();
      }
    } finally {
      table.dispose();
    }
  });

  test('rows wider than a block and 1-byte rows', () => {
    const random = ref.seededRandom(910 + threads);
    const wide = ref.randomBits(Float64Array, 3 * 20000, random);
    const wideIndices = Int32Array.from({ length: 9 }, () => Math.floor(random() * 3));
    const wideResult = library.embedding(wideIndices, { data: wide, shape: [3, 20000], dtype: 'float64' });
    expect(ref.firstByteDifference(ref.bytesOf(wideResult.data), ref.referenceEmbedding(wideIndices, 'int32', wide, 3, 20000))).toBeNull();

    const narrow = ref.randomBits(Int8Array, 5, random);
    const narrowIndices = Uint8Array.from({ length: 300001 }, () => Math.floor(random() * 7));
    const narrowResult = library.embedding(narrowIndices, { data: narrow, shape: [5, 1], dtype: 'int8' });
    expect(ref.firstByteDifference(ref.bytesOf(narrowResult.data), ref.referenceEmbedding(narrowIndices, 'uint8', narrow, 5, 1))).toBeNull();
  });

  test.each([
    ['int8', Int8Array, 5],
    ['float16', Uint16Array, 3],
    ['float32', Float32Array, 3],
    ['float64', Float64Array, 2],
  ])('%s out views at every byte offset', (dtype, ArrayType, columns) => {
    const random = ref.seededRandom(940 + threads);
    const rows = 50;
    const weight = ref.randomBits(ArrayType, rows * columns, random);
    const count = 30011;
    const indices = Int32Array.from({ length: count }, () => Math.floor(random() * rows));
    const expected = ref.referenceEmbedding(indices, 'int32', weight, rows, columns);
    const length = count * columns;
    for (let offset = 0; offset < 8; offset += ArrayType.BYTES_PER_ELEMENT) {
      const buffer = new ArrayBuffer(offset + length * ArrayType.BYTES_PER_ELEMENT + 8);
      const out = new ArrayType(buffer, offset, length);
      library.embedding(indices, { data: weight, shape: [rows, columns], dtype }, { out });
      expect(ref.firstByteDifference(ref.bytesOf(out), expected)).toBeNull();
    }
  });

  test.each(['float16', 'bfloat16'])('%s decoded to float32 at block boundaries', (dtype) => {
    const random = ref.seededRandom(920 + threads);
    const rows = 700;
    const columns = 128;
    const bits = ref.randomBits(Uint16Array, rows * columns, random);
    const table = library.createTable({ data: bits, shape: [rows, columns], dtype });
    try {
      for (const count of COUNTS) {
        const indices = Int32Array.from({ length: count }, () => Math.floor(random() * rows));
        const out = new Float32Array(count * columns);
        library.embedding(indices, table, { outputDtype: 'float32', out });
        expect(firstValueDifference(out, decodedReference(bits, dtype, rows, indices, columns))).toBe(-1);
      }
    } finally {
      table.dispose();
    }
  });

  test.each([
    ['int32', (random, count, rows) => Int32Array.from({ length: count }, () => Math.floor(random() * (rows + 4)) - 2)],
    ['uint8', (random, count) => Uint8Array.from({ length: count }, () => Math.floor(random() * 256))],
    ['int64', (random, count, rows) => BigInt64Array.from({ length: count }, () => BigInt(Math.floor(random() * (rows + 4)) - 2))],
    ['float64', (random, count, rows) => Float64Array.from({ length: count }, () => random() * (rows + 4) - 2)],
  ])('%s indices copied in while blocks are filled', (indexDtype, makeIndices) => {
    // Into a JS array, the indices reach wasm memory block by block while the pipeline fills earlier
    // blocks. Two index arrays of one length alternate, so the index buffer is reused: a block filled before
    // its indices were copied would show the other array's rows.
    const random = ref.seededRandom(indexDtype.length * 13 + threads);
    const rows = 40;
    const columns = 3;
    const weight = ref.randomBits(Float32Array, rows * columns, random);
    const halfBits = ref.randomBits(Uint16Array, rows * columns, random);
    const table = library.createTable({ data: weight, shape: [rows, columns] });
    const halfTable = library.createTable({ data: halfBits, shape: [rows, columns], dtype: 'float16' });
    try {
      // 10922 rows of 12 bytes fill a 128 KiB block, so the calls take 4 and 41 blocks. The second array
      // is an offset view.
      for (const count of [10922 * 3 + 5, 10922 * 40 + 1]) {
        const backing = makeIndices(random, count + 1, rows);
        const arrays = [makeIndices(random, count, rows), backing.subarray(1)];
        for (let call = 0; call < 4; call += 1) {
          const indices = arrays[call % 2];
          const out = new Float32Array(count * columns);
          library.embedding(indices, table, { out });
          expect(ref.firstByteDifference(ref.bytesOf(out), ref.referenceEmbedding(indices, indexDtype, weight, rows, columns))).toBeNull();
          const decoded = library.embedding(indices, halfTable, { outputDtype: 'float32' });
          expect(firstValueDifference(decoded.data, decodedReference(halfBits, 'float16', rows, indexValues(indices, rows), columns))).toBe(-1);
        }
      }
    } finally {
      table.dispose();
      halfTable.dispose();
    }
  });

  test('consecutive calls of random sizes', () => {
    const random = ref.seededRandom(930 + threads);
    const rows = 257;
    const columns = 33;
    const weight = ref.randomBits(Float32Array, rows * columns, random);
    const table = library.createTable({ data: weight, shape: [rows, columns] });
    try {
      for (let call = 0; call < 60; call += 1) {
        const count = 1 + Math.floor(random() ** 2 * 20000);
        const indices = Int32Array.from({ length: count }, () => Math.floor(random() * rows));
        const result = library.embedding(indices, table);
        const difference = ref.firstByteDifference(ref.bytesOf(result.data), ref.referenceEmbedding(indices, 'int32', weight, rows, columns));
        if (difference !== null) throw new Error(`call ${call} with ${count} indices differs: ${JSON.stringify(difference)}`);
      }
    } finally {
      table.dispose();
    }
  });
});
