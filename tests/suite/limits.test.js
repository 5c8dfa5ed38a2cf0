// Wasm memory limits: a request beyond the 2 GiB maximum, and one that fits the maximum but not the memory
// left, both raise a RangeError that states the bytes needed and the limit, and the module keeps working.
// The largest allocation here is a 1 GiB table (plus its 1 GiB zero-filled source array), freed at the end.
const { library, initBackend } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const GIB = 2 ** 30;
const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };

function errorOf(call) {
  try {
    call();
  } catch (error) {
    return error;
  }
  return null;
}

describe('requests beyond 2 GiB', () => {
  test.each([
    ['embeddingBackward dense gradient', () => library.embeddingBackward([0], { data: new Float32Array(4), shape: [1, 4] }, { inputDim: 2 ** 31 - 1 }),
      'embeddingBackward', (2 ** 31 - 1) * 16],
    ['takeBackward gradient', () => library.takeBackward([0], Float64Array.of(1), { shape: [2 ** 31 - 1] }), 'takeBackward', (2 ** 31 - 1) * 8],
    // The zero-filled source array is never written, so the engine does not commit its 2 GiB.
    // A JS result of this size is never allocated: the size check runs first.
    ['take output of 8 GiB', () => library.take({ data: new Float32Array(2 ** 20), shape: [1, 2 ** 20] }, new Int32Array(2 ** 11)), 'take', 2 ** 33],
    ['embeddingBag output of 32 GiB', () => library.embeddingBag(new Int32Array(2 ** 13), { data: new Float32Array(2 ** 20), shape: [1, 2 ** 20] }, {
      offsets: Int32Array.from({ length: 2 ** 13 }, (_, i) => i),
    }), 'embeddingBag', 2 ** 35],
    ['Embedding layer of 4 GiB', () => new library.Embedding({ inputDim: 2 ** 20, outputDim: 2 ** 10 }), 'Embedding', 2 ** 32],
    ['toFloat16 of 2^28 + 1 values', () => library.toFloat16(new Float64Array(2 ** 28 + 1)), 'toFloat16', (2 ** 28 + 1) * 8],
  ])('%s raises RangeError', (_, call, functionName, bytes) => {
    const before = library.heapInUseBytes();
    const error = errorOf(call);
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toContain(functionName);
    expect(error.message).toContain(`${bytes} bytes`);
    expect(error.message).toContain(`${library.MAX_MEMORY_BYTES} bytes`);
    expect(library.heapInUseBytes()).toBe(before);
    expect(Array.from(library.embedding([1], weight).data)).toEqual([5, 6, 7, 8, 9]);
  });
});

describe('requests that memory cannot grow to', () => {
  test('1 GiB table fits and a second 1 GiB fails', () => {
    const small = library.embedding([[3, 0]], weight).data;
    const before = library.heapInUseBytes();

    let big = library.createTable({ data: new Float32Array(GIB / 4), shape: [GIB / 4 / 1024, 1024] });
    expect(library.heapInUseBytes()).toBeGreaterThanOrEqual(before + GIB);
    expect(Array.from(small)).toEqual([15, 16, 17, 18, 19, 0, 1, 2, 3, 4]);
    expect(Array.from(library.embedding([GIB / 4 / 1024 - 1], big).data.subarray(0, 3))).toEqual([0, 0, 0]);

    // Adding onto a dense gradient of another 1 GiB copies it into wasm memory: that fits under the 2 GiB
    // maximum, but not beside the table. The zero-filled grad array is only read, never written.
    const inUse = library.heapInUseBytes();
    const grad = { data: new Float32Array(GIB / 4), shape: [GIB / 8, 2] };
    const error = errorOf(() => library.embeddingBackward([0], { data: Float32Array.of(1, 2), shape: [1, 2] }, { inputDim: GIB / 8, gradReq: 'add', grad }));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toContain('embeddingBackward');
    expect(error.message).toContain(`needs ${GIB} bytes`);
    expect(error.message).toContain(`limit ${library.MAX_MEMORY_BYTES} bytes`);
    expect(library.heapInUseBytes()).toBe(inUse);

    // The module keeps working, and the table still reads back.
    expect(Array.from(library.embedding([2], weight).data)).toEqual([10, 11, 12, 13, 14]);
    expect(Array.from(library.embedding([0], big).data.subarray(0, 2))).toEqual([0, 0]);
    big.dispose();
    big = null;
    expect(library.heapInUseBytes()).toBe(before);

    // With the table freed, the same gradient fits.
    const gradient = library.embeddingBackward([GIB / 8 - 1], { data: Float32Array.of(1, 2), shape: [1, 2] }, { inputDim: GIB / 8 });
    expect(gradient.data).toHaveLength(GIB / 4);
    expect(Array.from(gradient.data.subarray(GIB / 4 - 2))).toEqual([1, 2]);
    expect(library.heapInUseBytes()).toBe(before);
  });
});
