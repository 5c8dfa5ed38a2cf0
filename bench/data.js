// Deterministic benchmark inputs and plain-JS references. Runs in Node and in browsers (no imports).

// Element bytes and storage array of each table dtype the benchmark uses.
const TABLE_STORAGE = {
  float32: { bytes: 4, ArrayType: Float32Array },
  float16: { bytes: 2, ArrayType: Uint16Array },
  bfloat16: { bytes: 2, ArrayType: Uint16Array },
};

// xorshift32: the same sequence in every engine for a given seed.
function makeRandom(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

// A rows x columns table. float16 and bfloat16 bits are random with the exponent kept in a finite range,
// so that every value is an ordinary number and decoded results can be compared exactly.
function makeTable(rows, columns, dtype, seed = 1) {
  const random = makeRandom(seed);
  const length = rows * columns;
  if (dtype === 'float32') {
    const table = new Float32Array(length);
    for (let i = 0; i < length; i += 1) table[i] = (random() / 2 ** 32) * 2 - 1;
    return table;
  }
  const table = new Uint16Array(length);
  // float16: sign, exponent 0b01110 (0.5 to 1), random mantissa. bfloat16: sign, exponent 126, random mantissa.
  const [keep, set] = dtype === 'float16' ? [0x83ff, 0x3800] : [0x807f, 0x3f00];
  for (let i = 0; i < length; i += 1) table[i] = (random() & keep) | set;
  return table;
}

// count row indices drawn uniformly from [0, rows).
function makeIndices(count, rows, seed = 2) {
  const random = makeRandom(seed);
  const indices = new Int32Array(count);
  for (let i = 0; i < count; i += 1) indices[i] = random() % rows;
  return indices;
}

// A count x columns float32 gradient with values in [-1, 1).
function makeGradient(count, columns, seed = 3) {
  const random = makeRandom(seed);
  const gradient = new Float32Array(count * columns);
  for (let i = 0; i < gradient.length; i += 1) gradient[i] = (random() / 2 ** 32) * 2 - 1;
  return gradient;
}

// out[i, :] = table[indices[i], :] with one subarray copy per row: the plain-JS gather.
function gatherBySubarray(table, columns, indices, out) {
  for (let i = 0; i < indices.length; i += 1) {
    const row = indices[i] * columns;
    out.set(table.subarray(row, row + columns), i * columns);
  }
  return out;
}

// The same gather, one element at a time.
function gatherByLoop(table, columns, indices, out) {
  let offset = 0;
  for (let i = 0; i < indices.length; i += 1) {
    const row = indices[i] * columns;
    for (let c = 0; c < columns; c += 1) out[offset + c] = table[row + c];
    offset += columns;
  }
  return out;
}

// Dense embedding gradient in float64 accumulation, rounded once to float32, in increasing position order.
function scatterAddReference(indices, gradient, rows, columns) {
  const sums = new Float64Array(rows * columns);
  for (let i = 0; i < indices.length; i += 1) {
    const row = indices[i] * columns;
    const source = i * columns;
    for (let c = 0; c < columns; c += 1) sums[row + c] += gradient[source + c];
  }
  return Float32Array.from(sums);
}

// The distinct values of indices in ascending order: the rows of a row_sparse embedding gradient.
function distinctRows(indices) {
  return Int32Array.from(new Set(indices)).sort();
}

// One lazy Adam step as MXNet's adam_update computes it in float32, without gradient clipping:
// g' = rescaleGrad * g + wd * w, mean = beta1 * mean + (1 - beta1) * g',
// variance = beta2 * variance + (1 - beta2) * g'^2 and w -= lr * mean / (sqrt(variance) + epsilon), with
// every operation rounded to float32. Only the rows in gradRows change; row k of gradValues belongs to
// gradRows[k]. Returns updated copies of state.weight, state.mean and state.variance.
function lazyAdamReference(state, gradRows, gradValues, columns, params) {
  const f = Math.fround;
  const weight = Float32Array.from(state.weight);
  const mean = Float32Array.from(state.mean);
  const variance = Float32Array.from(state.variance);
  const lr = f(params.lr);
  const wd = f(params.wd ?? 0);
  const rescale = f(params.rescaleGrad ?? 1);
  const beta1 = f(params.beta1);
  const beta2 = f(params.beta2);
  const oneMinusBeta1 = f(1 - beta1);
  const oneMinusBeta2 = f(1 - beta2);
  const epsilon = f(params.epsilon);
  for (let k = 0; k < gradRows.length; k += 1) {
    const row = gradRows[k] * columns;
    for (let c = 0; c < columns; c += 1) {
      const slot = row + c;
      let g = f(rescale * gradValues[k * columns + c]);
      g = f(g + f(wd * weight[slot]));
      const m = f(f(beta1 * mean[slot]) + f(oneMinusBeta1 * g));
      const v = f(f(beta2 * variance[slot]) + f(oneMinusBeta2 * f(g * g)));
      mean[slot] = m;
      variance[slot] = v;
      weight[slot] = f(weight[slot] - f(f(lr * m) / f(f(Math.sqrt(v)) + epsilon)));
    }
  }
  return { weight, mean, variance };
}

// Decodes float16 or bfloat16 bits to float32 values (exact: every such value is a float32).
function decodeHalfBits(bits, dtype) {
  const out = new Float32Array(bits.length);
  const word = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i += 1) {
    const value = bits[i];
    if (dtype === 'bfloat16') {
      word[i] = value << 16;
      continue;
    }
    const sign = value & 0x8000 ? -1 : 1;
    const exponent = (value >> 10) & 0x1f;
    const mantissa = value & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) out[i] = mantissa ? NaN : sign * Infinity;
    else out[i] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

// Index of the first differing byte of two TypedArrays, or -1 when their bytes are equal.
function firstByteDifference(actual, expected) {
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return i;
  return -1;
}

// Largest absolute difference between two float arrays of the same length (Infinity when lengths differ).
function maxAbsDifference(actual, expected) {
  if (actual.length !== expected.length) return Infinity;
  let max = 0;
  for (let i = 0; i < actual.length; i += 1) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}

const exported = {
  TABLE_STORAGE,
  makeRandom,
  makeTable,
  makeIndices,
  makeGradient,
  gatherBySubarray,
  gatherByLoop,
  scatterAddReference,
  distinctRows,
  lazyAdamReference,
  decodeHalfBits,
  firstByteDifference,
  maxAbsDifference,
};
if (typeof module === 'object' && module.exports) module.exports = exported;
else globalThis.benchData = exported;
