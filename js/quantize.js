// Quantized tables: per-row 8-bit codes with a float32 scale and offset per row, kept in wasm memory.
//
// int8 rows are symmetric: scale = max|x| / 127, codes in [-127, 127], offset 0.
// uint8 rows are asymmetric (FBGEMM's 8-bit rowwise layout): scale = (max - min) / 255, codes in [0, 255],
// offset = min, so the zero point -min / scale need not be an integer.
// Every element decodes as code * scale + offset, within scale / 2 of its float32 source value.

import { DisposedError, describe, formatShape } from './errors.js';
import { STORAGE } from './dtypes.js';
import { encodeHalfWith } from './half.js';
import { checkOptions } from './options.js';
import {
  allocate, copyToHeap, currentGeneration, heapView, release, requireModule,
} from './runtime.js';
import { checkWeightShape, isTable, tableMemory } from './table.js';
import { toTensor } from './tensor.js';

const FUNCTION_NAME = 'quantizeTable';
export const QUANTIZED_DTYPES = Object.freeze(['int8', 'uint8']);
const SCHEMES = ['per-row'];
const SOURCE_DTYPES = ['float32', 'float64', 'float16', 'bfloat16'];

// Per-table state kept out of reach of callers: { module, pointer, codesBytes, generation }.
const internals = new WeakMap();

// Bytes of the code block, rounded up so the float32 scales after it stay 4-byte aligned.
function codeBytes(rows, columns) {
  return Math.ceil((rows * columns) / 4) * 4;
}

export class QuantizedTable {
  constructor(module, pointer, shape, dtype, reconstructionError) {
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.scheme = 'per-row';
    this.reconstructionError = Object.freeze(reconstructionError);
    internals.set(this, { module, pointer, codesBytes: codeBytes(shape[0], shape[1]), generation: currentGeneration() });
  }

  get disposed() {
    const state = internals.get(this);
    return state.pointer === 0 || state.generation !== currentGeneration();
  }

  // Bytes of wasm memory the table occupies: codes plus a float32 scale and offset per row.
  get byteLength() {
    return internals.get(this).codesBytes + this.shape[0] * 8;
  }

  // Frees the table's wasm memory. Safe to call more than once.
  dispose() {
    const state = internals.get(this);
    if (state.pointer !== 0 && state.generation === currentGeneration()) release(state.module, state.pointer);
    state.pointer = 0;
  }

  // Copies of the codes ([rows, columns] Int8Array or Uint8Array), scales and offsets (Float32Array per row).
  parameters() {
    const memory = quantizedMemory(this, 'QuantizedTable.parameters');
    const length = this.shape[0] * this.shape[1];
    return {
      codes: heapView(memory.module, STORAGE[this.dtype], memory.pointer, length).slice(),
      scales: heapView(memory.module, Float32Array, memory.scalesPointer, this.shape[0]).slice(),
      offsets: heapView(memory.module, Float32Array, memory.offsetsPointer, this.shape[0]).slice(),
    };
  }

  // Returns the decoded table as a float32 tensor { data, shape, dtype }.
  dequantize() {
    const { codes, scales, offsets } = this.parameters();
    const [rows, columns] = this.shape;
    const data = new Float32Array(rows * columns);
    for (let r = 0; r < rows; r += 1) {
      const scale = Math.fround(scales[r]);
      for (let d = 0; d < columns; d += 1) {
        const i = r * columns + d;
        data[i] = Math.fround(Math.fround(codes[i] * scale) + offsets[r]);
      }
    }
    return { data, shape: this.shape.slice(), dtype: 'float32' };
  }
}

export function isQuantizedTable(value) {
  return value instanceof QuantizedTable;
}

// The module and pointers of a live quantized table, or a DisposedError naming the function that needed it.
export function quantizedMemory(table, functionName) {
  const state = internals.get(table);
  const label = `the quantized table ${formatShape(table.shape)} ${table.dtype}`;
  if (state.pointer === 0) throw new DisposedError(`${functionName}: ${label} was disposed`);
  if (state.generation !== currentGeneration()) {
    throw new DisposedError(`${functionName}: ${label} belongs to a module that was disposed; create it again after init()`);
  }
  const scalesPointer = state.pointer + state.codesBytes;
  return {
    module: state.module,
    pointer: state.pointer,
    scalesPointer,
    offsetsPointer: scalesPointer + table.shape[0] * 4,
  };
}

