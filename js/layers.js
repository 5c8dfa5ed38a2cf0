// Embedding layer: a weight Table in wasm memory with forward and backward, like Gluon's nn.Embedding.

import { describe } from './errors.js';
import { FLOAT_DTYPES, elementSize } from './dtypes.js';
import { encodeHalfWith } from './half.js';
import { toIndexTensor } from './indices.js';
import { checkBoolean, checkDimension, checkOptions } from './options.js';
import { MAX_MEMORY_BYTES, requireModule } from './runtime.js';
import { createTable, isTable } from './table.js';
import { embedding } from './ops/embedding.js';
import { embeddingBackward } from './ops/backward.js';
import { resolvePaddingIdx } from './ops/bag.js';

const CLASS_NAME = 'Embedding';
const OPTION_NAMES = ['inputDim', 'outputDim', 'dtype', 'sparseGrad', 'weight', 'seed', 'paddingIdx'];

// Gluon's Block.initialize() defaults to initializer.Uniform(), whose scale is 0.07: U(-0.07, 0.07).
export const DEFAULT_INIT_SCALE = 0.07;

// mulberry32: a small seeded generator of uniform numbers in [0, 1), so initial weights are reproducible.
function uniformGenerator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// Returns inputDim * outputDim values drawn from U(-scale, scale) as dtype storage.
function uniformWeights(module, length, dtype, seed) {
  const next = uniformGenerator(seed);
  const values = Float64Array.from({ length }, () => (2 * next() - 1) * DEFAULT_INIT_SCALE);
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'float64') return values;
  return encodeHalfWith(module, values, dtype);
}

export class Embedding {
  // Options: inputDim and outputDim (required), dtype (default float32) and sparseGrad (row_sparse
  // gradients from backward). weight gives initial values, which are copied. seed (default 0) seeds the
  // uniform initialisation used without weight.
  constructor(options) {
    const module = requireModule(CLASS_NAME);
    if (options === undefined) throw new TypeError(`${CLASS_NAME}: options with inputDim and outputDim are required`);
    const opts = checkOptions(options, CLASS_NAME, OPTION_NAMES);
    for (const key of ['inputDim', 'outputDim']) {
      if (opts[key] === undefined) throw new TypeError(`${CLASS_NAME}: options.${key} is missing`);
    }
    this.inputDim = checkDimension(opts.inputDim, `${CLASS_NAME}: options.inputDim`, 2 ** 31 - 1);
    this.outputDim = checkDimension(opts.outputDim, `${CLASS_NAME}: options.outputDim`);
    this.sparseGrad = checkBoolean(opts.sparseGrad, `${CLASS_NAME}: options.sparseGrad`, false);
    const dtype = opts.dtype ?? (isTable(opts.weight) ? opts.weight.dtype : 'float32');
    if (!FLOAT_DTYPES.includes(dtype)) {
      throw new TypeError(`${CLASS_NAME}: options.dtype must be one of ${FLOAT_DTYPES.join(', ')}, got ${describe(dtype)}`);
    }
    const seed = opts.seed ?? 0;
    // paddingIdx: a row that receives no gradient and, in the default initialisation, starts at zero.
    this.paddingIdx = opts.paddingIdx ?? null;
    const paddingRow = resolvePaddingIdx(this.paddingIdx, this.inputDim, CLASS_NAME);
    if (!Number.isSafeInteger(seed)) throw new TypeError(`${CLASS_NAME}: options.seed must be an integer, got ${describe(seed)}`);

    const shape = [this.inputDim, this.outputDim];
    // Check the size before the default initialisation fills a JS array of that many values.
    const byteLength = this.inputDim * this.outputDim * elementSize(dtype);
    if (byteLength > MAX_MEMORY_BYTES) {
      throw new RangeError(`${CLASS_NAME}: a [${shape.join(', ')}] ${dtype} weight needs ${byteLength} bytes of wasm memory, more than its limit of ${MAX_MEMORY_BYTES} bytes (2 GiB)`);
    }
    const initial = opts.weight !== undefined
      ? opts.weight
      : { data: uniformWeights(module, this.inputDim * this.outputDim, dtype, seed), shape, dtype };
    if (opts.weight === undefined && paddingRow >= 0) initial.data.fill(0, paddingRow * this.outputDim, (paddingRow + 1) * this.outputDim);
    const weight = createTable(initial, isTable(initial) ? undefined : { dtype });
    if (weight.dtype !== dtype || weight.shape[0] !== shape[0] || weight.shape[1] !== shape[1]) {
      const message = `${CLASS_NAME}: options.weight is a [${weight.shape.join(', ')}] ${weight.dtype} weight, but the layer needs [${shape.join(', ')}] ${dtype}`;
      weight.dispose();
      throw weight.dtype !== dtype ? new TypeError(message) : new RangeError(message);
    }
    this.weight = weight;
    this.lastData = null;
  }

  // Looks up data's rows. The indices are kept (copied) for the next backward().
  forward(data) {
    const module = requireModule(`${CLASS_NAME}.forward`);
    const indices = toIndexTensor(module, data, `${CLASS_NAME}.forward: data`);
    const output = embedding(indices, this.weight, { sparseGrad: this.sparseGrad });
    this.lastData = { data: indices.data.slice(), shape: indices.shape.slice(), dtype: indices.dtype };
    return output;
  }

  // Returns the weight gradient for outGrad ([...data.shape, outputDim]) and the data of the last forward():
  // row_sparse when sparseGrad is set, dense otherwise.
  backward(outGrad) {
    if (this.lastData === null) throw new TypeError(`${CLASS_NAME}.backward: call forward() first`);
    return embeddingBackward(this.lastData, outGrad, {
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      sparseGrad: this.sparseGrad,
      ...(this.paddingIdx === null ? {} : { paddingIdx: this.paddingIdx }),
    });
  }

  // Frees the weight Table. Safe to call more than once.
  dispose() {
    this.weight.dispose();
    this.lastData = null;
  }
}
