// Plain-JS references for embeddingBag, take and quantized tables, written from their definitions. Float32
// steps round with Math.fround in the same order as the kernels, so results can be compared exactly.

// Seeded generator (mulberry32) returning floats in [0, 1).
function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFloats(random, length, scale = 1) {
  return Float32Array.from({ length }, () => (random() * 2 - 1) * scale);
}

function randomInts(random, length, low, high) {
  return Int32Array.from({ length }, () => low + Math.floor(random() * (high - low)));
}

// The embedding op's index mapping: truncate toward zero, clip to [0, inputDim - 1], NaN to 0.
function mapIndex(value, inputDim) {
  const number = Number(value);
  if (!(number > 0)) return 0;
  return Math.min(Math.trunc(number), inputDim - 1);
}

// Bag starts [bags + 1] from 1-D offsets (PyTorch's rule) or from a 2-D shape.
function bagStarts({ count, offsets, includeLastOffset = false, shape }) {
  if (shape) return Array.from({ length: shape[0] + 1 }, (_, b) => b * shape[1]);
  const starts = includeLastOffset ? offsets.slice(0, -1) : offsets.slice();
  starts.push(includeLastOffset ? offsets[offsets.length - 1] : count);
  return starts;
}

// Forward reference. rowAt(r) returns row r as float32 values. Returns { data, maxIndices }.
function bagForward({ indices, starts, rowAt, inputDim, outputDim, mode, weights, paddingRow = -1, float64 = false }) {
  const round = float64 ? (x) => x : Math.fround;
  const bagCount = starts.length - 1;
  const data = new Float64Array(bagCount * outputDim);
  const maxIndices = new Int32Array(bagCount * outputDim).fill(-1);
  for (let b = 0; b < bagCount; b += 1) {
    const acc = new Float64Array(outputDim);
    let used = 0;
    for (let p = starts[b]; p < starts[b + 1]; p += 1) {
      const row = mapIndex(indices[p], inputDim);
      if (row === paddingRow) continue;
      const values = rowAt(row);
      for (let d = 0; d < outputDim; d += 1) {
        if (mode === 'max') {
          if (used === 0 || values[d] > acc[d]) {
            acc[d] = values[d];
            maxIndices[b * outputDim + d] = p;
          }
        } else {
          const term = weights ? round(values[d] * weights[p]) : values[d];
          acc[d] = round(acc[d] + term);
        }
      }
      used += 1;
    }
    for (let d = 0; d < outputDim; d += 1) {
      let value = used === 0 ? 0 : acc[d];
      if (mode === 'mean' && used > 0) value = round(value / used);
      data[b * outputDim + d] = value;
    }
  }
  return { data, maxIndices };
}

// Backward reference: dense [inputDim, outputDim] gradient, each row summed in double in position order
// and rounded once (to float32 unless float64). Also returns the rows that occur.
function bagBackward({ indices, starts, inputDim, outGrad, outputDim, mode, weights, maxIndices, paddingRow = -1, float64 = false }) {
  const round = float64 ? (x) => x : Math.fround;
  const bagCount = starts.length - 1;
  const sizes = [];
  const bagOf = [];
  for (let b = 0; b < bagCount; b += 1) {
    let size = 0;
    for (let p = starts[b]; p < starts[b + 1]; p += 1) {
      bagOf[p] = b;
      if (mapIndex(indices[p], inputDim) !== paddingRow) size += 1;
    }
    sizes.push(size);
  }
  const sums = new Float64Array(inputDim * outputDim);
  const present = new Set();
  for (let p = 0; p < indices.length; p += 1) {
    const row = mapIndex(indices[p], inputDim);
    if (row === paddingRow) continue;
    present.add(row);
    const b = bagOf[p];
    for (let d = 0; d < outputDim; d += 1) {
      const upstream = outGrad[b * outputDim + d];
      let term;
      if (mode === 'max') term = maxIndices[b * outputDim + d] === p ? upstream : 0;
      else if (mode === 'mean') term = upstream / sizes[b];
      else term = upstream * (weights ? weights[p] : 1);
      sums[row * outputDim + d] += term;
    }
  }
  return { data: sums.map(round), rows: [...present].sort((x, y) => x - y) };
}

// Positions on an axis of length n under MXNet's take modes; null marks an invalid index under 'raise'.
function takePosition(value, n, mode) {
  const number = Number(value);
  if (mode === 'clip') return mapIndex(number, n);
  if (mode === 'wrap') {
    if (!Number.isFinite(number)) return 0;
    const remainder = Math.trunc(number) % n;
    return remainder < 0 ? remainder + n : remainder + 0;
  }
  if (!(number >= -n && number <= n - 1)) return null;
  const truncated = Math.trunc(number);
  return truncated < 0 ? truncated + n : truncated + 0;
}

function product(dims) {
  return dims.reduce((a, b) => a * b, 1);
}

// take reference on flat data of a shape: returns { data (plain array), shape }.
function takeForward(data, shape, indices, indexShape, axis, mode) {
  const outer = product(shape.slice(0, axis));
  const n = shape[axis];
  const inner = product(shape.slice(axis + 1));
  const out = [];
  for (let o = 0; o < outer; o += 1) {
    for (let i = 0; i < indices.length; i += 1) {
      const r = takePosition(indices[i], n, mode);
      for (let k = 0; k < inner; k += 1) out.push(data[(o * n + r) * inner + k]);
    }
  }
  return { data: out, shape: [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)] };
}

function takeGradient(shape, indices, outGrad, axis, mode, float64 = false) {
  const outer = product(shape.slice(0, axis));
  const n = shape[axis];
  const inner = product(shape.slice(axis + 1));
  const sums = new Float64Array(product(shape));
  for (let o = 0; o < outer; o += 1) {
    for (let i = 0; i < indices.length; i += 1) {
      const r = takePosition(indices[i], n, mode);
      for (let k = 0; k < inner; k += 1) sums[(o * n + r) * inner + k] += outGrad[(o * indices.length + i) * inner + k];
    }
  }
  return float64 ? sums : sums.map(Math.fround);
}

module.exports = {
  createRandom, randomFloats, randomInts, mapIndex, bagStarts, bagForward, bagBackward, takePosition, takeForward,
  takeGradient,
};
