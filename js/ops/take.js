// take(a, indices, options) and takeBackward(indices, outGrad, options): MXNet's take along any axis with
// the index modes 'clip', 'wrap' and 'raise'.

import { describe, formatShape } from '../errors.js';
import { STORAGE, dtypeCode, elementSize } from '../dtypes.js';
import { decodeHalfScalar, encodeHalfWith } from '../half.js';
import { copyIndicesToHeap, toIndexTensor } from '../indices.js';
import { checkOptions } from '../options.js';
import { allocate, checkAllocationSize, copyToHeap, heapView, release, requireModule } from '../runtime.js';
import { isDetached, isTypedArray, shapeSize, toTensor, validateShape } from '../tensor.js';
import { toGradientTensor } from './backward.js';
import { checkOut } from './embedding.js';

const FORWARD_NAME = 'take';
const BACKWARD_NAME = 'takeBackward';
const MODE_CONSTANTS = Object.freeze({ clip: 'TAKE_MODE_CLIP', wrap: 'TAKE_MODE_WRAP', raise: 'TAKE_MODE_RAISE' });
const MAX_AXIS_LENGTH = 2 ** 31 - 1;

function checkMode(value, functionName) {
  const mode = value ?? 'clip';
  if (!Object.prototype.hasOwnProperty.call(MODE_CONSTANTS, mode)) {
    throw new TypeError(`${functionName}: options.mode must be 'clip', 'wrap' or 'raise', got ${describe(mode)}`);
  }
  return mode;
}

// The axis as a non-negative integer; negative values count from the end.
function normalizeAxis(value, rank, functionName) {
  const axis = value ?? 0;
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new TypeError(`${functionName}: options.axis must be an integer, got ${describe(axis)}`);
  }
  if (axis < -rank || axis >= rank) {
    throw new RangeError(`${functionName}: options.axis = ${axis} is out of range for an array of rank ${rank}; it must be in [${-rank}, ${rank - 1}]`);
  }
  return axis < 0 ? axis + rank : axis;
}

// The array viewed as [outer, axisLength, inner] around the axis, and the result's shape.
function layout(shape, axis, indexShape, functionName) {
  const axisLength = shape[axis];
  if (axisLength > MAX_AXIS_LENGTH) {
    throw new RangeError(`${functionName}: axis ${axis} has length ${axisLength}, more than the limit of 2^31 - 1`);
  }
  return {
    outer: shapeSize(shape.slice(0, axis)),
    axisLength,
    inner: shapeSize(shape.slice(axis + 1)),
    resultShape: [...shape.slice(0, axis), ...indexShape, ...shape.slice(axis + 1)],
  };
}

// Maps the indices in wasm memory to positions on the axis, raising a RangeError in 'raise' mode.
function mapIndices(module, indices, indicesPointer, axisLength, mode, rowsPointer, functionName) {
  const count = indices.data.length;
  const invalid = module.takeMapIndices(dtypeCode(module, indices.dtype), indicesPointer, count, axisLength,
    module[MODE_CONSTANTS[mode]], rowsPointer);
  if (invalid < 0) return;
  const raw = indices.data[invalid];
  const value = indices.dtype === 'float16' || indices.dtype === 'bfloat16' ? decodeHalfScalar(raw, indices.dtype) : raw;
  throw new RangeError(`${functionName}: indices contains ${describe(value)} at flat position ${invalid}, which is out of bounds for an axis of length ${axisLength}; mode 'raise' needs ${-axisLength} <= index <= ${axisLength - 1}`);
}

function checkTakeable(count, axisLength, axis, functionName) {
  if (count > 0 && axisLength === 0) {
    throw new RangeError(`${functionName}: cannot take ${count} indices from axis ${axis} of length 0`);
  }
}

