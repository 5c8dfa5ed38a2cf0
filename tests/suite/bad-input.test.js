// Bad input for every public function. Each case must raise the expected Error subclass with a message
// that names the function, the argument and the bad value. It must leave every caller buffer as it was,
// and a valid call of the same function afterwards must still return the right result.
const { library, initBackend } = require('../helpers/library');
const { badTensors, detachedView, snapshotBuffers } = require('../helpers/bad-input');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const float32Range = (length) => Float32Array.from({ length }, (_, i) => i);
const weight = () => ({ data: float32Range(20), shape: [4, 5] });
const indices = () => ({ data: Int32Array.from([1, 3, 0, 2]), shape: [2, 2] });
const outGrad = () => ({ data: Float32Array.from({ length: 20 }, (_, i) => i / 4), shape: [2, 2, 5] });
const zeros = (shape) => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
const rowSparse = (rows, values, shape = [4, 5]) => ({
  storage: 'row_sparse',
  indices: Int32Array.from(rows),
  values: { data: Float32Array.from(values), shape: [rows.length, shape[1]] },
  shape,
  dtype: 'float32',
});
const DOC_RESULT = [5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 0, 1, 2, 3, 4, 10, 11, 12, 13, 14];

// A valid call per function, with its expected result, run after every failing case of that function.
const VALID_CALLS = {
  embedding: () => {
    expect(Array.from(library.embedding([[1, 3], [0, 2]], weight()).data)).toEqual(DOC_RESULT);
  },
  createTable: () => {
    const table = library.createTable(weight());
    expect(Array.from(library.embedding([3], table).data)).toEqual([15, 16, 17, 18, 19]);
    table.dispose();
  },
  toFloat16: () => expect(Array.from(library.toFloat16([1.5, -2]))).toEqual([0x3e00, 0xc000]),
  toBFloat16: () => expect(Array.from(library.toBFloat16([1.5, -2]))).toEqual([0x3fc0, 0xc000]),
  fromFloat16: () => expect(Array.from(library.fromFloat16(Uint16Array.of(0x3e00)))).toEqual([1.5]),
  fromBFloat16: () => expect(Array.from(library.fromBFloat16(Uint16Array.of(0x3fc0)))).toEqual([1.5]),
  embeddingBackward: () => {
    const grad = library.embeddingBackward([1, 1, 3], { data: Float32Array.of(1, 2, 4), shape: [3, 1] }, { inputDim: 4 });
    expect(Array.from(grad.data)).toEqual([0, 3, 0, 4]);
  },
  sgdUpdate: () => {
    const w = { data: Float32Array.of(1, 2), shape: [2, 1] };
    library.sgdUpdate(w, { data: Float32Array.of(1, 1), shape: [2, 1] }, { lr: 0.5 });
    expect(Array.from(w.data)).toEqual([0.5, 1.5]);
  },
  sgdMomUpdate: () => {
    const w = { data: Float32Array.of(1, 2), shape: [2, 1] };
    const mom = zeros([2, 1]);
    library.sgdMomUpdate(w, { data: Float32Array.of(1, 1), shape: [2, 1] }, mom, { lr: 0.5, momentum: 0.5 });
    expect(Array.from(w.data)).toEqual([0.5, 1.5]);
    expect(Array.from(mom.data)).toEqual([-0.5, -0.5]);
  },
  adamUpdate: () => {
    const w = { data: Float32Array.of(1), shape: [1] };
    const mean = zeros([1]);
    const variance = zeros([1]);
    library.adamUpdate(w, { data: Float32Array.of(2), shape: [1] }, mean, variance, { lr: 0.1, beta1: 0.5, beta2: 0.75, epsilon: 1e-8 });
    // m = 1, v = 1, w = 1 - 0.1 * 1 / (1 + 1e-8).
    expect(mean.data[0]).toBe(1);
    expect(variance.data[0]).toBe(1);
    expect(w.data[0]).toBeCloseTo(0.9, 6);
  },
  adagradUpdate: () => {
    const w = { data: Float32Array.of(1), shape: [1] };
    const history = zeros([1]);
    library.adagradUpdate(w, { data: Float32Array.of(2), shape: [1] }, history, { lr: 0.5, epsilon: 1e-7 });
    expect(history.data[0]).toBe(4);
    expect(w.data[0]).toBeCloseTo(0.5, 6);
  },
  SGD: () => {
    const w = { data: Float32Array.of(1, 2), shape: [2, 1] };
    new library.SGD({ lr: 0.5 }).step(w, { data: Float32Array.of(1, 1), shape: [2, 1] });
    expect(Array.from(w.data)).toEqual([0.5, 1.5]);
  },
  Adam: () => {
    const w = { data: Float32Array.of(1), shape: [1] };
    // The first corrected step moves the weight by lr * g / |g| (up to epsilon).
    new library.Adam({ lr: 0.1 }).step(w, { data: Float32Array.of(2), shape: [1] });
    expect(w.data[0]).toBeCloseTo(0.9, 5);
  },
  AdaGrad: () => {
    const w = { data: Float32Array.of(1), shape: [1] };
    new library.AdaGrad({ lr: 0.5 }).step(w, { data: Float32Array.of(2), shape: [1] });
    expect(w.data[0]).toBeCloseTo(0.5, 5);
  },
  Embedding: () => {
    const layer = new library.Embedding({ inputDim: 4, outputDim: 5, weight: weight() });
    expect(Array.from(layer.forward([[1, 3], [0, 2]]).data)).toEqual(DOC_RESULT);
    layer.dispose();
  },
  embeddingBag: () => {
    const result = library.embeddingBag([0, 1, 3], weight(), { offsets: [0, 2], mode: 'sum' });
    expect(Array.from(result.data)).toEqual([5, 7, 9, 11, 13, 15, 16, 17, 18, 19]);
  },
  take: () => {
    expect(Array.from(library.take({ data: float32Range(6), shape: [3, 2] }, [2, 0]).data)).toEqual([4, 5, 0, 1]);
  },
  takeBackward: () => {
    const grad = library.takeBackward([2, 2], { data: Float32Array.of(1, 2), shape: [2] }, { shape: [3] });
    expect(Array.from(grad.data)).toEqual([0, 0, 3]);
  },
  embeddingBagBackward: () => {
    const grad = library.embeddingBagBackward([0, 1, 1], { data: Float32Array.of(1, 2), shape: [2, 1] }, { inputDim: 3, offsets: [0, 1], mode: 'sum' });
    expect(Array.from(grad.data)).toEqual([1, 4, 0]);
  },
  similarity: () => {
    const scores = library.similarity(weight(), { data: Float32Array.of(1, 0, 0, 0, 0), shape: [1, 5] }, { metric: 'dot' });
    expect(Array.from(scores.data)).toEqual([0, 5, 10, 15]);
  },
  rowSparseToDense: () => {
    expect(Array.from(library.rowSparseToDense(rowSparse([1], [1, 2, 3, 4, 5])).data.subarray(5, 10))).toEqual([1, 2, 3, 4, 5]);
  },
  'Table.toTensor': () => {
    const table = library.createTable(weight());
    expect(Array.from(table.toTensor().data)).toEqual(Array.from(weight().data));
    table.dispose();
  },
  quantizeTable: () => {
    const table = library.quantizeTable({ data: Float32Array.of(0, 1, -1, 0.5), shape: [2, 2] });
    const row = library.embedding([0], table, { outputDtype: 'float32' }).data;
    expect(row[1]).toBeCloseTo(1, 1);
    table.dispose();
  },
};

