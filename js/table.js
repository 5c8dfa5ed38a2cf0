// Tables: weights copied into wasm memory once, so repeated lookups copy only indices and outputs.

import { DisposedError, describe, formatShape } from './errors.js';
import { STORAGE, elementSize } from './dtypes.js';
import { encodeHalfWith } from './half.js';
import { copyToHeap, currentGeneration, heapView, release, requireModule } from './runtime.js';
import { toTensor } from './tensor.js';
import { checkOptions } from './options.js';

// Per-table state kept out of reach of callers: { module, pointer, generation }.
const internals = new WeakMap();

export class Table {
  constructor(module, pointer, shape, dtype) {
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    internals.set(this, { module, pointer, generation: currentGeneration() });
  }

  get disposed() {
    const state = internals.get(this);
    return state.pointer === 0 || state.generation !== currentGeneration();
  }

  get byteLength() {
    return this.shape[0] * this.shape[1] * elementSize(this.dtype);
  }

  // Frees the table's wasm memory. Safe to call more than once.
  dispose() {
    const state = internals.get(this);
    if (state.pointer !== 0 && state.generation === currentGeneration()) release(state.module, state.pointer);
    state.pointer = 0;
  }

  // Copies the table's current contents out of wasm memory as { data, shape, dtype }.
  toTensor() {
    const { module, pointer } = tableMemory(this, 'Table.toTensor');
    const length = this.shape[0] * this.shape[1];
    const data = heapView(module, STORAGE[this.dtype], pointer, length).slice();
    return { data, shape: this.shape.slice(), dtype: this.dtype };
  }
}

export function isTable(value) {
  return value instanceof Table;
}

// The module and pointer of a live table, or a DisposedError naming the function that needed it.
export function tableMemory(table, functionName) {
  const state = internals.get(table);
  if (state.pointer === 0) {
    throw new DisposedError(`${functionName}: the table ${formatShape(table.shape)} ${table.dtype} was disposed`);
  }
  if (state.generation !== currentGeneration()) {
    throw new DisposedError(`${functionName}: the table ${formatShape(table.shape)} ${table.dtype} belongs to a module that was disposed; create it again after init()`);
  }
  return { module: state.module, pointer: state.pointer };
}

export function checkWeightShape(shape, argument) {
  if (shape.length !== 2) {
    throw new RangeError(`${argument} must be 2-D [inputDim, outputDim], got shape ${formatShape(shape)}`);
  }
  if (shape[0] > 2 ** 31 - 1) {
    throw new RangeError(`${argument} has ${shape[0]} rows, more than the limit of 2^31 - 1`);
  }
}

// Copies weight (any tensor form, or a table to duplicate) into wasm memory. options.dtype names the
// weight's dtype, needed for float16 or bfloat16 bits in a Uint16Array.
export function createTable(weight, options) {
  const module = requireModule('createTable');
  const { dtype } = checkOptions(options, 'createTable', ['dtype']);
  if (isTable(weight)) tableMemory(weight, 'createTable');
  const tensor = isTable(weight)
    ? weight.toTensor()
    : toTensor(weight, 'createTable: weight', { dtype, encodeHalf: (values, name) => encodeHalfWith(module, values, name) });
  if (isTable(weight) && dtype !== undefined && dtype !== weight.dtype) {
    throw new TypeError(`createTable: weight is a ${weight.dtype} table, but the dtype option says ${describe(dtype)}`);
  }
  checkWeightShape(tensor.shape, 'createTable: weight');

  const pointer = copyToHeap(module, tensor.data, `createTable: a ${formatShape(tensor.shape)} ${tensor.dtype} table`);
  return new Table(module, pointer, tensor.shape, tensor.dtype);
}
