// sparseGrad: true turns indices outside [0, inputDim - 1] into a RangeError instead of clipping them. The
// check compares the value before truncation, at full width, and runs before anything is written.
const { library, initBackend } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

// Four rows whose single element is the row number, so the output lists the rows looked up.
const weight = { data: new Float64Array([0, 1, 2, 3]), shape: [4, 1] };

function lookup(data) {
  return Array.from(library.embedding(data, weight, { sparseGrad: true }).data);
}

function errorOf(data) {
  try {
    library.embedding(data, weight, { sparseGrad: true });
  } catch (error) {
    return error;
  }
  throw new Error('embedding did not throw');
}

describe('valid indices', () => {
  test('in-range values look up as usual', () => {
    expect(lookup([[0, 1], [2, 3]])).toEqual([0, 1, 2, 3]);
  });

  test('2.7 is valid and means row 2', () => {
    expect(lookup([2.7])).toEqual([2]);
    expect(lookup(new Float32Array([2.7]))).toEqual([2]);
  });

  test('-0 is valid and means row 0', () => {
    expect(lookup([-0])).toEqual([0]);
  });

  test('exact last row is valid', () => {
    expect(lookup(new BigInt64Array([3n]))).toEqual([3]);
    expect(lookup({ data: new Uint16Array([0x4200]), dtype: 'float16' })).toEqual([3]);
    expect(lookup({ data: new Uint16Array([0x4040]), dtype: 'bfloat16' })).toEqual([3]);
  });

  test('wide values are not compared narrowly', () => {
    const wide = { data: new Float32Array(300 * 2), shape: [300, 2] };
    const result = library.embedding(new Uint8Array([255, 200]), wide, { sparseGrad: true });
    expect(result.shape).toEqual([2, 2]);
  });

  test('empty data passes with a rowless weight', () => {
    const result = library.embedding([], { data: new Float32Array(0), shape: [0, 2] }, { sparseGrad: true });
    expect(result.shape).toEqual([0, 2]);
  });
});

describe('invalid indices', () => {
  test.each([
    ['-0.5 before truncation', [1, -0.5], '-0.5', 1],
    ['3.999 before truncation', [3.999], '3.999', 0],
    ['NaN', [0, 1, NaN], 'NaN', 2],
    ['+Infinity', [Infinity], 'Infinity', 0],
    ['-Infinity', [2, -Infinity], '-Infinity', 1],
    ['one past the last row', [0, 0, 0, 4], '4', 3],
    ['negative integer', new Int8Array([3, -1]), '-1', 1],
    ['uint32 above 2^31', new Uint32Array([2 ** 32 - 1]), '4294967295', 0],
    ['int64 with a valid low word', new BigInt64Array([1n, 2n ** 32n + 1n]), '4294967297n', 1],
    ['int64 minimum', new BigInt64Array([-(2n ** 63n)]), '-9223372036854775808n', 0],
    ['float16 NaN', { data: new Uint16Array([0x3c00, 0x7e00]), dtype: 'float16' }, 'NaN', 1],
    ['float16 3.5', { data: new Uint16Array([0x4300]), dtype: 'float16' }, '3.5', 0],
    ['bfloat16 -1', { data: new Uint16Array([0xbf80]), dtype: 'bfloat16' }, '-1', 0],
  ])('%s', (name, data, valueText, position) => {
    const error = errorOf(data);
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toContain('embedding');
    expect(error.message).toContain(`contains ${valueText} at flat position ${position}`);
    expect(error.message).toContain('inputDim 4');
    expect(error.message).toContain('0 <= index <= 3');
  });

  test('first invalid value is reported', () => {
    const error = errorOf([[0, 1, 2], [9, -1, 5]]);
    expect(error.message).toContain('contains 9 at flat position 3');
  });

  test('invalid value in the SIMD tail', () => {
    const data = new Int32Array(1031);
    data[1030] = 4;
    expect(errorOf(data).message).toContain('contains 4 at flat position 1030');
  });

  test('same data clips without sparseGrad', () => {
    expect(Array.from(library.embedding([-0.5, 3.999, NaN, 9], weight).data)).toEqual([0, 3, 0, 3]);
  });

  test('rowless weight rejects any index', () => {
    expect(() => library.embedding([0], { data: new Float32Array(0), shape: [0, 2] }, { sparseGrad: true }))
      .toThrow(RangeError);
  });

  test('heap is unchanged after the error', () => {
    errorOf(new Int32Array(1000).fill(7));
    const before = library.heapInUseBytes();
    for (let i = 0; i < 50; i += 1) expect(errorOf(new Int32Array(1000).fill(7))).toBeInstanceOf(RangeError);
    expect(library.heapInUseBytes()).toBe(before);
  });
});
