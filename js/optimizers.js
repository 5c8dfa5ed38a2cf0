// Optimizer classes (SGD, Adam, AdaGrad) with MXNet's defaults. Each keeps per-weight state, created on the
// first step() for that weight: Tables in wasm memory when the weight is a Table, tensors otherwise.

import { describe } from './errors.js';
import { STORAGE } from './dtypes.js';
import { fromBFloat16, fromFloat16 } from './half.js';
import { checkBoolean, checkOptions } from './options.js';
import { createRowSparse, isRowSparse } from './sparse.js';
import { createTable, isTable } from './table.js';
import { resolveHyperparameters, runUpdate } from './ops/optimizers.js';
import { toTensor } from './tensor.js';

const COMMON_OPTIONS = ['lr', 'wd', 'rescaleGrad', 'clipGradient', 'lazyUpdate', 'multiPrecision'];

function zerosLike(weight, dtype) {
  const size = weight.shape.reduce((product, dim) => product * dim, 1);
  const tensor = { data: new STORAGE[dtype](size), shape: weight.shape.slice(), dtype };
  return isTable(weight) ? createTable(tensor) : tensor;
}

function decodeHalf(bits, dtype) {
  return dtype === 'float16' ? fromFloat16(bits) : fromBFloat16(bits);
}

function weightTensor(weight) {
  return isTable(weight) ? weight.toTensor() : toTensor(weight, 'weight');
}

// float16 or bfloat16 gradient -> float32 (exact), dense or row_sparse.
function gradientToFloat32(grad, dtype) {
  if (isRowSparse(grad)) {
    return createRowSparse(grad.indices, decodeHalf(grad.values.data, dtype), grad.shape, 'float32');
  }
  const tensor = toTensor(grad, 'grad', { dtype });
  return { data: decodeHalf(tensor.data, dtype), shape: tensor.shape, dtype: 'float32' };
}

class Optimizer {
  // functionName is the update op; defaults are the class's option defaults (lr included); ignored names
  // options that are accepted but do not reach the op.
  constructor(className, functionName, options, defaults, ignored = []) {
    const opts = checkOptions(options, className, [...new Set([...COMMON_OPTIONS, ...Object.keys(defaults), ...ignored])]);
    this.className = className;
    this.functionName = functionName;
    this.multiPrecision = checkBoolean(opts.multiPrecision, `${className}: options.multiPrecision`, false);
    const given = Object.entries(opts).filter(([key, value]) => value !== undefined && key !== 'multiPrecision' && !ignored.includes(key));
    this.options = { ...defaults, ...Object.fromEntries(given) };
    // Validate now, so a bad option raises in the constructor rather than in the first step().
    resolveHyperparameters(functionName, this.options, className);
    this.states = new Map();
    this.disposed = false;
  }

  // The learning rate used by the next step(); may be changed between steps (a schedule).
  get lr() {
    return this.options.lr;
  }

  set lr(value) {
    resolveHyperparameters(this.functionName, { ...this.options, lr: value }, this.className);
    this.options.lr = value;
  }

  // Per-weight state, created on first use: states in kernel order, the float32 master copy when
  // multiPrecision applies, and the update count.
  stateFor(weight) {
    let state = this.states.get(weight);
    if (state !== undefined) return state;
    const dtype = isTable(weight) ? weight.dtype : toTensor(weight, `${this.className}.step: weight`).dtype;
    const mixed = this.multiPrecision && (dtype === 'float16' || dtype === 'bfloat16');
    let master = null;
    if (mixed) {
      const tensor = weightTensor(weight);
      const full = { data: decodeHalf(tensor.data, dtype), shape: tensor.shape, dtype: 'float32' };
      master = isTable(weight) ? createTable(full) : full;
    }
    const stateDtype = mixed ? 'float32' : dtype;
    const count = this.stateCount();
    const tensors = Array.from({ length: count }, () => zerosLike(master ?? weight, stateDtype));
    state = { dtype, master, states: tensors, count: 0 };
    this.states.set(weight, state);
    return state;
  }

  // Hyperparameters for this weight's next update (Adam corrects lr by the step count).
  hyperparameters() {
    return resolveHyperparameters(this.functionName, this.options);
  }

  // Updates weight in place from grad (dense or row_sparse) and returns weight.
  step(weight, grad) {
    if (this.disposed) throw new TypeError(`${this.className}.step: the optimizer was disposed`);
    if (weight === null || typeof weight !== 'object') {
      throw new TypeError(`${this.className}.step: weight must be a Table or a tensor, got ${describe(weight)}`);
    }
    const state = this.stateFor(weight);
    const hyper = this.hyperparameters(state.count + 1);
    if (state.master !== null) {
      runUpdate(this.functionName, state.master, gradientToFloat32(grad, state.dtype), state.states, hyper, weight);
    } else {
      runUpdate(this.functionName, weight, grad, state.states, hyper);
    }
    state.count += 1;
    return weight;
  }

  // Number of updates applied to weight so far.
  stepCount(weight) {
    return this.states.get(weight)?.count ?? 0;
  }

  // Frees the state Tables. Safe to call more than once.
  dispose() {
    for (const state of this.states.values()) {
      for (const value of [state.master, ...state.states]) {
        if (isTable(value)) value.dispose();
      }
    }
    this.states.clear();
    this.disposed = true;
  }
}

// Stochastic gradient descent, with momentum when options.momentum > 0 (MXNet defaults: lr 0.01,
// momentum 0).
export class SGD extends Optimizer {
  constructor(options) {
    // Without momentum the plain update runs and keeps no state. Any other momentum value, invalid ones
    // included, goes to sgdMomUpdate, whose validation reports it.
    const momentum = options !== null && typeof options === 'object' ? options.momentum : undefined;
    if (momentum === undefined || momentum === 0) {
      super('SGD', 'sgdUpdate', options, { lr: 0.01 }, ['momentum']);
    } else {
      super('SGD', 'sgdMomUpdate', options, { lr: 0.01, momentum: 0 });
    }
  }

  stateCount() {
    return this.functionName === 'sgdMomUpdate' ? 1 : 0;
  }
}

// Adam (MXNet defaults: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8). The update op has no bias
// correction, so each step passes lr * sqrt(1 - beta2^t) / (1 - beta1^t), with t counted per weight.
export class Adam extends Optimizer {
  constructor(options) {
    super('Adam', 'adamUpdate', options, { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  }

  stateCount() {
    return 2;
  }

  hyperparameters(t) {
    const hyper = resolveHyperparameters(this.functionName, this.options);
    const { beta1, beta2 } = hyper.params;
    hyper.params.lr = hyper.params.lr * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t);
    return hyper;
  }
}

// AdaGrad (lr 0.01, epsilon 1e-7). A row_sparse gradient always updates lazily.
export class AdaGrad extends Optimizer {
  constructor(options) {
    super('AdaGrad', 'adagradUpdate', options, { lr: 0.01, epsilon: 1e-7 });
  }

  stateCount() {
    return 1;
  }
}
