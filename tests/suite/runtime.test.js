// Start-up and shutdown: calls before init() resolves, init() options, dispose() and a second init().
// Each Jest test file gets its own module registry, so this file starts with an uninitialised library.
const { library, BACKEND, initBackend } = require('../helpers/library');
const {
  seededRandom, randomBits, referenceEmbedding, bytesOf, firstByteDifference,
} = require('../helpers/reference');

afterAll(() => library.dispose());

const weight = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] };

describe('before init', () => {
  test('embedding raises NotInitializedError', () => {
    expect(() => library.embedding([0], weight)).toThrow(library.NotInitializedError);
    expect(() => library.embedding([0], weight)).toThrow('embedding: the module is not initialised: call init() and await it first');
  });

  test('createTable raises NotInitializedError', () => {
    expect(() => library.createTable(weight)).toThrow(library.NotInitializedError);
    expect(() => library.createTable(weight)).toThrow('createTable');
  });

  test('heapInUseBytes raises NotInitializedError', () => {
    expect(() => library.heapInUseBytes()).toThrow(library.NotInitializedError);
  });

  test('backendInfo is null', () => {
    expect(library.backendInfo()).toBeNull();
  });

  test('dispose before init does nothing', () => {
    expect(() => library.dispose()).not.toThrow();
  });

  test('NotInitializedError is an Error', () => {
    const error = new library.NotInitializedError('message');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NotInitializedError');
  });
});

describe('init options', () => {
  test.each([
    ['options that are not an object', 'simd', TypeError, 'init: options must be an object'],
    ['unknown option', { backends: 'simd' }, TypeError, 'init: unknown option "backends"'],
    ['unknown backend', { backend: 'gpu' }, TypeError, "init: options.backend must be one of simd-threads, simd, scalar, got \"gpu\""],
    ['zero threads', { threads: 0 }, RangeError, 'init: options.threads must be an integer from 1 to 64, got 0'],
    ['fractional threads', { threads: 1.5 }, RangeError, 'got 1.5'],
  ])('%s raises', (name, options, ErrorClass, message) => {
    expect(() => library.init(options)).toThrow(ErrorClass);
    expect(() => library.init(options)).toThrow(message);
    expect(library.backendInfo()).toBeNull();
  });

  if (BACKEND !== 'simd-threads') {
    test('single-threaded backend rejects threads', async () => {
      await expect(library.init({ backend: BACKEND, threads: 2 })).rejects.toThrow(RangeError);
      await expect(library.init({ backend: BACKEND, threads: 2 })).rejects.toThrow(`init: backend "${BACKEND}" runs one thread, got options.threads = 2`);
      expect(library.backendInfo()).toBeNull();
    });
  }
});

describe('init and dispose', () => {
  test('call during start-up names the cause', async () => {
    const starting = initBackend();
    expect(() => library.embedding([0], weight)).toThrow(library.NotInitializedError);
    expect(() => library.embedding([0], weight)).toThrow('init() has not resolved yet; await it');
    await starting;
    library.dispose();
  });

  test('init resolves to the backend', async () => {
    const info = await initBackend();
    expect(info.backend).toBe(BACKEND);
    expect(info.simd).toBe(BACKEND !== 'scalar');
    if (BACKEND === 'simd-threads') expect(info.threads).toBeGreaterThanOrEqual(1);
    else expect(info.threads).toBe(1);
    expect(library.backendInfo()).toEqual(info);
  });

  test('init again with the same options', async () => {
    const first = await initBackend();
    const second = await initBackend();
    expect(second).toEqual(first);
    expect(await library.init()).toEqual(first);
  });

  test('init with other options rejects', async () => {
    const other = BACKEND === 'scalar' ? 'simd' : 'scalar';
    await expect(library.init({ backend: other })).rejects.toThrow('call dispose() before init');
    expect(library.backendInfo().backend).toBe(BACKEND);
  });

  test('dispose is idempotent', () => {
    library.dispose();
    library.dispose();
    expect(library.backendInfo()).toBeNull();
    expect(() => library.embedding([0], weight)).toThrow(library.NotInitializedError);
  });

  test('init after dispose works', async () => {
    await initBackend();
    expect(Array.from(library.embedding([1], weight).data)).toEqual([3, 4]);
  });

  test('table from a disposed module raises', async () => {
    const table = library.createTable(weight);
    library.dispose();
    await initBackend();
    expect(table.disposed).toBe(true);
    expect(() => library.embedding([0], table)).toThrow(library.DisposedError);
    expect(() => library.embedding([0], table)).toThrow('belongs to a module that was disposed');
    expect(() => table.dispose()).not.toThrow();
  });

  if (BACKEND === 'simd-threads') {
    test('threads option sizes the pool', async () => {
      library.dispose();
      const info = await library.init({ backend: BACKEND, threads: 1 });
      expect(info.threads).toBe(1);
      expect(Array.from(library.embedding([1, 0], weight).data)).toEqual([3, 4, 1, 2]);
      library.dispose();
      const two = await library.init({ backend: BACKEND, threads: 2 });
      expect(two.threads).toBe(2);
    });

    // More threads than this machine's cores still split the work at the right boundaries.
    test.each([3, 4, 7])('%i threads match the reference', async (threads) => {
      library.dispose();
      const info = await library.init({ backend: BACKEND, threads });
      expect(info.threads).toBe(threads);

      const random = seededRandom(0x7e4d + threads);
      const inputDim = 500;
      const outputDim = 40;
      const count = 20011;
      const weightData = randomBits(Float64Array, inputDim * outputDim, random);
      const indexData = Int32Array.from({ length: count }, () => Math.floor(random() * inputDim));
      const result = library.embedding(indexData, { data: weightData, shape: [inputDim, outputDim] });
      const expected = referenceEmbedding(indexData, 'int32', weightData, inputDim, outputDim);
      expect(firstByteDifference(bytesOf(result.data), expected)).toBeNull();
    });
  }
});
