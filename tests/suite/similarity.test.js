// similarity(): dot products and cosines of every weight row against query vectors, checked against a
// float64 reference at column counts around the SIMD block of 8 and query counts around the tile of 4.
const { library, initBackend } = require('../helpers/library');
const { seededRandom, decodeFloat16, decodeBFloat16 } = require('../helpers/reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const FLOAT_DTYPES = ['float32', 'float16', 'bfloat16'];

function randomValues(length, random) {
  return Float32Array.from({ length }, () => random() * 2 - 1);
}

// A weight of the dtype plus its exact values as float64, so the reference uses the values the kernel reads.
function makeWeight(dtype, rows, cols, random) {
  const values = randomValues(rows * cols, random);
  if (dtype === 'float32') return { tensor: { data: values, shape: [rows, cols] }, exact: Float64Array.from(values) };
  const bits = dtype === 'float16' ? library.toFloat16(values) : library.toBFloat16(values);
  const decode = dtype === 'float16' ? decodeFloat16 : decodeBFloat16;
  return { tensor: { data: bits, shape: [rows, cols], dtype }, exact: Float64Array.from(bits, decode) };
}

// Float64 scores and, per score, the sum of |products| that bounds float32 rounding error.
function referenceScores(exact, rows, cols, queries, numQueries, metric) {
  const scores = new Float64Array(numQueries * rows);
  const bounds = new Float64Array(numQueries * rows);
  for (let q = 0; q < numQueries; q += 1) {
    for (let r = 0; r < rows; r += 1) {
      let dot = 0;
      let magnitude = 0;
      let rowNorm = 0;
      let queryNorm = 0;
      for (let c = 0; c < cols; c += 1) {
        const a = exact[r * cols + c];
        const b = queries[q * cols + c];
        dot += a * b;
        magnitude += Math.abs(a * b);
        rowNorm += a * a;
        queryNorm += b * b;
      }
      const scale = metric === 'cosine' ? Math.sqrt(rowNorm) * Math.sqrt(queryNorm) : 1;
      scores[q * rows + r] = scale === 0 ? 0 : dot / scale;
      bounds[q * rows + r] = scale === 0 ? 0 : magnitude / scale;
    }
  }
  return { scores, bounds };
}

// Index of the first score outside the float32 summation tolerance, or -1.
function firstMismatch(actual, expected) {
  for (let i = 0; i < actual.length; i += 1) {
    const tolerance = 1e-5 * expected.bounds[i] + 1e-6;
    if (!(Math.abs(actual[i] - expected.scores[i]) <= tolerance)) return i;
  }
  return -1;
}

describe('similarity scores', () => {
  const COLUMN_COUNTS = [1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 100];
  const QUERY_COUNTS = [1, 3, 4, 5, 9];

  test.each(FLOAT_DTYPES)('%s rows match the reference', (dtype) => {
    const random = seededRandom(0x51a + FLOAT_DTYPES.indexOf(dtype));
    for (const cols of COLUMN_COUNTS) {
      for (const numQueries of QUERY_COUNTS) {
        for (const metric of ['dot', 'cosine']) {
          const rows = 13;
          const weight = makeWeight(dtype, rows, cols, random);
          const queries = randomValues(numQueries * cols, random);
          const result = library.similarity(weight.tensor, { data: queries, shape: [numQueries, cols] }, { metric });

          expect(result.shape).toEqual([numQueries, rows]);
          expect(result.dtype).toBe('float32');
          const expected = referenceScores(weight.exact, rows, cols, queries, numQueries, metric);
          expect({ cols, numQueries, metric, mismatch: firstMismatch(result.data, expected) })
            .toEqual({ cols, numQueries, metric, mismatch: -1 });
        }
      }
    }
  });

  test('large table split across threads', () => {
    const random = seededRandom(0x7ab1e);
    const rows = 5003;
    const cols = 100;
    const weight = makeWeight('float16', rows, cols, random);
    const queries = randomValues(2 * cols, random);
    const table = library.createTable(weight.tensor);
    try {
      const result = library.similarity(table, { data: queries, shape: [2, cols] });
      const expected = referenceScores(weight.exact, rows, cols, queries, 2, 'cosine');
      expect(firstMismatch(result.data, expected)).toBe(-1);
    } finally {
      table.dispose();
    }
  });

  test('float16 special values decode exactly', () => {
    // Eight columns, so that the SIMD body (blocks of 8) decodes them, not the scalar tail.
    const rows = [
      [0x3c00, 0x0001, 0x03ff, 0x8000, 0x8001, 0, 0, 0], // 1, smallest and largest subnormal, -0, -2^-24
      [0x7c00, 0x3c00, 0, 0, 0, 0, 0, 0], // +Infinity
      [0xfc00, 0, 0, 0, 0, 0, 0, 0], // -Infinity
      [0x7e00, 0x3c00, 0, 0, 0, 0, 0, 0], // NaN
      [0x7bff, 0x0400, 0x4000, 0x3555, 0xc000, 0, 0, 0], // 65504, 2^-14, 2, 0.333251953125, -2
    ];
    const bits = Uint16Array.from(rows.flat());
    const query = [2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20, 0, 0, 0];
    const result = library.similarity({ data: bits, shape: [rows.length, 8], dtype: 'float16' }, query, { metric: 'dot' });

    const dot = (row) => row.reduce((sum, value, c) => sum + decodeFloat16(value) * query[c], 0);
    expect(result.data[0]).toBe(Math.fround(dot(rows[0])));
    expect(result.data[1]).toBe(Infinity);
    expect(result.data[2]).toBe(-Infinity);
    expect(result.data[3]).toBeNaN();
    expect(Math.abs(result.data[4] - dot(rows[4])) / dot(rows[4])).toBeLessThan(1e-6);
  });

  test('one query gives shape [rows]', () => {
    const weight = { data: Float32Array.from([1, 0, 0, 1, 3, 4]), shape: [3, 2] };
    const result = library.similarity(weight, [3, 4], { metric: 'dot' });
    expect(result.shape).toEqual([3]);
    expect(Array.from(result.data)).toEqual([3, 4, 25]);
  });

  test('cosine defaults and self-match is 1', () => {
    const weight = { data: Float32Array.from([1, 0, 0, 2, 3, 4]), shape: [3, 2] };
    const result = library.similarity(weight, [6, 8]);
    expect(result.data[0]).toBeCloseTo(0.6, 6);
    expect(result.data[1]).toBeCloseTo(0.8, 6);
    expect(result.data[2]).toBeCloseTo(1, 6);
  });

  test('zero vectors give cosine 0', () => {
    const weight = { data: Float32Array.from([0, 0, 1, 1]), shape: [2, 2] };
    expect(Array.from(library.similarity(weight, [1, 2]).data)).toEqual([0, expect.any(Number)]);
    expect(library.similarity(weight, [1, 2]).data[0]).toBe(0);
    expect(Array.from(library.similarity(weight, [0, 0]).data)).toEqual([0, 0]);
  });

  test('table and tensor give equal scores', () => {
    const random = seededRandom(0x7e5);
    const weight = makeWeight('bfloat16', 40, 24, random);
    const queries = randomValues(24, random);
    const table = library.createTable(weight.tensor);
    try {
      expect(library.similarity(table, queries).data).toEqual(library.similarity(weight.tensor, queries).data);
    } finally {
      table.dispose();
    }
  });

  test('empty weight gives empty scores', () => {
    const result = library.similarity({ data: new Float32Array(0), shape: [0, 4] }, [1, 2, 3, 4]);
    expect(result.shape).toEqual([0]);
    expect(result.data.length).toBe(0);
  });

  test('repeated calls keep the heap size', () => {
    const weight = { data: new Float32Array(64 * 16).fill(0.5), shape: [64, 16] };
    const queries = new Float32Array(16).fill(1);
    library.similarity(weight, queries);
    const before = library.heapInUseBytes();
    for (let i = 0; i < 50; i += 1) library.similarity(weight, queries);
    expect(() => library.similarity(weight, new Float32Array(3))).toThrow(RangeError);
    expect(library.heapInUseBytes()).toBe(before);
  });
});

describe('similarity errors', () => {
  const weight = { data: new Float32Array(12), shape: [3, 4] };

  test('integer weight is a TypeError', () => {
    expect(() => library.similarity({ data: new Int32Array(12), shape: [3, 4] }, [1, 2, 3, 4]))
      .toThrow(/similarity: weight must be float32, float16, bfloat16, got int32/);
  });

  test('wrong query length is a RangeError', () => {
    expect(() => library.similarity(weight, [1, 2, 3])).toThrow(RangeError);
    expect(() => library.similarity(weight, [1, 2, 3])).toThrow(/queries must have shape \[4\] or \[numQueries, 4\].*got shape \[3\]/);
  });

  test('3-D queries are a RangeError', () => {
    expect(() => library.similarity(weight, { data: new Float32Array(8), shape: [1, 2, 4] })).toThrow(RangeError);
  });

  test('integer queries are a TypeError', () => {
    expect(() => library.similarity(weight, new Int32Array(4))).toThrow(/queries must be float32 or float64, got int32/);
  });

  test('unknown metric is a TypeError', () => {
    expect(() => library.similarity(weight, [1, 2, 3, 4], { metric: 'euclid' }))
      .toThrow(/options.metric must be one of cosine, dot, got "euclid"/);
  });

  test('disposed table is rejected', () => {
    const table = library.createTable(weight);
    table.dispose();
    expect(() => library.similarity(table, [1, 2, 3, 4])).toThrow(library.DisposedError);
  });
});
