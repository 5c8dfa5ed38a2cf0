// Differential fuzzing with fast-check: random shapes, dtypes, index values (negative, huge, NaN,
// fractional, int64 extremes) and options, compared with the scalar references in tests/helpers. npm test
// runs a fixed seed; `npm run fuzz` runs more cases (FUZZ_RUNS) and FUZZ_SEED reruns a reported seed.
// fast-check prints the seed and the shrunk counterexample of a failure.
const fc = require('fast-check');
const { library, initBackend } = require('../helpers/library');
const { STORAGE, indexValue, referenceEmbedding, bytesOf } = require('../helpers/reference');
const { referenceBackward, referenceUpdate, toHalfBits, toBFloat16Bits } = require('../helpers/training-reference');

function roundHalfEven(value) {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction > 0.5 ? floor + 1 : floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

// Number -> bfloat16 bits, rounded to nearest even once, directly from the float64 value (the helper in
// training-reference rounds to float32 first). Every scaling below is by a power of two, so it is exact.
function bfloat16FromDouble(value) {
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  // Halfway between the largest finite bfloat16, (2 - 2^-7) * 2^127, and 2^128 ties to even: Infinity.
  if (magnitude >= (2 - 2 ** -8) * 2 ** 127) return sign | 0x7f80;
  if (magnitude < 2 ** -126) return sign | roundHalfEven(magnitude * 2 ** 133);
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent -= 1;
  if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  return sign | (((exponent + 127) << 7) + roundHalfEven((magnitude / 2 ** exponent - 1) * 128));
}
const { bagForward, takeForward } = require('../helpers/extras-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const CHECKED_BUILD = globalThis.WASM_EMBEDDING_DIST_OVERRIDE !== undefined;
const RUNS = Number(process.env.FUZZ_RUNS) || (CHECKED_BUILD ? 40 : 150);
const SEED = process.env.FUZZ_SEED === undefined ? 20261204 : Number(process.env.FUZZ_SEED);
const PARAMETERS = { seed: SEED, numRuns: RUNS, endOnFailure: true };

const INDEX_DTYPES = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float16', 'bfloat16', 'float32', 'float64'];
const WEIGHT_DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64'];
const INTEGER_RANGES = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1],
};

// One index element as stored in the dtype's TypedArray, biased toward values near the valid rows.
function indexElement(dtype) {
  if (dtype === 'int64') {
    return fc.oneof(
      fc.bigInt({ min: -3n, max: 12n }),
      fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 32n, 2n ** 32n + 1n, -(2n ** 32n), 2n ** 31n),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    );
  }
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const encode = dtype === 'float16' ? toHalfBits : toBFloat16Bits;
    return fc.oneof(fc.double({ min: -3, max: 12, noNaN: true }).map(encode), fc.integer({ min: 0, max: 0xffff }));
  }
  if (dtype === 'float32' || dtype === 'float64') {
    const round = dtype === 'float32' ? Math.fround : (value) => value;
    return fc.oneof(
      fc.integer({ min: -3, max: 12 }),
      fc.double({ min: -3, max: 12, noNaN: true }).map(round),
      fc.constantFrom(NaN, Infinity, -Infinity, -0, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 63, -(2 ** 63), 1e300),
      fc.double().map(round),
    );
  }
  const [min, max] = INTEGER_RANGES[dtype];
  return fc.oneof(fc.integer({ min: Math.max(min, -3), max: 12 }), fc.constantFrom(min, max), fc.integer({ min, max }));
}

// A shape of rank 0 to 3 with small dimensions (zero-size included).
const shapeArbitrary = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const size = (shape) => shape.reduce((a, b) => a * b, 1);

// { data, shape, dtype } of random indices.
function indexTensor(dtype, shape) {
  return fc.array(indexElement(dtype), { minLength: size(shape), maxLength: size(shape) })
    .map((values) => ({ data: STORAGE[dtype].from(values), shape, dtype }));
}

