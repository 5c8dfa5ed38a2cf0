// Module worker that trains word vectors on Moby-Dick with CBOW and negative sampling (word2vec's
// continuous bag of words): the mean of the input vectors of the context window predicts the centre
// word against random negative words. Every table lives in this worker's own wasm memory. Each step
// uses embedding for the look-ups, embeddingBackward for row_sparse gradients and a lazy Adam step, so
// only the rows a batch touched change.
//
// Messages in: { type: 'start', steps, dims }, { type: 'stop' }, { type: 'reset' }.
// Messages out: 'ready', 'progress', 'stopped', 'done' and 'error' (see post calls below).

import * as wasmEmbedding from '/dist/browser.js';
import { tokenise } from './text.js';
import { projectPca } from './pca.js';

const { init, createTable, embedding, embeddingBackward, similarity, Adam } = wasmEmbedding;

const CORPUS_URL = '/corpus/data.txt';
const MAX_VOCABULARY = 4000;
const MIN_COUNT = 5;
const WINDOW = 2; // context words on each side of the centre
const NEGATIVES = 5;
const BATCH = 256;
const LEARNING_RATE = 0.005;
// Frequent-word subsampling threshold: a word of frequency f is kept with probability sqrt(t / f) + t / f.
const SUBSAMPLE = 1e-4;
const NEGATIVE_TABLE_SIZE = 1 << 20;
// Steps run between two looks at the message queue, and the interval of progress and map messages.
const REPORT_MS = 150;
const MAP_MS = 400;

// Words drawn on the training map, grouped so that the colours show whether related words gather.
const PROBE_GROUPS = [
  { name: 'whales', words: ['whale', 'whales', 'sperm', 'leviathan', 'fish', 'shark'] },
  { name: 'ships', words: ['ship', 'boat', 'boats', 'deck', 'sail', 'mast', 'pequod'] },
  { name: 'sea and sky', words: ['sea', 'ocean', 'water', 'waves', 'sky', 'wind'] },
  { name: 'people', words: ['ahab', 'starbuck', 'stubb', 'queequeg', 'flask', 'captain', 'ishmael'] },
  { name: 'numbers', words: ['one', 'two', 'three', 'four', 'five', 'hundred', 'thousand'] },
  { name: 'body', words: ['head', 'hand', 'eyes', 'face', 'heart', 'body'] },
];
const NEIGHBOUR_PROBES = ['whale', 'ahab', 'sea', 'three'];
// Neighbours are searched among the most frequent words only: rare words get few updates, so their
// vectors stay noisy and would crowd the lists.
const NEIGHBOUR_CANDIDATES = 1500;

let corpus = null; // { vocabulary, stream, negativeTable, probes }
let model = null; // { dims, inputTable, outputTable, optimizer, step, random }
let running = false;
let runId = 0;

function post(message) {
  self.postMessage(message);
}

// Mulberry32, so that a reset gives the same run again.
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function loadCorpus() {
  const response = await fetch(CORPUS_URL);
  if (!response.ok) throw new Error(`loading ${CORPUS_URL} failed with HTTP ${response.status}`);
  const tokens = tokenise(await response.text()).filter((token) => /\p{L}/u.test(token));

  const counts = new Map();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  const vocabulary = [...counts.entries()]
    .filter(([, count]) => count >= MIN_COUNT)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_VOCABULARY)
    .map(([word]) => word);
  const ids = new Map(vocabulary.map((word, id) => [word, id]));

  // The training stream: known words, with frequent ones subsampled once with a fixed seed.
  const random = seededRandom(7);
  const kept = [];
  for (const token of tokens) {
    const id = ids.get(token);
    if (id === undefined) continue;
    const frequency = counts.get(token) / tokens.length;
    const keep = Math.sqrt(SUBSAMPLE / frequency) + SUBSAMPLE / frequency;
    if (keep >= 1 || random() < keep) kept.push(id);
  }

  // Negative samples follow the unigram distribution raised to the power 0.75.
  const weights = vocabulary.map((word) => counts.get(word) ** 0.75);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const negativeTable = new Int32Array(NEGATIVE_TABLE_SIZE);
  let position = 0;
  weights.forEach((weight, id) => {
    const end = id === weights.length - 1 ? NEGATIVE_TABLE_SIZE : Math.min(NEGATIVE_TABLE_SIZE, position + Math.round((weight / total) * NEGATIVE_TABLE_SIZE));
    negativeTable.fill(id, position, end);
    position = end;
  });

  const probes = [];
  PROBE_GROUPS.forEach(({ words }, group) => {
    for (const word of words) if (ids.has(word)) probes.push({ word, id: ids.get(word), group });
  });
  return { vocabulary, ids, stream: Int32Array.from(kept), rawTokens: tokens.length, negativeTable, probes };
}