// Errors raised by an optimizer's step() or a layer's methods come from the op that runs, and name it.
const FUNCTION_NAMES = {
  SGD: /\b(SGD|sgdUpdate|sgdMomUpdate)\b/,
  Adam: /\b(Adam|adamUpdate)\b/,
  AdaGrad: /\b(AdaGrad|adagradUpdate)\b/,
  Embedding: /\b(Embedding|embedding|embeddingBackward)\b/,
};

const CASES = [];

// Adds a case: fn is the public function (a key of VALID_CALLS), makeArgs builds fresh arguments, call
// runs fn on them (library[fn](...args) by default).
function addCase(fn, name, makeArgs, error, includes, call = (args) => library[fn](...args)) {
  CASES.push({ fn, name, makeArgs, error, includes, call });
}

// Every malformed form of one tensor argument; place(bad) returns the full argument list.
function addTensorCases(fn, argument, good, place) {
  for (const [name, value, error, includes] of badTensors(argument, good)) {
    addCase(fn, `${argument} ${name}`, () => place(value), error, includes);
  }
}

// embedding
addTensorCases('embedding', 'data', indices(), (bad) => [bad, weight()]);
addTensorCases('embedding', 'weight', weight(), (bad) => [indices(), bad]);
addCase('embedding', 'data a ragged array', () => [[[0, 1], [2]], weight()], RangeError, ['data', 'ragged']);
addCase('embedding', 'data with a string element', () => [[0, 'x'], weight()], TypeError, ['data', '"x"']);
addCase('embedding', 'weight 1-D', () => [[0], { data: float32Range(20), shape: [20] }], RangeError, ['weight', '[20]']);
addCase('embedding', 'weight 3-D', () => [[0], { data: float32Range(20), shape: [2, 2, 5] }], RangeError, ['weight', '[2, 2, 5]']);
addCase('embedding', 'weight rows beyond 2^31', () => [[0], { data: new Float32Array(0), shape: [2 ** 31, 0] }], RangeError, ['weight', '2147483648']);
addCase('embedding', 'options a string', () => [[0], weight(), 'abc'], TypeError, ['options', '"abc"']);
addCase('embedding', 'options null', () => [[0], weight(), null], TypeError, ['options', 'null']);
addCase('embedding', 'unknown option', () => [[0], weight(), { inputdim: 4 }], TypeError, ['option', '"inputdim"']);
addCase('embedding', 'inputDim a string', () => [[0], weight(), { inputDim: '4' }], TypeError, ['inputDim', '"4"']);
addCase('embedding', 'inputDim negative', () => [[0], weight(), { inputDim: -4 }], RangeError, ['inputDim', '-4']);
addCase('embedding', 'inputDim fractional', () => [[0], weight(), { inputDim: 4.5 }], TypeError, ['inputDim', '4.5']);
addCase('embedding', 'inputDim NaN', () => [[0], weight(), { inputDim: NaN }], TypeError, ['inputDim', 'NaN']);
addCase('embedding', 'inputDim Infinity', () => [[0], weight(), { inputDim: Infinity }], TypeError, ['inputDim', 'Infinity']);
addCase('embedding', 'inputDim beyond 2^53', () => [[0], weight(), { inputDim: 2 ** 54 }], RangeError, ['inputDim', String(2 ** 54)]);
addCase('embedding', 'inputDim disagrees with weight', () => [[0], weight(), { inputDim: 3 }], RangeError, ['[4, 5]', '[3, 5]']);
addCase('embedding', 'outputDim disagrees with weight', () => [[0], weight(), { outputDim: 6 }], RangeError, ['[4, 5]', '[4, 6]']);
addCase('embedding', 'inputDim 2^31 with weight', () => [[0], weight(), { inputDim: 2 ** 31 }], RangeError, ['[4, 5]', '2147483648']);
addCase('embedding', 'dtype unknown', () => [[0], weight(), { dtype: 'float8' }], TypeError, ['dtype', '"float8"']);
addCase('embedding', 'dtype disagrees with data', () => [[0], weight(), { dtype: 'float16' }], TypeError, ['Float32Array', 'float16']);
addCase('embedding', 'sparseGrad a string', () => [[0], weight(), { sparseGrad: 'yes' }], TypeError, ['sparseGrad', '"yes"']);
addCase('embedding', 'out wrong kind', () => [[0], weight(), { out: new Float64Array(5) }], TypeError, ['out', 'Float64Array']);
addCase('embedding', 'out wrong length', () => [[0], weight(), { out: new Float32Array(6) }], RangeError, ['out', '6', '5']);
addCase('embedding', 'out detached', () => [[0], weight(), { out: detachedView(Float32Array, 5) }], TypeError, ['out', 'detached']);
for (const [name, value, text] of [
  ['too large', 4, '4'], ['negative', -1, '-1'], ['NaN', NaN, 'NaN'], ['Infinity', Infinity, 'Infinity'],
  ['-Infinity', -Infinity, '-Infinity'], ['slightly negative', -0.5, '-0.5'], ['fractional above the last row', 3.999, '3.999'],
]) {
  addCase('embedding', `sparseGrad index ${name}`, () => [Float64Array.of(0, value), weight(), { sparseGrad: true, out: new Float32Array(10) }],
    RangeError, ['data', text, 'flat position 1', 'inputDim 4']);
}
addCase('embedding', 'sparseGrad int64 maximum', () => [BigInt64Array.of(2n ** 63n - 1n), weight(), { sparseGrad: true }],
  RangeError, ['data', '9223372036854775807n', 'inputDim 4']);