// With sparseGrad an index is valid when 0 <= value <= inputDim - 1 before truncation; NaN is invalid.
function isValidIndex(value, inputDim) {
  if (typeof value === 'bigint') return value >= 0n && value <= BigInt(inputDim - 1);
  return value >= 0 && value <= inputDim - 1;
}

function firstInvalid(tensor, inputDim) {
  for (let i = 0; i < tensor.data.length; i += 1) {
    if (!isValidIndex(indexValue(tensor.data, tensor.dtype, i), inputDim)) return i;
  }
  return -1;
}

function randomBytes(ArrayType, length) {
  return fc.uint8Array({ minLength: length * ArrayType.BYTES_PER_ELEMENT, maxLength: length * ArrayType.BYTES_PER_ELEMENT })
    .map((bytes) => new ArrayType(bytes.buffer));
}

// Returns the error call raises, or null.
function errorOf(call) {
  try {
    call();
  } catch (error) {
    return error;
  }
  return null;
}

const forwardCase = fc.record({
  indexDtype: fc.constantFrom(...INDEX_DTYPES),
  weightDtype: fc.constantFrom(...WEIGHT_DTYPES),
  shape: shapeArbitrary,
  inputDim: fc.integer({ min: 1, max: 9 }),
  outputDim: fc.integer({ min: 0, max: 9 }),
  sparseGrad: fc.boolean(),
  asTable: fc.boolean(),
  withOut: fc.boolean(),
}).chain((params) => fc.record({
  params: fc.constant(params),
  indices: indexTensor(params.indexDtype, params.shape),
  weight: randomBytes(STORAGE[params.weightDtype], params.inputDim * params.outputDim),
}));

test('embedding matches the reference', () => {
  fc.assert(fc.property(forwardCase, ({ params, indices, weight }) => {
    const { weightDtype, inputDim, outputDim, sparseGrad, asTable, withOut } = params;
    const weightTensor = { data: weight, shape: [inputDim, outputDim], dtype: weightDtype };
    const weightBefore = Buffer.from(bytesOf(weight));
    const indicesBefore = Buffer.from(bytesOf(indices.data));
    const length = indices.data.length * outputDim;
    const out = withOut ? new STORAGE[weightDtype](length) : undefined;
    if (out) bytesOf(out).fill(0xab);
    const outBefore = out ? Buffer.from(bytesOf(out)) : null;
    const table = asTable ? library.createTable(weightTensor) : null;

    try {
      const invalid = sparseGrad ? firstInvalid(indices, inputDim) : -1;
      const call = () => library.embedding(indices, table ?? weightTensor, { sparseGrad, out });
      if (invalid >= 0) {
        const error = errorOf(call);
        expect(error).toBeInstanceOf(RangeError);
        expect(error.message).toContain(`flat position ${invalid}`);
        if (out) expect(Buffer.from(bytesOf(out)).equals(outBefore)).toBe(true);
      } else {
        const result = call();
        expect(result.shape).toEqual([...indices.shape, outputDim]);
        expect(result.dtype).toBe(weightDtype);
        if (out) expect(result.data).toBe(out);
        const expected = referenceEmbedding(indices.data, indices.dtype, weight, inputDim, outputDim);
        expect(Buffer.from(bytesOf(result.data)).equals(Buffer.from(expected))).toBe(true);
      }
      expect(Buffer.from(bytesOf(weight)).equals(weightBefore)).toBe(true);
      expect(Buffer.from(bytesOf(indices.data)).equals(indicesBefore)).toBe(true);
    } finally {
      if (table) table.dispose();
    }
  }), PARAMETERS);
});

const backwardCase = fc.record({
  indexDtype: fc.constantFrom('int32', 'int64', 'float32', 'float64', 'uint8', 'float16'),
  gradDtype: fc.constantFrom('float32', 'float64'),
  shape: shapeArbitrary,
  inputDim: fc.integer({ min: 1, max: 7 }),
  outputDim: fc.integer({ min: 1, max: 6 }),
  sparseGrad: fc.boolean(),
  add: fc.boolean(),
}).chain((params) => fc.record({
  params: fc.constant(params),
  indices: indexTensor(params.indexDtype, params.shape),
  outGrad: fc.array(fc.double({ min: -100, max: 100, noNaN: true }), {
    minLength: size(params.shape) * params.outputDim, maxLength: size(params.shape) * params.outputDim,
  }),
  initial: fc.array(fc.double({ min: -10, max: 10, noNaN: true }), {
    minLength: params.inputDim * params.outputDim, maxLength: params.inputDim * params.outputDim,
  }),
}));