function createModel(dims) {
  const random = seededRandom(42);
  const rows = corpus.vocabulary.length;
  // word2vec's initialisation: small random input vectors, zero output vectors.
  const input = Float32Array.from({ length: rows * dims }, () => (random() - 0.5) / dims);
  const output = new Float32Array(rows * dims);
  return {
    dims,
    inputTable: createTable({ data: input, shape: [rows, dims] }),
    outputTable: createTable({ data: output, shape: [rows, dims] }),
    optimizer: new Adam({ lr: LEARNING_RATE }),
    step: 0,
    random,
  };
}

function disposeModel() {
  if (model === null) return;
  model.optimizer.dispose();
  model.inputTable.dispose();
  model.outputTable.dispose();
  model = null;
}

// Index tensors of one batch: contexts [BATCH, 2 * WINDOW] and targets [BATCH, 1 + NEGATIVES], where the
// target column 0 is the centre word and the rest are negatives.
function sampleBatch(random) {
  const { stream, negativeTable } = corpus;
  const width = 2 * WINDOW;
  const contexts = new Int32Array(BATCH * width);
  const targets = new Int32Array(BATCH * (1 + NEGATIVES));
  for (let b = 0; b < BATCH; b += 1) {
    const centre = WINDOW + Math.floor(random() * (stream.length - 2 * WINDOW));
    let k = 0;
    for (let offset = -WINDOW; offset <= WINDOW; offset += 1) {
      if (offset !== 0) contexts[b * width + k++] = stream[centre + offset];
    }
    targets[b * (1 + NEGATIVES)] = stream[centre];
    for (let j = 1; j <= NEGATIVES; j += 1) {
      targets[b * (1 + NEGATIVES) + j] = negativeTable[Math.floor(random() * NEGATIVE_TABLE_SIZE)];
    }
  }
  return {
    contexts: { data: contexts, shape: [BATCH, width] },
    targets: { data: targets, shape: [BATCH, 1 + NEGATIVES] },
  };
}

// One CBOW step; returns the batch's mean loss (summed over the positive and negative terms).
function trainStep() {
  const { dims, inputTable, outputTable, optimizer, random } = model;
  const width = 2 * WINDOW;
  const columns = 1 + NEGATIVES;
  const rows = corpus.vocabulary.length;
  const { contexts, targets } = sampleBatch(random);

  // Forward: hidden = mean of the context rows, scores = hidden . output rows.
  const contextRows = embedding(contexts, inputTable).data;
  const targetRows = embedding(targets, outputTable).data;
  const hidden = new Float32Array(BATCH * dims);
  for (let b = 0; b < BATCH; b += 1) {
    for (let k = 0; k < width; k += 1) {
      const row = (b * width + k) * dims;
      for (let d = 0; d < dims; d += 1) hidden[b * dims + d] += contextRows[row + d] / width;
    }
  }

  // Logistic loss per score and its gradient (sigmoid(score) - label) / BATCH.
  let loss = 0;
  const targetGrad = new Float32Array(BATCH * columns * dims);
  const hiddenGrad = new Float32Array(BATCH * dims);
  for (let b = 0; b < BATCH; b += 1) {
    for (let j = 0; j < columns; j += 1) {
      const row = (b * columns + j) * dims;
      let score = 0;
      for (let d = 0; d < dims; d += 1) score += hidden[b * dims + d] * targetRows[row + d];
      const probability = 1 / (1 + Math.exp(-score));
      const label = j === 0 ? 1 : 0;
      loss -= Math.log(Math.max(label ? probability : 1 - probability, 1e-12));
      const g = (probability - label) / BATCH;
      for (let d = 0; d < dims; d += 1) {
        targetGrad[row + d] = g * hidden[b * dims + d];
        hiddenGrad[b * dims + d] += g * targetRows[row + d];
      }
    }
  }
  const contextGrad = new Float32Array(BATCH * width * dims);
  for (let b = 0; b < BATCH; b += 1) {
    for (let k = 0; k < width; k += 1) {
      const row = (b * width + k) * dims;
      for (let d = 0; d < dims; d += 1) contextGrad[row + d] = hiddenGrad[b * dims + d] / width;
    }
  }

  // Backward to row_sparse gradients of both tables, then a lazy Adam step on the touched rows.
  const outputGradient = embeddingBackward(targets, { data: targetGrad, shape: [BATCH, columns, dims] }, { inputDim: rows, sparseGrad: true });
  const inputGradient = embeddingBackward(contexts, { data: contextGrad, shape: [BATCH, width, dims] }, { inputDim: rows, sparseGrad: true });
  optimizer.step(outputTable, outputGradient);
  optimizer.step(inputTable, inputGradient);
  model.step += 1;
  return loss / BATCH;
}

