// Invalid arguments to embedding(): the error class, a message that names the function, the argument, the
// bad value and the rule, an untouched options.out, and a module that keeps working afterwards.
const { library, initBackend } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };

// Runs the doc example, which must still work after any error.
function expectModuleWorks() {
  const result = library.embedding([[1, 3], [0, 2]], weight, { inputDim: 4, outputDim: 5 });
  expect(Array.from(result.data)).toEqual([5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 0, 1, 2, 3, 4, 10, 11, 12, 13, 14]);
}

// Calls embedding, expecting it to throw, and returns the error.
function errorOf(data, weightArgument, options) {
  try {
    library.embedding(data, weightArgument, options);
  } catch (error) {
    return error;
  }
  throw new Error('embedding did not throw');
}

const ALL_DTYPES = 'float32, float64, float16, bfloat16, int8, uint8, int16, uint16, int32, uint32, int64';

// [name, data, weight, options, error class, message fragments]
const CASES = [
  ['inputDim differs from weight', [1], weight, { inputDim: 3 }, RangeError,
    ['embedding', 'weight has shape [4, 5]', 'give [3, 5]']],
  ['outputDim differs from weight', [1], weight, { outputDim: 6 }, RangeError,
    ['embedding', 'weight has shape [4, 5]', 'give [4, 6]']],
  ['negative inputDim', [1], weight, { inputDim: -1 }, RangeError,
    ['embedding', 'options.inputDim', 'got -1']],
  ['fractional inputDim', [1], weight, { inputDim: 1.5 }, TypeError,
    ['embedding', 'options.inputDim', 'must be an integer', 'got 1.5']],
  ['string outputDim', [1], weight, { outputDim: '5' }, TypeError,
    ['embedding', 'options.outputDim', 'got "5"']],
  ['1-D weight', [1], { data: new Float32Array(20), shape: [20] }, undefined, RangeError,
    ['embedding', 'weight must be 2-D', 'got shape [20]']],
  ['3-D weight', [1], { data: new Float32Array(8), shape: [2, 2, 2] }, undefined, RangeError,
    ['embedding', 'weight must be 2-D', 'got shape [2, 2, 2]']],
  ['plain 1-D array weight', [1], [1, 2, 3], undefined, RangeError,
    ['embedding', 'weight must be 2-D', 'got shape [3]']],
  ['weight shape and data disagree', [1], { data: new Float32Array(20), shape: [4, 4] }, undefined, RangeError,
    ['embedding', 'weight.shape [4, 4] needs 16 elements', 'has 20']],
  ['weight dtype conflicts with option', [1], { data: new Uint16Array(20), shape: [4, 5], dtype: 'bfloat16' }, { dtype: 'float16' }, TypeError,
    ['embedding', 'weight.dtype is bfloat16', 'float16']],
  ['Float32Array weight tagged float64', [1], weight, { dtype: 'float64' }, TypeError,
    ['embedding', 'Float32Array', 'float64', 'Float64Array']],
  ['unknown dtype option', [1], weight, { dtype: 'float8' }, TypeError,
    ['embedding', 'weight dtype', ALL_DTYPES, 'got "float8"']],
  ['unknown weight dtype', [1], { data: new Float32Array(20), shape: [4, 5], dtype: 'float8' }, undefined, TypeError,
    ['embedding', 'weight.dtype', 'got "float8"']],
  ['null weight', [1], null, undefined, TypeError,
    ['embedding', 'weight must be a tensor', 'got null']],
  ['string weight', [1], 'weights', undefined, TypeError,
    ['embedding', 'weight must be a tensor', 'got "weights"']],
  ['string index', ['a'], weight, undefined, TypeError,
    ['embedding', 'data', 'element 0 must be a number', 'got "a"']],
  ['ragged data', [[1, 2], [3]], weight, undefined, RangeError,
    ['embedding', 'data is a ragged nested array', 'element [1]', 'length 2', 'got [3]']],
  ['array where a scalar belongs', [[1, 2], [3, [4]]], weight, undefined, RangeError,
    ['embedding', 'data is a ragged nested array', 'element [1][1]', 'shape [2, 2]']],
  ['BigUint64Array data', new BigUint64Array(2), weight, undefined, TypeError,
    ['embedding', 'data', 'BigUint64Array', 'which no dtype uses']],
  ['DataView data', new DataView(new ArrayBuffer(4)), weight, undefined, TypeError,
    ['embedding', 'data', 'DataView(4)']],
  ['null data', null, weight, undefined, TypeError,
    ['embedding', 'data must be a tensor', 'got null']],
  ['undefined data', undefined, weight, undefined, TypeError,
    ['embedding', 'data must be a tensor', 'got undefined']],
  ['string data', '1', weight, undefined, TypeError,
    ['embedding', 'data must be a tensor', 'got "1"']],
  ['object without data', { shape: [1] }, weight, undefined, TypeError,
    ['embedding', 'data must have a data property']],
  ['data shape and length disagree', { data: new Float32Array(3), shape: [2, 2] }, weight, undefined, RangeError,
    ['embedding', 'data.shape [2, 2] needs 4 elements', 'has 3']],
  ['negative data dimension', { data: new Float32Array(4), shape: [2, -2] }, weight, undefined, RangeError,
    ['embedding', 'data.shape[1]', 'got -2']],
  ['fractional data dimension', { data: new Float32Array(4), shape: [2, 1.5] }, weight, undefined, RangeError,
    ['embedding', 'data.shape[1]', 'got 1.5']],
  ['shape that is not an array', { data: new Float32Array(4), shape: 4 }, weight, undefined, TypeError,
    ['embedding', 'data.shape must be an array', 'got 4']],
  ['uint8 value out of range', { data: [300], dtype: 'uint8' }, weight, undefined, RangeError,
    ['embedding', 'data', '300', 'uint8 range [0, 255]']],
  ['fractional int32 value', { data: [1.5], dtype: 'int32' }, weight, undefined, RangeError,
    ['embedding', 'data', '1.5', 'int32 range']],
  ['unsafe int64 number', { data: [2 ** 60], dtype: 'int64' }, weight, undefined, RangeError,
    ['embedding', 'data', 'not a safe integer', 'bigint']],
  ['bigint beyond int64', [2n ** 64n], weight, undefined, RangeError,
    ['embedding', 'data', '18446744073709551616n', 'int64']],
  ['options that are not an object', [1], weight, 5, TypeError,
    ['embedding', 'options must be an object', 'got 5']],
  ['unknown option', [1], weight, { inputdim: 4 }, TypeError,
    ['embedding', 'unknown option "inputdim"', 'inputDim']],
  ['non-boolean sparseGrad', [1], weight, { sparseGrad: 'yes' }, TypeError,
    ['embedding', 'options.sparseGrad', 'true or false', 'got "yes"']],
  ['out of the wrong kind', [1], weight, { out: new Float64Array(5) }, TypeError,
    ['embedding', 'options.out must be a Float32Array', 'float32', 'Float64Array(5)']],
  ['plain array out', [1], weight, { out: [0, 0, 0, 0, 0] }, TypeError,
    ['embedding', 'options.out must be a Float32Array']],
  ['out of the wrong length', [1], weight, { out: new Float32Array(4) }, RangeError,
    ['embedding', 'options.out has 4 elements', 'needs 5']],
  ['indices into a rowless weight', [1], { data: new Float32Array(0), shape: [0, 5] }, undefined, RangeError,
    ['embedding', 'no rows', 'shape [0, 5]']],
];