// Returns { data, shape, dtype } with shape a.shape[:axis] + indices.shape + a.shape[axis + 1:]. Elements
// are copied bit-exactly; the dtype is a's.
export function take(a, indices, options) {
  const module = requireModule(FORWARD_NAME);
  const opts = checkOptions(options, FORWARD_NAME, ['axis', 'mode', 'out']);
  const mode = checkMode(opts.mode, FORWARD_NAME);
  const array = toTensor(a, `${FORWARD_NAME}: a`, { encodeHalf: (values, name) => encodeHalfWith(module, values, name) });
  if (array.shape.length === 0) {
    throw new RangeError(`${FORWARD_NAME}: a must have at least one dimension, got a 0-d tensor`);
  }
  const axis = normalizeAxis(opts.axis, array.shape.length, FORWARD_NAME);
  const index = toIndexTensor(module, indices, `${FORWARD_NAME}: indices`);
  const { outer, axisLength, inner, resultShape } = layout(array.shape, axis, index.shape, FORWARD_NAME);
  const count = index.data.length;
  checkTakeable(count, axisLength, axis, FORWARD_NAME);

  const length = outer * count * inner;
  const out = checkOut(opts.out, array.dtype, length, FORWARD_NAME);
  checkAllocationSize(length * elementSize(array.dtype), `${FORWARD_NAME}: output ${formatShape(resultShape)}`);
  const result = out ?? new STORAGE[array.dtype](length);
  if (count === 0) return { data: result, shape: resultShape, dtype: array.dtype };

  const element = elementSize(array.dtype);
  const pointers = [];
  const keep = (pointer) => {
    pointers.push(pointer);
    return pointer;
  };
  try {
    const indicesPointer = keep(copyIndicesToHeap(module, index, FORWARD_NAME));
    const rowsPointer = keep(allocate(module, count * 4, `${FORWARD_NAME}: ${count} positions`));
    mapIndices(module, index, indicesPointer, axisLength, mode, rowsPointer, FORWARD_NAME);
    if (length === 0) return { data: result, shape: resultShape, dtype: array.dtype };

    const arrayPointer = keep(copyToHeap(module, array.data, `${FORWARD_NAME}: a ${formatShape(array.shape)}`));
    const outPointer = keep(allocate(module, length * element, `${FORWARD_NAME}: output ${formatShape(resultShape)}`));
    module.takeGather(rowsPointer, count, arrayPointer, outer, axisLength, inner, element, outPointer);
    result.set(heapView(module, STORAGE[array.dtype], outPointer, length));
    return { data: result, shape: resultShape, dtype: array.dtype };
  } finally {
    for (const pointer of pointers) release(module, pointer);
  }
}

function checkDenseGrad(grad, shape, dtype) {
  if (grad === null || typeof grad !== 'object' || !isTypedArray(grad.data)) {
    throw new TypeError(`${BACKWARD_NAME}: options.grad must be a dense gradient { data, shape, dtype } with TypedArray data for gradReq 'add', got ${describe(grad)}`);
  }
  const tensor = toTensor(grad, `${BACKWARD_NAME}: options.grad`);
  if (tensor.dtype !== dtype) {
    throw new TypeError(`${BACKWARD_NAME}: options.grad has dtype ${tensor.dtype}, but outGrad has dtype ${dtype}`);
  }
  if (tensor.shape.length !== shape.length || tensor.shape.some((dim, axis) => dim !== shape[axis])) {
    throw new RangeError(`${BACKWARD_NAME}: options.grad has shape ${formatShape(tensor.shape)}, but the gradient has shape ${formatShape(shape)}`);
  }
  if (isDetached(grad.data.buffer)) throw new TypeError(`${BACKWARD_NAME}: options.grad.data is a view of a detached ArrayBuffer`);
  return grad;
}

