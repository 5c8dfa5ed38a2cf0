// embeddingBackward(data, outGrad, options): the gradient of MXNet's Embedding with respect to its weight.

import { describe, formatShape } from '../errors.js';
import { STORAGE, dtypeCode, elementSize, isFloatDtype } from '../dtypes.js';
import { encodeHalfWith } from '../half.js';
import { checkIndicesValid, copyIndicesToHeap, toIndexTensor } from '../indices.js';
import { checkBoolean, checkDimension, checkOptions } from '../options.js';
import { allocate, checkAllocationSize, copyToHeap, heapView, release, requireModule } from '../runtime.js';
import { checkRowSparse, createRowSparse, mergeRows } from '../sparse.js';
import { isDetached, isTypedArray, toTensor } from '../tensor.js';
import { copyOutInBlocks } from '../block-pipeline.js';
import { checkOut } from './embedding.js';
import { embeddingBackwardWithPadding } from './padding.js';
import { streamAccumulate } from './stream-accumulate.js';

const FUNCTION_NAME = 'embeddingBackward';
const OPTION_NAMES = ['inputDim', 'outputDim', 'sparseGrad', 'gradReq', 'grad', 'out'];
const GRAD_REQS = ['write', 'add'];
const MAX_ROWS = 2 ** 31 - 1;

// Normalises outGrad and checks that it is a float tensor.
export function toGradientTensor(module, outGrad, argument, functionName) {
  const tensor = toTensor(outGrad, `${functionName}: ${argument}`, { encodeHalf: (values, name) => encodeHalfWith(module, values, name) });
  if (!isFloatDtype(tensor.dtype)) {
    throw new TypeError(`${functionName}: ${argument} must have a float dtype (float32, float64, float16 or bfloat16), got ${tensor.dtype}`);
  }
  return tensor;
}

function resolveOutputDim(option, indexShape, gradientShape) {
  const outputDim = checkDimension(option, `${FUNCTION_NAME}: options.outputDim`);
  if (outputDim !== undefined) return outputDim;
  if (gradientShape.length === indexShape.length + 1) return gradientShape[gradientShape.length - 1];
  throw new RangeError(`${FUNCTION_NAME}: outGrad has shape ${formatShape(gradientShape)}, but data has shape ${formatShape(indexShape)}; outGrad must have shape [...data.shape, outputDim]`);
}

function checkDenseGrad(grad, shape, dtype) {
  if (grad === null || typeof grad !== 'object' || !isTypedArray(grad.data)) {
    throw new TypeError(`${FUNCTION_NAME}: options.grad must be a dense gradient { data, shape, dtype } with TypedArray data for gradReq 'add', got ${describe(grad)}`);
  }
  const tensor = toTensor(grad, `${FUNCTION_NAME}: options.grad`);
  if (tensor.dtype !== dtype) {
    throw new TypeError(`${FUNCTION_NAME}: options.grad has dtype ${tensor.dtype}, but outGrad has dtype ${dtype}`);
  }
  if (tensor.shape.length !== 2 || tensor.shape[0] !== shape[0] || tensor.shape[1] !== shape[1]) {
    throw new RangeError(`${FUNCTION_NAME}: options.grad has shape ${formatShape(tensor.shape)}, but the gradient has shape ${formatShape(shape)}`);
  }
  return grad;
}