addCase('embedding', 'sparseGrad int64 minimum', () => [BigInt64Array.of(-(2n ** 63n)), weight(), { sparseGrad: true }],
  RangeError, ['data', '-9223372036854775808n', 'inputDim 4']);
addCase('embedding', 'sparseGrad 2^32 as int64', () => [BigInt64Array.of(2n ** 32n), weight(), { sparseGrad: true }],
  RangeError, ['data', '4294967296n', 'inputDim 4']);
addCase('embedding', 'sparseGrad uint32 maximum', () => [Uint32Array.of(2 ** 32 - 1), weight(), { sparseGrad: true }],
  RangeError, ['data', '4294967295', 'inputDim 4']);
addCase('embedding', 'int64 number beyond 2^53', () => [{ data: [2 ** 60], dtype: 'int64' }, weight()], RangeError, ['data', String(2 ** 60)]);
addCase('embedding', 'bigint beyond int64', () => [[2n ** 64n], weight()], RangeError, ['data', String(2n ** 64n)]);
addCase('embedding', 'weight a disposed table', () => {
  const table = library.createTable(weight());
  table.dispose();
  return [[0], table];
}, library.DisposedError, ['[4, 5]', 'disposed']);
addCase('embedding', 'weight without rows', () => [[0], { data: new Float32Array(0), shape: [0, 5] }], RangeError, ['weight', '[0, 5]']);

// createTable
addTensorCases('createTable', 'weight', weight(), (bad) => [bad]);
addCase('createTable', 'weight 1-D', () => [{ data: float32Range(20), shape: [20] }], RangeError, ['weight', '[20]']);
addCase('createTable', 'weight rows beyond 2^31', () => [{ data: new Float32Array(0), shape: [2 ** 31, 0] }], RangeError, ['weight', '2147483648']);
addCase('createTable', 'options a number', () => [weight(), 5], TypeError, ['options', '5']);
addCase('createTable', 'dtype unknown', () => [weight(), { dtype: 'half' }], TypeError, ['dtype', '"half"']);
addCase('createTable', 'dtype disagrees with table', () => [library.createTable(weight()), { dtype: 'float64' }], TypeError, ['float32', '"float64"']);
addCase('createTable', 'weight a disposed table', () => {
  const table = library.createTable(weight());
  table.dispose();
  return [table];
}, library.DisposedError, ['[4, 5]', 'disposed']);

