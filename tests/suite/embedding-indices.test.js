// The index-to-row rules, case by case: truncation toward zero, clipping to [0, inputDim - 1], NaN and
// infinities, and integers taken at their full width.
const { library, initBackend } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

// Four rows whose single element is the row number, so the output lists the rows looked up.
const weight = { data: new Float64Array([0, 1, 2, 3]), shape: [4, 1] };

function rowsOf(data) {
  return Array.from(library.embedding(data, weight).data);
}

describe('float indices', () => {
  test.each([
    ['2.7 truncates to 2', 2.7, 2],
    ['-0.5 truncates to row 0', -0.5, 0],
    ['3.999 truncates to 3', 3.999, 3],
    ['0.999 truncates to 0', 0.999, 0],
    ['-0 gives row 0', -0, 0],
    ['negative gives row 0', -3, 0],
    ['too large gives last row', 4, 3],
    ['NaN gives row 0', NaN, 0],
    ['+Infinity gives last row', Infinity, 3],
    ['-Infinity gives row 0', -Infinity, 0],
    ['huge positive gives last row', 1e300, 3],
    ['huge negative gives row 0', -1e300, 0],
    ['2^53 gives last row', 2 ** 53, 3],
    ['2^31 gives last row', 2 ** 31, 3],
    ['-2^31 - 1 gives row 0', -(2 ** 31) - 1, 0],
  ])('%s', (name, value, row) => {
    expect(rowsOf([value])).toEqual([row]);
    expect(rowsOf(new Float32Array([value]))).toEqual([row]);
    expect(rowsOf(new Float64Array([value]))).toEqual([row]);
  });

  test('mapping is the same in vector body and tail', () => {
    const values = [2.7, -0.5, 3.999, NaN, Infinity, -Infinity, 1e30, -1e30, 1.5];
    const rows = [2, 0, 3, 0, 3, 0, 3, 0, 1];
    expect(rowsOf(new Float32Array(values))).toEqual(rows);
    expect(rowsOf(new Float64Array(values))).toEqual(rows);
  });

  test('float16 bit patterns map by value', () => {
    const bits = new Uint16Array([
      0x4100, // 2.5
      0x3bff, // 0.99951171875
      0x7c00, // +Infinity
      0xfc00, // -Infinity
      0x7e00, // NaN
      0x7bff, // 65504, the largest finite float16
      0x0001, // smallest subnormal
      0xc000, // -2
      0x4300, // 3.5
    ]);
    expect(rowsOf({ data: bits, dtype: 'float16' })).toEqual([2, 0, 3, 0, 0, 3, 0, 0, 3]);
  });

  test('plain numbers encode to half dtypes', () => {
    // float16 stores 3.9 as 3.900390625 and bfloat16 as 3.90625; both truncate to row 3.
    expect(rowsOf({ data: [2.5, 3.9, -1, 1.75], dtype: 'float16' })).toEqual([2, 3, 0, 1]);
    expect(rowsOf({ data: [2.5, 3.9, -1, 1.75], dtype: 'bfloat16' })).toEqual([2, 3, 0, 1]);
  });

  test('bfloat16 bit patterns map by value', () => {
    const bits = new Uint16Array([
      0x4020, // 2.5
      0x3f7f, // 0.99609375
      0x7f80, // +Infinity
      0xff80, // -Infinity
      0x7fc1, // NaN
      0x7f7f, // largest finite bfloat16
      0x0001, // smallest subnormal
      0xc000, // -2
      0x4060, // 3.5
    ]);
    expect(rowsOf({ data: bits, dtype: 'bfloat16' })).toEqual([2, 0, 3, 0, 0, 3, 0, 0, 3]);
  });
});

describe('integer indices', () => {
  test('int64 clips on the full 64-bit value', () => {
    // The low 32-bit words of the first two values are 1, which a low-word read would send to row 1.
    const data = new BigInt64Array([2n ** 32n + 1n, -(2n ** 32n) + 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n, -1n, 4n]);
    expect(rowsOf(data)).toEqual([3, 0, 3, 0, 2, 0, 3]);
  });

  test('bigints in nested arrays are int64', () => {
    expect(rowsOf([[2n ** 40n, 1n], [-(2n ** 40n), 2n]])).toEqual([3, 1, 0, 2]);
  });

  test('int64 tensor accepts safe-integer numbers', () => {
    expect(rowsOf({ data: [1, 2 ** 53 - 1, -(2 ** 53 - 1)], dtype: 'int64' })).toEqual([1, 3, 0]);
  });

  test('uint32 values above 2^31 give last row', () => {
    expect(rowsOf(new Uint32Array([2 ** 32 - 1, 2 ** 31, 2, 0, 7]))).toEqual([3, 3, 2, 0, 3]);
  });

  test('int32 extremes clip', () => {
    expect(rowsOf(new Int32Array([-(2 ** 31), 2 ** 31 - 1, 1, -1, 3]))).toEqual([0, 3, 1, 0, 3]);
  });

  test('16-bit extremes clip', () => {
    expect(rowsOf(new Int16Array([-32768, 32767, 2, -1, 0]))).toEqual([0, 3, 2, 0, 0]);
    expect(rowsOf(new Uint16Array([65535, 32768, 2, 1, 3]))).toEqual([3, 3, 2, 1, 3]);
  });

  test('8-bit extremes clip', () => {
    expect(rowsOf(new Int8Array([-128, 127, 2, -1, 1]))).toEqual([0, 3, 2, 0, 1]);
    expect(rowsOf(new Uint8Array([255, 128, 2, 1, 0]))).toEqual([3, 3, 2, 1, 0]);
  });

  test('integer data typed by dtype option', () => {
    expect(rowsOf({ data: [0, 3, 255, 9], dtype: 'uint8' })).toEqual([0, 3, 3, 3]);
  });
});

describe('single-row weight', () => {
  test('every index gives row 0', () => {
    const single = { data: new Int32Array([42, -7]), shape: [1, 2] };
    const result = library.embedding([-5, 0, 0.5, 7, NaN, Infinity], single);
    expect(Array.from(result.data)).toEqual([42, -7, 42, -7, 42, -7, 42, -7, 42, -7, 42, -7]);
  });
});
