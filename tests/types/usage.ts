// Compile-time checks of index.d.ts, imported by package name as a consumer imports it. `tsc --noEmit
// --strict` must accept this file, and each @ts-expect-error line must be rejected, or tsc reports the
// directive as unused.
import {
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
