const { library, initBackend } = require('../helpers/library');
const ref = require('../helpers/extras-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const { quantizeTable, embedding, embeddingBag } = library;

function makeWeight(seed, rows, columns, scale = 3) {
  const random = ref.createRandom(seed);
  return { data: ref.randomFloats(random, rows * columns, scale), shape: [rows, columns] };
}

describe.each(['int8', 'uint8'])('quantizeTable %s', (dtype) => {
  test('every element is within half a step', () => {
    const weight = makeWeight(1, 40, 19);
    weight.data.set([0, 0, 0], 0);
    weight.data.fill(0.25, 19, 38); // a constant row
    weight.data.fill(0, 38, 57); // a zero row
    const table = quantizeTable(weight, { dtype });
    const { codes, scales, offsets } = table.parameters();
    const decoded = table.dequantize().data;
    let maxError = 0;
    let squares = 0;
    for (let r = 0; r < 40; r += 1) {
      const row = weight.data.subarray(r * 19, (r + 1) * 19);
      if (dtype === 'int8') expect(offsets[r]).toBe(0);
      for (let d = 0; d < 19; d += 1) {
        const i = r * 19 + d;
        const error = Math.abs(row[d] - decoded[i]);
        expect(error).toBeLessThanOrEqual(scales[r] / 2 + 1e-6 * Math.abs(row[d]));
        maxError = Math.max(maxError, error);
        squares += error * error;
        if (dtype === 'int8') {
          expect(codes[i]).toBeGreaterThanOrEqual(-127);
        }
      }
    }
    expect(scales[2]).toBe(0);
    if (dtype === 'uint8') expect(scales[1]).toBe(0);
    expect(Array.from(decoded.subarray(38, 57))).toEqual(new Array(19).fill(0));
    if (dtype === 'uint8') expect(Array.from(decoded.subarray(19, 38))).toEqual(new Array(19).fill(0.25));
    expect(table.reconstructionError.maxAbs).toBeCloseTo(maxError, 12);
    expect(table.reconstructionError.rms).toBeCloseTo(Math.sqrt(squares / (40 * 19)), 12);
    table.dispose();
  });

  test('embedding and embeddingBag decode the rows', () => {
    const weight = makeWeight(2, 30, 13);
    const table = quantizeTable(weight, { dtype });
    const decoded = table.dequantize();
    const random = ref.createRandom(3);
    const indices = ref.randomInts(random, 50, -2, 33);
    const gathered = embedding(indices, table);
    expect(gathered.dtype).toBe('float32');
    expect(Array.from(gathered.data)).toEqual(Array.from(embedding(indices, decoded).data));
    for (const mode of ['sum', 'mean', 'max']) {
      const bag = embeddingBag({ data: indices, shape: [10, 5] }, table, { mode, paddingIdx: 7 });
      const plain = embeddingBag({ data: indices, shape: [10, 5] }, decoded, { mode, paddingIdx: 7 });
      expect(Array.from(bag.data)).toEqual(Array.from(plain.data));
    }
    table.dispose();
  });

  test('a large table takes about a quarter of the float32 memory', () => {
    const weight = { data: new Float32Array(5000 * 300), shape: [5000, 300] };
    const table = quantizeTable(weight, { dtype });
    expect(table.byteLength).toBe(5000 * 300 + 5000 * 8);
    expect(table.byteLength / weight.data.byteLength).toBeLessThan(0.27);
    table.dispose();
  });
});

describe('quantizeTable inputs', () => {
  test('float16 and Table weights quantize their decoded values', () => {
    const weight = makeWeight(4, 6, 8);
    const bits = library.toFloat16(weight.data);
    const fromHalf = quantizeTable({ data: bits, shape: weight.shape, dtype: 'float16' });
    const fromDecoded = quantizeTable({ data: library.fromFloat16(bits), shape: weight.shape });
    expect(Array.from(fromHalf.parameters().codes)).toEqual(Array.from(fromDecoded.parameters().codes));
    const created = library.createTable(weight);
    const fromTable = quantizeTable(created, { dtype: 'uint8' });
    const fromTensor = quantizeTable(weight, { dtype: 'uint8' });
    expect(Array.from(fromTable.parameters().codes)).toEqual(Array.from(fromTensor.parameters().codes));
    for (const table of [fromHalf, fromDecoded, created, fromTable, fromTensor]) table.dispose();
  });

  test('invalid arguments raise', () => {
    expect(() => quantizeTable({ data: [1, NaN], shape: [1, 2] })).toThrow(RangeError);
    expect(() => quantizeTable({ data: [1, Infinity], shape: [1, 2] })).toThrow(/weight\[0\]\[1\]/);
    expect(() => quantizeTable([[1, 2]], { dtype: 'int4' })).toThrow(TypeError);
    expect(() => quantizeTable([[1, 2]], { scheme: 'per-tensor' })).toThrow(TypeError);
    expect(() => quantizeTable({ data: Int32Array.from([1, 2]), shape: [1, 2] })).toThrow(TypeError);
    expect(() => quantizeTable([1, 2])).toThrow(RangeError);
  });

  test('disposed tables raise DisposedError', () => {
    const table = quantizeTable([[1, 2], [3, 4]]);
    table.dispose();
    table.dispose();
    expect(table.disposed).toBe(true);
    expect(() => embedding([0], table)).toThrow(library.DisposedError);
  });

  test('outputDtype is float32 only', () => {
    const table = quantizeTable([[1, 2], [3, 4]]);
    expect(() => embedding([0], table, { outputDtype: 'int8' })).toThrow(TypeError);
    expect(() => embedding([0], table, { maxNorm: 1 })).toThrow(TypeError);
    table.dispose();
  });
});
