// The embedding options beyond MXNet: paddingIdx, maxNorm with normType, outputDtype, and lookups in
// quantized tables. embedding() hands a call here when it uses any of them.

import { describe, formatShape } from '../errors.js';
import { dtypeCode } from '../dtypes.js';
import { checkIndicesValid, copyIndicesToHeap, placeGatherIndices, toIndexTensor } from '../indices.js';
import { checkBoolean } from '../options.js';
import { allocate, heapView, release, requireModule } from '../runtime.js';
import { isQuantizedTable } from '../quantize.js';
import { isTypedArray } from '../tensor.js';
import { resolvePaddingIdx } from './bag.js';
import { copyOutInBlocks } from '../block-pipeline.js';
import { checkOut, embedding, resolveDims } from './embedding.js';
import { describeRowSource, openRowSource } from './row-source.js';

const FUNCTION_NAME = 'embedding';
export const EXTRA_OPTION_NAMES = Object.freeze(['paddingIdx', 'maxNorm', 'normType', 'outputDtype']);
const RENORM_DTYPES = ['float32', 'float64', 'float16', 'bfloat16'];

export function usesEmbeddingExtras(weight, opts) {
  return isQuantizedTable(weight) || EXTRA_OPTION_NAMES.some((name) => opts[name] !== undefined);
}

function checkNorms(opts) {
  const { maxNorm, normType } = opts;
  if (maxNorm !== undefined && (typeof maxNorm !== 'number' || !(maxNorm >= 0) || maxNorm === Infinity)) {
    throw new RangeError(`${FUNCTION_NAME}: options.maxNorm must be a finite number >= 0, got ${describe(maxNorm)}`);
  }
  if (normType !== undefined && (typeof normType !== 'number' || !(normType > 0))) {
    throw new RangeError(`${FUNCTION_NAME}: options.normType must be a number > 0 (Infinity for the maximum norm), got ${describe(normType)}`);
  }
  if (normType !== undefined && maxNorm === undefined) {
    throw new TypeError(`${FUNCTION_NAME}: options.normType has no effect without options.maxNorm`);
  }
}

// Rescales, in place, every row that data refers to whose norm exceeds maxNorm: in the table's wasm memory
// for a Table, otherwise in the caller's TypedArray (copied in, rescaled, copied back).
function applyMaxNorm(module, data, weight, source, inputDim, opts) {
  if (source.quantized) {
    throw new TypeError(`${FUNCTION_NAME}: options.maxNorm rescales rows in place, which a quantized table does not support`);
  }
  if (!RENORM_DTYPES.includes(source.dtype)) {
    throw new TypeError(`${FUNCTION_NAME}: options.maxNorm needs a float32, float64, float16 or bfloat16 weight, got ${source.dtype}`);
  }
  if (!source.table && !isTypedArray(weight) && !isTypedArray(weight?.data)) {
    throw new TypeError(`${FUNCTION_NAME}: options.maxNorm updates the weight in place, so weight must be a Table or a tensor with TypedArray data, got ${describe(weight)}`);
  }
  const sparseGrad = checkBoolean(opts.sparseGrad, `${FUNCTION_NAME}: options.sparseGrad`, false);
  const indices = toIndexTensor(module, data, `${FUNCTION_NAME}: data`);
  const count = indices.data.length;
  if (count === 0 || inputDim === 0) return;

  let indicesPointer = 0;
  let scratchPointer = 0;
  let table = null;
  try {
    indicesPointer = copyIndicesToHeap(module, indices, FUNCTION_NAME);
    if (sparseGrad) checkIndicesValid(module, indices, indicesPointer, inputDim, FUNCTION_NAME, 'data');
    scratchPointer = allocate(module, count * 4, `${FUNCTION_NAME}: maxNorm rows`);
    table = openRowSource(module, source, FUNCTION_NAME);
    const rescaled = module.renormRows(dtypeCode(module, indices.dtype), indicesPointer, count, inputDim, table.format,
      table.pointer, source.shape[1], opts.maxNorm, opts.normType ?? 2, scratchPointer);
    if (!source.table && rescaled > 0) {
      source.data.set(heapView(module, source.data.constructor, table.pointer, source.data.length));
    }
  } finally {
    table?.close();
    release(module, indicesPointer);
    release(module, scratchPointer);
  }
}

