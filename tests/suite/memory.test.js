// Heap use across many calls, error paths included, and results that stay valid after wasm memory grows.
const { library, initBackend, BACKEND } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };

// Runs one successful lookup and the error paths that fail after wasm memory was allocated.
function mixedCalls() {
  library.embedding(new Int32Array(700).fill(3), weight);
  library.embedding([[1.5, 2], [0, 3]], { data: new Uint16Array(20), shape: [4, 5], dtype: 'float16' });
  expect(() => library.embedding(new Int32Array(700).fill(9), weight, { sparseGrad: true })).toThrow(RangeError);
  expect(() => library.embedding([1], weight, { out: new Float32Array(3) })).toThrow(RangeError);
  expect(() => library.embedding(['x'], weight)).toThrow(TypeError);
}

describe('heap use', () => {
  test('stays put right after init', async () => {
    // Pool threads allocate their thread-local storage when they begin to run; init waits for that.
    for (const threads of BACKEND === 'simd-threads' ? [2, 3] : [undefined]) {
      library.dispose();
      await initBackend(threads === undefined ? {} : { threads });
      const before = library.heapInUseBytes();
      const until = Date.now() + 30;
      while (Date.now() < until) {
        // Busy wait, so that no event loop turn runs in between.
      }
      expect(library.heapInUseBytes()).toBe(before);
    }
  });

  test('repeated calls do not grow the heap', () => {
    mixedCalls();
    const before = library.heapInUseBytes();
    for (let i = 0; i < 200; i += 1) mixedCalls();
    expect(library.heapInUseBytes()).toBe(before);
  });

  test('table create and dispose loop', () => {
    const before = library.heapInUseBytes();
    for (let i = 0; i < 100; i += 1) {
      const table = library.createTable(weight);
      library.embedding([i % 4], table);
      expect(() => library.embedding([9], table, { sparseGrad: true })).toThrow(RangeError);
      table.dispose();
    }
    expect(library.heapInUseBytes()).toBe(before);
  });
});

describe('memory growth', () => {
  test('results survive memory growth', () => {
    const result = library.embedding([[3, 1]], weight);
    // A plain ArrayBuffer of its own, never a view of the wasm memory (a SharedArrayBuffer in threaded builds).
    expect(Object.prototype.toString.call(result.data.buffer)).toBe('[object ArrayBuffer]');
    expect(result.data.buffer.byteLength).toBe(40);

    // 64 MiB is more than the initial 16 MiB of wasm memory, so creating this table grows it.
    const rows = 16 * 1024;
    const big = library.createTable({ data: new Float32Array(rows * 1024).fill(0.5), shape: [rows, 1024] });
    expect(result.data).toHaveLength(10);
    expect(Array.from(result.data)).toEqual([15, 16, 17, 18, 19, 5, 6, 7, 8, 9]);

    const fromBig = library.embedding([rows - 1, rows + 5], big);
    expect(fromBig.shape).toEqual([2, 1024]);
    expect(fromBig.data.every((value) => value === 0.5)).toBe(true);
    expect(Array.from(library.embedding([2], weight).data)).toEqual([10, 11, 12, 13, 14]);
    big.dispose();
    expect(Array.from(fromBig.data.subarray(0, 3))).toEqual([0.5, 0.5, 0.5]);
  });

  test('tables survive memory growth', () => {
    const table = library.createTable(weight);
    const big = library.createTable({ data: new Uint8Array(96 * 1024 * 1024), shape: [96 * 1024, 1024] });
    expect(Array.from(library.embedding([1], table).data)).toEqual([5, 6, 7, 8, 9]);
    expect(Array.from(table.toTensor().data)).toEqual(Array.from(weight.data));
    big.dispose();
    table.dispose();
  });
});

describe('allocation limits', () => {
  test('indices beyond 2 GiB raise RangeError', () => {
    // 2^28 float64 indices need 2 GiB of wasm memory, which cannot fit beside what the module already uses.
    // The engine allocates the zeroed JS arrays lazily and nothing writes them, so the test stays cheap.
    const count = 2 ** 28;
    const small = { data: new Uint8Array([7, 9]), shape: [2, 1] };
    const before = library.heapInUseBytes();
    const error = (() => {
      try {
        library.embedding(new Float64Array(count), small);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toContain(`embedding: ${count} float64 indices needs 2147483648 bytes of wasm memory`);
    expect(library.heapInUseBytes()).toBe(before);
    expect(Array.from(library.embedding([0], weight).data)).toEqual([0, 1, 2, 3, 4]);
  });
});
