// Type declarations for wasm-embedding: the contract of the Node (CommonJS and ESM) and browser entry points.

// ---------------------------------------------------------------------------------------------------------
// Tensors and dtypes
// ---------------------------------------------------------------------------------------------------------

/** Element type names. float16 and bfloat16 are stored as raw bits in a Uint16Array. */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64';

/** Floating-point dtypes. */
export type FloatDType = 'float32' | 'float64' | 'float16' | 'bfloat16';

/** Every dtype name, in the order of {@link DType}. */
export const DTYPES: readonly DType[];

/** The TypedArray that stores each dtype. */
export interface StorageTypes {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
}

/**
 * TypedArrays accepted as tensor data. Without an explicit dtype a Uint16Array means uint16 and a
 * Uint8ClampedArray means uint8; float16 and bfloat16 bits need `dtype`.
 */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array;

/** A scalar or a nested array of any depth whose sub-arrays at each depth have equal lengths. */
export type NestedArray<T> = T | readonly NestedArray<T>[];

/**
 * A tensor given as flat data with a shape. `shape` defaults to `[data.length]`; its product must equal
 * the data's length. `dtype` names the element type and must agree with the TypedArray kind. Plain-array
 * data is converted to `dtype` (integers must be in range; float16 and bfloat16 round to nearest even).
 */
export interface TensorObject<D extends DType = DType> {
  data: TypedArray | readonly (number | bigint)[];
  shape?: readonly number[];
  dtype?: D;
}

/**
 * Any tensor argument: a number or bigint (a 0-d tensor), a nested array (shape inferred), a TypedArray
 * (1-D) or a {@link TensorObject}.
 */
export type TensorLike<D extends DType = DType> =
  | number
  | bigint
  | NestedArray<number | bigint>
  | TypedArray
  | TensorObject<D>;

/** A tensor returned by the library. `data` is a fresh copy owned by the caller (or `options.out`). */
export interface Tensor<D extends DType = DType> {
  data: StorageTypes[D];
  shape: number[];
  dtype: D;
}

// ---------------------------------------------------------------------------------------------------------
// Start-up and shutdown
// ---------------------------------------------------------------------------------------------------------

/** WebAssembly builds: SIMD128 with threads, SIMD128 alone, and scalar code. */
export type Backend = 'simd-threads' | 'simd' | 'scalar';

/** Every backend name, fastest first. */
export const BACKENDS: readonly Backend[];

/** Largest size in bytes that the module's wasm memory may grow to (2 GiB). */
export const MAX_MEMORY_BYTES: number;

export interface InitOptions {
  /**
   * Build to load. Default: 'simd-threads' when the engine has SIMD and threads (SharedArrayBuffer; in
   * browsers a cross-origin-isolated page), else 'simd' when it has SIMD, else 'scalar'.
   */
  backend?: Backend;
  /**
   * Threads that run large operations, the calling thread included: an integer from 1 to 64. Only
   * 'simd-threads' accepts more than 1. Default: the machine's logical cores, at most 8.
   */
  threads?: number;
}

/** The backend that runs, as resolved by {@link init}. */
export interface BackendInfo {
  backend: Backend;
  /** Threads available to operations, the calling thread included. */
  threads: number;
  simd: boolean;
}

/**
 * Loads and starts the WebAssembly module. Every other function needs the returned promise to have
 * resolved. Calling it again with the same options (or none) returns the same result; other options
 * need {@link dispose} first. Invalid options throw a TypeError or RangeError synchronously. A backend that
 * this engine cannot run, or `threads` above 1 on a single-threaded backend, rejects the promise.
 */
export function init(options?: InitOptions): Promise<BackendInfo>;

/**
 * Stops the thread pool and releases the module, so that Node can exit. Tables created before become
 * unusable. Safe to call more than once.
 */
export function dispose(): void;

/** Returns the running backend, or null before {@link init} resolves and after {@link dispose}. */
export function backendInfo(): BackendInfo | null;

/** Returns the bytes of wasm memory currently allocated, for leak checks. */
export function heapInUseBytes(): number;

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------
// Invalid arguments throw the built-in TypeError (wrong type or dtype) or RangeError (bad index,
// dimension, shape or size). The classes below cover the remaining cases.

