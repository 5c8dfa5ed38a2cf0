// Compile-time checks of index.d.ts, imported by package name as a consumer imports it. `tsc --noEmit
// --strict` must accept this file, and each @ts-expect-error line must be rejected, or tsc reports the
// directive as unused.
import {
  AdaGrad,
  Adam,
  Embedding,
  SGD,
  adamUpdate,
  createHeapTensor,
  embeddingBackward,
  embeddingBag,
  quantizeTable,
  similarity,
  take,
  BACKENDS,
  DTYPES,
  DisposedError,
  MAX_MEMORY_BYTES,
  NotInitializedError,
  Table,
  backendInfo,
  createTable,
  dispose,
  embedding,
  fromBFloat16,
  fromFloat16,
  heapInUseBytes,
  init,
  toBFloat16,
  toFloat16,
} from 'wasm-embedding';
import type { Backend, BackendInfo, DType, Tensor } from 'wasm-embedding';

// Fails to compile unless A and B are the same type.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<Condition extends true>(): Condition | void {}

export async function usage(): Promise<void> {
  const info: BackendInfo = await init({ backend: 'simd', threads: 1 });
  const backend: Backend = info.backend;
  const names: readonly Backend[] = BACKENDS;
  const dtypes: readonly DType[] = DTYPES;
  const limit: number = MAX_MEMORY_BYTES;
  const running: BackendInfo | null = backendInfo();
  const inUse: number = heapInUseBytes();

  // The doc example: a float32 weight given as a tensor object.
  const weight = { data: new Float32Array(20), shape: [4, 5], dtype: 'float32' as const };
  const rows = embedding([[1, 3], [0, 2]], weight, { inputDim: 4, outputDim: 5 });
  assertType<Equal<typeof rows, Tensor<'float32'>>>();
  const first: Float32Array = rows.data;
  const shape: number[] = rows.shape;

  // Index data in every accepted form.
  embedding(2, weight);
  embedding(2n, weight);
  embedding(new BigInt64Array([1n]), weight);
  embedding({ data: new Uint16Array([0x3c00]), shape: [1], dtype: 'float16' }, weight);
  embedding({ data: [1, 2, 3], shape: [3, 1] }, weight, { sparseGrad: true });

  // The options.dtype names the weight's dtype and fixes the result's.
  const half = embedding([0], { data: new Uint16Array(4), shape: [2, 2] }, { dtype: 'bfloat16' });
  assertType<Equal<typeof half.dtype, 'bfloat16'>>();
  const halfBits: Uint16Array = half.data;

  // An untyped weight gives the union of dtypes.
  const untyped = embedding([0], [[1, 2], [3, 4]]);
  assertType<Equal<typeof untyped.dtype, DType>>();

  // Tables carry their dtype into lookups.
  const table = createTable({ data: new BigInt64Array(6), shape: [3, 2], dtype: 'int64' });
  assertType<Equal<typeof table, Table<'int64'>>>();
  const wide: BigInt64Array = embedding([2], table).data;
  const tableShape: readonly [number, number] = table.shape;
  const copy: Tensor<'int64'> = table.toTensor();
  const disposed: boolean = table.disposed;
  const bytes: number = table.byteLength;
  table.dispose();

  // out must be the weight dtype's TypedArray.
  embedding([1], weight, { out: new Float32Array(5) });

  const bits: Uint16Array = toFloat16([1, 2]);
  const back: Float32Array = fromFloat16(bits);
  const brainBits: Uint16Array = toBFloat16(new Float64Array([0.1]));
  const brainBack: Float32Array = fromBFloat16(brainBits);

  try {
    embedding([0], weight);
  } catch (error) {
    if (error instanceof NotInitializedError || error instanceof DisposedError) {
      const message: string = error.message;
      void message;
    }
  }

  // Training, bags, take, quantized tables, similarity and heap outputs.
  const layer = new Embedding({ inputDim: 4, outputDim: 5, sparseGrad: true, paddingIdx: 0, seed: 1 });
  const forward = layer.forward([[1, 2]]);
  const sparse = embeddingBackward([[1, 2]], forward, { inputDim: 4, sparseGrad: true });
  const sparseRows: Int32Array = sparse.indices;
  const dense = embeddingBackward([[1, 2]], forward, { inputDim: 4, paddingIdx: -1 });
  const adam = new Adam({ lr: 0.01 });
  adam.step(layer.weight, sparse);
  const steps: number = adam.stepCount(layer.weight);
  const optimizers = [new SGD({ momentum: 0.9 }), new AdaGrad()];
  const state = { data: new Float32Array(20), shape: [4, 5], dtype: 'float32' as const };
  adamUpdate(state, sparse, { data: new Float32Array(20), shape: [4, 5] }, { data: new Float32Array(20), shape: [4, 5] }, { lr: 0.1 });
  const bag = embeddingBag([[0, 1], [2, 3]], weight, { mode: 'sum' });
  const taken = take(weight, [0, 3], { axis: 0, mode: 'wrap' });
  const quantized = quantizeTable(weight, { dtype: 'int8' });
  const scores = similarity(weight, new Float32Array(5));
  const heapOut = createHeapTensor([2, 5], 'float32');
  embedding([1, 2], weight, { out: heapOut });
  heapOut.dispose();
  void [sparseRows, dense, steps, optimizers, bag, taken, quantized, scores];
  layer.dispose();
  adam.dispose();
  // @ts-expect-error: the layer needs outputDim.
  new Embedding({ inputDim: 4 });
  // @ts-expect-error: embeddingBackward needs inputDim.
  embeddingBackward([1], forward, {});

  // @ts-expect-error: 'gpu' is not a backend.
  await init({ backend: 'gpu' });
  // @ts-expect-error: unknown init option.
  await init({ workers: 2 });
  // @ts-expect-error: 'float8' is not a dtype.
  embedding([0], weight, { dtype: 'float8' });
  // @ts-expect-error: unknown embedding option.
  embedding([0], weight, { inputdim: 4 });
  // @ts-expect-error: sparseGrad is a boolean.
  embedding([0], weight, { sparseGrad: 1 });
  // @ts-expect-error: a float32 result needs a Float32Array out.
  embedding([1], weight, { out: new Float64Array(5) });
  // @ts-expect-error: data must be a tensor, not a string.
  embedding('1', weight);
  // @ts-expect-error: the float16 conversions take numbers.
  toFloat16(['1']);
  // @ts-expect-error: decoding takes raw 16-bit patterns.
  fromFloat16(new Float32Array(1));
  // @ts-expect-error: tables come from createTable.
  new Table();
  // @ts-expect-error: a table's shape is read-only.
  table.shape[0] = 1;

  void [backend, names, dtypes, limit, running, inUse, first, shape, halfBits, wide, tableShape, copy, disposed, bytes, back, brainBack];
  dispose();
}
