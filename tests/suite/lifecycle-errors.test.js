// Calls before init() and after dispose(), bad init() options, and buffers of unusual forms: shared
// memory, odd byte offsets and output arrays that alias an input.
const { library, initBackend, BACKEND } = require('../helpers/library');
const { offsetCopy, sharedCopy } = require('../helpers/bad-input');

const weight = () => ({ data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] });
const DOC_RESULT = [5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 0, 1, 2, 3, 4, 10, 11, 12, 13, 14];
const tensor = (shape) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
const grad = () => ({ data: Float32Array.of(1, 1), shape: [2, 1] });

// One call of every public function that needs the module.
const CALLS = {
  embedding: () => library.embedding([0], weight()),
  createTable: () => library.createTable(weight()),
  toFloat16: () => library.toFloat16([1]),
  toBFloat16: () => library.toBFloat16([1]),
  fromFloat16: () => library.fromFloat16(Uint16Array.of(0)),
  fromBFloat16: () => library.fromBFloat16(Uint16Array.of(0)),
  heapInUseBytes: () => library.heapInUseBytes(),
  embeddingBackward: () => library.embeddingBackward([0], { data: Float32Array.of(1), shape: [1, 1] }, { inputDim: 2 }),
  sgdUpdate: () => library.sgdUpdate(tensor([2, 1]), grad(), { lr: 0.1 }),
  sgdMomUpdate: () => library.sgdMomUpdate(tensor([2, 1]), grad(), tensor([2, 1]), { lr: 0.1 }),
  adamUpdate: () => library.adamUpdate(tensor([2, 1]), grad(), tensor([2, 1]), tensor([2, 1]), { lr: 0.1 }),
  adagradUpdate: () => library.adagradUpdate(tensor([2, 1]), grad(), tensor([2, 1]), { lr: 0.1 }),
  'SGD.step': () => new library.SGD().step(tensor([2, 1]), grad()),
  'Adam.step': () => new library.Adam().step(tensor([2, 1]), grad()),
  'AdaGrad.step': () => new library.AdaGrad().step(tensor([2, 1]), grad()),
  Embedding: () => new library.Embedding({ inputDim: 2, outputDim: 2 }),
  embeddingBag: () => library.embeddingBag([[0, 1]], weight()),
  take: () => library.take([1, 2], [0]),
  takeBackward: () => library.takeBackward([0], Float32Array.of(1), { shape: [2] }),
  quantizeTable: () => library.quantizeTable(weight()),
  similarity: () => library.similarity(weight(), { data: new Float32Array(5), shape: [1, 5] }),
};

function errorOf(call) {
  try {
    call();
  } catch (error) {
    return error;
  }
  return null;
}

describe('before init and after dispose', () => {
  afterAll(() => library.dispose());

  test.each(Object.keys(CALLS))('%s before init raises NotInitializedError', (name) => {
    library.dispose();
    const error = errorOf(CALLS[name]);
    expect(error).toBeInstanceOf(library.NotInitializedError);
    expect(error.message).toMatch(/init\(\)/);
  });

  test('calls while init is pending raise NotInitializedError', async () => {
    library.dispose();
    const pending = initBackend();
    const error = errorOf(CALLS.embedding);
    expect(error).toBeInstanceOf(library.NotInitializedError);
    expect(error.message).toContain('embedding');
    expect(error.message).toContain('has not resolved');
    await pending;
    expect(Array.from(library.embedding([[1, 3], [0, 2]], weight()).data)).toEqual(DOC_RESULT);
  });

  test.each(Object.keys(CALLS))('%s after dispose raises, and init restores it', async (name) => {
    await initBackend();
    library.dispose();
    expect(errorOf(CALLS[name])).toBeInstanceOf(library.NotInitializedError);
    await initBackend();
    expect(errorOf(CALLS[name])).toBeNull();
  });

  test('table from a disposed module raises DisposedError', async () => {
    await initBackend();
    const table = library.createTable(weight());
    const optimizer = new library.SGD({ lr: 0.1 });
    library.dispose();
    await initBackend();
    expect(table.disposed).toBe(true);
    const error = errorOf(() => library.embedding([0], table));
    expect(error).toBeInstanceOf(library.DisposedError);
    expect(error.message).toContain('embedding');
    expect(error.message).toContain('init()');
    expect(errorOf(() => table.toTensor())).toBeInstanceOf(library.DisposedError);
    expect(errorOf(() => optimizer.step(table, grad()))).toBeInstanceOf(library.DisposedError);
    expect(() => table.dispose()).not.toThrow();
    expect(Array.from(library.embedding([[1, 3], [0, 2]], weight()).data)).toEqual(DOC_RESULT);
  });
});