/** Thrown by a function called before {@link init} resolved or after {@link dispose}. */
export class NotInitializedError extends Error {
  constructor(message: string);
}

/** Thrown when a disposed {@link Table}, or one from a disposed module, is used. */
export class DisposedError extends Error {
  constructor(message: string);
}

// ---------------------------------------------------------------------------------------------------------
// float16 and bfloat16 conversions
// ---------------------------------------------------------------------------------------------------------
// Encoding rounds to nearest, ties to even, from the source value (float64 input is not rounded to
// float32 first). Decoding is exact.

/** Encodes values as float16 bits. */
export function toFloat16(values: Float32Array | Float64Array | readonly number[]): Uint16Array;

/** Decodes float16 bits to float32 values. */
export function fromFloat16(bits: Uint16Array): Float32Array;

/** Encodes values as bfloat16 bits. */
export function toBFloat16(values: Float32Array | Float64Array | readonly number[]): Uint16Array;

/** Decodes bfloat16 bits to float32 values. */
export function fromBFloat16(bits: Uint16Array): Float32Array;

// ---------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------

/**
 * A weight of shape [inputDim, outputDim] copied into wasm memory once, so that lookups copy only indices
 * and results. Created by {@link createTable}; free it with {@link Table.dispose}.
 */
export class Table<D extends DType = DType> {
  private constructor();
  /** [inputDim, outputDim]. */
  readonly shape: readonly [number, number];
  readonly dtype: D;
  /** True after {@link Table.dispose} or after the module that owns it was disposed. */
  readonly disposed: boolean;
  /** Size of the table's data in bytes. */
  readonly byteLength: number;
  /** Frees the table's wasm memory. Safe to call more than once. */
  dispose(): void;
  /** Copies the table's current contents out of wasm memory. */
  toTensor(): Tensor<D>;
}

/** A 2-D weight of shape [inputDim, outputDim]: a tensor or a {@link Table}. */
export type WeightLike<D extends DType = DType> = TensorLike<D> | Table<D>;

export interface CreateTableOptions<D extends DType = DType> {
  /** The weight's dtype, needed for float16 or bfloat16 bits in a Uint16Array. */
  dtype?: D;
}

/**
 * Copies a 2-D weight (or an existing table) into wasm memory. The weight must have at most 2^31 - 1 rows.
 */
export function createTable<D extends DType = DType>(weight: WeightLike<D>, options?: CreateTableOptions<D>): Table<D>;

// ---------------------------------------------------------------------------------------------------------
// Embedding forward
// ---------------------------------------------------------------------------------------------------------

export interface EmbeddingOptions<D extends DType = DType> {
  /** Rows of the weight. Default: weight.shape[0]; when given it must equal it. */
  inputDim?: number;
  /** Columns of the weight. Default: weight.shape[1]; when given it must equal it. */
  outputDim?: number;
  /** The weight's dtype, needed for float16 or bfloat16 bits in a Uint16Array. */
  dtype?: D;
  /**
   * When true, an index outside [0, inputDim - 1] (compared before truncation; NaN included) throws a
   * RangeError instead of clipping. Default false.
   */
  sparseGrad?: boolean;
  /**
   * Receives the result: the weight dtype's TypedArray with exactly count * outputDim elements, or a
   * {@link HeapTensor} of the weight's dtype and exactly the result's shape, written in place in wasm
   * memory without a copy (the call then returns that heap tensor).
   */
  out?: StorageTypes[D] | HeapTensor<D>;
}

/**
 * Looks up rows of `weight` ([inputDim, outputDim]) for every element of `data` (any shape, any index
 * dtype) and returns a tensor of shape [...data.shape, outputDim] and the weight's dtype, with rows copied
 * bit for bit. Index values map to rows as MXNet's Embedding does: integers at full width, floats
 * truncated toward zero, then clipped to [0, inputDim - 1]; NaN and -Infinity give row 0, +Infinity the
 * last row. Plain JS numbers are read as float64.
 */
