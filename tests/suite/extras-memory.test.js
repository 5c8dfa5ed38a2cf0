const { library, initBackend } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

// Runs every operation of the extras, including calls that raise, and returns nothing.
function exercise() {
  const weight = { data: Float32Array.from({ length: 40 }, (_, i) => i / 10), shape: [8, 5] };
  const bag = library.embeddingBag([0, 3, 7, 2], weight, { mode: 'max', offsets: [0, 1, 1] });
  library.embeddingBagBackward([0, 3, 7, 2], { data: new Float32Array(15), shape: [3, 5] }, {
    mode: 'max', offsets: [0, 1, 1], inputDim: 8, maxIndices: bag.maxIndices, sparseGrad: true,
  });
  expect(() => library.embeddingBag([0, 9], weight, { offsets: [0], sparseGrad: true })).toThrow(RangeError);
  library.take(weight, [[1, -1]], { axis: 1, mode: 'wrap' });
  expect(() => library.take(weight, [8], { mode: 'raise' })).toThrow(RangeError);
  library.takeBackward([1, 1], { data: new Float32Array(10), shape: [2, 5] }, { shape: [8, 5] });
  const quantized = library.quantizeTable(weight, { dtype: 'uint8' });
  library.embedding([[1, 2]], quantized);
  library.embeddingBag([[1, 2]], quantized, { mode: 'sum' });
  quantized.dispose();
  expect(() => library.quantizeTable({ data: [NaN, 1], shape: [1, 2] })).toThrow(RangeError);
  library.embedding([1, 2], weight, { maxNorm: 0.5 });
  expect(() => library.embedding([9], weight, { maxNorm: 0.5, sparseGrad: true })).toThrow(RangeError);
  library.embedding([1], { data: library.toFloat16([1, 2]), shape: [1, 2], dtype: 'float16' }, { outputDtype: 'float32' });
}

test('repeated calls do not grow the heap', () => {
  exercise();
  const before = library.heapInUseBytes();
  for (let i = 0; i < 50; i += 1) exercise();
  expect(library.heapInUseBytes()).toBe(before);
});
