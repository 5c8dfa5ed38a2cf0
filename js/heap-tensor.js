// Heap tensors: output buffers that live in wasm memory, so an operation can write its result in place
// instead of copying it out to a JS array.

import { DisposedError, formatShape } from './errors.js';
import { STORAGE, elementSize } from './dtypes.js';
import { allocate, currentGeneration, heapView, release, requireModule } from './runtime.js';
import { shapeSize, validateDtypeName, validateShape } from './tensor.js';

// Per-tensor state kept out of reach of callers: { module, pointer, generation }.
const internals = new WeakMap();

export class HeapTensor {
  constructor(module, pointer, shape, dtype) {
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    internals.set(this, { module, pointer, generation: currentGeneration() });
  }

  // A view of the tensor's elements, created again on every access: memory growth replaces the wasm
  // memory's buffer, so a view kept across a later library call can be empty or stale.
  get data() {
    const { module, pointer } = heapTensorMemory(this, 'HeapTensor.data');
    return heapView(module, STORAGE[this.dtype], pointer, shapeSize(this.shape));
  }

  get byteLength() {
    return shapeSize(this.shape) * elementSize(this.dtype);
  }

  get disposed() {
    const state = internals.get(this);
    return state.pointer === 0 || state.generation !== currentGeneration();
  }

  // Frees the tensor's wasm memory. Safe to call more than once.
  dispose() {
    const state = internals.get(this);
    if (state.pointer !== 0 && state.generation === currentGeneration()) release(state.module, state.pointer);
    state.pointer = 0;
  }

  // Copies the tensor's elements out of wasm memory as { data, shape, dtype }.
  toTensor() {
    return { data: this.data.slice(), shape: this.shape.slice(), dtype: this.dtype };
  }
}

export function isHeapTensor(value) {
  return value instanceof HeapTensor;
}

// The module and pointer of a live heap tensor, or a DisposedError naming the function that needed it.
export function heapTensorMemory(tensor, functionName) {
  const state = internals.get(tensor);
  if (state.pointer === 0) {
    throw new DisposedError(`${functionName}: the heap tensor ${formatShape(tensor.shape)} ${tensor.dtype} was disposed`);
  }
  if (state.generation !== currentGeneration()) {
    throw new DisposedError(`${functionName}: the heap tensor ${formatShape(tensor.shape)} ${tensor.dtype} belongs to a module that was disposed; create it again after init()`);
  }
  return { module: state.module, pointer: state.pointer };
}

// Allocates a zero-filled tensor of the given shape and dtype in wasm memory.
export function createHeapTensor(shape, dtype = 'float32') {
  const module = requireModule('createHeapTensor');
  const checkedShape = validateShape(shape, 'createHeapTensor: tensor');
  validateDtypeName(dtype, 'createHeapTensor: dtype');

  const byteLength = shapeSize(checkedShape) * elementSize(dtype);
  const pointer = allocate(module, byteLength, `createHeapTensor: a ${formatShape(checkedShape)} ${dtype} tensor`);
  heapView(module, Uint8Array, pointer, byteLength).fill(0);
  return new HeapTensor(module, pointer, checkedShape, dtype);
}