export function embedding<D extends DType = DType>(
  data: TensorLike,
  weight: WeightLike<D>,
  options: EmbeddingOptions<D> & { out: HeapTensor<D> },
): HeapTensor<D>;
export function embedding<D extends DType = DType>(
  data: TensorLike,
  weight: WeightLike<D>,
  options?: EmbeddingOptions<D>,
): Tensor<D>;

/**
 * An output buffer in wasm memory, so that embedding() can write its result in place instead of copying
 * it out to a JS array. Created by {@link createHeapTensor}; free it with {@link HeapTensor.dispose}.
 */
export class HeapTensor<D extends DType = DType> {
  private constructor();
  readonly shape: readonly number[];
  readonly dtype: D;
  /**
   * A view of the elements in wasm memory, created on every access. Memory growth (any later call that
   * allocates) replaces the memory's buffer, so read `data` again after each call instead of keeping it.
   */
  readonly data: StorageTypes[D];
  /** Size of the tensor's data in bytes. */
  readonly byteLength: number;
  /** True after {@link HeapTensor.dispose} or after the module that owns it was disposed. */
  readonly disposed: boolean;
  /** Frees the tensor's wasm memory. Safe to call more than once. */
  dispose(): void;
  /** Copies the elements out of wasm memory. */
  toTensor(): Tensor<D>;
}

/** Allocates a zero-filled tensor in wasm memory. Default dtype: float32. */
export function createHeapTensor<D extends DType = 'float32'>(shape: number[], dtype?: D): HeapTensor<D>;

// ---------------------------------------------------------------------------------------------------------
// Row similarity
// ---------------------------------------------------------------------------------------------------------

export interface SimilarityOptions<D extends DType = DType> {
  /** 'cosine' (default): dot product over both L2 norms, 0 when either vector is all zeros. 'dot': the plain dot product. */
  metric?: 'cosine' | 'dot';
  /** The weight's dtype, needed for float16 or bfloat16 bits in a Uint16Array. */
  dtype?: D;
}

/**
 * Scores every row of `weight` ([rows, cols], float32, float16 or bfloat16; a Table is read in place)
 * against `queries` (float32 or float64, shape [cols] or [numQueries, cols]). Returns float32 scores of
 * shape [rows] or [numQueries, rows]. Sums accumulate in float32.
 */
export function similarity<D extends 'float32' | 'float16' | 'bfloat16'>(
  weight: WeightLike<D>,
  queries: TensorLike<'float32' | 'float64'>,
  options?: SimilarityOptions<D>,
): Tensor<'float32'>;

// ---------------------------------------------------------------------------------------------------------
// Beyond MXNet: embedding options, embeddingBag, take and quantized tables
// ---------------------------------------------------------------------------------------------------------

export interface EmbeddingOptions<D extends DType = DType> {
  /**
   * A row that receives no gradient in training; negative values count from the end. The forward still
   * gathers it as it is, as PyTorch does. Must be in [-inputDim, inputDim - 1].
   */
  paddingIdx?: number;
  /**
   * Before the lookup, each distinct referenced row whose normType-norm exceeds maxNorm is multiplied in
   * place by maxNorm / (norm + 1e-7). Needs a Table or a tensor with TypedArray data (float32, float64,
   * float16 or bfloat16), which is updated.
   */
  maxNorm?: number;
  /** p of the norm for maxNorm: a number > 0 or Infinity. Default 2. */
  normType?: number;
  /**
   * 'float32' gathers a float16 or bfloat16 weight straight into float32 rows (the result's dtype is then
   * float32, although the declared return type stays Tensor<D>). Default: the weight's dtype.
   */
  outputDtype?: 'float32' | D;
}

/**
 * Looks up decoded rows of a quantized table: `code * scale + offset` in float32, shape
 * [...data.shape, outputDim].
 */
export function embedding(
  data: TensorLike,
  weight: QuantizedTable,
  options?: Omit<EmbeddingOptions<'float32'>, 'dtype' | 'maxNorm' | 'normType'>,
): Tensor<'float32'>;

/** Bag reductions of {@link embeddingBag}. */
export type BagMode = 'sum' | 'mean' | 'max';