describe('invalid arguments', () => {
  test.each(CASES)('%s', (name, data, weightArgument, options, ErrorClass, fragments) => {
    const error = errorOf(data, weightArgument, options);
    expect(error).toBeInstanceOf(ErrorClass);
    for (const fragment of fragments) expect(error.message).toContain(fragment);
    expectModuleWorks();
  });

  test('detached data buffer', () => {
    const buffer = new ArrayBuffer(8);
    const data = new Int32Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    const error = errorOf(data, weight);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('embedding: data');
    expect(error.message).toContain('detached');
    expectModuleWorks();
  });

  test('detached weight buffer', () => {
    const data = new Float32Array(20);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    const error = errorOf([1], { data, shape: [4, 5] });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('embedding: weight');
    expect(error.message).toContain('detached');
  });

  test('errors are Error subclasses', () => {
    for (const [, data, weightArgument, options] of CASES) {
      const error = errorOf(data, weightArgument, options);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(WebAssembly.RuntimeError);
    }
  });
});

describe('options.out', () => {
  test('result is written into out', () => {
    const out = new Float32Array(10);
    const result = library.embedding([3, 1], weight, { out });
    expect(result.data).toBe(out);
    expect(result.shape).toEqual([2, 5]);
    expect(Array.from(out)).toEqual([15, 16, 17, 18, 19, 5, 6, 7, 8, 9]);
  });

  test('out may be a view with an offset', () => {
    const backing = new Float32Array(12).fill(-1);
    const out = backing.subarray(1, 6);
    library.embedding(2, weight, { out });
    expect(Array.from(backing)).toEqual([-1, 10, 11, 12, 13, 14, -1, -1, -1, -1, -1, -1]);
  });

  test('out is untouched on error', () => {
    const out = new Float32Array(10).fill(7);
    expect(() => library.embedding([1, 9], weight, { out, sparseGrad: true })).toThrow(RangeError);
    expect(() => library.embedding([1, 'x'], weight, { out })).toThrow(TypeError);
    expect(() => library.embedding([1, 2], weight, { out, inputDim: 5 })).toThrow(RangeError);
    expect(Array.from(out)).toEqual(new Array(10).fill(7));
  });

  test('float16 result needs a Uint16Array out', () => {
    const half = { data: new Uint16Array(4), shape: [2, 2], dtype: 'float16' };
    expect(() => library.embedding([1], half, { out: new Float32Array(2) })).toThrow(
      'embedding: options.out must be a Uint16Array for a float16 result, got Float32Array(2)',
    );
    const out = new Uint16Array(2);
    expect(library.embedding([1], half, { out }).data).toBe(out);
  });
});