test('embeddingBackward matches the reference', () => {
  fc.assert(fc.property(backwardCase, ({ params, indices, outGrad, initial }) => {
    const { gradDtype, inputDim, outputDim, sparseGrad, add } = params;
    const ArrayType = STORAGE[gradDtype];
    const gradient = { data: ArrayType.from(outGrad), shape: [...indices.shape, outputDim], dtype: gradDtype };
    const dense = { data: ArrayType.from(initial), shape: [inputDim, outputDim], dtype: gradDtype };
    const denseBefore = Array.from(dense.data);
    const options = { inputDim, sparseGrad };
    if (add && !sparseGrad) Object.assign(options, { gradReq: 'add', grad: dense });

    const values = Array.from({ length: indices.data.length }, (_, i) => indexValue(indices.data, indices.dtype, i));
    const invalid = sparseGrad ? firstInvalid(indices, inputDim) : -1;
    if (invalid >= 0) {
      const error = errorOf(() => library.embeddingBackward(indices, gradient, options));
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain(`flat position ${invalid}`);
      expect(Array.from(dense.data)).toEqual(denseBefore);
      return;
    }
    const result = library.embeddingBackward(indices, gradient, options);
    const expected = referenceBackward(values, gradient.data, gradDtype, inputDim, outputDim, options.grad ? ArrayType.from(initial) : undefined);
    if (!sparseGrad) {
      expect(Array.from(result.data)).toEqual(Array.from(expected.data));
      if (options.grad) expect(result).toBe(dense);
      return;
    }
    expect(Array.from(result.indices)).toEqual(expected.rows);
    const rows = expected.rows.flatMap((row) => Array.from(expected.data.subarray(row * outputDim, (row + 1) * outputDim)));
    expect(Array.from(result.values.data)).toEqual(rows);
  }), PARAMETERS);
});

const OPTIMIZERS = {
  sgdUpdate: { kind: 'sgd', states: 0 },
  sgdMomUpdate: { kind: 'sgdMom', states: 1 },
  adamUpdate: { kind: 'adam', states: 2 },
  adagradUpdate: { kind: 'adagrad', states: 1 },
};

const optimizerCase = fc.record({
  op: fc.constantFrom(...Object.keys(OPTIMIZERS)),
  dtype: fc.constantFrom('float32', 'float64'),
  rows: fc.integer({ min: 1, max: 6 }),
  columns: fc.integer({ min: 1, max: 5 }),
  sparse: fc.boolean(),
  lazyUpdate: fc.boolean(),
  asTable: fc.boolean(),
  lr: fc.double({ min: 0, max: 1, noNaN: true }),
  wd: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.1, noNaN: true })),
  rescaleGrad: fc.double({ min: -2, max: 2, noNaN: true }),
  clipGradient: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(-1), fc.constant(0), fc.double({ min: 0.05, max: 2, noNaN: true })),
  momentum: fc.double({ min: 0, max: 0.99, noNaN: true }),
  beta1: fc.double({ min: 0, max: 0.99, noNaN: true }),
  beta2: fc.double({ min: 0, max: 0.999, noNaN: true }),
  epsilon: fc.double({ min: 1e-8, max: 1e-2, noNaN: true }),
}).chain((params) => fc.record({
  params: fc.constant(params),
  values: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: params.rows * params.columns * 4, maxLength: params.rows * params.columns * 4 }),
  sparseRows: fc.uniqueArray(fc.integer({ min: 0, max: params.rows - 1 }), { maxLength: params.rows }).map((rows) => rows.sort((a, b) => a - b)),
}));