export interface EmbeddingBagOptions<D extends DType = DType> {
  /** 1-D data only: the start of each bag; offsets[0] must be 0, values non-decreasing and <= data.length. */
  offsets?: TensorLike<'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64'>;
  /** Default 'mean'. Max ties go to the first position. */
  mode?: BagMode;
  /** offsets has one extra last element, the end of the last bag, which must equal data.length. */
  includeLastOffset?: boolean;
  /** Mode 'sum' only: one float32 or float64 weight per index, of data's shape. */
  perSampleWeights?: TensorLike<'float32' | 'float64'>;
  /** Entries of this row (negative values count from the end) are skipped and not counted by 'mean'. */
  paddingIdx?: number;
  inputDim?: number;
  outputDim?: number;
  /** The weight's dtype, needed for float16 or bfloat16 bits in a Uint16Array. */
  dtype?: D;
  /** Invalid indices raise a RangeError instead of clipping. */
  sparseGrad?: boolean;
  /** Default 'float32' ('float64' for float64 tables); a float16 or bfloat16 table may also give its own dtype. */
  outputDtype?: 'float32' | 'float64' | 'float16' | 'bfloat16';
  /** Receives the result: a TypedArray of the output dtype with bags * outputDim elements. */
  out?: Float32Array | Float64Array | Uint16Array;
}

/** Result of {@link embeddingBag}. */
export interface EmbeddingBagResult extends Tensor<'float32' | 'float64' | 'float16' | 'bfloat16'> {
  /** Mode 'max' only: [bags, outputDim] flat positions in data of the winning rows, -1 for empty bags. */
  maxIndices?: Int32Array;
}

/**
 * PyTorch's EmbeddingBag: per-bag sum, mean or max of weight rows, shape [bags, outputDim]. `data` is 2-D
 * [bags, bagLength] or 1-D with `offsets`. Empty bags give zeros. The weight is float32, float64, float16,
 * bfloat16 (a tensor or a Table) or a QuantizedTable.
 */
export function embeddingBag<D extends 'float32' | 'float64' | 'float16' | 'bfloat16'>(
  data: TensorLike,
  weight: WeightLike<D> | QuantizedTable,
  options?: EmbeddingBagOptions<D>,
): EmbeddingBagResult;

/** A row_sparse gradient: the listed rows of a [rows, columns] gradient; every other row is zero. */
export interface RowSparseResult<D extends FloatDType = FloatDType> {
  storage: 'row_sparse';
  /** Distinct rows in ascending order. */
  indices: Int32Array;
  /** [indices.length, columns]; row k belongs to row indices[k]. */
  values: Tensor<D>;
  shape: [number, number];
  dtype: D;
  toDense(): Tensor<D>;
}

export interface EmbeddingBagBackwardOptions<D extends FloatDType> {
  /** Rows of the gradient (the weight's inputDim). */
  inputDim: number;
  offsets?: EmbeddingBagOptions['offsets'];
  mode?: BagMode;
  includeLastOffset?: boolean;
  /** float32 or float64; float32 for float16 and bfloat16 gradients. */
  perSampleWeights?: TensorLike<'float32' | 'float64'>;
  /** This row receives no gradient, and 'mean' does not count its entries. */
  paddingIdx?: number;
  /** Mode 'max': the forward's maxIndices. */
  maxIndices?: Int32Array;
  /** Return a row_sparse gradient listing the rows that occur. */
  sparseGrad?: boolean;
  /** 'write' (default) or 'add' onto `grad`. */
  gradReq?: 'write' | 'add';
  grad?: Tensor<D> | RowSparseResult<D>;
  out?: StorageTypes[D];
}

/**
 * Gradient of {@link embeddingBag} with respect to the weight, dense [inputDim, outputDim] or row_sparse,
 * in outGrad's dtype. Each row sums its contributions in data order in float64 and rounds once.
 */
export function embeddingBagBackward<D extends FloatDType>(
  data: TensorLike,
  outGrad: TensorLike<D>,
  options: EmbeddingBagBackwardOptions<D>,
): Tensor<D> | RowSparseResult<D>;

/** Index modes of {@link take}. */
export type TakeMode = 'clip' | 'wrap' | 'raise';

