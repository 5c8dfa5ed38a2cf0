// row_sparse gradients: { storage: 'row_sparse', indices, values, shape, dtype }.
//
// indices is an Int32Array of distinct rows in ascending order; values is a tensor of shape
// [indices.length, shape[1]] whose row k belongs to row indices[k]. Every other row is zero.

import { describe, formatShape } from './errors.js';
import { STORAGE, isFloatDtype } from './dtypes.js';
import { isDetached, isTypedArray } from './tensor.js';

export const ROW_SPARSE = 'row_sparse';

class RowSparseGradient {
  constructor(indices, values, shape, dtype) {
    this.storage = ROW_SPARSE;
    this.indices = indices;
    this.values = values;
    this.shape = shape;
    this.dtype = dtype;
  }

  // Returns the dense [rows, columns] tensor: the listed rows from values, zeros elsewhere.
  toDense() {
    return rowSparseToDense(this);
  }
}

export function createRowSparse(indices, values, shape, dtype) {
  return new RowSparseGradient(indices, { data: values, shape: [indices.length, shape[1]], dtype }, shape.slice(), dtype);
}

export function isRowSparse(value) {
  return value !== null && typeof value === 'object' && value.storage === ROW_SPARSE;
}

export function rowSparseToDense(gradient) {
  checkRowSparse(gradient, 'rowSparseToDense: gradient');
  const [rows, columns] = gradient.shape;
  const data = new STORAGE[gradient.dtype](rows * columns);
  gradient.indices.forEach((row, k) => {
    data.set(gradient.values.data.subarray(k * columns, (k + 1) * columns), row * columns);
  });
  return { data, shape: [rows, columns], dtype: gradient.dtype };
}

// Checks a row_sparse gradient given by a caller: a float dtype, a 2-D shape, indices an Int32Array of
// distinct ascending rows in range, values of shape [nnr, columns] stored in the dtype's TypedArray.
// expectedShape and expectedDtype, when given, must match. Returns the gradient unchanged.
export function checkRowSparse(gradient, argument, expected = {}) {
  if (!isRowSparse(gradient)) {
    throw new TypeError(`${argument} must be a row_sparse gradient { storage: 'row_sparse', indices, values, shape, dtype }, got ${describe(gradient)}`);
  }
  const { indices, values, shape, dtype } = gradient;
  if (!isFloatDtype(dtype)) {
    throw new TypeError(`${argument}.dtype must be float32, float64, float16 or bfloat16, got ${describe(dtype)}`);
  }
  if (expected.dtype !== undefined && dtype !== expected.dtype) {
    throw new TypeError(`${argument}.dtype is ${dtype}, but ${expected.dtypeSource} is ${expected.dtype}`);
  }
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new RangeError(`${argument}.shape must be [rows, columns] of non-negative integers, got ${describe(shape)}`);
  }
  if (expected.shape !== undefined && (shape[0] !== expected.shape[0] || shape[1] !== expected.shape[1])) {
    throw new RangeError(`${argument}.shape is ${formatShape(shape)}, but ${expected.shapeSource} has shape ${formatShape(expected.shape)}`);
  }

  if (!(indices instanceof Int32Array)) {
    throw new TypeError(`${argument}.indices must be an Int32Array of rows, got ${describe(indices)}`);
  }
  if (isDetached(indices.buffer)) throw new TypeError(`${argument}.indices is a view of a detached ArrayBuffer`);
  for (let k = 0; k < indices.length; k += 1) {
    const row = indices[k];
    if (row < 0 || row >= shape[0]) {
      throw new RangeError(`${argument}.indices[${k}] = ${row} is outside [0, ${shape[0] - 1}] for shape ${formatShape(shape)}`);
    }
    if (k > 0 && row <= indices[k - 1]) {
      throw new RangeError(`${argument}.indices must be distinct and ascending, but indices[${k - 1}] = ${indices[k - 1]} and indices[${k}] = ${row}`);
    }
  }

  if (values === null || typeof values !== 'object' || !isTypedArray(values.data)) {
    throw new TypeError(`${argument}.values must be { data, shape } with data a ${STORAGE[dtype].name}, got ${describe(values)}`);
  }
  if (!(values.data instanceof STORAGE[dtype])) {
    throw new TypeError(`${argument}.values.data is a ${values.data.constructor.name}, but dtype ${dtype} is stored in a ${STORAGE[dtype].name}`);
  }
  if (values.dtype !== undefined && values.dtype !== dtype) {
    throw new TypeError(`${argument}.values.dtype is ${describe(values.dtype)}, but ${argument}.dtype is ${dtype}`);
  }
  if (isDetached(values.data.buffer)) throw new TypeError(`${argument}.values.data is a view of a detached ArrayBuffer`);
  const valuesShape = [indices.length, shape[1]];
  if (values.shape !== undefined && (!Array.isArray(values.shape) || values.shape.length !== 2
      || values.shape[0] !== valuesShape[0] || values.shape[1] !== valuesShape[1])) {
    throw new RangeError(`${argument}.values.shape must be ${formatShape(valuesShape)} (one row per index), got ${describe(values.shape)}`);
  }
  if (values.data.length !== indices.length * shape[1]) {
    throw new RangeError(`${argument}.values.data has ${values.data.length} elements, but ${indices.length} rows of ${shape[1]} need ${indices.length * shape[1]}`);
  }
  return gradient;
}

// Merges two ascending row lists. Returns the union and, for each input, the union position of its rows.
export function mergeRows(first, second) {
  const union = new Int32Array(first.length + second.length);
  const firstSlots = new Int32Array(first.length);
  const secondSlots = new Int32Array(second.length);
  let i = 0;
  let j = 0;
  let size = 0;
  while (i < first.length || j < second.length) {
    const takeFirst = j >= second.length || (i < first.length && first[i] <= second[j]);
    const row = takeFirst ? first[i] : second[j];
    if (i < first.length && first[i] === row) firstSlots[i++] = size;
    if (j < second.length && second[j] === row) secondSlots[j++] = size;
    union[size++] = row;
  }
  return { rows: union.slice(0, size), firstSlots, secondSlots };
}
