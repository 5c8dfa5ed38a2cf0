// The lazy Adam case: one adamUpdate step with a row_sparse gradient from embeddingBackward, per build of
// this library, with the weight and both states as Tables in wasm memory and as Float32Array tensors.
// Peer: tfjs-backend-wasm has no lazy sparse Adam, so its row is the dense tf.train.adam step on every row.
//
// Every method checks its first step, taken from the initial weight and states, against a plain-JS
// reference. The timed steps then continue on the evolving weight and states. Each of them updates the same
// gradient rows with the same arithmetic, so every timed call does the same amount of work.

'use strict';

const data = require('./data.js');
const { loadWasmEmbedding, loadTfjs } = require('./peers.js');
const { VARIANTS, WrongResult, closeCheck } = require('./methods.js');

// MXNet's Adam defaults with the learning rate the Adam class uses by default.
const ADAM_OPTIONS = Object.freeze({ lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

// The tfjs weight may differ from its reference by float32 rounding. A first step moves every touched
// weight by about lr (1e-3), so a step that is missing or wrong exceeds this tolerance.
const TFJS_TOLERANCE = 1e-6;

const STATE_NAMES = ['weight', 'mean', 'variance'];

// Deterministic inputs, the row_sparse gradient in plain JS and the expected state after one lazy step.
// The states start non-zero (mean in [-0.1, 0.1), variance in [0, 0.01)), so the check covers the terms
// that carry the old states.
function adamInputs(spec) {
  const { rows, columns, count } = spec;
  const indices = data.makeIndices(count, rows);
  const gradient = data.makeGradient(count, columns);
  const initial = {
    weight: data.makeTable(rows, columns, 'float32', 4),
    mean: data.makeGradient(rows, columns, 5).map((value) => value * 0.1),
    variance: data.makeGradient(rows, columns, 6).map((value) => Math.abs(value) * 0.01),
  };

  const dense = data.scatterAddReference(indices, gradient, rows, columns);
  const gradRows = data.distinctRows(indices);
  if (gradRows.length !== spec.distinctRows) {
    throw new Error(`the case expects ${spec.distinctRows} distinct rows, but its indices have ${gradRows.length}; bench/cases.js and bench/adam.js must draw the same indices`);
  }
  const gradValues = new Float32Array(gradRows.length * columns);
  data.gatherBySubarray(dense, columns, gradRows, gradValues);

  const expected = data.lazyAdamReference(initial, gradRows, gradValues, columns, ADAM_OPTIONS);
  return { indices, gradient, initial, dense, gradRows, gradValues, expected };
}

// Returns a check that compares each state array of a result ({ weight, mean, variance }, or a subset)
// with the reference byte for byte.
function stateCheck(expected, columns) {
  return (actual) => {
    for (const name of Object.keys(actual)) {
      const position = data.firstByteDifference(actual[name], expected[name]);
      if (position < 0) continue;
      const element = Math.floor(position / 4);
      throw new WrongResult(`${name} differs from the reference at element ${element} (row ${Math.floor(element / columns)})`);
    }
  };
}

function tableMethod(spec, inputs, label, loadLibrary, loadGradient) {
  const { rows, columns } = spec;
  return {
    name: `${label}, adamUpdate, Tables`,
    group: 'wasm-embedding',
    variant: label,
    output: 'table',
    setup: async () => {
      const library = await loadLibrary();
      const grad = await loadGradient();
      const tables = {};
      for (const name of STATE_NAMES) {
        tables[name] = library.createTable({ data: inputs.initial[name], shape: [rows, columns], dtype: 'float32' });
      }
      return {
        run: () => library.adamUpdate(tables.weight, grad, tables.mean, tables.variance, ADAM_OPTIONS),
        result: () => Object.fromEntries(STATE_NAMES.map((name) => [name, tables[name].toTensor().data])),
        check: stateCheck(inputs.expected, columns),
        dispose: () => STATE_NAMES.forEach((name) => tables[name].dispose()),
      };
    },
  };
}

function tensorMethod(spec, inputs, label, loadLibrary, loadGradient) {
  const { rows, columns } = spec;
  return {
    name: `${label}, adamUpdate, Float32Array tensors`,
    group: 'wasm-embedding',
    variant: label,
    output: 'tensor',
    setup: async () => {
      const library = await loadLibrary();
      const grad = await loadGradient();
      const tensors = {};
      for (const name of STATE_NAMES) {
        tensors[name] = { data: inputs.initial[name].slice(), shape: [rows, columns], dtype: 'float32' };
      }
      return {
        run: () => library.adamUpdate(tensors.weight, grad, tensors.mean, tensors.variance, ADAM_OPTIONS).data,
        result: () => Object.fromEntries(STATE_NAMES.map((name) => [name, tensors[name].data])),
        check: stateCheck(inputs.expected, columns),
      };
    },
  };
}

// The dense tfjs Adam step: tf.train.adam(lr, beta1, beta2, epsilon).applyGradients on a tf.variable
// weight with the dense [rows, columns] gradient, which updates every row and both moments of every row.
// Its moments start at zero, as tfjs creates them. tfjs corrects the bias inside the step: the first step
// computes w -= lr * (m / (1 - beta1)) / (sqrt(v / (1 - beta2)) + epsilon), which equals Adam without
// correction with lr_t = lr * sqrt(1 - beta2) / (1 - beta1) and epsilon_t = epsilon * sqrt(1 - beta2). With
// zero moments, rows outside the gradient keep their weights, so the lazy reference with lr_t and epsilon_t
// gives the expected weight.
let tfjsVariableCount = 0;

function tfjsMethod(spec, inputs) {
  const { rows, columns } = spec;
  return {
    name: 'tfjs-backend-wasm tf.train.adam, dense (every row)',
    group: 'tfjs',
    setup: async () => {
      const tf = await loadTfjs();
      const { lr, beta1, beta2, epsilon } = ADAM_OPTIONS;
      const zeros = new Float32Array(rows * columns);
      const expected = data.lazyAdamReference({ weight: inputs.initial.weight, mean: zeros, variance: zeros }, inputs.gradRows,
        inputs.gradValues, columns, { lr: (lr * Math.sqrt(1 - beta2)) / (1 - beta1), beta1, beta2, epsilon: epsilon * Math.sqrt(1 - beta2) });
      const checkWeight = closeCheck(expected.weight, TFJS_TOLERANCE);

      const initial = tf.tensor2d(inputs.initial.weight, [rows, columns], 'float32');
      // tfjs looks variables up by name, and names must be unique in the process.
      tfjsVariableCount += 1;
      const name = `adam-weight-${tfjsVariableCount}`;
      const weight = tf.variable(initial, true, name);
      initial.dispose();
      const gradient = tf.tensor2d(inputs.dense, [rows, columns], 'float32');
      const optimizer = tf.train.adam(lr, beta1, beta2, epsilon);
      return {
        // The wasm backend runs every kernel synchronously, so the step is complete when the call returns.
        run: () => optimizer.applyGradients({ [name]: gradient }),
        result: () => weight.dataSync(),
        check: checkWeight,
        dispose: () => [optimizer, weight, gradient].forEach((value) => value.dispose()),
      };
    },
  };
}

function adamMethods(spec, inputs) {
  const { columns } = spec;
  const methods = [];

  // The reference: one contiguous copy of the weight, mean and variance rows that the step must read and
  // write, one set of 3 x distinct rows x columns float32.
  const length = 3 * inputs.gradRows.length * columns;
  const source = new Float32Array(length);
  const target = new Float32Array(length);
  STATE_NAMES.forEach((name, i) => {
    data.gatherBySubarray(inputs.initial[name], columns, inputs.gradRows, source.subarray(i * length / 3, (i + 1) * length / 3));
  });
  methods.push({
    name: 'set (reference, weight, mean and variance rows)',
    group: 'reference',
    setup: async () => ({ run: () => target.set(source) ?? target, unchecked: true }),
  });

  const outGrad = { data: inputs.gradient, shape: [spec.count, columns], dtype: 'float32' };
  for (const [label, backend, threads] of VARIANTS) {
    let libraryPromise = null;
    const loadLibrary = () => (libraryPromise ??= loadWasmEmbedding(backend, threads));
    // The row_sparse gradient is computed once per build, outside the timed calls.
    let gradientPromise = null;
    const loadGradient = () => (gradientPromise ??= loadLibrary().then((library) => (
      library.embeddingBackward(inputs.indices, outGrad, { inputDim: spec.rows, sparseGrad: true }))));
    methods.push(tableMethod(spec, inputs, label, loadLibrary, loadGradient));
    methods.push(tensorMethod(spec, inputs, label, loadLibrary, loadGradient));
  }

  if (spec.peers && spec.tfjs) methods.push(tfjsMethod(spec, inputs));
  return methods;
}

module.exports = { ADAM_OPTIONS, adamInputs, adamMethods };