export interface TakeOptions<D extends DType = DType> {
  /** Default 0; negative values count from the end. */
  axis?: number;
  /** 'clip' (default), 'wrap' (modulo the axis length) or 'raise' (RangeError outside [-length, length - 1]). */
  mode?: TakeMode;
  out?: StorageTypes[D];
}

/**
 * MXNet's take: elements of `a` along `axis` at `indices`, shape a.shape[:axis] + indices.shape +
 * a.shape[axis + 1:], copied bit for bit in a's dtype.
 */
export function take<D extends DType = DType>(a: TensorLike<D>, indices: TensorLike, options?: TakeOptions<D>): Tensor<D>;

export interface TakeBackwardOptions<D extends FloatDType> {
  /** Shape of the array that take read. */
  shape: readonly number[];
  axis?: number;
  mode?: TakeMode;
  gradReq?: 'write' | 'add';
  grad?: Tensor<D>;
  out?: StorageTypes[D];
}

/** Gradient of {@link take} with respect to `a`: each element sums the outGrad elements taken from it. */
export function takeBackward<D extends FloatDType>(
  indices: TensorLike,
  outGrad: TensorLike<D>,
  options: TakeBackwardOptions<D>,
): Tensor<D>;

export interface QuantizeTableOptions {
  /** 'int8' (default, symmetric) or 'uint8' (asymmetric, offset = row minimum). */
  dtype?: 'int8' | 'uint8';
  scheme?: 'per-row';
  /** The weight's dtype, needed for float16 or bfloat16 bits in a Uint16Array. */
  weightDtype?: 'float32' | 'float64' | 'float16' | 'bfloat16';
}

/** A table of 8-bit codes with a float32 scale and offset per row, in wasm memory. */
export class QuantizedTable {
  private constructor();
  readonly shape: readonly [number, number];
  readonly dtype: 'int8' | 'uint8';
  readonly scheme: 'per-row';
  /** Largest absolute and root-mean-square difference between the source and the decoded table. */
  readonly reconstructionError: { readonly maxAbs: number; readonly rms: number };
  /** Bytes of wasm memory: codes plus 8 bytes per row. */
  readonly byteLength: number;
  readonly disposed: boolean;
  /** Frees the table's wasm memory. Safe to call more than once. */
  dispose(): void;
  /** Copies of the codes ([rows * columns]), scales and offsets (one per row). */
  parameters(): { codes: Int8Array | Uint8Array; scales: Float32Array; offsets: Float32Array };
  /** The decoded table, code * scale + offset, as float32. */
  dequantize(): Tensor<'float32'>;
}

/**
 * Quantizes a float weight row by row. Every element decodes within scale / 2 of its float32 value.
 */
export function quantizeTable(
  weight: WeightLike<'float32' | 'float64' | 'float16' | 'bfloat16'>,
  options?: QuantizeTableOptions,
): QuantizedTable;

// ---------------------------------------------------------------------------------------------------------
// Training: embedding backward, row_sparse gradients, optimizers and the Embedding layer
// ---------------------------------------------------------------------------------------------------------

/**
 * A row_sparse gradient of shape [rows, columns] in a float dtype. `indices` lists distinct rows in
 * ascending order, row k of `values` belongs to row `indices[k]`, and every other row is zero. Returned by
 * {@link embeddingBackward} with `sparseGrad: true`.
 */
export interface RowSparseGradient<D extends FloatDType = FloatDType> {
  storage: 'row_sparse';
  indices: Int32Array;
  /** [indices.length, columns]. */
  values: Tensor<D>;
  shape: [number, number];
  dtype: D;
  /** Returns the dense [rows, columns] tensor. */
  toDense(): Tensor<D>;
}

/** A row_sparse gradient given by a caller: `values.data` must be the dtype's TypedArray. */
export interface RowSparseInput<D extends FloatDType = FloatDType> {
  storage: 'row_sparse';
  indices: Int32Array;
  values: { data: StorageTypes[D]; shape?: readonly number[]; dtype?: D };
  shape: readonly [number, number] | readonly number[];
  dtype: D;
}

/** True for an object whose `storage` is 'row_sparse'. */
export function isRowSparse(value: unknown): value is RowSparseGradient;