// Float32 kernels may fuse or reorder a rounding step, so values agree to a few float32 ulps.
function expectClose(actual, expected, dtype) {
  const tolerance = dtype === 'float32' ? 2e-6 : 1e-12;
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i += 1) {
    const scale = Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance * scale)) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

test('optimizer updates match the reference', () => {
  fc.assert(fc.property(optimizerCase, ({ params, values, sparseRows }) => {
    const { op, dtype, rows, columns, sparse, lazyUpdate, asTable } = params;
    const { kind, states } = OPTIMIZERS[op];
    const ArrayType = STORAGE[dtype];
    const length = rows * columns;
    const part = (k) => ArrayType.from(values.slice(k * length, (k + 1) * length));
    const shape = [rows, columns];
    const weight = part(0);
    // Adam's variance and AdaGrad's history are non-negative.
    const stateData = [part(1), part(2).map(Math.abs)].slice(0, states);
    if (kind === 'adagrad') stateData[0] = stateData[0].map(Math.abs);
    const gradData = part(3);
    const grad = sparse
      ? {
        storage: 'row_sparse',
        indices: Int32Array.from(sparseRows),
        values: { data: ArrayType.from(sparseRows.flatMap((row) => Array.from(gradData.subarray(row * columns, (row + 1) * columns)))) },
        shape,
        dtype,
      }
      : { data: gradData, shape, dtype };
    const options = { lr: params.lr, wd: params.wd, rescaleGrad: params.rescaleGrad, clipGradient: params.clipGradient, lazyUpdate };
    if (kind === 'sgdMom') options.momentum = params.momentum;
    if (kind === 'adam') Object.assign(options, { beta1: params.beta1, beta2: params.beta2, epsilon: params.epsilon });
    if (kind === 'adagrad') options.epsilon = params.epsilon;

    const expected = referenceUpdate(kind, dtype, weight, sparse ? { indices: sparseRows, data: grad.values.data } : { data: gradData },
      stateData, shape, { ...options, clipGradient: options.clipGradient > 0 ? options.clipGradient : 0 }, lazyUpdate || kind === 'adagrad');

    const wrap = (data) => (asTable ? library.createTable({ data: data.slice(), shape }) : { data: data.slice(), shape, dtype });
    const weightArgument = wrap(weight);
    const stateArguments = stateData.map(wrap);
    const read = (value) => (asTable ? value.toTensor().data : value.data);
    try {
      const result = library[op](weightArgument, grad, ...stateArguments, options);
      expect(result).toBe(weightArgument);
      expectClose(read(weightArgument), expected.weight, dtype);
      if (states > 0) expectClose(read(stateArguments[0]), expected.s0, dtype);
      if (states > 1) expectClose(read(stateArguments[1]), expected.s1, dtype);
    } finally {
      if (asTable) [weightArgument, ...stateArguments].forEach((table) => table.dispose());
    }
  }), PARAMETERS);
});

