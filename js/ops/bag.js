// embeddingBag(data, weight, options) and embeddingBagBackward(data, outGrad, options): PyTorch's
// EmbeddingBag (per-bag sum, mean or max of embedding rows) on the embedding op's index mapping.

import { describe, formatShape } from '../errors.js';
import { STORAGE, dtypeCode } from '../dtypes.js';
import { decodeHalfScalar, encodeHalfWith } from '../half.js';
import { checkIndicesValid, copyIndicesToHeap, toIndexTensor } from '../indices.js';
import { checkBoolean, checkDimension, checkOptions } from '../options.js';
import { allocate, checkAllocationSize, copyToHeap, heapView, memoryBuffer, release, requireModule } from '../runtime.js';
import { checkRowSparse, createRowSparse, mergeRows } from '../sparse.js';
import { isDetached, isTypedArray, toTensor } from '../tensor.js';
import { toGradientTensor } from './backward.js';
import { checkOut, resolveDims } from './embedding.js';
import { describeRowSource, openRowSource } from './row-source.js';

const FORWARD_NAME = 'embeddingBag';
const BACKWARD_NAME = 'embeddingBagBackward';
const FORWARD_OPTIONS = [
  'offsets', 'mode', 'perSampleWeights', 'paddingIdx', 'includeLastOffset', 'inputDim', 'outputDim', 'dtype',
  'sparseGrad', 'outputDtype', 'out',
];
const BACKWARD_OPTIONS = [
  'offsets', 'mode', 'perSampleWeights', 'paddingIdx', 'includeLastOffset', 'inputDim', 'maxIndices',
  'sparseGrad', 'gradReq', 'grad', 'out',
];
const MODES = ['sum', 'mean', 'max'];
const MODE_CONSTANTS = Object.freeze({ sum: 'BAG_MODE_SUM', mean: 'BAG_MODE_MEAN', max: 'BAG_MODE_MAX' });
const TABLE_DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8'];
const MAX_POSITIONS = 2 ** 31 - 1;

function checkMode(value, functionName) {
  const mode = value ?? 'mean';
  if (!MODES.includes(mode)) {
    throw new TypeError(`${functionName}: options.mode must be 'sum', 'mean' or 'max', got ${describe(mode)}`);
  }
  return mode;
}

// Offsets as plain integers; any integer dtype or plain integer numbers.
function toOffsetValues(offsets, functionName) {
  const tensor = toTensor(offsets, `${functionName}: options.offsets`, { plainDefault: 'float64' });
  if (tensor.shape.length !== 1) {
    throw new RangeError(`${functionName}: options.offsets must be 1-D, got shape ${formatShape(tensor.shape)}`);
  }
  const isPlain = !isTypedArray(offsets) && !isTypedArray(offsets.data);
  if (!isPlain && !['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64'].includes(tensor.dtype)) {
    throw new TypeError(`${functionName}: options.offsets must have an integer dtype, got ${tensor.dtype}`);
  }
  return Array.from(tensor.data, (value, i) => {
    const number = Number(value);
    if (!Number.isSafeInteger(number)) {
      throw new RangeError(`${functionName}: options.offsets[${i}] = ${describe(value)} is not an integer`);
    }
    return number;
  });
}