// float16 and bfloat16 conversions
for (const fn of ['toFloat16', 'toBFloat16']) {
  addCase(fn, 'values a string', () => ['abc'], TypeError, ['values', '"abc"']);
  addCase(fn, 'values null', () => [null], TypeError, ['values', 'null']);
  addCase(fn, 'values undefined', () => [undefined], TypeError, ['values', 'undefined']);
  addCase(fn, 'values an Int32Array', () => [Int32Array.of(1)], TypeError, ['values', 'Int32Array']);
  addCase(fn, 'values with a string element', () => [[1, 'x']], TypeError, ['values[1]', '"x"']);
  addCase(fn, 'values detached', () => [detachedView(Float32Array, 4)], TypeError, ['values', 'detached']);
}
for (const fn of ['fromFloat16', 'fromBFloat16']) {
  addCase(fn, 'bits a string', () => ['abc'], TypeError, ['bits', '"abc"']);
  addCase(fn, 'bits an array of numbers', () => [[1, 2]], TypeError, ['bits', '[1,2]']);
  addCase(fn, 'bits a Float32Array', () => [Float32Array.of(1)], TypeError, ['bits', 'Float32Array']);
  addCase(fn, 'bits an Int16Array', () => [Int16Array.of(1)], TypeError, ['bits', 'Int16Array']);
  addCase(fn, 'bits detached', () => [detachedView(Uint16Array, 4)], TypeError, ['bits', 'detached']);
}

// embeddingBackward
addTensorCases('embeddingBackward', 'data', indices(), (bad) => [bad, outGrad(), { inputDim: 4 }]);
addTensorCases('embeddingBackward', 'outGrad', outGrad(), (bad) => [indices(), bad, { inputDim: 4 }]);
addCase('embeddingBackward', 'inputDim missing', () => [indices(), outGrad(), {}], TypeError, ['inputDim', 'missing']);
addCase('embeddingBackward', 'options missing', () => [indices(), outGrad()], TypeError, ['inputDim', 'missing']);
addCase('embeddingBackward', 'inputDim negative', () => [indices(), outGrad(), { inputDim: -1 }], RangeError, ['inputDim', '-1']);
addCase('embeddingBackward', 'inputDim beyond 2^31', () => [indices(), outGrad(), { inputDim: 2 ** 31 }], RangeError, ['inputDim', '2147483648']);
addCase('embeddingBackward', 'outputDim disagrees with outGrad', () => [indices(), outGrad(), { inputDim: 4, outputDim: 4 }], RangeError, ['outGrad', '[2, 2, 5]', '[2, 2, 4]']);
addCase('embeddingBackward', 'outGrad rank mismatch', () => [indices(), { data: new Float32Array(20), shape: [4, 5] }, { inputDim: 4 }], RangeError, ['outGrad', '[4, 5]', '[2, 2]']);
addCase('embeddingBackward', 'outGrad an integer dtype', () => [indices(), { data: new Int32Array(20), shape: [2, 2, 5] }, { inputDim: 4 }], TypeError, ['outGrad', 'int32']);
addCase('embeddingBackward', 'gradReq unknown', () => [indices(), outGrad(), { inputDim: 4, gradReq: 'null' }], TypeError, ['gradReq', '"null"']);
addCase('embeddingBackward', 'gradReq add without grad', () => [indices(), outGrad(), { inputDim: 4, gradReq: 'add' }], TypeError, ['gradReq', 'options.grad']);
addCase('embeddingBackward', 'grad wrong shape', () => [indices(), outGrad(), { inputDim: 4, gradReq: 'add', grad: zeros([5, 4]) }], RangeError, ['grad', '[5, 4]', '[4, 5]']);
addCase('embeddingBackward', 'grad wrong dtype', () => [indices(), outGrad(), { inputDim: 4, gradReq: 'add', grad: { data: new Float64Array(20), shape: [4, 5] } }], TypeError, ['grad', 'float64', 'float32']);
addCase('embeddingBackward', 'grad with gradReq write', () => [indices(), outGrad(), { inputDim: 4, grad: zeros([4, 5]) }], TypeError, ['grad', "'add'"]);
addCase('embeddingBackward', 'out with sparseGrad', () => [indices(), outGrad(), { inputDim: 4, sparseGrad: true, out: new Float32Array(20) }], TypeError, ['out']);
addCase('embeddingBackward', 'out wrong length', () => [indices(), outGrad(), { inputDim: 4, out: new Float32Array(21) }], RangeError, ['out', '21', '20']);
addCase('embeddingBackward', 'sparseGrad index out of range', () => [{ data: Float64Array.of(0, 1, 2, 4), shape: [2, 2] }, outGrad(), { inputDim: 4, sparseGrad: true }], RangeError, ['data', '4', 'flat position 3', 'inputDim 4']);
addCase('embeddingBackward', 'sparseGrad index NaN', () => [{ data: Float32Array.of(0, NaN, 2, 3), shape: [2, 2] }, outGrad(), { inputDim: 4, sparseGrad: true, gradReq: 'add', grad: rowSparse([0], [1, 1, 1, 1, 1]) }],
  RangeError, ['data', 'NaN', 'flat position 1']);
addCase('embeddingBackward', 'row_sparse grad rows unsorted', () => [indices(), outGrad(), { inputDim: 4, sparseGrad: true, gradReq: 'add', grad: rowSparse([2, 1], new Array(10).fill(1)) }],
  RangeError, ['grad', 'ascending']);
addCase('embeddingBackward', 'row_sparse grad row out of range', () => [indices(), outGrad(), { inputDim: 4, sparseGrad: true, gradReq: 'add', grad: rowSparse([4], new Array(5).fill(1)) }],
  RangeError, ['grad', '4']);
