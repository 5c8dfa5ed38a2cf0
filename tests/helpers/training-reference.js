// Scalar JS references for the embedding backward and the optimizer updates, written from the formulas:
// float64 arithmetic (rounded to float32 after every operation where the library computes in float32), then
// one rounding to the stored dtype. Independent of the library: no wasm, no library helpers.

const f32 = Math.fround;

function roundHalfEven(value) {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

// Number -> float16 bits, round to nearest even directly from the value.
function toHalfBits(value) {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  if (magnitude < 2 ** -14) return sign | roundHalfEven(magnitude * 2 ** 24);
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent -= 1;
  if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  // (magnitude / 2^e - 1) * 1024 is exact in float64; a mantissa of 1024 carries into the exponent.
  const mantissa = roundHalfEven((magnitude / 2 ** exponent - 1) * 1024);
  return sign | (((exponent + 15) << 10) + mantissa);
}

function fromHalfBits(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const wordView = new Float32Array(1);
const wordBits = new Uint32Array(wordView.buffer);

// Float32 value -> bfloat16 bits, round to nearest even (finite values only in these tests).
function toBFloat16Bits(value) {
  wordView[0] = value;
  const bits = wordBits[0];
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

function fromBFloat16Bits(bits) {
  wordBits[0] = bits << 16;
  return wordView[0];
}

// Per dtype: the storage array, decode (stored -> number), encode (number -> stored, one rounding) and the
// compute rounding (identity for float64 compute, Math.fround for float32 compute).
const DTYPE_RULES = {
  float32: { Array: Float32Array, decode: (x) => x, encode: f32, round: f32, wide: (x) => x },
  float64: { Array: Float64Array, decode: (x) => x, encode: (x) => x, round: (x) => x, wide: (x) => x },
  float16: { Array: Uint16Array, decode: fromHalfBits, encode: toHalfBits, round: f32, wide: f32 },
  bfloat16: { Array: Uint16Array, decode: fromBFloat16Bits, encode: toBFloat16Bits, round: f32, wide: f32 },
};

// Index value -> row: truncate toward zero, clip to [0, inputDim - 1], NaN to row 0.
function mapIndex(value, inputDim) {
  const number = typeof value === 'bigint' ? value : Number(value);
  if (typeof number === 'bigint') {
    if (number <= 0n) return 0;
    return number >= BigInt(inputDim - 1) ? inputDim - 1 : Number(number);
  }
  if (!(number > 0)) return 0;
  if (number >= inputDim - 1) return inputDim - 1;
  return Math.trunc(number);
}

// Dense backward: grad[row(y)] += outGrad[y] in increasing y, accumulated wide (float64 for float32 and
// float64, float32 for float16 and bfloat16) and rounded once. initial (stored values) gives 'add'.
function referenceBackward(indexValues, gradData, dtype, inputDim, outputDim, initial) {
  const rules = DTYPE_RULES[dtype];
  const accumulators = new Float64Array(inputDim * outputDim);
  if (initial) initial.forEach((stored, i) => { accumulators[i] = rules.decode(stored); });
  const touched = new Set();
  indexValues.forEach((value, position) => {
    const row = mapIndex(value, inputDim);
    touched.add(row);
    for (let c = 0; c < outputDim; c += 1) {
      const slot = row * outputDim + c;
      accumulators[slot] = rules.wide(accumulators[slot] + rules.decode(gradData[position * outputDim + c]));
    }
  });
  const result = new rules.Array(inputDim * outputDim);
  if (initial) result.set(initial);
  for (const row of touched) {
    for (let c = 0; c < outputDim; c += 1) result[row * outputDim + c] = rules.encode(accumulators[row * outputDim + c]);
  }
  return { data: result, rows: [...touched].sort((a, b) => a - b) };
}

// One element of an optimizer update, as the kernels compute it. Returns { w, s0, s1 } as numbers.
function updateElement(kind, w, g, s0, s1, p, round) {
  let grad = round(round(p.rescaleGrad) * g);
  if (p.clipGradient > 0) {
    const clip = round(p.clipGradient);
    grad = Math.min(Math.max(grad, -clip), clip);
  }
  grad = round(grad + round(round(p.wd) * w));
  const lr = round(p.lr);
  if (kind === 'sgd') return { w: round(w - round(lr * grad)), s0, s1 };
  if (kind === 'sgdMom') {
    const mom = round(round(round(p.momentum) * s0) - round(lr * grad));
    return { w: round(w + mom), s0: mom, s1 };
  }
  if (kind === 'adam') {
    const beta1 = round(p.beta1);
    const beta2 = round(p.beta2);
    const mean = round(round(beta1 * s0) + round(round(1 - beta1) * grad));
    const variance = round(round(beta2 * s1) + round(round(1 - beta2) * round(grad * grad)));
    const step = round(round(lr * mean) / round(round(Math.sqrt(variance)) + round(p.epsilon)));
    return { w: round(w - step), s0: mean, s1: variance };
  }
  const history = round(s0 + round(grad * grad));
  const step = round(round(lr * grad) / round(round(Math.sqrt(history)) + round(p.epsilon)));
  return { w: round(w - step), s0: history, s1 };
}

// Reference optimizer update on copies of stored arrays. grad is { data } (dense) or { indices, data }
// (row_sparse). Returns { weight, s0, s1 } as new stored arrays.
function referenceUpdate(kind, dtype, weight, grad, states, shape, params, lazy) {
  const rules = DTYPE_RULES[dtype];
  const [rows, columns] = shape;
  const out = {
    weight: rules.Array.from(weight),
    s0: states[0] ? rules.Array.from(states[0]) : null,
    s1: states[1] ? rules.Array.from(states[1]) : null,
  };
  const p = {
    wd: 0, rescaleGrad: 1, clipGradient: 0, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, ...params,
  };
  const gradRow = new Map();
  if (grad.indices) grad.indices.forEach((row, k) => gradRow.set(row, k));
  for (let row = 0; row < rows; row += 1) {
    let k = row;
    if (grad.indices) {
      k = gradRow.has(row) ? gradRow.get(row) : -1;
      if (k < 0 && lazy) continue;
    }
    for (let c = 0; c < columns; c += 1) {
      const slot = row * columns + c;
      const g = k < 0 ? 0 : rules.decode(grad.data[k * columns + c]);
      const result = updateElement(kind, rules.decode(out.weight[slot]), g,
        out.s0 ? rules.decode(out.s0[slot]) : 0, out.s1 ? rules.decode(out.s1[slot]) : 0, p, rules.round);
      out.weight[slot] = rules.encode(result.w);
      if (out.s0) out.s0[slot] = rules.encode(result.s0);
      if (out.s1) out.s1[slot] = rules.encode(result.s1);
    }
  }
  return out;
}

// Deterministic pseudo-random numbers in [0, 1) (mulberry32).
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// Stored array of length values drawn uniformly from [low, high).
function randomStored(random, dtype, length, low = -1, high = 1) {
  const rules = DTYPE_RULES[dtype];
  return rules.Array.from({ length }, () => rules.encode(low + (high - low) * random()));
}

module.exports = {
  DTYPE_RULES, toHalfBits, fromHalfBits, toBFloat16Bits, fromBFloat16Bits, mapIndex, referenceBackward,
  referenceUpdate, seededRandom, randomStored,
};
