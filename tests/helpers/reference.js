// Seeded data and plain-JS references for the embedding forward, written independently of the library.

const STORAGE = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
};

// Mulberry32: a small deterministic generator, so a failing case can be rerun with the same data.
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

// A typed array of length elements with random bytes: every bit pattern of the dtype can appear, NaN
// payloads, -0 and subnormals included.
function randomBits(ArrayType, length, random) {
  const array = new ArrayType(length);
  const bytes = new Uint8Array(array.buffer);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(random() * 256);
  return array;
}

// Exact float16 decoding.
function decodeFloat16(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

// Exact bfloat16 decoding: the bits are the high half of a float32.
function decodeBFloat16(bits) {
  return new Float32Array(new Uint32Array([bits << 16]).buffer)[0];
}

// The value an index element stands for: a number, or a bigint for int64.
function indexValue(data, dtype, position) {
  if (dtype === 'float16') return decodeFloat16(data[position]);
  if (dtype === 'bfloat16') return decodeBFloat16(data[position]);
  return data[position];
}

// Row of one index value: integers clip at full width, floats truncate toward zero and then clip, NaN and
// -Infinity give row 0, +Infinity the last row.
function referenceRow(value, inputDim) {
  const last = inputDim - 1;
  if (typeof value === 'bigint') {
    if (value <= 0n) return 0;
    return value >= BigInt(last) ? last : Number(value);
  }
  if (!(value > 0)) return 0;
  if (value >= last) return last;
  return Math.trunc(value);
}

// Output bytes of the forward: row referenceRow(index) of the weight for each index, copied byte for byte.
function referenceEmbedding(indexData, indexDtype, weightData, inputDim, outputDim) {
  const rowBytes = outputDim * weightData.BYTES_PER_ELEMENT;
  const weightBytes = new Uint8Array(weightData.buffer, weightData.byteOffset, weightData.byteLength);
  const out = new Uint8Array(indexData.length * rowBytes);
  for (let i = 0; i < indexData.length; i += 1) {
    const row = referenceRow(indexValue(indexData, indexDtype, i), inputDim);
    out.set(weightBytes.subarray(row * rowBytes, (row + 1) * rowBytes), i * rowBytes);
  }
  return out;
}

// The bytes of a typed array, for bit-exact comparisons that NaN payloads and -0 cannot fool.
function bytesOf(array) {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

// Position and byte values of the first difference between two byte arrays, or null when equal.
function firstByteDifference(actual, expected) {
  if (actual.length !== expected.length) return { lengths: [actual.length, expected.length] };
  for (let i = 0; i < actual.length; i += 1) {
    if (actual[i] !== expected[i]) return { byte: i, actual: actual[i], expected: expected[i] };
  }
  return null;
}

module.exports = {
  STORAGE,
  seededRandom,
  randomBits,
  decodeFloat16,
  decodeBFloat16,
  indexValue,
  referenceRow,
  referenceEmbedding,
  bytesOf,
  firstByteDifference,
};