addCase('embeddingBackward', 'inputDim 0 with indices', () => [indices(), outGrad(), { inputDim: 0 }], RangeError, ['inputDim', '0']);

// Optimizer ops: each with its states, and the options every op shares.
const OPS = {
  sgdUpdate: { states: 0, extra: {} },
  sgdMomUpdate: { states: 1, extra: { momentum: 0.9 } },
  adamUpdate: { states: 2, extra: {} },
  adagradUpdate: { states: 1, extra: {} },
};
const opWeight = () => ({ data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] });
const opGrad = () => ({ data: Float32Array.of(1, 1, 1, 1, 1, 1), shape: [3, 2] });
for (const [fn, { states, extra }] of Object.entries(OPS)) {
  const stateArgs = () => Array.from({ length: states }, () => zeros([3, 2]));
  const args = (weightValue, gradValue, options, stateValues = stateArgs()) => [weightValue, gradValue, ...stateValues, options];
  const options = (more) => ({ lr: 0.1, ...extra, ...more });

  addTensorCases(fn, 'grad', opGrad(), (bad) => args(opWeight(), bad, options()));
  addCase(fn, 'weight a string', () => args('abc', opGrad(), options()), TypeError, ['weight', '"abc"']);
  addCase(fn, 'weight null', () => args(null, opGrad(), options()), TypeError, ['weight', 'null']);
  addCase(fn, 'weight plain array data', () => args({ data: [1, 2, 3, 4, 5, 6], shape: [3, 2] }, opGrad(), options()), TypeError, ['weight', 'TypedArray']);
  addCase(fn, 'weight an integer dtype', () => args({ data: new Int32Array(6), shape: [3, 2] }, { data: new Int32Array(6), shape: [3, 2] }, options(), Array.from({ length: states }, () => ({ data: new Int32Array(6), shape: [3, 2] }))),
    TypeError, ['weight', 'int32']);
  addCase(fn, 'weight detached', () => args({ data: detachedView(Float32Array, 6), shape: [3, 2] }, opGrad(), options()), TypeError, ['weight', 'detached']);
  addCase(fn, 'weight a disposed table', () => {
    const table = library.createTable(opWeight());
    table.dispose();
    return args(table, opGrad(), options());
  }, library.DisposedError, ['[3, 2]', 'disposed']);
  addCase(fn, 'grad wrong shape', () => args(opWeight(), { data: new Float32Array(6), shape: [2, 3] }, options()), RangeError, ['grad', '[2, 3]', '[3, 2]']);
  addCase(fn, 'grad wrong dtype', () => args(opWeight(), { data: new Float64Array(6), shape: [3, 2] }, options()), TypeError, ['grad', 'float64', 'float32']);
  addCase(fn, 'row_sparse grad row out of range', () => args(opWeight(), rowSparse([3], [1, 1], [3, 2]), options()), RangeError, ['grad', '3']);
  addCase(fn, 'row_sparse grad rows repeated', () => args(opWeight(), rowSparse([1, 1], [1, 1, 1, 1], [3, 2]), options()), RangeError, ['grad', 'distinct']);
  addCase(fn, 'row_sparse grad indices Float32Array', () => {
    const grad = rowSparse([1], [1, 1], [3, 2]);
    grad.indices = Float32Array.of(1);
    return args(opWeight(), grad, options());
  }, TypeError, ['grad', 'Int32Array']);
  addCase(fn, 'row_sparse grad values short', () => args(opWeight(), { ...rowSparse([0, 1], [1, 1, 1, 1], [3, 2]), values: { data: Float32Array.of(1, 1) } }, options()), RangeError, ['grad', 'values']);
  addCase(fn, 'options missing', () => args(opWeight(), opGrad(), undefined), TypeError, ['lr', 'missing']);
  addCase(fn, 'lr a string', () => args(opWeight(), opGrad(), options({ lr: '0.1' })), TypeError, ['lr', '"0.1"']);
  addCase(fn, 'lr negative', () => args(opWeight(), opGrad(), options({ lr: -0.1 })), RangeError, ['lr', '-0.1']);
  addCase(fn, 'lr NaN', () => args(opWeight(), opGrad(), options({ lr: NaN })), RangeError, ['lr', 'NaN']);
  addCase(fn, 'lr Infinity', () => args(opWeight(), opGrad(), options({ lr: Infinity })), RangeError, ['lr', 'Infinity']);
  addCase(fn, 'wd negative', () => args(opWeight(), opGrad(), options({ wd: -1 })), RangeError, ['wd', '-1']);
  addCase(fn, 'rescaleGrad NaN', () => args(opWeight(), opGrad(), options({ rescaleGrad: NaN })), RangeError, ['rescaleGrad', 'NaN']);
  addCase(fn, 'clipGradient a string', () => args(opWeight(), opGrad(), options({ clipGradient: '1' })), TypeError, ['clipGradient', '"1"']);
  addCase(fn, 'lazyUpdate a number', () => args(opWeight(), opGrad(), options({ lazyUpdate: 1 })), TypeError, ['lazyUpdate', '1']);
  addCase(fn, 'unknown option', () => args(opWeight(), opGrad(), options({ learningRate: 0.1 })), TypeError, ['"learningRate"']);
  if (states > 0) {
    addCase(fn, 'state wrong shape', () => args(opWeight(), opGrad(), options(), Array.from({ length: states }, () => zeros([2, 3]))), RangeError, ['[2, 3]', '[3, 2]']);
    addCase(fn, 'state wrong dtype', () => args(opWeight(), opGrad(), options(), Array.from({ length: states }, () => ({ data: new Float64Array(6), shape: [3, 2] }))), TypeError, ['float64', 'float32']);
    addCase(fn, 'state aliases weight', () => {
      const w = opWeight();
      return args(w, opGrad(), options(), Array.from({ length: states }, () => w));
    }, TypeError, ['distinct']);
    addCase(fn, 'state missing', () => [opWeight(), opGrad(), ...Array.from({ length: states }, () => undefined), options()], TypeError, ['undefined']);
  }
}
addCase('sgdMomUpdate', 'momentum 1', () => [opWeight(), opGrad(), zeros([3, 2]), { lr: 0.1, momentum: 1 }], RangeError, ['momentum', '1']);
addCase('sgdMomUpdate', 'momentum negative', () => [opWeight(), opGrad(), zeros([3, 2]), { lr: 0.1, momentum: -0.5 }], RangeError, ['momentum', '-0.5']);
for (const [key, value, error] of [
  ['beta1', 1, RangeError], ['beta1', -0.1, RangeError], ['beta1', NaN, RangeError], ['beta2', 1, RangeError],
  ['beta2', 1.5, RangeError], ['epsilon', 0, RangeError], ['epsilon', -1e-8, RangeError], ['epsilon', Infinity, RangeError],
  ['beta1', '0.9', TypeError],
]) {
  addCase('adamUpdate', `${key} ${String(value)}`, () => [opWeight(), opGrad(), zeros([3, 2]), zeros([3, 2]), { lr: 0.1, [key]: value }],
    error, [key, typeof value === 'string' ? `"${value}"` : String(value)]);
}
addCase('adagradUpdate', 'epsilon 0', () => [opWeight(), opGrad(), zeros([3, 2]), { lr: 0.1, epsilon: 0 }], RangeError, ['epsilon', '0']);

