// similarity(weight, queries, options): scores of every weight row against query vectors, for
// nearest-neighbour search over an embedding table without copying the table out of wasm memory.

import { describe, formatShape } from '../errors.js';
import { dtypeCode } from '../dtypes.js';
import { checkOptions } from '../options.js';
import { allocate, copyToHeap, heapView, release, requireModule } from '../runtime.js';
import { tableMemory } from '../table.js';
import { toTensor } from '../tensor.js';
import { describeWeight } from './embedding.js';

const FUNCTION_NAME = 'similarity';
const OPTION_NAMES = ['metric', 'dtype'];
const METRICS = ['cosine', 'dot'];
const WEIGHT_DTYPES = ['float32', 'float16', 'bfloat16'];

// The queries as a Float32Array of numQueries * cols values, and the output shape's leading part.
function toQueries(queries, cols) {
  const tensor = toTensor(queries, `${FUNCTION_NAME}: queries`);
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'float64') {
    throw new TypeError(`${FUNCTION_NAME}: queries must be float32 or float64, got ${tensor.dtype}; decode float16 or bfloat16 bits with fromFloat16 or fromBFloat16 first`);
  }
  const { shape } = tensor;
  if ((shape.length !== 1 && shape.length !== 2) || shape[shape.length - 1] !== cols) {
    throw new RangeError(`${FUNCTION_NAME}: queries must have shape [${cols}] or [numQueries, ${cols}] to match the weight's ${cols} columns, got shape ${formatShape(shape)}`);
  }
  const data = tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data);
  return { data, leading: shape.slice(0, -1), count: shape.length === 2 ? shape[0] : 1 };
}

// Returns { data: Float32Array, shape, dtype: 'float32' } where shape is [rows] for one query of shape
// [cols] and [numQueries, rows] for queries of shape [numQueries, cols]. Element (q, r) is the dot product
// of weight row r and query q, or with metric 'cosine' (the default) their cosine similarity, which is 0
// when either vector is all zeros. weight is a Table (read in place) or a 2-D float32, float16 or bfloat16
// tensor (copied in for the call); sums accumulate in float32.
export function similarity(weight, queries, options) {
  const module = requireModule(FUNCTION_NAME);
  const opts = checkOptions(options, FUNCTION_NAME, OPTION_NAMES);
  const metric = opts.metric ?? 'cosine';
  if (!METRICS.includes(metric)) {
    throw new TypeError(`${FUNCTION_NAME}: options.metric must be one of ${METRICS.join(', ')}, got ${describe(metric)}`);
  }

  const source = describeWeight(module, weight, opts.dtype, FUNCTION_NAME);
  if (!WEIGHT_DTYPES.includes(source.dtype)) {
    throw new TypeError(`${FUNCTION_NAME}: weight must be ${WEIGHT_DTYPES.join(', ')}, got ${source.dtype}`);
  }
  const [rows, cols] = source.shape;
  const query = toQueries(queries, cols);
  const shape = [...query.leading, rows];
  const length = query.count * rows;
  const result = new Float32Array(length);
  if (length === 0) return { data: result, shape, dtype: 'float32' };

  let weightPointer = 0;
  let queriesPointer = 0;
  let scoresPointer = 0;
  try {
    const tableBase = source.table
      ? tableMemory(source.table, FUNCTION_NAME).pointer
      : (weightPointer = copyToHeap(module, source.data, `${FUNCTION_NAME}: weight ${formatShape(source.shape)}`));
    queriesPointer = copyToHeap(module, query.data, `${FUNCTION_NAME}: queries`);
    scoresPointer = allocate(module, length * 4, `${FUNCTION_NAME}: scores ${formatShape(shape)}`);

    module.rowSimilarity(dtypeCode(module, source.dtype), tableBase, rows, cols, queriesPointer, query.count,
      metric === 'cosine', scoresPointer);
    result.set(heapView(module, Float32Array, scoresPointer, length));
    return { data: result, shape, dtype: 'float32' };
  } finally {
    release(module, weightPointer);
    release(module, queriesPointer);
    release(module, scoresPointer);
  }
}

