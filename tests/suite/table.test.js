// Tables: weights kept in wasm memory between lookups, their lifetime and their use as embedding weights.
const { library, initBackend } = require('../helpers/library');
const {
  STORAGE, seededRandom, randomBits, referenceEmbedding, bytesOf, firstByteDifference,
} = require('../helpers/reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };

describe('createTable', () => {
  test('table describes its weight', () => {
    const table = library.createTable(weight);
    expect(table).toBeInstanceOf(library.Table);
    expect(table.shape).toEqual([4, 5]);
    expect(Object.isFrozen(table.shape)).toBe(true);
    expect(table.dtype).toBe('float32');
    expect(table.byteLength).toBe(80);
    expect(table.disposed).toBe(false);
    table.dispose();
  });

  test('table copies the weight', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const table = library.createTable({ data, shape: [2, 2] });
    data[0] = 99;
    expect(Array.from(library.embedding([0], table).data)).toEqual([1, 2]);
    table.dispose();
  });

  test('toTensor returns a copy', () => {
    const table = library.createTable(weight);
    const tensor = table.toTensor();
    expect(tensor.shape).toEqual([4, 5]);
    expect(tensor.dtype).toBe('float32');
    expect(Array.from(tensor.data)).toEqual(Array.from(weight.data));
    tensor.data[0] = 99;
    expect(table.toTensor().data[0]).toBe(0);
    table.dispose();
  });

  test('dtype option tags float16 bits', () => {
    const table = library.createTable({ data: new Uint16Array([0x3c00, 0x7e01]), shape: [1, 2] }, { dtype: 'float16' });
    expect(table.dtype).toBe('float16');
    const result = library.embedding([0], table);
    expect(result.dtype).toBe('float16');
    expect(Array.from(result.data)).toEqual([0x3c00, 0x7e01]);
    table.dispose();
  });

  test('table of a table duplicates it', () => {
    const original = library.createTable(weight);
    const copy = library.createTable(original);
    original.dispose();
    expect(copy.disposed).toBe(false);
    expect(Array.from(library.embedding([3], copy).data)).toEqual([15, 16, 17, 18, 19]);
    copy.dispose();
  });

  test.each([
    ['1-D weight', { data: new Float32Array(4), shape: [4] }, undefined, RangeError, 'createTable: weight must be 2-D'],
    ['null weight', null, undefined, TypeError, 'createTable: weight must be a tensor'],
    ['dtype conflict', { data: new Uint16Array(4), shape: [2, 2], dtype: 'bfloat16' }, { dtype: 'float16' }, TypeError, 'createTable: weight.dtype is bfloat16'],
    ['unknown option', weight, { shape: [4, 5] }, TypeError, 'createTable: unknown option "shape"'],
  ])('%s raises', (name, weightArgument, options, ErrorClass, message) => {
    expect(() => library.createTable(weightArgument, options)).toThrow(ErrorClass);
    expect(() => library.createTable(weightArgument, options)).toThrow(message);
  });
});

describe('lookups from a table', () => {
  test.each(['float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64'])('%s table matches the reference', (dtype) => {
    const random = seededRandom(0x7ab1e);
    const inputDim = 50;
    const outputDim = 17;
    const weightData = randomBits(STORAGE[dtype], inputDim * outputDim, random);
    const table = library.createTable({ data: weightData, shape: [inputDim, outputDim], dtype });
    const indexData = Int32Array.from({ length: 300 }, () => Math.floor(random() * 60) - 5);

    const result = library.embedding({ data: indexData, shape: [3, 100] }, table, { inputDim, outputDim });
    expect(result.shape).toEqual([3, 100, outputDim]);
    expect(result.dtype).toBe(dtype);
    const expected = referenceEmbedding(indexData, 'int32', weightData, inputDim, outputDim);
    expect(firstByteDifference(bytesOf(result.data), expected)).toBeNull();
    table.dispose();
  });

  test('dims must match the table', () => {
    const table = library.createTable(weight);
    expect(() => library.embedding([0], table, { inputDim: 5 })).toThrow(RangeError);
    expect(() => library.embedding([0], table, { inputDim: 5 })).toThrow('weight has shape [4, 5], but inputDim and outputDim give [5, 5]');
    table.dispose();
  });

  test('dtype option must match the table', () => {
    const table = library.createTable(weight);
    expect(() => library.embedding([0], table, { dtype: 'float64' })).toThrow(TypeError);
    expect(() => library.embedding([0], table, { dtype: 'float64' })).toThrow('embedding: weight is a float32 table, but options.dtype is "float64"');
    expect(library.embedding([0], table, { dtype: 'float32' }).dtype).toBe('float32');
    table.dispose();
  });

  test('sparseGrad check works with a table', () => {
    const table = library.createTable(weight);
    expect(() => library.embedding([4], table, { sparseGrad: true })).toThrow('contains 4 at flat position 0');
    table.dispose();
  });
});

describe('dispose', () => {
  test('dispose is idempotent', () => {
    const table = library.createTable(weight);
    table.dispose();
    table.dispose();
    expect(table.disposed).toBe(true);
  });

  test('disposed table raises DisposedError', () => {
    const table = library.createTable(weight);
    table.dispose();
    expect(() => library.embedding([0], table)).toThrow(library.DisposedError);
    expect(() => library.embedding([0], table)).toThrow('embedding: the table [4, 5] float32 was disposed');
    expect(() => table.toTensor()).toThrow(library.DisposedError);
    expect(() => library.createTable(table)).toThrow(library.DisposedError);
  });

  test('DisposedError is an Error', () => {
    expect(new library.DisposedError('message')).toBeInstanceOf(Error);
    expect(new library.DisposedError('message').name).toBe('DisposedError');
  });

  test('dispose frees the table memory', () => {
    const before = library.heapInUseBytes();
    const table = library.createTable({ data: new Float64Array(1000 * 100), shape: [1000, 100] });
    expect(library.heapInUseBytes()).toBeGreaterThanOrEqual(before + table.byteLength);
    table.dispose();
    expect(library.heapInUseBytes()).toBe(before);
  });
});