// Optimizer classes: bad options in the constructor, bad arguments to step().
const construct = (name) => (args) => new library[name](...args);
const stepWith = (name, options = {}) => (args) => new library[name](options).step(...args);
for (const name of ['SGD', 'Adam', 'AdaGrad']) {
  addCase(name, 'options a string', () => ['abc'], TypeError, ['options', '"abc"'], construct(name));
  addCase(name, 'lr negative', () => [{ lr: -1 }], RangeError, ['lr', '-1'], construct(name));
  addCase(name, 'lr NaN', () => [{ lr: NaN }], RangeError, ['lr', 'NaN'], construct(name));
  addCase(name, 'wd negative', () => [{ wd: -0.5 }], RangeError, ['wd', '-0.5'], construct(name));
  addCase(name, 'multiPrecision a string', () => [{ multiPrecision: 'yes' }], TypeError, ['multiPrecision', '"yes"'], construct(name));
  addCase(name, 'unknown option', () => [{ rate: 1 }], TypeError, ['"rate"'], construct(name));
  addCase(name, 'step weight a string', () => ['abc', opGrad()], TypeError, ['weight', '"abc"'], stepWith(name));
  addCase(name, 'step grad wrong shape', () => [opWeight(), { data: new Float32Array(6), shape: [6] }], RangeError, ['grad', '[6]', '[3, 2]'], stepWith(name));
  addCase(name, 'step grad null', () => [opWeight(), null], TypeError, ['grad', 'null'], stepWith(name));
  addCase(name, 'step row_sparse grad row out of range', () => [opWeight(), rowSparse([5], [1, 1], [3, 2])], RangeError, ['grad', '5'], stepWith(name));
}
addCase('SGD', 'momentum 1', () => [{ momentum: 1 }], RangeError, ['momentum', '1'], construct('SGD'));
addCase('SGD', 'momentum a string', () => [{ momentum: '0.9' }], TypeError, ['momentum', '"0.9"'], construct('SGD'));
addCase('Adam', 'beta1 1', () => [{ beta1: 1 }], RangeError, ['beta1', '1'], construct('Adam'));
addCase('Adam', 'beta2 negative', () => [{ beta2: -0.1 }], RangeError, ['beta2', '-0.1'], construct('Adam'));
addCase('Adam', 'epsilon 0', () => [{ epsilon: 0 }], RangeError, ['epsilon', '0'], construct('Adam'));
addCase('AdaGrad', 'epsilon negative', () => [{ epsilon: -1 }], RangeError, ['epsilon', '-1'], construct('AdaGrad'));
addCase('SGD', 'step after dispose', () => [opWeight(), opGrad()], Error, ['disposed'], (args) => {
  const optimizer = new library.SGD({ lr: 0.1 });
  optimizer.dispose();
  return optimizer.step(...args);
});
addCase('SGD', 'lr setter negative', () => [], RangeError, ['lr', '-2'], () => {
  const optimizer = new library.SGD({ lr: 0.1 });
  optimizer.lr = -2;
});

