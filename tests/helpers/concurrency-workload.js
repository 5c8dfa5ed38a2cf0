// A deterministic mix of lookups and training steps, run by the concurrency test in worker threads and on
// the main thread: a seeded table, 20 rounds of embedding, row_sparse backward and an optimizer step.

// Mulberry32, so every thread draws the same numbers from the same seed.
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Returns the final weights and every lookup result as plain arrays.
function runWorkload(library, seed) {
  const random = seededRandom(seed);
  const rows = 64;
  const columns = 16;
  const table = library.createTable({ data: Float32Array.from({ length: rows * columns }, () => random() - 0.5), shape: [rows, columns] });
  const optimizers = [new library.Adam({ lr: 0.01 }), new library.SGD({ lr: 0.1, momentum: 0.9 }), new library.AdaGrad({ lr: 0.1 })];
  const lookups = [];
  try {
    for (let round = 0; round < 20; round += 1) {
      const data = { data: Int32Array.from({ length: 48 }, () => Math.floor(random() * rows)), shape: [6, 8] };
      const output = library.embedding(data, table);
      lookups.push(Array.from(output.data));
      const outGrad = { data: output.data.map((value) => value * 0.5 - 0.1), shape: output.shape };
      const grad = library.embeddingBackward(data, outGrad, { inputDim: rows, sparseGrad: round % 2 === 0 });
      optimizers[round % 3].step(table, grad);
      lookups.push(Array.from(library.toBFloat16(output.data.subarray(0, 32))));
    }
    return { weights: Array.from(table.toTensor().data), lookups };
  } finally {
    for (const optimizer of optimizers) optimizer.dispose();
    table.dispose();
  }
}

module.exports = { runWorkload };