function validate(module, data, outGrad, options) {
  const opts = checkOptions(options, FUNCTION_NAME, OPTION_NAMES);
  const sparseGrad = checkBoolean(opts.sparseGrad, `${FUNCTION_NAME}: options.sparseGrad`, false);
  const gradReq = opts.gradReq ?? 'write';
  if (!GRAD_REQS.includes(gradReq)) {
    throw new TypeError(`${FUNCTION_NAME}: options.gradReq must be 'write' or 'add', got ${describe(gradReq)}`);
  }
  if (opts.inputDim === undefined) {
    throw new TypeError(`${FUNCTION_NAME}: options.inputDim is missing; it gives the number of rows of the gradient`);
  }
  const inputDim = checkDimension(opts.inputDim, `${FUNCTION_NAME}: options.inputDim`, MAX_ROWS);

  const indices = toIndexTensor(module, data, `${FUNCTION_NAME}: data`);
  const gradient = toGradientTensor(module, outGrad, 'outGrad', FUNCTION_NAME);
  const outputDim = resolveOutputDim(opts.outputDim, indices.shape, gradient.shape);
  const expected = [...indices.shape, outputDim];
  if (expected.length !== gradient.shape.length || expected.some((dim, axis) => dim !== gradient.shape[axis])) {
    throw new RangeError(`${FUNCTION_NAME}: outGrad has shape ${formatShape(gradient.shape)}, but data of shape ${formatShape(indices.shape)} and outputDim ${outputDim} need ${formatShape(expected)}`);
  }

  const shape = [inputDim, outputDim];
  let grad;
  if (gradReq === 'add') {
    if (opts.grad === undefined) throw new TypeError(`${FUNCTION_NAME}: gradReq 'add' needs options.grad, the gradient to add to`);
    grad = sparseGrad
      ? checkRowSparse(opts.grad, `${FUNCTION_NAME}: options.grad`, {
        shape, shapeSource: 'the gradient', dtype: gradient.dtype, dtypeSource: 'outGrad.dtype',
      })
      : checkDenseGrad(opts.grad, shape, gradient.dtype);
    if (!sparseGrad && isDetached(grad.data.buffer)) throw new TypeError(`${FUNCTION_NAME}: options.grad.data is a view of a detached ArrayBuffer`);
  } else if (opts.grad !== undefined) {
    throw new TypeError(`${FUNCTION_NAME}: options.grad is used only with gradReq 'add'; use options.out for a preallocated dense result`);
  }
  if (opts.out !== undefined && (sparseGrad || gradReq === 'add')) {
    throw new TypeError(`${FUNCTION_NAME}: options.out serves only dense results with gradReq 'write'`);
  }
  const out = checkOut(opts.out, gradient.dtype, inputDim * outputDim, FUNCTION_NAME);
  if (!sparseGrad && gradReq === 'write' && out === undefined) {
    // The same bound as every result built in wasm memory, checked before the JS result is allocated.
    checkAllocationSize(inputDim * outputDim * elementSize(gradient.dtype), `${FUNCTION_NAME}: gradient ${formatShape(shape)}`);
  }
  return { sparseGrad, gradReq, inputDim, outputDim, shape, indices, gradient, grad, out };
}

function emptyResult(args) {
  const { sparseGrad, gradReq, shape, gradient, grad, out } = args;
  if (gradReq === 'add') return grad;
  if (sparseGrad) return createRowSparse(new Int32Array(0), new STORAGE[gradient.dtype](0), shape, gradient.dtype);
  const data = out ?? new STORAGE[gradient.dtype](shape[0] * shape[1]);
  data.fill(0);
  return { data, shape, dtype: gradient.dtype };
}

// 'write' results, dense or row_sparse, are summed by streaming (./stream-accumulate.js) when their dense
// wide accumulators take at most STREAM_MAX_WIDE_BYTES. The accumulators are float64 for float32 and
// float64 data, and float32 for float16 and bfloat16. With at least STREAM_MIN_INDICES_PER_ROW indices
// per gradient row, the limit is STREAM_MAX_DENSE_WIDE_BYTES. Other results are grouped by row, and dense ones
// are then filled through the block pipeline. Streaming clears and rounds the whole accumulator table, so
// it pays off when the table is small or the indices are many.
// Medians of 15 calls on the 2-core Zen 4 test VM, 64 float32 columns, streaming against grouping, in ms,
// on one thread (simd) and two: 262144 indices into 16384 rows (8 MiB of accumulators) 10.9 against 19.7
// and 10.8 against 23.1; into 32768 rows (16 MiB) 17.2 against 20.1 and 16.3 against 23.8; into 65536 rows
// (32 MiB) 33.6 against 21.6 and 27.1 against 24.7. 16384 indices into 8193 rows: 1.48 against 0.77 and
// 0.98 against 0.69.
const STREAM_MAX_WIDE_BYTES = 4 * 1024 * 1024;
const STREAM_MAX_DENSE_WIDE_BYTES = 16 * 1024 * 1024;
const STREAM_MIN_INDICES_PER_ROW = 8;