// Gathers rows decoded to float32 from a float16, bfloat16 or quantized table.
function gatherDecoded(module, data, source, inputDim, outputDim, opts) {
  const sparseGrad = checkBoolean(opts.sparseGrad, `${FUNCTION_NAME}: options.sparseGrad`, false);
  const indices = toIndexTensor(module, data, `${FUNCTION_NAME}: data`);
  const count = indices.data.length;
  const shape = [...indices.shape, outputDim];
  const length = count * outputDim;
  const out = checkOut(opts.out, 'float32', length, FUNCTION_NAME);
  const result = out ?? new Float32Array(length);
  if (count === 0) return { data: result, shape, dtype: 'float32' };
  if (inputDim === 0 && !sparseGrad) {
    throw new RangeError(`${FUNCTION_NAME}: weight has no rows (shape ${formatShape(source.shape)}), so data with ${count} indices cannot be looked up`);
  }

  let indicesPointer = 0;
  let copyIndexRows;
  let table = null;
  try {
    // The indices are copied in block by block while the pipeline runs, unless sparseGrad checks them first.
    ({ pointer: indicesPointer, copyRows: copyIndexRows } = placeGatherIndices(module, indices, {
      out, copyWhole: sparseGrad, functionName: FUNCTION_NAME,
    }));
    if (sparseGrad) checkIndicesValid(module, indices, indicesPointer, inputDim, FUNCTION_NAME, 'data');
    table = openRowSource(module, source, FUNCTION_NAME);
    const indexCode = dtypeCode(module, indices.dtype);
    copyOutInBlocks(module, {
      target: result,
      ArrayType: Float32Array,
      rowElements: outputDim,
      rowCount: count,
      purpose: `${FUNCTION_NAME}: output ${formatShape(shape)}`,
      start: (ring, slotCount, blockRows, blocksProvided) => module.decodedPipelineStart(indexCode, indicesPointer, count,
        inputDim, table.format, table.pointer, outputDim, table.scalesPointer, table.offsetsPointer, blockRows, ring,
        slotCount, blocksProvided),
      provideRows: copyIndexRows,
    });
    return { data: result, shape, dtype: 'float32' };
  } finally {
    table?.close();
    release(module, indicesPointer);
  }
}

// embedding() with paddingIdx, maxNorm, normType, outputDtype or a quantized table. paddingIdx is checked
// here and changes nothing in the forward: as in PyTorch the padding row is gathered as it is.
export function embeddingWithExtras(data, weight, opts) {
  const module = requireModule(FUNCTION_NAME);
  checkNorms(opts);
  const source = describeRowSource(module, weight, opts.dtype, FUNCTION_NAME);
  const [inputDim, outputDim] = resolveDims(opts, source.shape, FUNCTION_NAME);
  resolvePaddingIdx(opts.paddingIdx, inputDim, FUNCTION_NAME);

  const decodable = source.quantized || source.dtype === 'float16' || source.dtype === 'bfloat16';
  const outputDtype = opts.outputDtype ?? (source.quantized ? 'float32' : source.dtype);
  const valid = source.quantized
    ? outputDtype === 'float32'
    : outputDtype === source.dtype || (decodable && outputDtype === 'float32');
  if (!valid) {
    const allowed = decodable && !source.quantized ? `'float32' or '${source.dtype}'` : `'${source.quantized ? 'float32' : source.dtype}'`;
    throw new TypeError(`${FUNCTION_NAME}: options.outputDtype must be ${allowed} for a ${source.quantized ? 'quantized ' : ''}${source.dtype} weight, got ${describe(opts.outputDtype)}`);
  }

  if (opts.maxNorm !== undefined) applyMaxNorm(module, data, weight, source, inputDim, opts);
  if (outputDtype === 'float32' && decodable) return gatherDecoded(module, data, source, inputDim, outputDim, opts);

  const plain = { ...opts };
  for (const name of EXTRA_OPTION_NAMES) delete plain[name];
  return embedding(data, weight, plain);
}