// Bag b covers positions [starts[b], starts[b + 1]) of the flattened data. A 2-D data tensor is one bag
// per row; 1-D data needs offsets: bag b starts at offsets[b] and ends at the next offset (the last bag at
// data.length, or with includeLastOffset at the extra last offset, which must equal data.length).
function resolveBags(indices, offsets, includeLastOffset, functionName) {
  const count = indices.data.length;
  if (count > MAX_POSITIONS) {
    throw new RangeError(`${functionName}: data has ${count} indices, more than the limit of 2^31 - 1`);
  }
  if (indices.shape.length === 2) {
    if (offsets !== undefined) {
      throw new TypeError(`${functionName}: options.offsets is only valid with 1-D data; 2-D data ${formatShape(indices.shape)} already gives one bag per row`);
    }
    const [bagCount, bagLength] = indices.shape;
    return Int32Array.from({ length: bagCount + 1 }, (_, b) => b * bagLength);
  }
  if (indices.shape.length !== 1) {
    throw new RangeError(`${functionName}: data must be 2-D [bags, bagLength] or 1-D with options.offsets, got shape ${formatShape(indices.shape)}`);
  }
  if (offsets === undefined) {
    throw new TypeError(`${functionName}: 1-D data needs options.offsets, the start position of each bag`);
  }

  const values = toOffsetValues(offsets, functionName);
  if (includeLastOffset && values.length === 0) {
    throw new RangeError(`${functionName}: with includeLastOffset, options.offsets needs at least one element (the end of the last bag)`);
  }
  const bagCount = includeLastOffset ? values.length - 1 : values.length;
  if (bagCount === 0 && count > 0) {
    throw new RangeError(`${functionName}: options.offsets defines no bag, but data has ${count} indices`);
  }
  if (values.length > 0 && values[0] !== 0) {
    throw new RangeError(`${functionName}: options.offsets[0] must be 0 (the first bag starts at the first index), got ${values[0]}`);
  }
  values.forEach((value, i) => {
    if (value > count) {
      throw new RangeError(`${functionName}: options.offsets[${i}] = ${value} is past the end of data (length ${count})`);
    }
    if (i > 0 && value < values[i - 1]) {
      throw new RangeError(`${functionName}: options.offsets must be non-decreasing, but offsets[${i - 1}] = ${values[i - 1]} and offsets[${i}] = ${value}`);
    }
  });
  if (includeLastOffset && values[values.length - 1] !== count) {
    throw new RangeError(`${functionName}: with includeLastOffset the last offset must equal data.length ${count}, got ${values[values.length - 1]}`);
  }

  const starts = new Int32Array(bagCount + 1);
  for (let b = 0; b < bagCount; b += 1) starts[b] = values[b];
  starts[bagCount] = count;
  return starts;
}