// Returns the gradient of take with respect to a: a dense tensor of options.shape (a's shape) where each
// element sums the outGrad elements taken from it, in increasing index position, in double, rounded once.
// options: shape (required), axis, mode (the forward's), gradReq ('write' or 'add'), grad (for 'add'), out.
export function takeBackward(indices, outGrad, options) {
  const module = requireModule(BACKWARD_NAME);
  const opts = checkOptions(options, BACKWARD_NAME, ['shape', 'axis', 'mode', 'gradReq', 'grad', 'out']);
  const mode = checkMode(opts.mode, BACKWARD_NAME);
  if (opts.shape === undefined) {
    throw new TypeError(`${BACKWARD_NAME}: options.shape is missing; it gives the shape of the array that take read`);
  }
  const shape = validateShape(opts.shape, `${BACKWARD_NAME}: options`);
  if (shape.length === 0) throw new RangeError(`${BACKWARD_NAME}: options.shape must have at least one dimension, got []`);
  const axis = normalizeAxis(opts.axis, shape.length, BACKWARD_NAME);
  const gradReq = opts.gradReq ?? 'write';
  if (gradReq !== 'write' && gradReq !== 'add') {
    throw new TypeError(`${BACKWARD_NAME}: options.gradReq must be 'write' or 'add', got ${describe(gradReq)}`);
  }

  const index = toIndexTensor(module, indices, `${BACKWARD_NAME}: indices`);
  const gradient = toGradientTensor(module, outGrad, 'outGrad', BACKWARD_NAME);
  const { outer, axisLength, inner, resultShape } = layout(shape, axis, index.shape, BACKWARD_NAME);
  const sameShape = gradient.shape.length === resultShape.length
    && gradient.shape.every((dim, i) => dim === resultShape[i]);
  if (!sameShape) {
    throw new RangeError(`${BACKWARD_NAME}: outGrad has shape ${formatShape(gradient.shape)}, but take's output for shape ${formatShape(shape)}, axis ${axis} and indices ${formatShape(index.shape)} has shape ${formatShape(resultShape)}`);
  }
  const count = index.data.length;
  checkTakeable(count, axisLength, axis, BACKWARD_NAME);

  const { dtype } = gradient;
  const ArrayType = STORAGE[dtype];
  const length = shapeSize(shape);
  let grad;
  if (gradReq === 'add') {
    if (opts.grad === undefined) throw new TypeError(`${BACKWARD_NAME}: gradReq 'add' needs options.grad, the gradient to add to`);
    grad = checkDenseGrad(opts.grad, shape, dtype);
    if (opts.out !== undefined) throw new TypeError(`${BACKWARD_NAME}: options.out serves only gradReq 'write'`);
  } else if (opts.grad !== undefined) {
    throw new TypeError(`${BACKWARD_NAME}: options.grad is used only with gradReq 'add'`);
  }
  const out = checkOut(opts.out, dtype, length, BACKWARD_NAME);

  const pointers = [];
  const keep = (pointer) => {
    pointers.push(pointer);
    return pointer;
  };
  try {
    const rowsPointer = keep(allocate(module, count * 4, `${BACKWARD_NAME}: ${count} positions`));
    if (count > 0) {
      const indicesPointer = keep(copyIndicesToHeap(module, index, BACKWARD_NAME));
      mapIndices(module, index, indicesPointer, axisLength, mode, rowsPointer, BACKWARD_NAME);
    }
    const gradientPointer = keep(copyToHeap(module, gradient.data, `${BACKWARD_NAME}: outGrad ${formatShape(gradient.shape)}`));
    const targetPointer = keep(allocate(module, length * ArrayType.BYTES_PER_ELEMENT, `${BACKWARD_NAME}: gradient ${formatShape(shape)}`));
    if (gradReq === 'add') heapView(module, ArrayType, targetPointer, length).set(grad.data);
    module.takeBackward(rowsPointer, count, gradientPointer, outer, axisLength, inner, dtypeCode(module, dtype), targetPointer,
      gradReq === 'add');

    const computed = heapView(module, ArrayType, targetPointer, length);
    if (gradReq === 'add') {
      grad.data.set(computed);
      return grad;
    }
    const target = out ?? new ArrayType(length);
    target.set(computed);
    return { data: target, shape, dtype };
  } finally {
    for (const pointer of pointers) release(module, pointer);
  }
}
