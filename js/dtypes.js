// Dtype names, their storage arrays and the codes the wasm kernels use.

export const DTYPES = Object.freeze([
  'float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64',
]);

export const FLOAT_DTYPES = Object.freeze(['float32', 'float64', 'float16', 'bfloat16']);

// The TypedArray that stores each dtype. float16 and bfloat16 are raw bits in a Uint16Array.
export const STORAGE = Object.freeze({
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
});

// Module constant that carries each dtype's code; the C++ enum is the only place the numbers are written.
const CODE_CONSTANTS = Object.freeze({
  float32: 'DTYPE_FLOAT32',
  float64: 'DTYPE_FLOAT64',
  float16: 'DTYPE_FLOAT16',
  bfloat16: 'DTYPE_BFLOAT16',
  int8: 'DTYPE_INT8',
  uint8: 'DTYPE_UINT8',
  int16: 'DTYPE_INT16',
  uint16: 'DTYPE_UINT16',
  int32: 'DTYPE_INT32',
  uint32: 'DTYPE_UINT32',
  int64: 'DTYPE_INT64',
});

export function isDtype(name) {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(STORAGE, name);
}

export function isFloatDtype(name) {
  return FLOAT_DTYPES.includes(name);
}

export function elementSize(dtype) {
  return STORAGE[dtype].BYTES_PER_ELEMENT;
}

export function dtypeCode(module, dtype) {
  return module[CODE_CONSTANTS[dtype]];
}

// Dtype of a TypedArray given without an explicit dtype; undefined for kinds no dtype stores
// (BigUint64Array). A Uint16Array means uint16: float16 and bfloat16 bits need an explicit dtype.
export function inferDtype(array) {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Uint8Array || array instanceof Uint8ClampedArray) return 'uint8';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Uint16Array) return 'uint16';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Uint32Array) return 'uint32';
  if (array instanceof BigInt64Array) return 'int64';
  return undefined;
}

// True when array can hold dtype's elements as they are (a Uint8ClampedArray stores uint8 too).
export function storageMatches(array, dtype) {
  if (dtype === 'uint8') return array instanceof Uint8Array || array instanceof Uint8ClampedArray;
  return array instanceof STORAGE[dtype];
}