// Embedding layer
addCase('Embedding', 'options missing', () => [], TypeError, ['inputDim'], construct('Embedding'));
addCase('Embedding', 'outputDim missing', () => [{ inputDim: 4 }], TypeError, ['outputDim', 'missing'], construct('Embedding'));
addCase('Embedding', 'inputDim negative', () => [{ inputDim: -4, outputDim: 5 }], RangeError, ['inputDim', '-4'], construct('Embedding'));
addCase('Embedding', 'inputDim beyond 2^31', () => [{ inputDim: 2 ** 31, outputDim: 0 }], RangeError, ['inputDim', '2147483648'], construct('Embedding'));
addCase('Embedding', 'outputDim fractional', () => [{ inputDim: 4, outputDim: 2.5 }], TypeError, ['outputDim', '2.5'], construct('Embedding'));
addCase('Embedding', 'dtype an integer type', () => [{ inputDim: 4, outputDim: 5, dtype: 'int8' }], TypeError, ['dtype', '"int8"'], construct('Embedding'));
addCase('Embedding', 'weight shape disagrees', () => [{ inputDim: 5, outputDim: 4, weight: weight() }], RangeError, ['weight', '[4, 5]', '[5, 4]'], construct('Embedding'));
addCase('Embedding', 'seed a string', () => [{ inputDim: 4, outputDim: 5, seed: 'x' }], TypeError, ['seed', '"x"'], construct('Embedding'));
addCase('Embedding', 'forward data a string', () => ['abc'], TypeError, ['data', '"abc"'], (args) => {
  const layer = new library.Embedding({ inputDim: 4, outputDim: 5, weight: weight() });
  try {
    return layer.forward(...args);
  } finally {
    layer.dispose();
  }
});
addCase('Embedding', 'backward before forward', () => [outGrad()], TypeError, ['forward'], (args) => {
  const layer = new library.Embedding({ inputDim: 4, outputDim: 5, weight: weight() });
  try {
    return layer.backward(...args);
  } finally {
    layer.dispose();
  }
});
addCase('Embedding', 'sparseGrad forward index out of range', () => [[4]], RangeError, ['data', '4', 'inputDim 4'], (args) => {
  const layer = new library.Embedding({ inputDim: 4, outputDim: 5, weight: weight(), sparseGrad: true });
  try {
    return layer.forward(...args);
  } finally {
    layer.dispose();
  }
});

// embeddingBag
addTensorCases('embeddingBag', 'data', indices(), (bad) => [bad, weight()]);
addTensorCases('embeddingBag', 'weight', weight(), (bad) => [[0, 1], bad, { offsets: [0] }]);
addCase('embeddingBag', 'mode unknown', () => [[0, 1], weight(), { offsets: [0], mode: 'median' }], TypeError, ['mode', '"median"']);
addCase('embeddingBag', 'offsets decreasing', () => [[0, 1, 2], weight(), { offsets: [0, 2, 1] }], RangeError, ['offsets']);
addCase('embeddingBag', 'offsets beyond data', () => [[0, 1, 2], weight(), { offsets: [0, 5] }], RangeError, ['offsets', '5']);
addCase('embeddingBag', 'offsets a string', () => [[0, 1, 2], weight(), { offsets: 'abc' }], TypeError, ['offsets', '"abc"']);
addCase('embeddingBag', 'sparseGrad index out of range', () => [[0, 9], weight(), { offsets: [0], sparseGrad: true }], RangeError, ['data', '9', 'inputDim 4']);
addCase('embeddingBag', 'paddingIdx out of range', () => [[0, 1], weight(), { offsets: [0], paddingIdx: 4 }], RangeError, ['paddingIdx', '4']);
addCase('embeddingBag', 'perSampleWeights wrong shape', () => [[0, 1], weight(), { offsets: [0], mode: 'sum', perSampleWeights: [1, 2, 3] }], RangeError, ['perSampleWeights', '[3]', '[2]']);
addCase('embeddingBag', 'integer weight', () => [[0, 1], { data: new Int32Array(20), shape: [4, 5] }, { offsets: [0] }], TypeError, ['weight', 'int32']);

// take and takeBackward
const takeArray = () => ({ data: float32Range(6), shape: [3, 2] });
addTensorCases('take', 'a', takeArray(), (bad) => [bad, [0]]);
addTensorCases('take', 'indices', indices(), (bad) => [takeArray(), bad]);
addCase('take', 'axis out of range', () => [takeArray(), [0], { axis: 2 }], RangeError, ['axis', '2']);
addCase('take', 'axis fractional', () => [takeArray(), [0], { axis: 0.5 }], TypeError, ['axis', '0.5']);
addCase('take', 'mode unknown', () => [takeArray(), [0], { mode: 'fold' }], TypeError, ['mode', '"fold"']);
addCase('take', 'raise mode index out of range', () => [takeArray(), [0, 3], { mode: 'raise' }], RangeError, ['indices', '3', 'flat position 1']);
addCase('take', 'raise mode index NaN', () => [takeArray(), Float64Array.of(NaN), { mode: 'raise' }], RangeError, ['indices', 'NaN']);
addCase('take', 'a 0-d', () => [5, [0]], RangeError, ['a', '0-d']);
addCase('take', 'axis length beyond 2^31', () => [{ data: new Float32Array(0), shape: [2 ** 31, 0] }, [0]], RangeError, ['2147483648']);
addCase('take', 'out wrong length', () => [takeArray(), [0], { out: new Float32Array(3) }], RangeError, ['out', '3', '2']);
addCase('takeBackward', 'shape missing', () => [[0], { data: Float32Array.of(1), shape: [1] }, {}], TypeError, ['shape', 'missing']);
addCase('takeBackward', 'shape negative', () => [[0], { data: Float32Array.of(1), shape: [1] }, { shape: [-3] }], RangeError, ['shape', '-3']);
addCase('takeBackward', 'outGrad shape mismatch', () => [[0], { data: Float32Array.of(1, 2), shape: [2] }, { shape: [3] }], RangeError, ['outGrad', '[2]', '[1]']);
addCase('takeBackward', 'outGrad an integer dtype', () => [[0], { data: Int32Array.of(1), shape: [1] }, { shape: [3] }], TypeError, ['outGrad', 'int32']);
addCase('takeBackward', 'gradReq add wrong grad shape', () => [[0], { data: Float32Array.of(1), shape: [1] }, { shape: [3], gradReq: 'add', grad: zeros([4]) }], RangeError, ['grad', '[4]', '[3]']);

