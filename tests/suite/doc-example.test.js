const { library, initBackend } = require('../helpers/library');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

test('doc example returns the expected rows', () => {
  const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };
  const result = library.embedding([[1, 3], [0, 2]], weight, { inputDim: 4, outputDim: 5 });
  expect(result.shape).toEqual([2, 2, 5]);
  expect(result.dtype).toBe('float32');
  expect(Array.from(result.data)).toEqual([
    5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 0, 1, 2, 3, 4, 10, 11, 12, 13, 14,
  ]);
});