/** Returns the dense [rows, columns] tensor of a row_sparse gradient. */
export function rowSparseToDense<D extends FloatDType>(gradient: RowSparseInput<D>): Tensor<D>;

export interface EmbeddingBackwardOptions<D extends FloatDType = FloatDType> {
  /** Rows of the gradient (the weight's inputDim). Required. */
  inputDim: number;
  /** Columns; default outGrad.shape's last dimension. */
  outputDim?: number;
  /**
   * Return a row_sparse gradient listing the rows that occur, sorted and distinct. Invalid indices
   * (outside [0, inputDim - 1] before truncation, NaN included) then raise a RangeError.
   */
  sparseGrad?: boolean;
  /** 'write' (default) returns a new gradient; 'add' adds onto `grad` and returns it. */
  gradReq?: 'write' | 'add';
  /**
   * For 'add': a dense tensor with TypedArray data (updated in place) or a row_sparse gradient (its
   * `indices` and `values` are replaced by the merged row set). Same shape and dtype as the result.
   */
  grad?: Tensor<D> | TensorObject<D> | RowSparseInput<D>;
  /** Receives a dense 'write' result: the dtype's TypedArray with inputDim * outputDim elements. */
  out?: StorageTypes[D];
  /** Row that receives no gradient; a negative value counts from the end, as in PyTorch. */
  paddingIdx?: number;
}

/**
 * Gradient of {@link embedding} with respect to the weight, for `outGrad` of shape
 * [...data.shape, outputDim] and a float dtype (an integer dtype raises a TypeError). Indices map to rows
 * as in the forward. Each row sums its contributions in increasing position order, in float64 for
 * float32 and float64 and in float32 for float16 and bfloat16, and rounds once, so results are
 * bit-identical for every thread count and build.
 */
export function embeddingBackward<D extends FloatDType = FloatDType>(
  data: TensorLike,
  outGrad: TensorLike<D>,
  options: EmbeddingBackwardOptions<D> & { sparseGrad: true },
): RowSparseGradient<D>;
export function embeddingBackward<D extends FloatDType = FloatDType>(
  data: TensorLike,
  outGrad: TensorLike<D>,
  options: EmbeddingBackwardOptions<D>,
): Tensor<D> | RowSparseGradient<D>;

/**
 * A weight or optimizer state updated in place: a {@link Table} (updated in wasm memory) or a tensor
 * whose TypedArray `data` is overwritten with the result.
 */
export type Updatable<D extends FloatDType = FloatDType> = Table<D> | { data: StorageTypes[D]; shape?: readonly number[]; dtype?: D };

/** A gradient for an optimizer: dense (same shape and dtype as the weight) or row_sparse (2-D weights). */
export type GradientLike<D extends FloatDType = FloatDType> = TensorLike<D> | RowSparseInput<D> | RowSparseGradient<D>;

export interface UpdateOptions {
  /** Learning rate: finite, >= 0. Required. */
  lr: number;
  /** Weight decay: finite, >= 0. Default 0. Added after clipping: g' = clip(rescaleGrad * g) + wd * w. */
  wd?: number;
  /** Gradient scale: finite. Default 1. */
  rescaleGrad?: number;
  /** Clip rescaled gradients to [-clipGradient, clipGradient]; null, undefined or <= 0 turn clipping off. */
  clipGradient?: number | null;
  /**
   * With a row_sparse gradient, true (default) updates only the listed rows and their states; false
   * updates every row with g = 0 for absent rows (decay and weight decay apply everywhere).
   */
  lazyUpdate?: boolean;
}

/** w -= lr * g'. Returns `weight`. */
export function sgdUpdate<D extends FloatDType>(weight: Updatable<D>, grad: GradientLike<D>, options: UpdateOptions): Updatable<D>;

/** mom = momentum * mom - lr * g'; w += mom. `momentum` in [0, 1), default 0. Returns `weight`. */
export function sgdMomUpdate<D extends FloatDType>(
  weight: Updatable<D>, grad: GradientLike<D>, mom: Updatable<D>, options: UpdateOptions & { momentum?: number },
): Updatable<D>;

