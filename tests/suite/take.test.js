const { library, initBackend } = require('../helpers/library');
const ref = require('../helpers/extras-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const { take, takeBackward } = library;

const shape = [3, 4, 5];
const values = Float32Array.from({ length: 60 }, (_, i) => i);
const array = { data: values, shape };

describe('take', () => {
  const cases = [];
  for (const axis of [0, 1, 2, -1, -3]) {
    for (const mode of ['clip', 'wrap', 'raise']) cases.push([axis, mode]);
  }

  test.each(cases)('axis %p mode %s matches the reference', (axis, mode) => {
    const normalized = axis < 0 ? axis + 3 : axis;
    const length = shape[normalized];
    const indices = mode === 'raise' ? [[-length, length - 1], [0, -1]] : [[-7, -1], [2.9, 11], [0, length]];
    const indexShape = [indices.length, 2];
    const flat = indices.flat();
    const result = take(array, indices, { axis, mode });
    const expected = ref.takeForward(values, shape, flat, indexShape, normalized, mode);
    expect(result.shape).toEqual(expected.shape);
    expect(result.dtype).toBe('float32');
    expect(Array.from(result.data)).toEqual(expected.data);
  });

  test('clip is the default mode and axis 0 the default axis', () => {
    const result = take(array, [-2, 5]);
    expect(result.shape).toEqual([2, 4, 5]);
    expect(Array.from(result.data)).toEqual([...values.subarray(0, 20), ...values.subarray(40, 60)]);
  });

  test('wrap counts negative indices from the end', () => {
    const row = { data: Int32Array.from([10, 20, 30, 40]), shape: [4] };
    expect(Array.from(take(row, [-1, -4, -5, 4, 9, -9], { mode: 'wrap' }).data)).toEqual([40, 10, 40, 10, 20, 40]);
    const int64 = take(row, BigInt64Array.from([-(2n ** 62n) - 1n, 2n ** 62n + 1n]), { mode: 'wrap' });
    expect(Array.from(int64.data)).toEqual([40, 20]);
  });

  test('raise rejects out-of-bounds indices', () => {
    expect(() => take(array, [0, 3], { mode: 'raise' })).toThrow(RangeError);
    expect(() => take(array, [-4], { mode: 'raise' })).toThrow(/-4 at flat position 0/);
    expect(() => take(array, [NaN], { mode: 'raise', axis: 1 })).toThrow(RangeError);
    expect(() => take(array, [4.5], { mode: 'raise', axis: 2 })).toThrow(RangeError);
    expect(take(array, [2.5], { mode: 'raise', axis: 1 }).shape).toEqual([3, 1, 5]);
  });

  test('other dtypes copy bit-exactly', () => {
    const bits = { data: Uint16Array.from([0x7e01, 0x8000, 0x3c00]), shape: [3], dtype: 'float16' };
    const result = take(bits, [2, 0, 1]);
    expect(result.dtype).toBe('float16');
    expect(Array.from(result.data)).toEqual([0x3c00, 0x7e01, 0x8000]);
    const wide = { data: BigInt64Array.from([1n, 2n ** 60n]), shape: [2] };
    expect(Array.from(take(wide, [1, 1]).data)).toEqual([2n ** 60n, 2n ** 60n]);
  });

  test('large takes match the reference', () => {
    const random = ref.createRandom(3);
    const big = { data: ref.randomFloats(random, 64 * 300 * 3), shape: [64, 300, 3] };
    const indices = ref.randomInts(random, 700, -400, 400);
    const result = take(big, indices, { axis: 1, mode: 'wrap' });
    const expected = ref.takeForward(big.data, big.shape, indices, [700], 1, 'wrap');
    expect(Array.from(result.data)).toEqual(expected.data);
  });

  test('invalid arguments raise', () => {
    expect(() => take(array, [0], { axis: 3 })).toThrow(RangeError);
    expect(() => take(array, [0], { axis: 1.5 })).toThrow(TypeError);
    expect(() => take(array, [0], { mode: 'nearest' })).toThrow(TypeError);
    expect(() => take(5, [0])).toThrow(RangeError);
    expect(() => take({ data: new Float32Array(0), shape: [0, 2] }, [0])).toThrow(RangeError);
    expect(take({ data: new Float32Array(0), shape: [0, 2] }, []).shape).toEqual([0, 2]);
  });
});

describe('takeBackward', () => {
  test.each([[0, 'clip'], [1, 'wrap'], [-1, 'raise'], [2, 'clip']])('axis %p mode %s sums into the taken elements', (axis, mode) => {
    const normalized = axis < 0 ? axis + 3 : axis;
    const length = shape[normalized];
    const random = ref.createRandom(normalized + 1);
    const indices = mode === 'raise'
      ? Array.from({ length: 9 }, () => Math.floor(random() * 2 * length) - length)
      : Array.from({ length: 9 }, () => Math.floor(random() * 20) - 10);
    const forward = take(array, indices, { axis, mode });
    const outGrad = { data: ref.randomFloats(random, forward.data.length), shape: forward.shape };
    const gradient = takeBackward(indices, outGrad, { shape, axis, mode });
    expect(gradient.shape).toEqual(shape);
    expect(Array.from(gradient.data)).toEqual(Array.from(ref.takeGradient(shape, indices, outGrad.data, normalized, mode)));
  });

  test('gradReq add and float64', () => {
    const indices = [1, 1, 0];
    const outGrad = { data: Float64Array.from({ length: 3 * 4 * 3 }, (_, i) => i / 7), shape: [3, 4, 3] };
    const once = takeBackward(indices, outGrad, { shape, axis: 2 });
    expect(once.dtype).toBe('float64');
    expect(Array.from(once.data)).toEqual(Array.from(ref.takeGradient(shape, indices, outGrad.data, 2, 'clip', true)));
    const grad = { data: Float64Array.from(once.data), shape, dtype: 'float64' };
    takeBackward(indices, outGrad, { shape, axis: 2, gradReq: 'add', grad });
    expect(Array.from(grad.data)).toEqual(Array.from(once.data, (x) => x + x));
  });

  test.each(['float16', 'bfloat16'])('%s gradients round once', (dtype) => {
    const encode = dtype === 'float16' ? library.toFloat16 : library.toBFloat16;
    const decode = dtype === 'float16' ? library.fromFloat16 : library.fromBFloat16;
    const indices = [3, 0, 3, 3, -1];
    const random = ref.createRandom(44);
    const bits = encode(ref.randomFloats(random, 3 * 5 * 5, 100));
    const gradient = takeBackward(indices, { data: bits, shape: [3, 5, 5], dtype }, { shape, axis: 1, mode: 'wrap' });
    expect(gradient.dtype).toBe(dtype);
    const sums = ref.takeGradient(shape, indices, decode(bits), 1, 'wrap', true);
    expect(Array.from(gradient.data)).toEqual(Array.from(encode(sums)));
  });

  test('invalid arguments raise', () => {
    const outGrad = { data: new Float32Array(10), shape: [2, 4, 5] };
    expect(() => takeBackward([0, 1], outGrad, { axis: 0 })).toThrow(TypeError);
    expect(() => takeBackward([0, 1, 2], outGrad, { shape })).toThrow(RangeError);
    expect(() => takeBackward([0, 3], { data: new Float32Array(40), shape: [2, 4, 5] }, { shape, mode: 'raise' })).toThrow(RangeError);
    expect(() => takeBackward([0, 1], { data: new Int32Array(40), shape: [2, 4, 5] }, { shape })).toThrow(TypeError);
  });
});