const takeCase = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  indexShape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
  mode: fc.constantFrom('clip', 'wrap', 'raise'),
  axisChoice: fc.integer({ min: -3, max: 2 }),
}).chain((params) => fc.record({
  params: fc.constant(params),
  indices: fc.array(fc.oneof(fc.integer({ min: -6, max: 6 }), fc.double({ min: -6, max: 6, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity)),
    { minLength: size(params.indexShape), maxLength: size(params.indexShape) }),
}));

test('take matches the reference', () => {
  fc.assert(fc.property(takeCase, ({ params, indices }) => {
    const { shape, indexShape, mode } = params;
    const rank = shape.length;
    const axis = ((params.axisChoice % rank) + rank) % rank;
    const n = shape[axis];
    const data = Float32Array.from({ length: size(shape) }, (_, i) => i + 0.5);
    const indexTensorValue = { data: Float64Array.from(indices), shape: indexShape };
    const invalid = mode === 'raise' ? indices.findIndex((value) => !(value >= -n && value <= n - 1)) : -1;
    const call = () => library.take({ data, shape }, indexTensorValue, { axis, mode });
    if (invalid >= 0) {
      const error = errorOf(call);
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toContain(`flat position ${invalid}`);
      return;
    }
    const result = call();
    const expected = takeForward(data, shape, indices, indexShape, axis, mode);
    expect(result.shape).toEqual(expected.shape);
    expect(Array.from(result.data)).toEqual(expected.data);
  }), PARAMETERS);
});

const bagCase = fc.record({
  inputDim: fc.integer({ min: 1, max: 6 }),
  outputDim: fc.integer({ min: 1, max: 5 }),
  count: fc.integer({ min: 0, max: 12 }),
  mode: fc.constantFrom('sum', 'mean', 'max'),
  withWeights: fc.boolean(),
}).chain((params) => fc.record({
  params: fc.constant(params),
  weight: fc.array(fc.double({ min: -2, max: 2, noNaN: true }).map(Math.fround), { minLength: params.inputDim * params.outputDim, maxLength: params.inputDim * params.outputDim }),
  indices: fc.array(fc.oneof(fc.integer({ min: -2, max: 8 }), fc.double({ min: -2, max: 8, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity)),
    { minLength: params.count, maxLength: params.count }),
  // Bag starts: 0 first, then any non-decreasing positions up to count (empty bags included).
  starts: fc.array(fc.integer({ min: 0, max: params.count }), { maxLength: 4 }).map((rest) => [0, ...rest.sort((a, b) => a - b)]),
  sampleWeights: fc.array(fc.double({ min: -2, max: 2, noNaN: true }).map(Math.fround), { minLength: params.count, maxLength: params.count }),
}));

test('embeddingBag matches the reference', () => {
  fc.assert(fc.property(bagCase, ({ params, weight, indices, starts, sampleWeights }) => {
    const { inputDim, outputDim, count, mode } = params;
    const withWeights = params.withWeights && mode === 'sum';
    const weightData = Float32Array.from(weight);
    const options = { offsets: Int32Array.from(starts), mode };
    if (withWeights) options.perSampleWeights = Float32Array.from(sampleWeights);
    const result = library.embeddingBag(Float64Array.from(indices), { data: weightData, shape: [inputDim, outputDim] }, options);
    const expected = bagForward({
      indices,
      starts: [...starts, count],
      rowAt: (row) => weightData.subarray(row * outputDim, (row + 1) * outputDim),
      inputDim,
      outputDim,
      mode,
      weights: withWeights ? options.perSampleWeights : undefined,
    });
    expect(result.shape).toEqual([starts.length, outputDim]);
    expectClose(result.data, expected.data, 'float32');
    if (mode === 'max') expect(Array.from(result.maxIndices)).toEqual(Array.from(expected.maxIndices));
  }), PARAMETERS);
});

test('float16 and bfloat16 encoding matches the reference', () => {
  const value = fc.oneof(fc.double(), fc.double({ min: -70000, max: 70000 }), fc.constantFrom(65504, 65520, 65519.99, 2 ** -24, 2 ** -25, -0, 3.4028234663852886e38));
  fc.assert(fc.property(fc.array(value, { maxLength: 40 }), (values) => {
    const source = Float64Array.from(values);
    const half = library.toFloat16(source);
    const brain = library.toBFloat16(source);
    values.forEach((item, i) => {
      const expectedHalf = toHalfBits(item);
      const expectedBrain = bfloat16FromDouble(item);
      if (Number.isNaN(item)) {
        expect([half[i] & 0x7c00, half[i] & 0x3ff]).toEqual([0x7c00, expect.any(Number)]);
        expect(half[i] & 0x3ff).not.toBe(0);
        expect(brain[i] & 0x7f80).toBe(0x7f80);
        expect(brain[i] & 0x7f).not.toBe(0);
      } else {
        expect([i, half[i]]).toEqual([i, expectedHalf]);
        expect([i, brain[i]]).toEqual([i, expectedBrain]);
      }
    });
    expect(Array.from(source)).toEqual(values);
  }), PARAMETERS);
});