/**
 * mean = beta1 * mean + (1 - beta1) * g'; variance = beta2 * variance + (1 - beta2) * g'^2;
 * w -= lr * mean / (sqrt(variance) + epsilon). No bias correction ({@link Adam} supplies it). beta1 and
 * beta2 in [0, 1), defaults 0.9 and 0.999; epsilon > 0, default 1e-8. Returns `weight`.
 */
export function adamUpdate<D extends FloatDType>(
  weight: Updatable<D>, grad: GradientLike<D>, mean: Updatable<D>, variance: Updatable<D>,
  options: UpdateOptions & { beta1?: number; beta2?: number; epsilon?: number },
): Updatable<D>;

/**
 * history += g'^2; w -= lr * g' / (sqrt(history) + epsilon), epsilon > 0 (default 1e-7). A row_sparse
 * gradient always updates lazily. Returns `weight`.
 */
export function adagradUpdate<D extends FloatDType>(
  weight: Updatable<D>, grad: GradientLike<D>, history: Updatable<D>, options: UpdateOptions & { epsilon?: number },
): Updatable<D>;

export interface OptimizerOptions extends Partial<UpdateOptions> {
  /** For float16 and bfloat16 weights: update a float32 master copy and round it into the weight. */
  multiPrecision?: boolean;
}

/**
 * Base of the optimizer classes. State is created per weight on its first step: Tables when the weight is
 * a Table, tensors otherwise. Free state Tables with {@link Optimizer.dispose}.
 */
declare abstract class Optimizer {
  /** Learning rate of the next step; may change between steps. */
  lr: number;
  readonly multiPrecision: boolean;
  /** Updates `weight` in place from `grad` and returns it. */
  step<W extends Updatable>(weight: W, grad: GradientLike): W;
  /** Number of steps applied to `weight`. */
  stepCount(weight: Updatable): number;
  /** Frees the state Tables. Safe to call more than once. */
  dispose(): void;
}

/** SGD (lr 0.01), with momentum when `momentum` > 0 (default 0). */
export class SGD extends Optimizer {
  constructor(options?: OptimizerOptions & { momentum?: number });
}

/**
 * Adam (lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8). Each step uses
 * lr * sqrt(1 - beta2^t) / (1 - beta1^t), with t counted per weight.
 */
export class Adam extends Optimizer {
  constructor(options?: OptimizerOptions & { beta1?: number; beta2?: number; epsilon?: number });
}

/** AdaGrad (lr 0.01, epsilon 1e-7). */
export class AdaGrad extends Optimizer {
  constructor(options?: OptimizerOptions & { epsilon?: number });
}

export interface EmbeddingLayerOptions<D extends FloatDType = FloatDType> {
  inputDim: number;
  outputDim: number;
  /** Default float32. */
  dtype?: D;
  /** backward() returns row_sparse gradients, and forward() rejects invalid indices. Default false. */
  sparseGrad?: boolean;
  /** Initial weight [inputDim, outputDim], copied. Default: uniform in (-0.07, 0.07). */
  weight?: WeightLike<D>;
  /** Seed of the default initialisation. Default 0. */
  seed?: number;
  /** Row that receives no gradient and starts at zero in the default initialisation; negative counts from the end. */
  paddingIdx?: number;
}

/** An embedding layer whose weight is a {@link Table} in wasm memory. */
export class Embedding<D extends FloatDType = FloatDType> {
  constructor(options: EmbeddingLayerOptions<D>);
  readonly inputDim: number;
  readonly outputDim: number;
  readonly sparseGrad: boolean;
  readonly weight: Table<D>;
  /** Looks up rows and keeps a copy of `data` for backward(). */
  forward(data: TensorLike): Tensor<D>;
  /** Weight gradient for `outGrad` ([...data.shape, outputDim]) and the last forward's data. */
  backward(outGrad: TensorLike<D>): Tensor<D> | RowSparseGradient<D>;
  /** Frees the weight Table. Safe to call more than once. */
  dispose(): void;
}

// Only the declarations marked `export` above are part of the API: without this line TypeScript would
// export every top-level declaration of this file, such as the Optimizer base class, which the runtime
// does not export.
export {};
