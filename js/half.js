// float16 and bfloat16 conversions. Encoding rounds to nearest, ties to even, directly from the source
// value (a Float64Array is not rounded to float32 first); decoding is exact. The work runs in wasm.

import { describe } from './errors.js';
import { allocate, copyToHeap, heapView, release, requireModule } from './runtime.js';
import { isDetached } from './tensor.js';

function toSourceArray(values, functionName) {
  if (values instanceof Float32Array || values instanceof Float64Array) {
    if (isDetached(values.buffer)) throw new TypeError(`${functionName}: values is a view of a detached ArrayBuffer`);
    return values;
  }
  if (Array.isArray(values)) {
    values.forEach((item, i) => {
      if (typeof item !== 'number') {
        throw new TypeError(`${functionName}: values[${i}] must be a number, got ${describe(item)}`);
      }
    });
    return Float64Array.from(values);
  }
  throw new TypeError(`${functionName}: values must be a Float32Array, a Float64Array or an array of numbers, got ${describe(values)}`);
}

function toBitsArray(bits, functionName) {
  if (!(bits instanceof Uint16Array)) {
    throw new TypeError(`${functionName}: bits must be a Uint16Array of raw 16-bit patterns, got ${describe(bits)}`);
  }
  if (isDetached(bits.buffer)) throw new TypeError(`${functionName}: bits is a view of a detached ArrayBuffer`);
  return bits;
}

// Encodes a Float32Array or Float64Array as float16 or bfloat16 bits with the given module. functionName,
// when given, starts the message of a memory error.
export function encodeHalfWith(module, source, dtype, functionName) {
  const wide = source instanceof Float64Array;
  const kernel = dtype === 'float16'
    ? (wide ? module.encodeHalfFromF64 : module.encodeHalfFromF32)
    : (wide ? module.encodeBFloat16FromF64 : module.encodeBFloat16FromF32);

  const count = source.length;
  const purpose = `${functionName ? `${functionName}: ` : ''}encoding ${count} values as ${dtype}`;
  let sourcePointer = 0;
  let bitsPointer = 0;
  try {
    sourcePointer = copyToHeap(module, source, purpose);
    bitsPointer = allocate(module, count * 2, purpose);
    kernel(sourcePointer, count, bitsPointer);
    return heapView(module, Uint16Array, bitsPointer, count).slice();
  } finally {
    release(module, sourcePointer);
    release(module, bitsPointer);
  }
}

function decodeWith(module, bits, dtype, functionName) {
  const kernel = dtype === 'float16' ? module.decodeHalfToF32 : module.decodeBFloat16ToF32;
  const count = bits.length;
  const purpose = `${functionName}: decoding ${count} ${dtype} values`;
  let bitsPointer = 0;
  let valuesPointer = 0;
  try {
    bitsPointer = copyToHeap(module, bits, purpose);
    valuesPointer = allocate(module, count * 4, purpose);
    kernel(bitsPointer, count, valuesPointer);
    return heapView(module, Float32Array, valuesPointer, count).slice();
  } finally {
    release(module, bitsPointer);
    release(module, valuesPointer);
  }
}

export function toFloat16(values) {
  const module = requireModule('toFloat16');
  return encodeHalfWith(module, toSourceArray(values, 'toFloat16'), 'float16', 'toFloat16');
}

export function toBFloat16(values) {
  const module = requireModule('toBFloat16');
  return encodeHalfWith(module, toSourceArray(values, 'toBFloat16'), 'bfloat16', 'toBFloat16');
}

export function fromFloat16(bits) {
  const module = requireModule('fromFloat16');
  return decodeWith(module, toBitsArray(bits, 'fromFloat16'), 'float16', 'fromFloat16');
}

export function fromBFloat16(bits) {
  const module = requireModule('fromBFloat16');
  return decodeWith(module, toBitsArray(bits, 'fromBFloat16'), 'bfloat16', 'fromBFloat16');
}

// Decodes one float16 or bfloat16 value in JS, for error messages and tests of single values.
export function decodeHalfScalar(bits, dtype) {
  if (dtype === 'bfloat16') return new Float32Array(new Uint32Array([bits << 16]).buffer)[0];
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