// Row of paddingIdx (negative values count from the end), or -1 when it is not given.
export function resolvePaddingIdx(value, inputDim, functionName) {
  if (value === undefined || value === null) return -1;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${functionName}: options.paddingIdx must be an integer, got ${describe(value)}`);
  }
  if (value < -inputDim || value >= inputDim) {
    throw new RangeError(`${functionName}: options.paddingIdx = ${value} must be in [${-inputDim}, ${inputDim - 1}] for inputDim ${inputDim}`);
  }
  return value < 0 ? value + inputDim : value;
}

// perSampleWeights (mode 'sum' only) as a TypedArray of ArrayType with one weight per index.
function resolvePerSampleWeights(value, mode, indices, ArrayType, functionName) {
  if (value === undefined || value === null) return null;
  if (mode !== 'sum') {
    throw new TypeError(`${functionName}: options.perSampleWeights needs mode 'sum', got mode ${describe(mode)}`);
  }
  const tensor = toTensor(value, `${functionName}: options.perSampleWeights`);
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') {
    throw new TypeError(`${functionName}: options.perSampleWeights must be float32 or float64, got ${tensor.dtype}`);
  }
  const sameShape = tensor.shape.length === indices.shape.length
    && tensor.shape.every((dim, axis) => dim === indices.shape[axis]);
  if (!sameShape) {
    throw new RangeError(`${functionName}: options.perSampleWeights has shape ${formatShape(tensor.shape)}, but data has shape ${formatShape(indices.shape)}; they must match`);
  }
  return tensor.data instanceof ArrayType ? tensor.data : ArrayType.from(tensor.data);
}

function resolveForwardDtype(option, tableDtype, functionName) {
  const natural = tableDtype === 'float64' ? 'float64' : 'float32';
  const allowed = tableDtype === 'float16' || tableDtype === 'bfloat16' ? ['float32', tableDtype] : [natural];
  const dtype = option ?? natural;
  if (!allowed.includes(dtype)) {
    throw new TypeError(`${functionName}: options.outputDtype must be ${allowed.map((name) => `'${name}'`).join(' or ')} for a ${tableDtype} table, got ${describe(dtype)}`);
  }
  return dtype;
}

function bagConstant(module, mode) {
  return module[MODE_CONSTANTS[mode]];
}

// Returns { data, shape: [bags, outputDim], dtype } and, in max mode, maxIndices: an Int32Array of
// [bags, outputDim] flat data positions of the winning rows (-1 for empty bags).
export function embeddingBag(data, weight, options) {
  const module = requireModule(FORWARD_NAME);
  const opts = checkOptions(options, FORWARD_NAME, FORWARD_OPTIONS);
  const mode = checkMode(opts.mode, FORWARD_NAME);
  const sparseGrad = checkBoolean(opts.sparseGrad, `${FORWARD_NAME}: options.sparseGrad`, false);
  const includeLastOffset = checkBoolean(opts.includeLastOffset, `${FORWARD_NAME}: options.includeLastOffset`, false);

  const source = describeRowSource(module, weight, opts.dtype, FORWARD_NAME);
  if (!TABLE_DTYPES.includes(source.dtype) || (!source.quantized && ['int8', 'uint8'].includes(source.dtype))) {
    throw new TypeError(`${FORWARD_NAME}: weight must be float32, float64, float16, bfloat16 or a quantized table, got ${source.dtype}`);
  }
  const [inputDim, outputDim] = resolveDims(opts, source.shape, FORWARD_NAME);
  const indices = toIndexTensor(module, data, `${FORWARD_NAME}: data`);
  const starts = resolveBags(indices, opts.offsets, includeLastOffset, FORWARD_NAME);
  const paddingRow = resolvePaddingIdx(opts.paddingIdx, inputDim, FORWARD_NAME);
  const accumulate = source.dtype === 'float64' ? 'float64' : 'float32';
  const weights = resolvePerSampleWeights(opts.perSampleWeights, mode, indices, STORAGE[accumulate], FORWARD_NAME);
  const dtype = resolveForwardDtype(opts.outputDtype, source.dtype, FORWARD_NAME);

  const count = indices.data.length;
  const bagCount = starts.length - 1;
  const shape = [bagCount, outputDim];
  const length = bagCount * outputDim;
  const out = checkOut(opts.out, dtype, length, FORWARD_NAME);
  checkAllocationSize(length * STORAGE[dtype].BYTES_PER_ELEMENT, `${FORWARD_NAME}: output ${formatShape(shape)}`);
  const result = out ?? new STORAGE[dtype](length);
  const maxIndices = mode === 'max' ? new Int32Array(length) : undefined;
  const finish = () => (maxIndices ? { data: result, shape, dtype, maxIndices } : { data: result, shape, dtype });
  if (count === 0 || length === 0) {
    result.fill(0);
    maxIndices?.fill(-1);
    return finish();
  }
  if (inputDim === 0 && !sparseGrad) {
    throw new RangeError(`${FORWARD_NAME}: weight has no rows (shape ${formatShape(source.shape)}), so data with ${count} indices cannot be looked up`);
  }

  const pointers = [];
  const keep = (pointer) => {
    pointers.push(pointer);
    return pointer;
  };
  let table = null;
  try {
    const indicesPointer = keep(copyIndicesToHeap(module, indices, FORWARD_NAME));
    if (sparseGrad) checkIndicesValid(module, indices, indicesPointer, inputDim, FORWARD_NAME, 'data');
    const startsPointer = keep(copyToHeap(module, starts, `${FORWARD_NAME}: ${bagCount} bag offsets`));
    const weightsPointer = weights ? keep(copyToHeap(module, weights, `${FORWARD_NAME}: perSampleWeights`)) : 0;
    table = openRowSource(module, source, FORWARD_NAME);
    const accumulateBytes = accumulate === 'float64' ? 8 : 4;
    const outPointer = keep(allocate(module, length * accumulateBytes, `${FORWARD_NAME}: output ${formatShape(shape)}`));
    const maxPointer = maxIndices ? keep(allocate(module, length * 4, `${FORWARD_NAME}: max positions ${formatShape(shape)}`)) : 0;
    const bitsPointer = dtype === 'float16' || dtype === 'bfloat16'
      ? keep(allocate(module, length * 2, `${FORWARD_NAME}: ${dtype} output ${formatShape(shape)}`))
      : 0;

    module.embeddingBagForward(dtypeCode(module, indices.dtype), indicesPointer, inputDim, startsPointer, bagCount,
      table.format, table.pointer, outputDim, table.scalesPointer, table.offsetsPointer, bagConstant(module, mode),
      weightsPointer, paddingRow, outPointer, maxPointer);

    // float16 and bfloat16 outputs round the float32 sums once.
    if (bitsPointer) {
      const encode = dtype === 'float16' ? module.encodeHalfFromF32 : module.encodeBFloat16FromF32;
      encode(outPointer, length, bitsPointer);
      result.set(heapView(module, Uint16Array, bitsPointer, length));
    } else {
      result.set(heapView(module, STORAGE[accumulate], outPointer, length));
    }
    if (maxIndices) maxIndices.set(heapView(module, Int32Array, maxPointer, length));
    return finish();
  } finally {
    table?.close();
    for (const pointer of pointers) release(module, pointer);
  }
}

function checkMaxIndices(value, starts, outputDim, functionName) {
  const bagCount = starts.length - 1;
  const length = bagCount * outputDim;
  if (!(value instanceof Int32Array)) {
    throw new TypeError(`${functionName}: mode 'max' needs options.maxIndices, the Int32Array that embeddingBag returned as maxIndices, got ${describe(value)}`);
  }
  if (isDetached(value.buffer)) throw new TypeError(`${functionName}: options.maxIndices is a view of a detached ArrayBuffer`);
  if (value.length !== length) {
    throw new RangeError(`${functionName}: options.maxIndices has ${value.length} elements, but ${bagCount} bags of ${outputDim} need ${length}`);
  }
  for (let b = 0; b < bagCount; b += 1) {
    for (let d = 0; d < outputDim; d += 1) {
      const position = value[b * outputDim + d];
      const inBag = position >= starts[b] && position < starts[b + 1];
      if (position !== -1 && !inBag) {
        throw new RangeError(`${functionName}: options.maxIndices[${b * outputDim + d}] = ${position} is not -1 and not a position of bag ${b}, which covers [${starts[b]}, ${starts[b + 1]})`);
      }
    }
  }
  return value;
}

function checkDenseGrad(grad, shape, dtype, functionName) {
  if (grad === null || typeof grad !== 'object' || !isTypedArray(grad.data)) {
    throw new TypeError(`${functionName}: options.grad must be a dense gradient { data, shape, dtype } with TypedArray data for gradReq 'add', got ${describe(grad)}`);
  }
  const tensor = toTensor(grad, `${functionName}: options.grad`);
  if (tensor.dtype !== dtype) {
    throw new TypeError(`${functionName}: options.grad has dtype ${tensor.dtype}, but outGrad has dtype ${dtype}`);
  }
  if (tensor.shape.length !== 2 || tensor.shape[0] !== shape[0] || tensor.shape[1] !== shape[1]) {
    throw new RangeError(`${functionName}: options.grad has shape ${formatShape(tensor.shape)}, but the gradient has shape ${formatShape(shape)}`);
  }
  if (isDetached(grad.data.buffer)) throw new TypeError(`${functionName}: options.grad.data is a view of a detached ArrayBuffer`);
  return grad;
}

function validateBackward(module, data, outGrad, options) {
  const opts = checkOptions(options, BACKWARD_NAME, BACKWARD_OPTIONS);
  const mode = checkMode(opts.mode, BACKWARD_NAME);
  const sparseGrad = checkBoolean(opts.sparseGrad, `${BACKWARD_NAME}: options.sparseGrad`, false);
  const includeLastOffset = checkBoolean(opts.includeLastOffset, `${BACKWARD_NAME}: options.includeLastOffset`, false);
  const gradReq = opts.gradReq ?? 'write';
  if (gradReq !== 'write' && gradReq !== 'add') {
    throw new TypeError(`${BACKWARD_NAME}: options.gradReq must be 'write' or 'add', got ${describe(gradReq)}`);
  }
  if (opts.inputDim === undefined) {
    throw new TypeError(`${BACKWARD_NAME}: options.inputDim is missing; it gives the number of rows of the gradient`);
  }
  const inputDim = checkDimension(opts.inputDim, `${BACKWARD_NAME}: options.inputDim`, MAX_POSITIONS);

  const indices = toIndexTensor(module, data, `${BACKWARD_NAME}: data`);
  const starts = resolveBags(indices, opts.offsets, includeLastOffset, BACKWARD_NAME);
  const bagCount = starts.length - 1;
  const gradient = toGradientTensor(module, outGrad, 'outGrad', BACKWARD_NAME);
  if (gradient.shape.length !== 2 || gradient.shape[0] !== bagCount) {
    throw new RangeError(`${BACKWARD_NAME}: outGrad has shape ${formatShape(gradient.shape)}, but ${bagCount} bags need [${bagCount}, outputDim]`);
  }
  const outputDim = gradient.shape[1];
  const shape = [inputDim, outputDim];
  const paddingRow = resolvePaddingIdx(opts.paddingIdx, inputDim, BACKWARD_NAME);
  // float16 and bfloat16 gradients take float32 per-sample weights.
  const weightsType = gradient.dtype === 'float64' ? Float64Array : Float32Array;
  const weights = resolvePerSampleWeights(opts.perSampleWeights, mode, indices, weightsType, BACKWARD_NAME);
  const maxIndices = mode === 'max' ? checkMaxIndices(opts.maxIndices, starts, outputDim, BACKWARD_NAME) : null;
  if (mode !== 'max' && opts.maxIndices !== undefined) {
    throw new TypeError(`${BACKWARD_NAME}: options.maxIndices is used only with mode 'max'`);
  }

  let grad;
  if (gradReq === 'add') {
    if (opts.grad === undefined) throw new TypeError(`${BACKWARD_NAME}: gradReq 'add' needs options.grad, the gradient to add to`);
    grad = sparseGrad
      ? checkRowSparse(opts.grad, `${BACKWARD_NAME}: options.grad`, {
        shape, shapeSource: 'the gradient', dtype: gradient.dtype, dtypeSource: 'outGrad.dtype',
      })
      : checkDenseGrad(opts.grad, shape, gradient.dtype, BACKWARD_NAME);
  } else if (opts.grad !== undefined) {
    throw new TypeError(`${BACKWARD_NAME}: options.grad is used only with gradReq 'add'; use options.out for a preallocated dense result`);
  }
  if (opts.out !== undefined && (sparseGrad || gradReq === 'add')) {
    throw new TypeError(`${BACKWARD_NAME}: options.out serves only dense results with gradReq 'write'`);
  }
  const out = checkOut(opts.out, gradient.dtype, inputDim * outputDim, BACKWARD_NAME);
  return {
    mode, sparseGrad, gradReq, inputDim, outputDim, shape, indices, starts, gradient, paddingRow, weights, maxIndices,
    grad, out,
  };
}

// Adds a fresh row_sparse gradient onto options.grad, merging the row sets.
// float16 and bfloat16 values are decoded, added in double and encoded once.
function addRowSparse(module, grad, rows, values, outputDim, dtype) {
  const half = dtype === 'float16' || dtype === 'bfloat16';
  const decode = (array) => (half ? Float64Array.from(array, (bits) => decodeHalfScalar(bits, dtype)) : array);
  const merged = mergeRows(grad.indices, rows);
  const sums = new (half ? Float64Array : STORAGE[dtype])(merged.rows.length * outputDim);
  const oldValues = decode(grad.values.data);
  const newValues = decode(values);
  merged.firstSlots.forEach((slot, k) => {
    sums.set(oldValues.subarray(k * outputDim, (k + 1) * outputDim), slot * outputDim);
  });
  merged.secondSlots.forEach((slot, k) => {
    for (let d = 0; d < outputDim; d += 1) sums[slot * outputDim + d] += newValues[k * outputDim + d];
  });
  const mergedValues = half ? encodeHalfWith(module, sums, dtype) : sums;
  grad.indices = merged.rows;
  grad.values = { data: mergedValues, shape: [merged.rows.length, outputDim], dtype };
  return grad;
}

// Returns the gradient of embeddingBag with respect to its weight: dense [inputDim, outputDim] or
// row_sparse. Each row sums its contributions in increasing data position, in double, rounded once.
export function embeddingBagBackward(data, outGrad, options) {
  const module = requireModule(BACKWARD_NAME);
  const args = validateBackward(module, data, outGrad, options);
  const {
    mode, sparseGrad, gradReq, inputDim, outputDim, shape, indices, starts, gradient, paddingRow, weights, maxIndices,
    grad, out,
  } = args;
  const dtype = gradient.dtype;
  const ArrayType = STORAGE[dtype];
  const count = indices.data.length;
  const bagCount = starts.length - 1;

  if (count === 0 || (outputDim === 0 && !sparseGrad)) {
    if (gradReq === 'add') return grad;
    if (sparseGrad) return createRowSparse(new Int32Array(0), new ArrayType(0), shape, dtype);
    const dense = out ?? new ArrayType(inputDim * outputDim);
    dense.fill(0);
    return { data: dense, shape, dtype };
  }
  if (inputDim === 0 && !sparseGrad) {
    throw new RangeError(`${BACKWARD_NAME}: options.inputDim is 0, so data with ${count} indices has no row to map to`);
  }

  const pointers = [];
  const keep = (pointer) => {
    pointers.push(pointer);
    return pointer;
  };
  try {
    const indicesPointer = keep(copyIndicesToHeap(module, indices, BACKWARD_NAME));
    if (sparseGrad) checkIndicesValid(module, indices, indicesPointer, inputDim, BACKWARD_NAME, 'data');

    // Map indices, size the bags and group positions by row.
    const purpose = `${BACKWARD_NAME}: grouping ${count} indices`;
    const startsPointer = keep(copyToHeap(module, starts, purpose));
    const rowsPointer = keep(allocate(module, count * 4, purpose));
    const rowStartsPointer = keep(allocate(module, (inputDim + 1) * 4, purpose));
    const positionsPointer = keep(allocate(module, count * 4, purpose));
    const distinctPointer = keep(allocate(module, count * 4, purpose));
    const sizesPointer = keep(allocate(module, bagCount * 4, purpose));
    const distinct = module.embeddingBagBackwardPlan(dtypeCode(module, indices.dtype), indicesPointer, count, inputDim,
      startsPointer, bagCount, paddingRow, rowsPointer, rowStartsPointer, positionsPointer, distinctPointer, sizesPointer);

    const gradientPointer = keep(copyToHeap(module, gradient.data, `${BACKWARD_NAME}: outGrad ${formatShape(gradient.shape)}`));
    const weightsPointer = weights ? keep(copyToHeap(module, weights, `${BACKWARD_NAME}: perSampleWeights`)) : 0;
    const maxPointer = maxIndices ? keep(copyToHeap(module, maxIndices, `${BACKWARD_NAME}: maxIndices`)) : 0;
    const element = ArrayType.BYTES_PER_ELEMENT;
    const run = (targetPointer, sparse, add) => module.embeddingBagBackward(startsPointer, bagCount, rowStartsPointer,
      positionsPointer, distinctPointer, distinct, sizesPointer, bagConstant(module, mode), weightsPointer, maxPointer,
      gradientPointer, dtypeCode(module, dtype), outputDim, targetPointer, sparse, add);

    if (!sparseGrad) {
      const length = inputDim * outputDim;
      const targetPointer = keep(allocate(module, length * element, `${BACKWARD_NAME}: gradient ${formatShape(shape)}`));
      if (gradReq === 'add') {
        heapView(module, ArrayType, targetPointer, length).set(grad.data);
      } else {
        new Uint8Array(memoryBuffer(module), targetPointer, length * element).fill(0);
      }
      run(targetPointer, false, gradReq === 'add');
      const computed = heapView(module, ArrayType, targetPointer, length);
      if (gradReq === 'add') {
        grad.data.set(computed);
        return grad;
      }
      const target = out ?? new ArrayType(length);
      target.set(computed);
      return { data: target, shape, dtype };
    }

    const valuesPointer = keep(allocate(module, Math.max(distinct, 1) * outputDim * element, `${BACKWARD_NAME}: ${distinct} gradient rows`));
    run(valuesPointer, true, false);
    const rows = heapView(module, Int32Array, distinctPointer, distinct).slice();
    const values = heapView(module, ArrayType, valuesPointer, distinct * outputDim).slice();
    if (gradReq === 'add') return addRowSparse(module, grad, rows, values, outputDim, dtype);
    return createRowSparse(rows, values, shape, dtype);
  } finally {
    for (const pointer of pointers) release(module, pointer);
  }
}
