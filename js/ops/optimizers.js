// Optimizer update ops (MXNet's sgd_update, sgd_mom_update, adam_update, adagrad_update and their sparse
// forms). Each updates the weight and its states in place, for a dense or a row_sparse gradient.
//
// Weights and states are tensors { data, shape, dtype } whose data arrays are overwritten with the result,
// or Tables, which are updated in wasm memory without copying.

import { describe, formatShape } from '../errors.js';
import { STORAGE, dtypeCode, elementSize, isFloatDtype } from '../dtypes.js';
import { checkBoolean, checkOptions } from '../options.js';
import { allocate, copyToHeap, heapView, release, requireModule } from '../runtime.js';
import { checkRowSparse, isRowSparse } from '../sparse.js';
import { isTable, tableMemory } from '../table.js';
import { isDetached, isTypedArray, shapeSize, toTensor } from '../tensor.js';
import { toGradientTensor } from './backward.js';

const COMMON_OPTIONS = ['lr', 'wd', 'rescaleGrad', 'clipGradient', 'lazyUpdate'];

// Per op: the kind constant, the state arguments, and the extra options with their defaults.
export const UPDATE_KINDS = Object.freeze({
  sgdUpdate: { constant: 'OPTIMIZER_SGD', states: [], defaults: {} },
  sgdMomUpdate: { constant: 'OPTIMIZER_SGD_MOMENTUM', states: ['mom'], defaults: { momentum: 0 } },
  adamUpdate: {
    constant: 'OPTIMIZER_ADAM', states: ['mean', 'variance'], defaults: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  },
  adagradUpdate: { constant: 'OPTIMIZER_ADAGRAD', states: ['history'], defaults: { epsilon: 1e-7 } },
});

function checkNumber(value, name, rule, test) {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  if (!test(value)) throw new RangeError(`${name} must be ${rule}, got ${describe(value)}`);
  return value;
}

const isFiniteNumber = (value) => Number.isFinite(value);
const inUnitInterval = (value) => value >= 0 && value < 1;

// Validates the options of functionName and returns the kernel's hyperparameters with defaults applied.
// Error messages name caller, an optimizer class, when given, and the op otherwise.
export function resolveHyperparameters(functionName, options, caller = functionName) {
  const kind = UPDATE_KINDS[functionName];
  const opts = checkOptions(options, caller, [...COMMON_OPTIONS, ...Object.keys(kind.defaults)]);
  const name = (key) => `${caller}: options.${key}`;
  if (opts.lr === undefined) throw new TypeError(`${caller}: options.lr is missing; give the learning rate`);

  const params = {
    lr: checkNumber(opts.lr, name('lr'), 'a finite number >= 0', (v) => Number.isFinite(v) && v >= 0),
    wd: checkNumber(opts.wd ?? 0, name('wd'), 'a finite number >= 0', (v) => Number.isFinite(v) && v >= 0),
    rescaleGrad: checkNumber(opts.rescaleGrad ?? 1, name('rescaleGrad'), 'a finite number', isFiniteNumber),
    clipGradient: 0,
    momentum: 0,
    beta1: 0,
    beta2: 0,
    epsilon: 0,
  };
  // null, undefined and values <= 0 turn clipping off.
  if (opts.clipGradient !== undefined && opts.clipGradient !== null) {
    const clip = checkNumber(opts.clipGradient, name('clipGradient'), 'a number, null or undefined (<= 0 turns clipping off)',
      (v) => !Number.isNaN(v));
    params.clipGradient = clip > 0 ? clip : 0;
  }
  const values = { ...kind.defaults, ...Object.fromEntries(Object.keys(kind.defaults)
    .filter((key) => opts[key] !== undefined).map((key) => [key, opts[key]])) };
  if ('momentum' in values) params.momentum = checkNumber(values.momentum, name('momentum'), 'in [0, 1)', inUnitInterval);
  if ('beta1' in values) params.beta1 = checkNumber(values.beta1, name('beta1'), 'in [0, 1)', inUnitInterval);
  if ('beta2' in values) params.beta2 = checkNumber(values.beta2, name('beta2'), 'in [0, 1)', inUnitInterval);
  if ('epsilon' in values) {
    params.epsilon = checkNumber(values.epsilon, name('epsilon'), 'a finite number > 0', (v) => Number.isFinite(v) && v > 0);
  }
  const lazyUpdate = checkBoolean(opts.lazyUpdate, name('lazyUpdate'), true);
  return { params, lazyUpdate };
}