describe('init options', () => {
  beforeAll(() => initBackend());
  afterAll(() => library.dispose());

  test.each([
    ['options a string', 'simd', TypeError, ['options', '"simd"']],
    ['unknown option', { threadCount: 2 }, TypeError, ['"threadCount"']],
    ['unknown backend', { backend: 'gpu' }, TypeError, ['backend', '"gpu"']],
    ['threads 0', { threads: 0 }, RangeError, ['threads', '0']],
    ['threads fractional', { threads: 1.5 }, RangeError, ['threads', '1.5']],
    ['threads a string', { threads: '2' }, RangeError, ['threads', '"2"']],
    ['threads beyond 64', { threads: 65 }, RangeError, ['threads', '65']],
  ])('%s raises', (_, options, ErrorClass, includes) => {
    const error = errorOf(() => library.init(options));
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.message).toContain('init');
    for (const text of includes) expect(error.message).toContain(text);
    expect(Array.from(library.embedding([[1, 3], [0, 2]], weight()).data)).toEqual(DOC_RESULT);
  });

  test('other options while running reject', async () => {
    const other = BACKEND === 'scalar' ? 'simd' : 'scalar';
    await expect(library.init({ backend: other })).rejects.toThrow(/dispose\(\)/);
    expect(Array.from(library.embedding([[1, 3], [0, 2]], weight()).data)).toEqual(DOC_RESULT);
  });
});

