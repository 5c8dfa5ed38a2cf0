const { library, BACKEND } = require('../helpers/library');
const ref = require('../helpers/extras-reference');

afterAll(() => library.dispose());

// Chunk boundaries depend on the thread count; results must not.
const threadCounts = BACKEND === 'simd-threads' ? [1, 3, 7] : [1];

test.each(threadCounts)('bag forward and backward at %i threads match the reference', async (threads) => {
  library.dispose();
  await library.init({ backend: BACKEND, threads });

  const random = ref.createRandom(70 + threads);
  const rows = 400;
  const columns = 37;
  const count = 25000;
  const table = { data: ref.randomFloats(random, rows * columns, 2), shape: [rows, columns] };
  const indices = ref.randomInts(random, count, 0, rows);
  const offsets = [];
  for (let start = 0; start < count; start += 1 + Math.floor(random() * 25)) offsets.push(start);
  const starts = ref.bagStarts({ count, offsets });
  const outGrad = ref.randomFloats(random, offsets.length * columns, 3);
  const rowAt = (r) => table.data.subarray(r * columns, (r + 1) * columns);

  for (const mode of ['sum', 'mean', 'max']) {
    const forward = library.embeddingBag(indices, table, { mode, offsets, paddingIdx: 5 });
    const expected = ref.bagForward({
      indices, starts, rowAt, inputDim: rows, outputDim: columns, mode, paddingRow: 5,
    });
    expect(Array.from(forward.data)).toEqual(Array.from(expected.data));

    const options = { mode, offsets, inputDim: rows, paddingIdx: 5, maxIndices: forward.maxIndices };
    const gradient = library.embeddingBagBackward(indices, { data: outGrad, shape: forward.shape }, options);
    const expectedGradient = ref.bagBackward({
      indices, starts, inputDim: rows, outGrad, outputDim: columns, mode, maxIndices: forward.maxIndices, paddingRow: 5,
    });
    expect(Array.from(gradient.data)).toEqual(Array.from(expectedGradient.data));
  }
});
