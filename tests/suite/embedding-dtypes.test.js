// Weight dtypes (rows copied bit for bit, output dtype equal to the weight's) and every index dtype under
// the clipping index mapping.
const { library, initBackend } = require('../helpers/library');
const {
  STORAGE, seededRandom, randomBits, referenceEmbedding, bytesOf, firstByteDifference,
} = require('../helpers/reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const WEIGHT_DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64'];
const INDEX_DTYPES = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float16', 'bfloat16', 'float32', 'float64'];

describe('weight dtypes', () => {
  test.each(WEIGHT_DTYPES)('%s rows are copied bit for bit', (dtype) => {
    const random = seededRandom(0xd7e + WEIGHT_DTYPES.indexOf(dtype));
    const inputDim = 9;
    const outputDim = 13;
    const weightData = randomBits(STORAGE[dtype], inputDim * outputDim, random);
    const indexData = Int32Array.from({ length: 21 }, () => Math.floor(random() * inputDim));

    const result = library.embedding(indexData, { data: weightData, shape: [inputDim, outputDim], dtype });
    expect(result.dtype).toBe(dtype);
    expect(result.data).toBeInstanceOf(STORAGE[dtype]);
    expect(result.shape).toEqual([21, outputDim]);
    const expected = referenceEmbedding(indexData, 'int32', weightData, inputDim, outputDim);
    expect(firstByteDifference(bytesOf(result.data), expected)).toBeNull();
  });

  test('float32 NaN payloads, -0 and subnormals survive', () => {
    const bits = new Uint32Array([0x7fc00001, 0xffbfffff, 0x7f800001, 0x80000000, 0x00000001, 0x807fffff]);
    const weightData = new Float32Array(bits.buffer);
    const result = library.embedding([1, 0], { data: weightData, shape: [2, 3] });
    expect(Array.from(new Uint32Array(result.data.buffer))).toEqual([
      0x80000000, 0x00000001, 0x807fffff, 0x7fc00001, 0xffbfffff, 0x7f800001,
    ]);
  });

  test('float64 NaN payloads and -0 survive', () => {
    const bits = new BigUint64Array([0x7ff8000000000123n, 0x8000000000000000n, 0x0000000000000001n, 0xfff0000000000001n]);
    const result = library.embedding([1, 0], { data: new Float64Array(bits.buffer), shape: [2, 2] });
    expect(Array.from(new BigUint64Array(result.data.buffer))).toEqual([
      0x0000000000000001n, 0xfff0000000000001n, 0x7ff8000000000123n, 0x8000000000000000n,
    ]);
  });

  test('int64 values beyond 2^53 survive', () => {
    const weightData = new BigInt64Array([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -1n]);
    const result = library.embedding([1, 0], { data: weightData, shape: [2, 2] });
    expect(result.dtype).toBe('int64');
    expect(Array.from(result.data)).toEqual([2n ** 53n + 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]);
  });

  test('dtype option tags Uint16Array as float16', () => {
    const weightData = new Uint16Array([0x3c00, 0x4000, 0x7e01, 0x8001]);
    const result = library.embedding([1, 0], { data: weightData, shape: [2, 2] }, { dtype: 'float16' });
    expect(result.dtype).toBe('float16');
    expect(result.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(result.data)).toEqual([0x7e01, 0x8001, 0x3c00, 0x4000]);
  });

  test('dtype option tags Uint16Array as bfloat16', () => {
    const weightData = new Uint16Array([0x3f80, 0x4000, 0x7f81, 0x8001]);
    const result = library.embedding([1], { data: weightData, shape: [2, 2] }, { dtype: 'bfloat16' });
    expect(result.dtype).toBe('bfloat16');
    expect(Array.from(result.data)).toEqual([0x7f81, 0x8001]);
  });

  test('untagged Uint16Array weight is uint16', () => {
    const result = library.embedding([0], { data: new Uint16Array([0x3c00, 7]), shape: [1, 2] });
    expect(result.dtype).toBe('uint16');
    expect(Array.from(result.data)).toEqual([0x3c00, 7]);
  });

  test('plain numbers encode as float16', () => {
    const result = library.embedding([0, 1], [[1, 0.5], [-2, 65504]], { dtype: 'float16' });
    expect(result.dtype).toBe('float16');
    expect(Array.from(result.data)).toEqual([0x3c00, 0x3800, 0xc000, 0x7bff]);
  });

  test('plain numbers encode as bfloat16', () => {
    const result = library.embedding([1], [[1, 0.5], [-2, 3]], { dtype: 'bfloat16' });
    expect(result.dtype).toBe('bfloat16');
    expect(Array.from(result.data)).toEqual([0xc000, 0x4040]);
  });

  test('plain numbers accept integer dtypes', () => {
    const result = library.embedding([1, 0], [[-128, 127], [5, -6]], { dtype: 'int8' });
    expect(result.dtype).toBe('int8');
    expect(Array.from(result.data)).toEqual([5, -6, -128, 127]);
  });

  test('Uint8ClampedArray weight gives uint8', () => {
    const result = library.embedding([1], { data: new Uint8ClampedArray([1, 2, 250, 255]), shape: [2, 2] });
    expect(result.dtype).toBe('uint8');
    expect(Array.from(result.data)).toEqual([250, 255]);
  });
});

// Index values of each dtype: random bit patterns (NaN, infinities and huge values included) mixed with
// in-range values, at counts around the 4-lane SIMD width so both the vector body and the tail run.
describe('index dtypes', () => {
  function indexData(dtype, count, inputDim, random) {
    const data = randomBits(STORAGE[dtype], count, random);
    for (let i = 0; i < count; i += 1) {
      if (random() < 0.5) continue;
      const row = Math.floor(random() * inputDim);
      if (dtype === 'int64') data[i] = BigInt(row);
      else if (dtype === 'float16') data[i] = library.toFloat16([row])[0];
      else if (dtype === 'bfloat16') data[i] = library.toBFloat16([row])[0];
      else if (dtype === 'float32' || dtype === 'float64') data[i] = row + random() * 0.999;
      else data[i] = row;
    }
    return data;
  }

  test.each(INDEX_DTYPES)('%s indices follow the mapping', (dtype) => {
    const random = seededRandom(0x1de + INDEX_DTYPES.indexOf(dtype));
    const inputDim = 37;
    const outputDim = 6;
    const weightData = randomBits(Float32Array, inputDim * outputDim, random);
    const weight = { data: weightData, shape: [inputDim, outputDim] };

    for (const count of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 513, 1031]) {
      const data = indexData(dtype, count, inputDim, random);
      const result = library.embedding({ data, shape: [count], dtype }, weight);
      const expected = referenceEmbedding(data, dtype, weightData, inputDim, outputDim);
      expect({ count, difference: firstByteDifference(bytesOf(result.data), expected) })
        .toEqual({ count, difference: null });
    }
  });
});