// The weight's values as a Float32Array; float64 rounds to float32, float16 and bfloat16 decode exactly.
function sourceValues(module, tensor) {
  if (tensor.dtype === 'float32') return tensor.data;
  if (tensor.dtype === 'float64') return Float32Array.from(tensor.data);
  const count = tensor.data.length;
  const kernel = tensor.dtype === 'float16' ? module.decodeHalfToF32 : module.decodeBFloat16ToF32;
  let bitsPointer = 0;
  let valuesPointer = 0;
  try {
    bitsPointer = copyToHeap(module, tensor.data, `${FUNCTION_NAME}: decoding the ${tensor.dtype} weight`);
    valuesPointer = allocate(module, count * 4, `${FUNCTION_NAME}: decoding the ${tensor.dtype} weight`);
    kernel(bitsPointer, count, valuesPointer);
    return heapView(module, Float32Array, valuesPointer, count).slice();
  } finally {
    release(module, bitsPointer);
    release(module, valuesPointer);
  }
}

function checkFinite(values, shape) {
  for (let i = 0; i < values.length; i += 1) {
    if (!Number.isFinite(values[i])) {
      const columns = shape[1];
      throw new RangeError(`${FUNCTION_NAME}: weight[${Math.floor(i / columns)}][${i % columns}] is ${describe(values[i])}; quantization needs finite values`);
    }
  }
}

// Quantizes a float weight (a Table or any 2-D tensor of float32, float64, float16 or bfloat16) row by
// row into a QuantizedTable. options.dtype is 'int8' (default) or 'uint8'; options.scheme is 'per-row';
// options.weightDtype names the weight's dtype when a Uint16Array contains float16 or bfloat16 bits.
export function quantizeTable(weight, options) {
  const module = requireModule(FUNCTION_NAME);
  const opts = checkOptions(options, FUNCTION_NAME, ['dtype', 'scheme', 'weightDtype']);
  const dtype = opts.dtype ?? 'int8';
  if (!QUANTIZED_DTYPES.includes(dtype)) {
    throw new TypeError(`${FUNCTION_NAME}: options.dtype must be 'int8' or 'uint8', got ${describe(dtype)}`);
  }
  const scheme = opts.scheme ?? 'per-row';
  if (!SCHEMES.includes(scheme)) {
    throw new TypeError(`${FUNCTION_NAME}: options.scheme must be 'per-row', got ${describe(scheme)}`);
  }

  if (isTable(weight)) tableMemory(weight, FUNCTION_NAME);
  const tensor = isTable(weight)
    ? weight.toTensor()
    : toTensor(weight, `${FUNCTION_NAME}: weight`, { dtype: opts.weightDtype, encodeHalf: (values, name) => encodeHalfWith(module, values, name) });
  if (isTable(weight) && opts.weightDtype !== undefined && opts.weightDtype !== weight.dtype) {
    throw new TypeError(`${FUNCTION_NAME}: weight is a ${weight.dtype} table, but options.weightDtype is ${describe(opts.weightDtype)}`);
  }
  checkWeightShape(tensor.shape, `${FUNCTION_NAME}: weight`);
  if (!SOURCE_DTYPES.includes(tensor.dtype)) {
    throw new TypeError(`${FUNCTION_NAME}: weight must be ${SOURCE_DTYPES.join(', ')}, got ${tensor.dtype}`);
  }
  const [rows, columns] = tensor.shape;
  const values = sourceValues(module, tensor);
  checkFinite(values, tensor.shape);

  const codesBytes = codeBytes(rows, columns);
  const purpose = `${FUNCTION_NAME}: a ${formatShape(tensor.shape)} ${dtype} table`;
  let sourcePointer = 0;
  let errorPointer = 0;
  let tablePointer = 0;
  try {
    sourcePointer = copyToHeap(module, values, purpose);
    errorPointer = allocate(module, 16, purpose);
    tablePointer = allocate(module, codesBytes + rows * 8, purpose);
    const scalesPointer = tablePointer + codesBytes;
    module.quantizeRows(sourcePointer, rows, columns, dtype === 'uint8', tablePointer, scalesPointer,
      scalesPointer + rows * 4, errorPointer);
    const [maxAbs, squaredSum] = heapView(module, Float64Array, errorPointer, 2);
    const count = rows * columns;
    const table = new QuantizedTable(module, tablePointer, tensor.shape, dtype, {
      maxAbs,
      rms: count === 0 ? 0 : Math.sqrt(squaredSum / count),
    });
    tablePointer = 0;
    return table;
  } finally {
    release(module, sourcePointer);
    release(module, errorPointer);
    release(module, tablePointer);
  }
}