// PCA coordinates of the probe words' input vectors and the nearest words of a few probes.
function describeModel() {
  const { probes, vocabulary, ids } = corpus;
  const rows = embedding(Int32Array.from(probes, ({ id }) => id), model.inputTable).data;
  const coordinates = projectPca(rows, probes.length, model.dims);
  const points = probes.map(({ word, group }, i) => ({ label: word, group, x: coordinates[2 * i], y: coordinates[2 * i + 1] }));

  const neighbours = [];
  for (const word of NEIGHBOUR_PROBES) {
    if (!ids.has(word)) continue;
    const vector = embedding([ids.get(word)], model.inputTable).data;
    const scores = similarity(model.inputTable, vector).data;
    const candidates = Math.min(NEIGHBOUR_CANDIDATES, scores.length);
    const order = Array.from({ length: candidates }, (_, id) => id).sort((a, b) => scores[b] - scores[a]);
    neighbours.push({ word, nearest: order.filter((id) => vocabulary[id] !== word).slice(0, 5).map((id) => vocabulary[id]) });
  }
  return { points, neighbours };
}

async function train(steps) {
  // A stop or reset followed at once by a start begins a new run while the old loop still waits for its
  // next turn. The run id tells the old loop to end then.
  runId += 1;
  const run = runId;
  running = true;
  let lastMap = 0;
  let firstStepLoss;
  while (running && run === runId && model !== null && model.step < steps) {
    const started = performance.now();
    let losses = 0;
    let count = 0;
    while (model.step < steps && performance.now() - started < REPORT_MS) {
      const loss = trainStep();
      firstStepLoss ??= loss;
      losses += loss;
      count += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    const now = performance.now();
    const message = {
      type: 'progress',
      step: model.step,
      steps,
      loss: losses / count,
      // The loss of this run's first step alone, because every report averages the steps since the last one.
      firstStepLoss,
      // Each batch row trains one token of the text: its centre word.
      tokensPerSecond: (count * BATCH) / seconds,
    };
    if (now - lastMap > MAP_MS || model.step >= steps) {
      Object.assign(message, describeModel());
      lastMap = now;
    }
    post(message);
    // Yield to the event loop so that stop and reset messages are handled.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (run !== runId) return;
  running = false;
  // A reset during the run has disposed the model and already reported itself.
  if (model === null) return;
  post({ type: model.step >= steps ? 'done' : 'stopped', step: model.step });
}

async function handle(message) {
  if (message.type === 'start') {
    if (running) return;
    if (model !== null && model.dims !== message.dims) disposeModel();
    if (model === null) model = createModel(message.dims);
    // steps is the run's total; a model that already reached it trains that many steps more.
    await train(model.step >= message.steps ? model.step + message.steps : message.steps);
  } else if (message.type === 'stop') {
    running = false;
  } else if (message.type === 'reset') {
    running = false;
    disposeModel();
    post({ type: 'reset' });
  }
}

async function start() {
  let info;
  try {
    info = await init();
  } catch (error) {
    // A worker may lack what the threaded build needs even on an isolated page; run single-threaded then.
    console.warn(`train-worker: init() failed (${error.message}); retrying with the simd backend`);
    info = await init({ backend: 'simd' });
  }
  corpus = await loadCorpus();
  post({
    type: 'ready',
    backend: info.backend,
    threads: info.threads,
    vocabulary: corpus.vocabulary.length,
    tokens: corpus.rawTokens,
    streamTokens: corpus.stream.length,
    groups: PROBE_GROUPS.map(({ name }) => name),
  });
}

const ready = start();
self.onmessage = (event) => {
  ready
    .then(() => handle(event.data))
    .catch((error) => {
      running = false;
      post({ type: 'error', message: error.message });
    });
};
ready.catch((error) => post({ type: 'error', message: `the training worker could not start: ${error.message}` }));
