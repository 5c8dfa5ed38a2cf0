// Index tensors: normalisation, copying into wasm memory and the sparseGrad validity check.

import { describe } from './errors.js';
import { dtypeCode } from './dtypes.js';
import { decodeHalfScalar, encodeHalfWith } from './half.js';
import { allocate, copyToHeap, memoryBuffer } from './runtime.js';
import { toTensor } from './tensor.js';

// Normalises an index argument. Plain JS numbers become float64 so that every value keeps its exact
// meaning (fractions truncate, NaN maps to row 0) under the same rules as typed data.
export function toIndexTensor(module, data, argument, dtype) {
  const tensor = toTensor(data, argument, {
    dtype,
    plainDefault: 'float64',
    encodeHalf: (values, name) => encodeHalfWith(module, values, name),
  });
  return tensor;
}

// Returns whether the indices may be copied into wasm memory in parts while the result is written to out
// (a TypedArray, or undefined for a fresh result). They may not when out shares their buffer, because
// writing the result would change indices not yet copied. Nor when they lie in wasm memory: a call may grow
// it, and in builds without threads that detaches the old buffer.
function mayCopyInParts(module, tensor, out) {
  const buffer = tensor.data.buffer;
  return buffer !== memoryBuffer(module) && (out === undefined || out.buffer !== buffer);
}

// Allocates wasm memory for the indices of a gather into out (undefined for a fresh result). Returns the
// pointer, which the caller frees, and copyRows(first, end), which copies the values at positions
// [first, end) in as the gather runs. When copyWhole is set, or the indices cannot be copied in parts, it
// copies every index at once and copyRows is undefined.
export function placeGatherIndices(module, tensor, { out, copyWhole, functionName }) {
  if (copyWhole || !mayCopyInParts(module, tensor, out)) {
    return { pointer: copyIndicesToHeap(module, tensor, functionName), copyRows: undefined };
  }

  const { data } = tensor;
  const bytes = data.BYTES_PER_ELEMENT;
  const pointer = allocate(module, data.byteLength, `${functionName}: ${data.length} ${tensor.dtype} indices`);
  const source = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const copyRows = (first, end) => {
    const target = new Uint8Array(memoryBuffer(module), pointer + first * bytes, (end - first) * bytes);
    target.set(source.subarray(first * bytes, end * bytes));
  };
  return { pointer, copyRows };
}

// Copies the index values into wasm memory; the caller frees the returned pointer.
export function copyIndicesToHeap(module, tensor, functionName) {
  return copyToHeap(module, tensor.data, `${functionName}: ${tensor.data.length} ${tensor.dtype} indices`);
}

function indexValueText(tensor, position) {
  const value = tensor.data[position];
  if (tensor.dtype === 'float16' || tensor.dtype === 'bfloat16') return describe(decodeHalfScalar(value, tensor.dtype));
  return describe(value);
}

// Raises a RangeError for the first index outside [0, inputDim - 1] (compared before truncation), naming
// its value, flat position and inputDim. pointer addresses the tensor's values in wasm memory.
export function checkIndicesValid(module, tensor, pointer, inputDim, functionName, argument) {
  const count = tensor.data.length;
  if (count === 0) return;
  const position = inputDim === 0
    ? 0
    : module.findInvalidIndex(dtypeCode(module, tensor.dtype), pointer, count, inputDim);
  if (position < 0) return;

  throw new RangeError(
    `${functionName}: ${argument} contains ${indexValueText(tensor, position)} at flat position ${position}, ` +
    `which is not a valid row for inputDim ${inputDim}; with sparseGrad every index must satisfy 0 <= index <= ${inputDim - 1}`,
  );
}
