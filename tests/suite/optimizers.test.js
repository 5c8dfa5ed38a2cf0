const { library, initBackend } = require('../helpers/library');
const {
  DTYPE_RULES, referenceUpdate, seededRandom, randomStored,
} = require('../helpers/training-reference');

beforeAll(() => initBackend());
afterAll(() => library.dispose());

const FLOAT_DTYPES = ['float32', 'float64', 'float16', 'bfloat16'];

// Op name, reference kind, number of states, options beyond lr.
const OPS = [
  ['sgdUpdate', 'sgd', 0, {}],
  ['sgdMomUpdate', 'sgdMom', 1, { momentum: 0.9 }],
  ['adamUpdate', 'adam', 2, { beta1: 0.8, beta2: 0.99, epsilon: 1e-3 }],
  ['adagradUpdate', 'adagrad', 1, { epsilon: 1e-2 }],
];

function bitsOf(array) {
  return Array.from(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

function tensor(data, shape, dtype) {
  return { data, shape, dtype };
}

// Runs op on fresh copies; states start positive so AdaGrad and Adam square roots stay real.
function runOp(name, weight, grad, states, options) {
  const args = [weight, grad, ...states, options];
  return library[name](...args);
}

function makeCase(seed, dtype, rows, columns, stateCount) {
  const random = seededRandom(seed);
  return {
    weight: randomStored(random, dtype, rows * columns),
    grad: randomStored(random, dtype, rows * columns, -2, 2),
    states: Array.from({ length: stateCount }, () => randomStored(random, dtype, rows * columns, 0, 0.5)),
  };
}

describe.each(OPS)('%s', (name, kind, stateCount, extra) => {
  test.each(FLOAT_DTYPES)('%s dense matches the scalar reference', (dtype) => {
    for (const columns of [1, 2, 3, 4, 5, 7, 8, 9, 17]) {
      const rows = 3;
      const shape = [rows, columns];
      const c = makeCase(columns * 13 + stateCount, dtype, rows, columns, stateCount);
      const params = { lr: 0.1, wd: 0.01, rescaleGrad: 0.5, clipGradient: 0.7, ...extra };
      const expected = referenceUpdate(kind, dtype, c.weight, { data: c.grad }, c.states, shape, params, true);

      const weight = tensor(c.weight.slice(), shape, dtype);
      const states = c.states.map((s) => tensor(s.slice(), shape, dtype));
      const result = runOp(name, weight, tensor(c.grad, shape, dtype), states, params);
      expect(result).toBe(weight);
      expect(bitsOf(weight.data)).toEqual(bitsOf(expected.weight));
      if (stateCount >= 1) expect(bitsOf(states[0].data)).toEqual(bitsOf(expected.s0));
      if (stateCount >= 2) expect(bitsOf(states[1].data)).toEqual(bitsOf(expected.s1));
    }
  });

  test('lazy row_sparse update leaves absent rows unchanged', () => {
    const shape = [6, 5];
    const c = makeCase(3, 'float32', 6, 5, stateCount);
    const params = { lr: 0.05, wd: 0.1, ...extra };
    const gradValues = randomStored(seededRandom(8), 'float32', 2 * 5);
    const grad = { storage: 'row_sparse', indices: new Int32Array([1, 4]), values: { data: gradValues, shape: [2, 5] }, shape, dtype: 'float32' };
    const expected = referenceUpdate(kind, 'float32', c.weight, { indices: [1, 4], data: gradValues }, c.states, shape, params, true);

    const weight = tensor(c.weight.slice(), shape, 'float32');
    const states = c.states.map((s) => tensor(s.slice(), shape, 'float32'));
    runOp(name, weight, grad, states, params);
    expect(bitsOf(weight.data)).toEqual(bitsOf(expected.weight));
    for (const row of [0, 2, 3, 5]) {
      expect(Array.from(weight.data.subarray(row * 5, row * 5 + 5))).toEqual(Array.from(c.weight.subarray(row * 5, row * 5 + 5)));
      states.forEach((state, i) => {
        expect(Array.from(state.data.subarray(row * 5, row * 5 + 5))).toEqual(Array.from(c.states[i].subarray(row * 5, row * 5 + 5)));
      });
    }
  });

  test('standard row_sparse update touches every row', () => {
    const shape = [6, 5];
    const c = makeCase(4, 'float32', 6, 5, stateCount);
    const params = { lr: 0.05, wd: 0.1, lazyUpdate: false, ...extra };
    const gradValues = randomStored(seededRandom(9), 'float32', 2 * 5);
    const grad = { storage: 'row_sparse', indices: new Int32Array([0, 3]), values: { data: gradValues, shape: [2, 5] }, shape, dtype: 'float32' };
    // AdaGrad with a row_sparse gradient is always lazy.
    const lazy = name === 'adagradUpdate';
    const expected = referenceUpdate(kind, 'float32', c.weight, { indices: [0, 3], data: gradValues }, c.states, shape, params, lazy);

    const weight = tensor(c.weight.slice(), shape, 'float32');
    const states = c.states.map((s) => tensor(s.slice(), shape, 'float32'));
    runOp(name, weight, grad, states, params);
    expect(bitsOf(weight.data)).toEqual(bitsOf(expected.weight));
    states.forEach((state, i) => expect(bitsOf(state.data)).toEqual(bitsOf(i === 0 ? expected.s0 : expected.s1)));
    const absentRow = Array.from(weight.data.subarray(5, 10));
    if (lazy) {
      expect(absentRow).toEqual(Array.from(c.weight.subarray(5, 10)));
    } else {
      expect(absentRow).not.toEqual(Array.from(c.weight.subarray(5, 10)));
    }
  });

  test('tables give the same result as tensors', () => {
    const shape = [4, 6];
    const c = makeCase(5, 'float32', 4, 6, stateCount);
    const params = { lr: 0.2, ...extra };
    const weightTensor = tensor(c.weight.slice(), shape, 'float32');
    const stateTensors = c.states.map((s) => tensor(s.slice(), shape, 'float32'));
    runOp(name, weightTensor, tensor(c.grad, shape, 'float32'), stateTensors, params);

    const weightTable = library.createTable(tensor(c.weight, shape, 'float32'));
    const stateTables = c.states.map((s) => library.createTable(tensor(s, shape, 'float32')));
    try {
      const result = runOp(name, weightTable, tensor(c.grad, shape, 'float32'), stateTables, params);
      expect(result).toBe(weightTable);
      expect(bitsOf(weightTable.toTensor().data)).toEqual(bitsOf(weightTensor.data));
      stateTables.forEach((table, i) => expect(bitsOf(table.toTensor().data)).toEqual(bitsOf(stateTensors[i].data)));
    } finally {
      weightTable.dispose();
      stateTables.forEach((table) => table.dispose());
    }
  });

  test('invalid options raise and write nothing', () => {
    const shape = [2, 2];
    const c = makeCase(6, 'float32', 2, 2, stateCount);
    const weight = tensor(c.weight.slice(), shape, 'float32');
    const states = c.states.map((s) => tensor(s.slice(), shape, 'float32'));
    const grad = tensor(c.grad, shape, 'float32');
    const bad = [
      [{ lr: -0.1 }, RangeError],
      [{ lr: NaN }, RangeError],
      [{ lr: '0.1' }, TypeError],
      [{}, TypeError],
      [{ lr: 0.1, wd: -1 }, RangeError],
      [{ lr: 0.1, wd: Infinity }, RangeError],
      [{ lr: 0.1, rescaleGrad: Infinity }, RangeError],
      [{ lr: 0.1, clipGradient: NaN }, RangeError],
      [{ lr: 0.1, lazyUpdate: 1 }, TypeError],
      [{ lr: 0.1, unknown: 1 }, TypeError],
    ];
    if (name === 'sgdMomUpdate') bad.push([{ lr: 0.1, momentum: 1 }, RangeError], [{ lr: 0.1, momentum: -0.1 }, RangeError]);
    if (name === 'adamUpdate') bad.push([{ lr: 0.1, beta1: 1 }, RangeError], [{ lr: 0.1, beta2: -0.5 }, RangeError], [{ lr: 0.1, epsilon: 0 }, RangeError]);
    if (name === 'adagradUpdate') bad.push([{ lr: 0.1, epsilon: -1 }, RangeError]);
    for (const [options, ErrorType] of bad) {
      expect(() => runOp(name, weight, grad, states, options)).toThrow(ErrorType);
    }
    expect(Array.from(weight.data)).toEqual(Array.from(c.weight));
    states.forEach((state, i) => expect(Array.from(state.data)).toEqual(Array.from(c.states[i])));
  });

  test('mismatched operands raise and write nothing', () => {
    const shape = [3, 2];
    const c = makeCase(7, 'float32', 3, 2, stateCount);
    const weight = tensor(c.weight.slice(), shape, 'float32');
    const states = c.states.map((s) => tensor(s.slice(), shape, 'float32'));
    const options = { lr: 0.1 };
    expect(() => runOp(name, weight, tensor(new Float32Array(4), [2, 2], 'float32'), states, options)).toThrow(RangeError);
    expect(() => runOp(name, weight, tensor(new Float64Array(6), shape, 'float64'), states, options)).toThrow(TypeError);
    expect(() => runOp(name, weight, tensor(new Int32Array(6), shape, 'int32'), states, options)).toThrow(TypeError);
    const sparse = (indices) => ({ storage: 'row_sparse', indices: new Int32Array(indices), values: { data: new Float32Array(indices.length * 2), shape: [indices.length, 2] }, shape, dtype: 'float32' });
    expect(() => runOp(name, weight, sparse([2, 1]), states, options)).toThrow(/distinct and ascending/);
    expect(() => runOp(name, weight, sparse([1, 1]), states, options)).toThrow(RangeError);
    expect(() => runOp(name, weight, sparse([3]), states, options)).toThrow(/outside \[0, 2\]/);
    if (stateCount > 0) {
      const wrongState = states.map(() => tensor(new Float32Array(4), [2, 2], 'float32'));
      expect(() => runOp(name, weight, tensor(c.grad, shape, 'float32'), wrongState, options)).toThrow(RangeError);
      expect(() => runOp(name, weight, tensor(c.grad, shape, 'float32'), states.map(() => weight), options)).toThrow(TypeError);
    }
    expect(Array.from(weight.data)).toEqual(Array.from(c.weight));
  });
});

describe('update formulas', () => {
  test('clipping happens before weight decay', () => {
    const weight = tensor(new Float64Array([10]), [1, 1], 'float64');
    library.sgdUpdate(weight, tensor(new Float64Array([100]), [1, 1], 'float64'), { lr: 1, wd: 0.5, clipGradient: 1 });
    // g' = clip(100, 1) + 0.5 * 10 = 6.
    expect(weight.data[0]).toBe(4);
  });

  test('rescaleGrad multiplies before clipping', () => {
    const weight = tensor(new Float64Array([0, 0]), [1, 2], 'float64');
    library.sgdUpdate(weight, tensor(new Float64Array([4, 1]), [1, 2], 'float64'), { lr: 1, rescaleGrad: 0.25, clipGradient: 0.5 });
    expect(Array.from(weight.data)).toEqual([-0.5, -0.25]);
  });

  test.each([null, undefined, 0, -1])('clipGradient %p turns clipping off', (clipGradient) => {
    const weight = tensor(new Float64Array([0]), [1, 1], 'float64');
    library.sgdUpdate(weight, tensor(new Float64Array([100]), [1, 1], 'float64'), { lr: 1, clipGradient });
    expect(weight.data[0]).toBe(-100);
  });

  test('AdaGrad epsilon is outside the square root', () => {
    const weight = tensor(new Float64Array([0]), [1, 1], 'float64');
    const history = tensor(new Float64Array([0]), [1, 1], 'float64');
    library.adagradUpdate(weight, tensor(new Float64Array([1]), [1, 1], 'float64'), history, { lr: 1, epsilon: 3 });
    // h = 1, w = -1 / (sqrt(1) + 3); inside the root it would be -1 / 2.
    expect(history.data[0]).toBe(1);
    expect(weight.data[0]).toBe(-0.25);
  });

  test('AdaGrad applies weight decay', () => {
    const weight = tensor(new Float64Array([2]), [1, 1], 'float64');
    const history = tensor(new Float64Array([0]), [1, 1], 'float64');
    library.adagradUpdate(weight, tensor(new Float64Array([0]), [1, 1], 'float64'), history, { lr: 1, wd: 0.5, epsilon: 1e-30 });
    // g' = 0.5 * 2 = 1, h = 1, w = 2 - 1 / 1.
    expect(weight.data[0]).toBe(1);
  });

  test('Adam op has no bias correction', () => {
    const weight = tensor(new Float64Array([0]), [1, 1], 'float64');
    const mean = tensor(new Float64Array([0]), [1, 1], 'float64');
    const variance = tensor(new Float64Array([0]), [1, 1], 'float64');
    library.adamUpdate(weight, tensor(new Float64Array([1]), [1, 1], 'float64'), mean, variance, { lr: 1, epsilon: 1e-30 });
    expect(mean.data[0]).toBeCloseTo(0.1, 15);
    expect(variance.data[0]).toBeCloseTo(0.001, 15);
    expect(weight.data[0]).toBeCloseTo(-0.1 / Math.sqrt(0.001), 12);
  });

  test('standard update decays momentum of absent rows', () => {
    const shape = [2, 1];
    const weight = tensor(new Float32Array([1, 1]), shape, 'float32');
    const mom = tensor(new Float32Array([1, 1]), shape, 'float32');
    const grad = { storage: 'row_sparse', indices: new Int32Array([0]), values: { data: new Float32Array([0]), shape: [1, 1] }, shape, dtype: 'float32' };
    library.sgdMomUpdate(weight, grad, mom, { lr: 1, momentum: 0.5, lazyUpdate: false });
    expect(Array.from(mom.data)).toEqual([0.5, 0.5]);
    expect(Array.from(weight.data)).toEqual([1.5, 1.5]);
    library.sgdMomUpdate(weight, { ...grad, indices: new Int32Array([1]) }, mom, { lr: 1, momentum: 0.5 });
    expect(Array.from(mom.data)).toEqual([0.5, 0.25]);
  });

  test('float16 weights round once per stored value', () => {
    const weight = { data: library.toFloat16([1]), shape: [1, 1], dtype: 'float16' };
    const grad = { data: library.toFloat16([1]), shape: [1, 1], dtype: 'float16' };
    // 1 - 2^-12 lies halfway between the float16 neighbours 1 - 2^-11 and 1, and ties go to the even 1.
    library.sgdUpdate(weight, grad, { lr: 2 ** -12 });
    expect(DTYPE_RULES.float16.decode(weight.data[0])).toBe(1);
    library.sgdUpdate(weight, grad, { lr: 2 ** -10 });
    expect(DTYPE_RULES.float16.decode(weight.data[0])).toBe(1 - 2 ** -10);
  });

  test('empty weight is returned unchanged', () => {
    const weight = tensor(new Float32Array(0), [0, 3], 'float32');
    expect(library.sgdUpdate(weight, tensor(new Float32Array(0), [0, 3], 'float32'), { lr: 1 })).toBe(weight);
  });

  test('updates do not grow the heap', () => {
    const shape = [4, 3];
    const weight = library.createTable(tensor(new Float32Array(12), shape, 'float32'));
    const mean = library.createTable(tensor(new Float32Array(12), shape, 'float32'));
    const variance = library.createTable(tensor(new Float32Array(12), shape, 'float32'));
    const grad = { storage: 'row_sparse', indices: new Int32Array([1]), values: { data: new Float32Array(3).fill(1), shape: [1, 3] }, shape, dtype: 'float32' };
    try {
      library.adamUpdate(weight, grad, mean, variance, { lr: 0.1 });
      const before = library.heapInUseBytes();
      for (let i = 0; i < 50; i += 1) {
        library.adamUpdate(weight, grad, mean, variance, { lr: 0.1 });
        expect(() => library.adamUpdate(weight, grad, mean, variance, { lr: -1 })).toThrow(RangeError);
        expect(() => library.adamUpdate(weight, { ...grad, indices: new Int32Array([9]) }, mean, variance, { lr: 1 })).toThrow(RangeError);
      }
      expect(library.heapInUseBytes()).toBe(before);
    } finally {
      [weight, mean, variance].forEach((table) => table.dispose());
    }
  });
});