describe('buffer forms', () => {
  beforeAll(() => initBackend());
  afterAll(() => library.dispose());

  test('SharedArrayBuffer inputs and out', () => {
    const shared = { data: sharedCopy(Float32Array, weight().data), shape: [4, 5] };
    const out = sharedCopy(Float32Array, new Float32Array(20));
    const result = library.embedding({ data: sharedCopy(Int32Array, [1, 3, 0, 2]), shape: [2, 2] }, shared, { out });
    expect(result.data).toBe(out);
    expect(Array.from(out)).toEqual(DOC_RESULT);

    const table = library.createTable(shared);
    expect(Array.from(library.embedding([3], table).data)).toEqual([15, 16, 17, 18, 19]);
    table.dispose();

    const w = { data: sharedCopy(Float32Array, [1, 2]), shape: [2, 1] };
    library.sgdUpdate(w, { data: sharedCopy(Float32Array, [1, 1]), shape: [2, 1] }, { lr: 0.5 });
    expect(Array.from(w.data)).toEqual([0.5, 1.5]);
    expect(Array.from(library.toFloat16(sharedCopy(Float32Array, [1.5])))).toEqual([0x3e00]);
    expect(Array.from(library.fromFloat16(sharedCopy(Uint16Array, [0x3e00])))).toEqual([1.5]);
  });

  test('views at odd byte offsets', () => {
    const indices = offsetCopy(Uint8Array, [1, 3, 0, 2], 3);
    const int16 = offsetCopy(Int16Array, [1, 3, 0, 2], 6);
    const float64Weight = { data: offsetCopy(Float64Array, weight().data, 8), shape: [4, 5] };
    const int64 = offsetCopy(BigInt64Array, [1n, 3n, 0n, 2n], 24);
    for (const data of [indices, int16, int64]) {
      const result = library.embedding({ data, shape: [2, 2] }, float64Weight);
      expect(Array.from(result.data)).toEqual(DOC_RESULT);
    }
    // The bytes around a view stay as they were.
    expect(new Uint8Array(indices.buffer, 0, 3)).toEqual(new Uint8Array([0xa5, 0xa5, 0xa5]));
    expect(Array.from(library.toFloat16(offsetCopy(Float32Array, [1.5, 2], 12)))).toEqual([0x3e00, 0x4000]);
    expect(Array.from(library.fromBFloat16(offsetCopy(Uint16Array, [0x3fc0], 2)))).toEqual([1.5]);

    const out = offsetCopy(Float32Array, new Float32Array(20), 4);
    library.embedding([[1, 3], [0, 2]], weight(), { out });
    expect(Array.from(out)).toEqual(DOC_RESULT);
    expect(new Uint8Array(out.buffer, 0, 4)).toEqual(new Uint8Array([0xa5, 0xa5, 0xa5, 0xa5]));
    expect(new Uint8Array(out.buffer, 84, 16)).toEqual(new Uint8Array(16).fill(0xa5));
  });

  test('out aliasing the weight reads the old weight', () => {
    const w = weight();
    const result = library.embedding([[1, 3], [0, 2]], w, { out: w.data });
    expect(result.data).toBe(w.data);
    expect(Array.from(w.data)).toEqual(DOC_RESULT);
  });

  test('out aliasing the indices reads the old indices', () => {
    const column = { data: Float32Array.of(10, 11, 12, 13), shape: [4, 1] };
    const data = Float32Array.of(1, 3, 0, 2);
    library.embedding(data, column, { out: data });
    expect(Array.from(data)).toEqual([11, 13, 10, 12]);
  });

  // A float32 table whose row r contains r * 10 + column, so each value shows the row it came from.
  const countingTable = (rows, columns) => ({ data: Float32Array.from({ length: rows * columns }, (_, i) => Math.floor(i / columns) * 10 + (i % columns)), shape: [rows, columns] });
  // The rows of values (rows x columns) that indices select, clipped.
  const expectedRows = (indices, values, rows, columns) => Float32Array.from({ length: indices.length * columns }, (_, i) => {
    const row = Math.min(Math.max(Math.trunc(indices[Math.floor(i / columns)]), 0), rows - 1);
    return values[row * columns + (i % columns)];
  });

  test.each([2, 8])('out aliasing indices, many blocks, %i columns', (columns) => {
    // The result of 262144 positions spans many 128 KiB blocks, and its first block alone overwrites the
    // indices of later blocks.
    const rows = 1000;
    const count = 262144;
    const table = countingTable(rows, columns);
    const out = new Float32Array(count * columns);
    const data = out.subarray(0, count);
    for (let i = 0; i < count; i += 1) data[i] = (i * 7919) % (rows + 3);
    const expected = expectedRows(Float32Array.from(data), table.data, rows, columns);
    library.embedding(data, table, { out });
    expect(Buffer.compare(Buffer.from(out.buffer), Buffer.from(expected.buffer))).toBe(0);

    const halfTable = { data: library.toFloat16(table.data), shape: table.shape, dtype: 'float16' };
    const decodedTable = library.fromFloat16(halfTable.data);
    for (let i = 0; i < count; i += 1) data[i] = (i * 104729) % (rows + 3);
    const expectedDecoded = expectedRows(Float32Array.from(data), decodedTable, rows, columns);
    library.embedding(data, halfTable, { out, outputDtype: 'float32' });
    expect(Buffer.compare(Buffer.from(out.buffer), Buffer.from(expectedDecoded.buffer))).toBe(0);
  });

  test('out subclass with a set override', () => {
    // Blocks are copied out with the built-in set: an override that rewrote indices not yet copied in, or
    // started another call, would change the result.
    const rows = 500;
    const count = 200000;
    const table = countingTable(rows, 3);
    const indices = Int32Array.from({ length: count }, (_, i) => (i * 31) % rows);
    const expected = expectedRows(Int32Array.from(indices), table.data, rows, 3);
    class MeddlingArray extends Float32Array {
      set(source, offset) {
        indices.fill(0);
        library.embedding([1, 2], table);
        super.set(source, offset);
      }
    }
    const out = new MeddlingArray(count * 3);
    library.embedding(indices, table, { out });
    expect(Buffer.compare(Buffer.from(out.buffer), Buffer.from(expected.buffer))).toBe(0);
    expect(Array.from(library.embedding([1, 2], table).data)).toEqual([10, 11, 12, 20, 21, 22]);
  });

  test('wasm-memory indices while memory grows', () => {
    // A plain weight larger than any memory used so far makes the call grow wasm memory after it took the
    // indices, which detaches the old buffer in builds without threads.
    const rows = 4 * 1024 * 1024;
    const indices = library.createHeapTensor([300000], 'int32');
    try {
      const values = indices.data;
      for (let i = 0; i < values.length; i += 1) values[i] = (i * 613) % rows;
      const expected = Float32Array.from(values, (row) => row);
      const column = { data: Float32Array.from({ length: rows }, (_, i) => i), shape: [rows, 1] };
      const result = library.embedding(indices, column);
      expect(Buffer.compare(Buffer.from(result.data.buffer), Buffer.from(expected.buffer))).toBe(0);
    } finally {
      indices.dispose();
    }
  });

  test('backward out aliasing outGrad', () => {
    const outGrad = { data: Float32Array.of(1, 2, 3, 4), shape: [4, 1] };
    const result = library.embeddingBackward([3, 3, 0, 1], outGrad, { inputDim: 4, out: outGrad.data });
    expect(result.data).toBe(outGrad.data);
    expect(Array.from(outGrad.data)).toEqual([3, 4, 0, 3]);
  });

  test('optimizer grad aliasing the weight', () => {
    const w = { data: Float32Array.of(2, 4), shape: [2, 1] };
    library.sgdUpdate(w, w, { lr: 0.5 });
    expect(Array.from(w.data)).toEqual([1, 2]);
  });

  test('option set to undefined counts as absent', () => {
    expect(Array.from(library.embedding([[1, 3], [0, 2]], weight(), { sparseGrad: undefined, paddingIdx: undefined, typo: undefined }).data)).toEqual(DOC_RESULT);
    const grad = library.embeddingBackward([1], { data: Float32Array.of(2), shape: [1, 1] }, { inputDim: 2, paddingIdx: undefined, out: undefined });
    expect(Array.from(grad.data)).toEqual([0, 2]);
  });

  test('take out aliasing the source', () => {
    const a = Float32Array.of(7, 8, 9);
    library.take(a, [2, 0, 1], { out: a });
    expect(Array.from(a)).toEqual([9, 7, 8]);
  });
});