// An in-place operand: a live Table, or a tensor whose data is a TypedArray of a float dtype.
function describeOperand(value, argument, functionName) {
  if (isTable(value)) {
    tableMemory(value, functionName);
    if (!isFloatDtype(value.dtype)) {
      throw new TypeError(`${functionName}: ${argument} must have a float dtype, got a ${value.dtype} table`);
    }
    return { table: value, shape: value.shape, dtype: value.dtype };
  }
  if (value === null || typeof value !== 'object' || !isTypedArray(value.data)) {
    throw new TypeError(`${functionName}: ${argument} must be a Table or a tensor { data, shape, dtype } with TypedArray data (it is updated in place), got ${describe(value)}`);
  }
  if (isDetached(value.data.buffer)) throw new TypeError(`${functionName}: ${argument}.data is a view of a detached ArrayBuffer`);
  const tensor = toTensor(value, `${functionName}: ${argument}`);
  if (!isFloatDtype(tensor.dtype)) {
    throw new TypeError(`${functionName}: ${argument} must have a float dtype (float32, float64, float16 or bfloat16), got ${tensor.dtype}`);
  }
  return { tensor: value, data: value.data, shape: tensor.shape, dtype: tensor.dtype };
}

function sameShape(a, b) {
  return a.length === b.length && a.every((dim, axis) => dim === b[axis]);
}

function checkAgreement(operand, argument, weight, functionName, expectedDtype = weight.dtype) {
  if (operand.dtype !== expectedDtype) {
    throw new TypeError(`${functionName}: ${argument} has dtype ${operand.dtype}, but weight needs ${expectedDtype}`);
  }
  if (!sameShape(operand.shape, weight.shape)) {
    throw new RangeError(`${functionName}: ${argument} has shape ${formatShape(operand.shape)}, but weight has shape ${formatShape(weight.shape)}`);
  }
}

function describeGradient(module, grad, weight, functionName) {
  if (isRowSparse(grad)) {
    if (weight.shape.length !== 2) {
      throw new RangeError(`${functionName}: a row_sparse grad needs a 2-D weight, got weight shape ${formatShape(weight.shape)}`);
    }
    checkRowSparse(grad, `${functionName}: grad`, {
      shape: weight.shape, shapeSource: 'weight', dtype: weight.dtype, dtypeSource: 'weight.dtype',
    });
    return { sparse: true, indices: grad.indices, data: grad.values.data };
  }
  const tensor = toGradientTensor(module, grad, 'grad', functionName);
  checkAgreement(tensor, 'grad', weight, functionName);
  return { sparse: false, data: tensor.data };
}

// Rows and row width of a weight of any shape: the first axis gives the rows (a 0-d weight is one row).
function rowLayout(shape) {
  if (shape.length === 0) return { rows: 1, rowElems: 1 };
  return { rows: shape[0], rowElems: shape[0] === 0 ? 0 : shapeSize(shape) / shape[0] };
}