function streamsSums(count, inputDim, wideBytes) {
  if (wideBytes <= STREAM_MAX_WIDE_BYTES) return true;
  return wideBytes <= STREAM_MAX_DENSE_WIDE_BYTES && count >= STREAM_MIN_INDICES_PER_ROW * inputDim;
}

// Returns the gradient of embedding(data, weight) given outGrad, dense or row_sparse.
export function embeddingBackward(data, outGrad, options) {
  const module = requireModule(FUNCTION_NAME);
  if (options?.paddingIdx !== undefined) return embeddingBackwardWithPadding(data, outGrad, options, embeddingBackward);
  const args = validate(module, data, outGrad, options);
  const { sparseGrad, gradReq, inputDim, outputDim, shape, indices, gradient, grad, out } = args;
  const count = indices.data.length;
  if (count === 0) return emptyResult(args);
  if (inputDim === 0 && !sparseGrad) {
    throw new RangeError(`${FUNCTION_NAME}: options.inputDim is 0, so data with ${count} indices has no row to map to`);
  }

  const dtype = gradient.dtype;
  const ArrayType = STORAGE[dtype];
  const rowBytes = outputDim * elementSize(dtype);
  const pointers = [];
  const take = (pointer) => {
    pointers.push(pointer);
    return pointer;
  };
  try {
    const code = dtypeCode(module, dtype);
    const streaming = gradReq === 'write' && streamsSums(count, inputDim, inputDim * outputDim * module.wideSize(code));
    if (streaming && !sparseGrad) {
      // Indices are mapped chunk by chunk, next to their gradient rows.
      const accumulatorPointer = streamAccumulate(module, take, {
        functionName: FUNCTION_NAME, code, gradient, indices, mappedRowsPointer: 0, count, inputDim, outputDim,
      });
      const length = inputDim * outputDim;
      const resultPointer = take(allocate(module, length * elementSize(dtype), `${FUNCTION_NAME}: gradient ${formatShape(shape)}`));
      module.roundAccumulators(code, accumulatorPointer, length, resultPointer);
      const target = out ?? new ArrayType(length);
      target.set(heapView(module, ArrayType, resultPointer, length));
      return { data: target, shape, dtype };
    }

    const indicesPointer = take(copyIndicesToHeap(module, indices, FUNCTION_NAME));
    if (sparseGrad) checkIndicesValid(module, indices, indicesPointer, inputDim, FUNCTION_NAME, 'data');

    // Map indices to rows.
    const rowsPointer = take(allocate(module, count * 4, `${FUNCTION_NAME}: rows of ${count} indices`));
    module.mapIndices(dtypeCode(module, indices.dtype), indicesPointer, count, inputDim, rowsPointer);
    if (streaming) {
      const accumulatorPointer = streamAccumulate(module, take, {
        functionName: FUNCTION_NAME, code, gradient, indices, mappedRowsPointer: rowsPointer, count, inputDim, outputDim,
      });

      // row_sparse: the rows that occur, ascending, with their rounded sums.
      const listedPointer = take(allocate(module, Math.min(count, inputDim) * 4, `${FUNCTION_NAME}: rows of ${count} indices`));
      const listed = module.listRows(rowsPointer, count, inputDim, listedPointer);
      if (listed < 0) throw new RangeError(`${FUNCTION_NAME}: listing the rows of ${count} indices needs scratch memory that wasm memory could not provide`);
      const valuesPointer = take(allocate(module, listed * rowBytes, `${FUNCTION_NAME}: ${listed} gradient rows`));
      module.roundListedRows(code, accumulatorPointer, outputDim, listedPointer, listed, valuesPointer);
      const rows = heapView(module, Int32Array, listedPointer, listed).slice();
      const values = heapView(module, ArrayType, valuesPointer, listed * outputDim).slice();
      return createRowSparse(rows, values, shape, dtype);
    }

    // Group positions by row.
    const purpose = `${FUNCTION_NAME}: grouping ${count} indices`;
    const distinctPointer = take(allocate(module, count * 4, purpose));
    const offsetsPointer = take(allocate(module, (count + 1) * 4, purpose));
    const positionsPointer = take(allocate(module, count * 4, purpose));
    // A pool worker groups the rows while this thread copies outGrad in, so the grouping's scratch memory
    // and the copy of outGrad are allocated at the same time.
    module.groupRowsStart(rowsPointer, count, inputDim, distinctPointer, offsetsPointer, positionsPointer);
    let sourcePointer = 0;
    let groups = -1;
    try {
      sourcePointer = take(copyToHeap(module, gradient.data, `${FUNCTION_NAME}: outGrad ${formatShape(gradient.shape)}`));
    } finally {
      groups = module.groupRowsFinish();
    }
    if (groups < 0) throw new RangeError(`${purpose} needs scratch memory that wasm memory could not provide`);

    if (!sparseGrad && gradReq === 'write') {
      const target = out ?? new ArrayType(inputDim * outputDim);
      copyOutInBlocks(module, {
        target,
        ArrayType,
        rowElements: outputDim,
        rowCount: inputDim,
        start: (ring, slotCount, blockRows) => module.backwardPipelineStart(code, offsetsPointer, positionsPointer,
          distinctPointer, groups, sourcePointer, outputDim, inputDim, blockRows, ring, slotCount),
        purpose: `${FUNCTION_NAME}: blocks of the gradient ${formatShape(shape)}`,
      });
      return { data: target, shape, dtype };
    }

    if (!sparseGrad) {
      // gradReq 'add': the sums start from grad, which is copied in whole.
      const length = inputDim * outputDim;
      const targetPointer = take(allocate(module, length * elementSize(dtype), `${FUNCTION_NAME}: gradient ${formatShape(shape)}`));
      heapView(module, ArrayType, targetPointer, length).set(grad.data);
      module.scatterAddRows(code, offsetsPointer, positionsPointer, groups, sourcePointer, outputDim, distinctPointer,
        targetPointer, true);
      grad.data.set(heapView(module, ArrayType, targetPointer, length));
      return grad;
    }

    const rows = heapView(module, Int32Array, distinctPointer, groups).slice();
    if (gradReq === 'write') {
      const valuesPointer = take(allocate(module, groups * rowBytes, `${FUNCTION_NAME}: ${groups} gradient rows`));
      module.scatterAddRows(code, offsetsPointer, positionsPointer, groups, sourcePointer, outputDim, 0, valuesPointer, false);
      const values = heapView(module, ArrayType, valuesPointer, groups * outputDim).slice();
      return createRowSparse(rows, values, shape, dtype);
    }

    // 'add' onto a row_sparse gradient: place the old rows in the merged row set, then add the new sums.
    const merged = mergeRows(grad.indices, rows);
    const mergedLength = merged.rows.length * outputDim;
    const valuesPointer = take(allocate(module, merged.rows.length * rowBytes, `${FUNCTION_NAME}: ${merged.rows.length} gradient rows`));
    const slotsPointer = take(copyToHeap(module, merged.secondSlots, `${FUNCTION_NAME}: ${groups} row slots`));
    const mergedValues = heapView(module, ArrayType, valuesPointer, mergedLength);
    mergedValues.fill(0);
    merged.firstSlots.forEach((slot, k) => {
      mergedValues.set(grad.values.data.subarray(k * outputDim, (k + 1) * outputDim), slot * outputDim);
    });
    module.scatterAddRows(code, offsetsPointer, positionsPointer, groups, sourcePointer, outputDim, slotsPointer,
      valuesPointer, true);
    const values = heapView(module, ArrayType, valuesPointer, mergedLength).slice();
    grad.indices = merged.rows;
    grad.values = { data: values, shape: [merged.rows.length, outputDim], dtype };
    return grad;
  } finally {
    for (const pointer of pointers) release(module, pointer);
  }
}
