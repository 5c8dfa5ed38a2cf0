// Normalises tensor arguments to { data, shape, dtype } with data a TypedArray of the dtype's storage.
//
// Accepted forms: a nested JS array (shape inferred), a number or bigint (a 0-d tensor), a TypedArray
// (1-D), or an object { data, shape, dtype? } whose data is a TypedArray or a plain array.

import { describe, formatShape } from './errors.js';
import { STORAGE, inferDtype, isDtype, storageMatches, DTYPES } from './dtypes.js';

// Largest element count or dimension accepted: indices and offsets must stay exact in doubles.
export const MAX_DIMENSION = Number.MAX_SAFE_INTEGER;

export function isTypedArray(value) {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

export function shapeSize(shape) {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

export function validateShape(shape, argument) {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${argument}.shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  shape.forEach((dim, axis) => {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(`${argument}.shape[${axis}] must be a non-negative safe integer, got ${describe(dim)} in shape ${describe(shape)}`);
    }
  });
  const size = shapeSize(shape);
  if (!Number.isSafeInteger(size)) {
    throw new RangeError(`${argument}.shape ${formatShape(shape)} has ${size} elements, more than 2^53 - 1`);
  }
  return shape.slice();
}

export function validateDtypeName(dtype, argument) {
  if (!isDtype(dtype)) {
    throw new TypeError(`${argument} must be one of ${DTYPES.join(', ')}, got ${describe(dtype)}`);
  }
  return dtype;
}

// Shape of a nested array; every sub-array at one depth must have the same length.
function inferNestedShape(value, argument) {
  const shape = [];
  let level = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }

  const check = (node, depth, path) => {
    if (depth === shape.length) {
      if (Array.isArray(node)) {
        throw new RangeError(`${argument} is a ragged nested array: element ${path} is an array where shape ${formatShape(shape)} needs a scalar`);
      }
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new RangeError(`${argument} is a ragged nested array: element ${path} should be an array of length ${shape[depth]}, got ${describe(node)}`);
    }
    node.forEach((child, i) => check(child, depth + 1, `${path}[${i}]`));
  };
  check(value, 0, '');
  return shape;
}

function flatten(value, depth) {
  return depth <= 1 ? value : value.flat(depth - 1);
}

// Converts plain JS values to the dtype's storage. Integer dtypes require integers in range; float16 and
// bfloat16 are encoded from values with encodeHalf (supplied by the caller, it needs the wasm module).
function fromPlainValues(values, dtype, argument, encodeHalf) {
  values.forEach((item, i) => {
    const ok = typeof item === 'number' || (typeof item === 'bigint' && dtype === 'int64');
    if (!ok) {
      throw new TypeError(`${argument}: element ${i} must be a number${dtype === 'int64' ? ' or bigint' : ''}, got ${describe(item)}`);
    }
  });

  if (dtype === 'float16' || dtype === 'bfloat16') return encodeHalf(Float64Array.from(values), dtype);
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'float64') return Float64Array.from(values);

  if (dtype === 'int64') {
    return BigInt64Array.from(values, (item, i) => {
      if (typeof item === 'bigint') {
        if (BigInt.asIntN(64, item) !== item) {
          throw new RangeError(`${argument}: element ${i} = ${item}n does not fit in int64`);
        }
        return item;
      }
      if (!Number.isSafeInteger(item)) {
        throw new RangeError(`${argument}: element ${i} = ${describe(item)} is not a safe integer; pass int64 values beyond 2^53 as bigint`);
      }
      return BigInt(item);
    });
  }

  const ArrayType = STORAGE[dtype];
  const bits = ArrayType.BYTES_PER_ELEMENT * 8;
  const signed = dtype.startsWith('int');
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  values.forEach((item, i) => {
    if (!Number.isInteger(item) || item < min || item > max) {
      throw new RangeError(`${argument}: element ${i} = ${describe(item)} is not an integer in the ${dtype} range [${min}, ${max}]`);
    }
  });
  return ArrayType.from(values);
}

// Dtype for plain values without an explicit dtype: bigints mean int64, numbers use plainDefault.
function plainDtype(values, plainDefault) {
  return values.some((item) => typeof item === 'bigint') ? 'int64' : plainDefault;
}

// A detached buffer reports byteLength 0, and constructing a view on it throws.
export function isDetached(buffer) {
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

function checkTypedArray(data, dtype, argument) {
  if (isDetached(data.buffer)) {
    throw new TypeError(`${argument}.data is a view of a detached ArrayBuffer (it was transferred)`);
  }
  const inferred = inferDtype(data);
  if (inferred === undefined) {
    throw new TypeError(`${argument}.data is a ${data.constructor.name}, which no dtype uses; use one of ${DTYPES.join(', ')}`);
  }
  if (dtype === undefined) return inferred;
  if (!storageMatches(data, dtype)) {
    throw new TypeError(`${argument}.data is a ${data.constructor.name}, but dtype ${dtype} is stored in a ${STORAGE[dtype].name}`);
  }
  return dtype;
}

// Normalises value. options.dtype is an explicit dtype, and a value that carries another raises a
// TypeError. options.plainDefault is the dtype of plain numbers without one. options.encodeHalf encodes
// float16 and bfloat16 values given as plain numbers.
export function toTensor(value, argument, options = {}) {
  const { dtype: requested, plainDefault = 'float32', encodeHalf } = options;
  if (requested !== undefined) validateDtypeName(requested, `${argument} dtype`);

  if (typeof value === 'number' || typeof value === 'bigint') {
    const dtype = requested ?? plainDtype([value], plainDefault);
    return { data: fromPlainValues([value], dtype, argument, encodeHalf), shape: [], dtype };
  }

  if (Array.isArray(value)) {
    const shape = inferNestedShape(value, argument);
    const flat = flatten(value, shape.length);
    const dtype = requested ?? plainDtype(flat, plainDefault);
    return { data: fromPlainValues(flat, dtype, argument, encodeHalf), shape, dtype };
  }

  if (isTypedArray(value)) {
    const dtype = checkTypedArray(value, requested, argument);
    return { data: value, shape: [value.length], dtype };
  }

  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${argument} must be a tensor (a nested array, a TypedArray or { data, shape, dtype? }), got ${describe(value)}`);
  }
  if (!('data' in value)) {
    throw new TypeError(`${argument} must have a data property (a TypedArray or an array), got ${describe(value)}`);
  }

  let dtype = value.dtype;
  if (dtype !== undefined) validateDtypeName(dtype, `${argument}.dtype`);
  if (requested !== undefined && dtype !== undefined && requested !== dtype) {
    throw new TypeError(`${argument}.dtype is ${dtype}, but the dtype option says ${requested}`);
  }
  dtype = dtype ?? requested;

  const { data } = value;
  let storage;
  if (isTypedArray(data)) {
    dtype = checkTypedArray(data, dtype, argument);
    storage = data;
  } else if (Array.isArray(data)) {
    dtype = dtype ?? plainDtype(data, plainDefault);
    storage = fromPlainValues(data, dtype, `${argument}.data`, encodeHalf);
  } else {
    throw new TypeError(`${argument}.data must be a TypedArray or an array, got ${describe(data)}`);
  }

  const shape = value.shape === undefined ? [storage.length] : validateShape(value.shape, argument);
  if (shapeSize(shape) !== storage.length) {
    throw new RangeError(`${argument}.shape ${formatShape(shape)} needs ${shapeSize(shape)} elements, but its data has ${storage.length}`);
  }
  return { data: storage, shape, dtype };
}