// Runs one update. stateValues lists the state operands in kernel order. mirrorValue, when given, is a
// float16 or bfloat16 operand that receives the updated float32 weight, rounded (multi-precision training).
export function runUpdate(functionName, weightValue, gradValue, stateValues, hyper, mirrorValue) {
  const module = requireModule(functionName);
  const kind = UPDATE_KINDS[functionName];
  const weight = describeOperand(weightValue, 'weight', functionName);
  const states = stateValues.map((value, i) => {
    const state = describeOperand(value, kind.states[i], functionName);
    checkAgreement(state, kind.states[i], weight, functionName);
    return state;
  });
  let mirror = null;
  if (mirrorValue !== undefined) {
    mirror = describeOperand(mirrorValue, 'weight', functionName);
    if (weight.dtype !== 'float32' || (mirror.dtype !== 'float16' && mirror.dtype !== 'bfloat16')) {
      throw new TypeError(`${functionName}: a multi-precision update needs a float32 master and a float16 or bfloat16 weight`);
    }
    if (!sameShape(mirror.shape, weight.shape)) {
      throw new RangeError(`${functionName}: weight has shape ${formatShape(mirror.shape)}, but its master copy has shape ${formatShape(weight.shape)}`);
    }
  }
  const operands = [weightValue, ...stateValues, ...(mirrorValue !== undefined ? [mirrorValue] : [])];
  operands.forEach((value, i) => {
    if (operands.indexOf(value) !== i) {
      throw new TypeError(`${functionName}: the weight and its states must be distinct objects, but one object is passed twice`);
    }
  });
  const gradient = describeGradient(module, gradValue, weight, functionName);

  const { rows, rowElems } = rowLayout(weight.shape);
  const length = rows * rowElems;
  if (length === 0) return weightValue;
  // AdaGrad with a row_sparse gradient is always lazy.
  const lazy = hyper.lazyUpdate || functionName === 'adagradUpdate';

  const element = elementSize(weight.dtype);
  const pointers = [];
  const take = (pointer) => {
    pointers.push(pointer);
    return pointer;
  };
  const copied = [];
  const place = (operand, argument) => {
    if (operand.table) return tableMemory(operand.table, functionName).pointer;
    const pointer = take(copyToHeap(module, operand.data, `${functionName}: ${argument} ${formatShape(operand.shape)}`));
    copied.push({ operand, pointer });
    return pointer;
  };
  try {
    const weightPointer = place(weight, 'weight');
    const statePointers = states.map((state, i) => place(state, kind.states[i]));
    const mirrorPointer = mirror ? place(mirror, 'weight') : 0;
    const gradPointer = take(gradient.data.length > 0
      ? copyToHeap(module, gradient.data, `${functionName}: grad`)
      : allocate(module, 0, `${functionName}: grad`));
    const rowsPointer = gradient.sparse ? take(copyToHeap(module, gradient.indices, `${functionName}: grad.indices`)) : 0;
    const { params } = hyper;

    module.optimizerUpdate(module[kind.constant], dtypeCode(module, weight.dtype), weightPointer, gradPointer,
      statePointers[0] ?? 0, statePointers[1] ?? 0, rowElems, rows, rowsPointer,
      gradient.sparse ? gradient.indices.length : 0, lazy, mirror ? dtypeCode(module, mirror.dtype) : 0, mirrorPointer,
      params.lr, params.wd, params.rescaleGrad, params.clipGradient, params.momentum, params.beta1, params.beta2,
      params.epsilon);

    // Copy results back only after the kernel ran, so an error leaves every caller array untouched.
    for (const { operand, pointer } of copied) {
      operand.data.set(heapView(module, STORAGE[operand.dtype], pointer, operand.data.length));
    }
    return weightValue;
  } finally {
    for (const pointer of pointers) release(module, pointer);
  }
}

// w -= lr * g'. Returns weight.
export function sgdUpdate(weight, grad, options) {
  return runUpdate('sgdUpdate', weight, grad, [], resolveHyperparameters('sgdUpdate', options));
}

// mom = momentum * mom - lr * g'; w += mom. Returns weight.
export function sgdMomUpdate(weight, grad, mom, options) {
  return runUpdate('sgdMomUpdate', weight, grad, [mom], resolveHyperparameters('sgdMomUpdate', options));
}

// Adam without bias correction (the optimizer class passes a corrected lr). Returns weight.
export function adamUpdate(weight, grad, mean, variance, options) {
  return runUpdate('adamUpdate', weight, grad, [mean, variance], resolveHyperparameters('adamUpdate', options));
}

// history += g'^2; w -= lr * g' / (sqrt(history) + epsilon). Returns weight.
export function adagradUpdate(weight, grad, history, options) {
  return runUpdate('adagradUpdate', weight, grad, [history], resolveHyperparameters('adagradUpdate', options));
}