// quantizeTable
addTensorCases('quantizeTable', 'weight', weight(), (bad) => [bad]);
addCase('quantizeTable', 'dtype unknown', () => [weight(), { dtype: 'int4' }], TypeError, ['dtype', '"int4"']);
addCase('quantizeTable', 'scheme unknown', () => [weight(), { scheme: 'per-tensor' }], TypeError, ['scheme', '"per-tensor"']);
addCase('quantizeTable', 'non-finite weight', () => [{ data: Float32Array.of(0, 1, NaN, 2), shape: [2, 2] }], RangeError, ['weight[1][0]', 'NaN']);
addCase('quantizeTable', 'integer weight', () => [{ data: new Int8Array(4), shape: [2, 2] }], TypeError, ['weight', 'int8']);

// embeddingBagBackward
const bagGrad = () => ({ data: new Float32Array(10), shape: [2, 5] });
addTensorCases('embeddingBagBackward', 'data', { data: Int32Array.of(0, 1, 2, 3), shape: [2, 2] }, (bad) => [bad, bagGrad(), { inputDim: 4 }]);
addTensorCases('embeddingBagBackward', 'outGrad', bagGrad(), (bad) => [[[0, 1], [2, 3]], bad, { inputDim: 4 }]);
addCase('embeddingBagBackward', 'inputDim missing', () => [[[0, 1]], { data: new Float32Array(5), shape: [1, 5] }, {}], TypeError, ['inputDim', 'missing']);
addCase('embeddingBagBackward', 'outGrad wrong bag count', () => [[[0, 1], [2, 3]], { data: new Float32Array(5), shape: [1, 5] }, { inputDim: 4 }], RangeError, ['outGrad', '[1, 5]', '2 bags']);
addCase('embeddingBagBackward', 'max mode without maxIndices', () => [[[0, 1]], { data: new Float32Array(5), shape: [1, 5] }, { inputDim: 4, mode: 'max' }], TypeError, ['maxIndices']);
addCase('embeddingBagBackward', 'maxIndices outside the bag', () => [[[0, 1]], { data: new Float32Array(2), shape: [1, 2] }, { inputDim: 4, mode: 'max', maxIndices: Int32Array.of(0, 7) }],
  RangeError, ['maxIndices[1]', '7']);
addCase('embeddingBagBackward', 'sparseGrad index out of range', () => [[[0, 5]], { data: new Float32Array(5), shape: [1, 5] }, { inputDim: 4, sparseGrad: true }], RangeError, ['data', '5', 'inputDim 4']);

// similarity
addTensorCases('similarity', 'weight', weight(), (bad) => [bad, { data: new Float32Array(5), shape: [1, 5] }]);
addCase('similarity', 'metric unknown', () => [weight(), [[1, 0, 0, 0, 0]], { metric: 'l2' }], TypeError, ['metric', '"l2"']);
addCase('similarity', 'queries a string', () => [weight(), 'abc'], TypeError, ['queries', '"abc"']);
addCase('similarity', 'queries wrong width', () => [weight(), { data: new Float32Array(4), shape: [1, 4] }], RangeError, ['queries', '4', '5']);
addCase('similarity', 'integer weight', () => [{ data: new Int32Array(20), shape: [4, 5] }, [[1, 0, 0, 0, 0]]], TypeError, ['weight', 'int32']);

// rowSparseToDense and Table methods
addCase('rowSparseToDense', 'a dense tensor', () => [weight()], TypeError, ['row_sparse']);
addCase('rowSparseToDense', 'null', () => [null], TypeError, ['null']);
addCase('Table.toTensor', 'after dispose', () => [], library.DisposedError, ['[4, 5]', 'disposed'], () => {
  const table = library.createTable(weight());
  table.dispose();
  return table.toTensor();
});

describe.each(Object.keys(VALID_CALLS))('%s', (fn) => {
  const cases = CASES.filter((item) => item.fn === fn);

  test('has bad-input cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  test.each(cases.map((item) => [item.name, item]))('%s', (_, item) => {
    const args = item.makeArgs();
    const changedBuffers = snapshotBuffers(args);
    let error = null;
    try {
      item.call(args);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(item.error);
    expect(error.message).toMatch(FUNCTION_NAMES[fn] ?? fn);
    for (const text of item.includes) expect(error.message).toContain(text);
    expect(changedBuffers()).toEqual([]);
    VALID_CALLS[fn]();
  });
});
