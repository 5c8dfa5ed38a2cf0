// embedding(data, weight, options): MXNet's Embedding forward.

import { describe, formatShape } from '../errors.js';
import { STORAGE, dtypeCode, elementSize } from '../dtypes.js';
import { encodeHalfWith } from '../half.js';
import { checkIndicesValid, placeGatherIndices, toIndexTensor } from '../indices.js';
import { checkBoolean, checkDimension, checkOptions } from '../options.js';
import { copyToHeap, release, requireModule } from '../runtime.js';
import { copyOutInBlocks } from '../block-pipeline.js';
import { heapTensorMemory, isHeapTensor } from '../heap-tensor.js';
import { checkWeightShape, isTable, tableMemory } from '../table.js';
import { isDetached, isTypedArray, toTensor } from '../tensor.js';
import { embeddingWithExtras, usesEmbeddingExtras } from './embedding-extras.js';

const FUNCTION_NAME = 'embedding';
const OPTION_NAMES = [
  'inputDim', 'outputDim', 'dtype', 'sparseGrad', 'out', 'paddingIdx', 'maxNorm', 'normType', 'outputDtype',
];

// The weight as { shape, dtype, data? , table? } without copying anything yet.
export function describeWeight(module, weight, dtype, functionName) {
  if (isTable(weight)) {
    if (dtype !== undefined && dtype !== weight.dtype) {
      throw new TypeError(`${functionName}: weight is a ${weight.dtype} table, but options.dtype is ${describe(dtype)}`);
    }
    tableMemory(weight, functionName);
    return { shape: weight.shape, dtype: weight.dtype, table: weight };
  }
  const tensor = toTensor(weight, `${functionName}: weight`, {
    dtype,
    encodeHalf: (values, name) => encodeHalfWith(module, values, name),
  });
  checkWeightShape(tensor.shape, `${functionName}: weight`);
  return tensor;
}

// Checks inputDim and outputDim options against the weight's shape and returns [inputDim, outputDim].
export function resolveDims(options, weightShape, functionName) {
  const inputDim = checkDimension(options.inputDim, `${functionName}: options.inputDim`);
  const outputDim = checkDimension(options.outputDim, `${functionName}: options.outputDim`);
  const expected = [inputDim ?? weightShape[0], outputDim ?? weightShape[1]];
  if (expected[0] !== weightShape[0] || expected[1] !== weightShape[1]) {
    throw new RangeError(`${functionName}: weight has shape ${formatShape(weightShape)}, but inputDim and outputDim give ${formatShape(expected)}`);
  }
  return expected;
}

// Checks a caller-provided output array: the right TypedArray kind and exactly length elements.
export function checkOut(out, dtype, length, functionName) {
  if (out === undefined) return undefined;
  const ArrayType = STORAGE[dtype];
  if (!isTypedArray(out) || !(out instanceof ArrayType)) {
    throw new TypeError(`${functionName}: options.out must be a ${ArrayType.name} for a ${dtype} result, got ${describe(out)}`);
  }
  if (isDetached(out.buffer)) throw new TypeError(`${functionName}: options.out is a view of a detached ArrayBuffer`);
  if (out.length !== length) {
    throw new RangeError(`${functionName}: options.out has ${out.length} elements, but the result needs ${length}`);
  }
  return out;
}

// Checks a heap tensor given as options.out: the weight's dtype and exactly the result's shape.
function checkHeapOut(out, dtype, shape, functionName) {
  heapTensorMemory(out, functionName);
  if (out.dtype !== dtype) {
    throw new TypeError(`${functionName}: options.out is a ${out.dtype} heap tensor, but the result is ${dtype}`);
  }
  if (out.shape.length !== shape.length || out.shape.some((dim, axis) => dim !== shape[axis])) {
    throw new RangeError(`${functionName}: options.out has shape ${formatShape(out.shape)}, but the result has shape ${formatShape(shape)}`);
  }
  return out;
}

// A fresh result array. The output is copied out in blocks, so it may exceed wasm memory, but not the
// engine's TypedArray limit, whose RangeError would not name the function.
function createResultArray(dtype, length, shape) {
  try {
    return new STORAGE[dtype](length);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const bytes = length * elementSize(dtype);
    throw new RangeError(`${FUNCTION_NAME}: output ${formatShape(shape)} ${dtype} needs ${bytes} bytes, more than this engine allows in one ${STORAGE[dtype].name} (${error.message}); pass a smaller batch`, { cause: error });
  }
}

export function embedding(data, weight, options) {
  const module = requireModule(FUNCTION_NAME);
  const opts = checkOptions(options, FUNCTION_NAME, OPTION_NAMES);
  if (usesEmbeddingExtras(weight, opts)) return embeddingWithExtras(data, weight, opts);
  const sparseGrad = checkBoolean(opts.sparseGrad, `${FUNCTION_NAME}: options.sparseGrad`, false);

  const source = describeWeight(module, weight, opts.dtype, FUNCTION_NAME);
  const [inputDim, outputDim] = resolveDims(opts, source.shape, FUNCTION_NAME);
  const indices = toIndexTensor(module, data, `${FUNCTION_NAME}: data`);

  const count = indices.data.length;
  const shape = [...indices.shape, outputDim];
  const length = count * outputDim;
  const heapOut = isHeapTensor(opts.out) ? checkHeapOut(opts.out, source.dtype, shape, FUNCTION_NAME) : undefined;
  const out = heapOut ? undefined : checkOut(opts.out, source.dtype, length, FUNCTION_NAME);
  const result = heapOut ? undefined : (out ?? createResultArray(source.dtype, length, shape));
  if (count === 0) return heapOut ?? { data: result, shape, dtype: source.dtype };
  if (inputDim === 0 && !sparseGrad) {
    throw new RangeError(`${FUNCTION_NAME}: weight has no rows (shape ${formatShape(source.shape)}), so data with ${count} indices cannot be looked up`);
  }

  const element = elementSize(source.dtype);
  let indicesPointer = 0;
  let weightPointer = 0;
  let copyIndexRows;
  try {
    // Into a JS array, the indices are copied in block by block while the pipeline runs, unless sparseGrad
    // checks them all first.
    ({ pointer: indicesPointer, copyRows: copyIndexRows } = placeGatherIndices(module, indices, {
      out, copyWhole: heapOut !== undefined || sparseGrad, functionName: FUNCTION_NAME,
    }));
    if (sparseGrad) checkIndicesValid(module, indices, indicesPointer, inputDim, FUNCTION_NAME, 'data');

    const tableBase = source.table
      ? tableMemory(source.table, FUNCTION_NAME).pointer
      : (weightPointer = copyToHeap(module, source.data, `${FUNCTION_NAME}: weight ${formatShape(source.shape)}`));
    const indexCode = dtypeCode(module, indices.dtype);
    if (heapOut) {
      module.embeddingForward(indexCode, indicesPointer, count, inputDim, tableBase, outputDim, element,
        heapTensorMemory(heapOut, FUNCTION_NAME).pointer);
      return heapOut;
    }

    // Gather blocks of rows into wasm memory and copy each out while the next ones are gathered.
    copyOutInBlocks(module, {
      target: result,
      ArrayType: STORAGE[source.dtype],
      rowElements: outputDim,
      rowCount: count,
      purpose: `${FUNCTION_NAME}: output ${formatShape(shape)}`,
      start: (ring, slotCount, blockRows, blocksProvided) => module.forwardPipelineStart(indexCode, indicesPointer, count,
        inputDim, tableBase, outputDim, element, blockRows, ring, slotCount, blocksProvided),
      provideRows: copyIndexRows,
    });
    return { data: result, shape, dtype: source.dtype };
  } finally {
    release(module, indicesPointer);
    release(module, weightPointer);
  }
}
