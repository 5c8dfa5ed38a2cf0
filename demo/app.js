// The demo page: loads the library and the GloVe table into wasm memory, then runs the look-up and map
// views on every keystroke and drives the training worker.

import * as wasmEmbedding from '/dist/browser.js';
import { buildNgrams, tokenise } from './text.js';
import { attachTooltip, drawHeatmap, drawMap, drawStrip, heatmapCell, maxAbs } from './plots.js';
import { projectPca } from './pca.js';
import { createTrainView } from './train-view.js';

const { init, createTable, embedding, similarity, fromFloat16, fromBFloat16 } = wasmEmbedding;

const NEIGHBOURS = 12;
// n-grams shown on the map, the last ones typed, each with this many neighbours.
const MAP_NGRAMS = 6;
const MAP_NEIGHBOURS = 6;
const MAP_HEIGHT = 600;
// Look-ups whose median time the status bar shows; the first call also pays for compiling the code.
const MEDIAN_WINDOW = 25;
// Output rows drawn in the heat map; longer texts show their first rows.
const MAX_HEATMAP_ROWS = 48;

const elements = Object.fromEntries([
  'backend', 'threads', 'table-info', 'lookup-time', 'search-time', 'text', 'tokens', 'index-shape',
  'lookup-median', 'output-shape', 'heatmap', 'heatmap-readout', 'ngram-list', 'selected-ngram', 'neighbours', 'map',
  'map-tooltip',
].map((id) => [id, document.getElementById(id)]));

// State read by the browser test and by the hover handlers.
const demo = {
  info: null,
  vocab: null,
  table: null,
  lastLookup: null,
  lookupTimes: [],
  ready: null,
  error: null,
};
window.demo = demo;

function decode(bits, dtype) {
  return dtype === 'float16' ? fromFloat16(bits) : fromBFloat16(bits);
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`loading ${url} failed with HTTP ${response.status}; run npm start, which prepares the table first`);
  }
  return response;
}

async function loadTable() {
  const vocab = await (await fetchOk('/data/vocab.json')).json();
  const bits = new Uint16Array(await (await fetchOk('/data/vectors.bin')).arrayBuffer());
  if (bits.length !== vocab.rows * vocab.dims) {
    throw new Error(`/data/vectors.bin holds ${bits.length} values, but vocab.json expects ${vocab.rows} x ${vocab.dims}; run demo/prepare-data.js --force`);
  }
  const table = createTable({ data: bits, shape: [vocab.rows, vocab.dims], dtype: vocab.dtype });
  vocab.ids = new Map(vocab.words.map((word, id) => [word, id]));
  return { vocab, table };
}

function showStatus(info, vocab) {
  elements.backend.textContent = info.backend;
  elements.backend.className = info.backend === 'simd-threads' ? 'good' : 'warn';
  elements.backend.title = info.backend === 'simd-threads'
    ? 'SIMD128 with a thread pool'
    : 'single-threaded: the page is not cross-origin isolated, or the browser lacks threads';
  elements.threads.textContent = String(info.threads);
  elements['table-info'].textContent = `${(vocab.rows - 1).toLocaleString('en-US')} × ${vocab.dims} ${vocab.dtype}`;
}

function median(values) {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function formatMs(ms) {
  return ms < 0.1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

// ---------------------------------------------------------------------------------------------------------
// Look-up
// ---------------------------------------------------------------------------------------------------------

function selectedN() {
  return Number(document.querySelector('input[name="ngram"]:checked').value);
}

// Top k entries of scores (skipping the unknown row 0), highest first.
function topK(scores, offset, rows, k) {
  const best = [];
  for (let r = 1; r < rows; r += 1) {
    const score = scores[offset + r];
    if (best.length < k || score > best[best.length - 1].score) {
      let position = best.length;
      while (position > 0 && best[position - 1].score < score) position -= 1;
      best.splice(position, 0, { id: r, score });
      if (best.length > k) best.pop();
    }
  }
  return best;
}

function isZero(values, offset, length) {
  for (let i = offset; i < offset + length; i += 1) if (values[i] !== 0) return false;
  return true;
}

function runLookup() {
  const { vocab, table } = demo;
  const n = selectedN();
  const tokens = tokenise(elements.text.value);
  const ids = tokens.map((token) => vocab.ids.get(token) ?? vocab.unknownId);
  const indices = buildNgrams(ids, n);
  const [count] = indices.shape;

  const started = performance.now();
  const output = embedding(indices, table);
  const lookupMs = performance.now() - started;

  const values = decode(output.data, output.dtype);
  const dims = vocab.dims;
  const means = new Float32Array(count * dims);
  for (let g = 0; g < count; g += 1) {
    for (let j = 0; j < n; j += 1) {
      const row = (g * n + j) * dims;
      for (let d = 0; d < dims; d += 1) means[g * dims + d] += values[row + d] / n;
    }
  }

  const labels = Array.from({ length: count }, (_, g) => tokens.slice(g, g + n).join(' '));
  const neighbours = new Array(count).fill(null);
  demo.lastLookup = { n, tokens, ids, indices, output, values, means, labels, neighbours, lookupMs, searchMs: 0 };
  demo.lookupTimes.push(lookupMs);
  if (demo.selected === undefined || demo.selected >= count) demo.selected = count - 1;

  // Neighbours of the n-grams the map shows and of the selected one; others are searched when clicked.
  const wanted = new Set([demo.selected]);
  for (let g = Math.max(count - MAP_NGRAMS, 0); g < count; g += 1) wanted.add(g);
  findNeighbours(demo.lastLookup, [...wanted].filter((g) => g >= 0));
  render();
}

// Fills lookup.neighbours[g] for each g in groups with one similarity call over the whole table.
function findNeighbours(lookup, groups) {
  const { vocab, table } = demo;
  const dims = vocab.dims;
  // An n-gram of unknown words has a zero vector, whose cosine with every word is 0: it has no neighbours.
  const pending = [];
  for (const g of groups) {
    if (lookup.neighbours[g] !== null) continue;
    if (isZero(lookup.means, g * dims, dims)) lookup.neighbours[g] = [];
    else pending.push(g);
  }
  if (pending.length === 0) return;

  const queries = new Float32Array(pending.length * dims);
  pending.forEach((g, i) => queries.set(lookup.means.subarray(g * dims, (g + 1) * dims), i * dims));
  const started = performance.now();
  const scores = similarity(table, { data: queries, shape: [pending.length, dims] });
  pending.forEach((g, i) => {
    lookup.neighbours[g] = topK(scores.data, i * vocab.rows, vocab.rows, NEIGHBOURS);
  });
  lookup.searchMs = performance.now() - started;
  lookup.searchCount = pending.length;
}

function render() {
  const lookup = demo.lastLookup;
  renderTokens(lookup);
  elements['index-shape'].textContent = `[${lookup.indices.shape.join(', ')}]`;
  elements['output-shape'].textContent = `[${lookup.output.shape.join(', ')}]`;
  elements['lookup-time'].textContent = formatMs(lookup.lookupMs);
  elements['lookup-median'].textContent = `median ${formatMs(median(demo.lookupTimes.slice(-MEDIAN_WINDOW)))} of ${Math.min(demo.lookupTimes.length, MEDIAN_WINDOW)}`;
  elements['search-time'].textContent = lookup.searchCount ? formatMs(lookup.searchMs) : '–';
  elements['search-time'].title = lookup.searchCount ? `cosine of ${lookup.searchCount} n-gram vector(s) with every row` : '';
  renderHeatmap(lookup);
  renderNgrams(lookup);
  renderNeighbours(lookup);
  renderMap(lookup);
}

function renderTokens({ tokens, ids }) {
  elements.tokens.replaceChildren(...tokens.map((token, i) => {
    const chip = document.createElement('span');
    chip.className = ids[i] === demo.vocab.unknownId ? 'token unknown' : 'token';
    chip.textContent = token;
    const id = document.createElement('small');
    id.textContent = ids[i] === demo.vocab.unknownId ? `${ids[i]} <unk>` : String(ids[i]);
    chip.append(id);
    chip.title = ids[i] === demo.vocab.unknownId ? 'not in the table: mapped to the reserved id 0 (a zero row)' : `row ${ids[i]}`;
    return chip;
  }));
}

function renderHeatmap(lookup) {
  const { n, values, tokens } = lookup;
  const dims = demo.vocab.dims;
  const rows = Math.min(values.length / dims, MAX_HEATMAP_ROWS);
  const labels = Array.from({ length: rows }, (_, r) => {
    const g = Math.floor(r / n);
    return n === 1 ? tokens[g] : `${g}·${r % n}  ${tokens[g + (r % n)]}`;
  });
  demo.heatmapScale = Math.max(maxAbs(values), 1e-6);
  demo.heatmapGeometry = drawHeatmap(elements.heatmap, values, rows, dims, labels, demo.heatmapScale);
  demo.heatmapLabels = labels;
}

function renderNgrams(lookup) {
  const dims = demo.vocab.dims;
  elements['ngram-list'].replaceChildren(...lookup.labels.map((label, g) => {
    const row = document.createElement('div');
    row.className = g === demo.selected ? 'ngram-row selected' : 'ngram-row';
    const name = document.createElement('span');
    name.textContent = label;
    const strip = document.createElement('canvas');
    row.append(name, strip);
    row.addEventListener('click', () => {
      demo.selected = g;
      findNeighbours(lookup, [g]);
      render();
    });
    requestAnimationFrame(() => drawStrip(strip, lookup.means.subarray(g * dims, (g + 1) * dims), demo.heatmapScale));
    return row;
  }));
}

function renderNeighbours(lookup) {
  const g = demo.selected;
  elements['selected-ngram'].textContent = g >= 0 ? `“${lookup.labels[g]}”` : '–';
  const list = g >= 0 ? lookup.neighbours[g] : [];
  if (g >= 0 && list.length === 0) {
    const note = document.createElement('li');
    note.className = 'note';
    note.textContent = 'Every word of this n-gram is unknown, so its vector is zero and has no nearest words.';
    elements.neighbours.replaceChildren(note);
    return;
  }
  elements.neighbours.replaceChildren(...list.map(({ id, score }) => {
    const item = document.createElement('li');
    const word = document.createElement('span');
    word.textContent = demo.vocab.words[id];
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('i');
    fill.style.width = `${Math.max(0, score) * 100}%`;
    bar.append(fill);
    const value = document.createElement('span');
    value.className = 'score';
    value.textContent = score.toFixed(3);
    item.append(word, bar, value);
    return item;
  }));
}

elements.heatmap.addEventListener('mousemove', (event) => {
  const geometry = demo.heatmapGeometry;
  const lookup = demo.lastLookup;
  if (!geometry || !lookup) return;
  const box = elements.heatmap.getBoundingClientRect();
  const cell = heatmapCell(geometry, event.clientX - box.left, event.clientY - box.top);
  if (!cell) return;
  const value = lookup.values[cell.row * demo.vocab.dims + cell.column];
  const g = Math.floor(cell.row / lookup.n);
  const id = lookup.indices.data[cell.row];
  elements['heatmap-readout'].textContent =
    `n-gram ${g} “${lookup.labels[g]}”, word ${cell.row % lookup.n} “${demo.vocab.words[id]}” (row ${id}), column ${cell.column}: ${value.toFixed(5)}`;
});

// ---------------------------------------------------------------------------------------------------------
// Map
// ---------------------------------------------------------------------------------------------------------

function renderMap(lookup) {
  const dims = demo.vocab.dims;
  const count = lookup.labels.length;
  const first = Math.max(count - MAP_NGRAMS, 0);

  // Queries first, then the distinct neighbour words; each neighbour belongs to the first query listing it.
  const points = [];
  const neighbourIds = [];
  const positionOfId = new Map();
  for (let g = first; g < count; g += 1) {
    if (lookup.neighbours[g].length === 0) continue;
    const links = [];
    for (const { id, score } of lookup.neighbours[g].slice(0, MAP_NEIGHBOURS)) {
      if (!positionOfId.has(id)) {
        positionOfId.set(id, neighbourIds.length);
        neighbourIds.push({ id, group: g - first, score, query: lookup.labels[g] });
      }
      links.push(positionOfId.get(id));
    }
    points.push({ label: lookup.labels[g], kind: 'query', group: g - first, links, index: g, detail: `n-gram ${g}` });
  }
  if (points.length === 0) {
    demo.mapPoints = drawMap(elements.map, [], { height: MAP_HEIGHT, emptyText: 'Type some known words to see them on the map' });
    return;
  }

  // The neighbours' vectors come from the table with one embedding call.
  const neighbourRows = embedding(Int32Array.from(neighbourIds, ({ id }) => id), demo.table);
  const neighbourValues = decode(neighbourRows.data, neighbourRows.dtype);
  const total = points.length + neighbourIds.length;
  const vectors = new Float32Array(total * dims);
  points.forEach((point, i) => vectors.set(lookup.means.subarray(point.index * dims, (point.index + 1) * dims), i * dims));
  vectors.set(neighbourValues, points.length * dims);

  const coordinates = projectPca(vectors, total, dims);
  const offset = points.length;
  for (const point of points) point.links = point.links.map((index) => index + offset);
  neighbourIds.forEach(({ id, group, score, query }) => {
    points.push({ label: demo.vocab.words[id], kind: 'neighbour', group, detail: `row ${id}, cosine ${score.toFixed(3)} to “${query}”` });
  });
  points.forEach((point, i) => {
    point.x = coordinates[i * 2];
    point.y = coordinates[i * 2 + 1];
  });
  demo.mapPoints = drawMap(elements.map, points, { height: MAP_HEIGHT });
}

attachTooltip(elements.map, elements['map-tooltip'], () => demo.mapPoints);

// ---------------------------------------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------------------------------------

async function start() {
  demo.info = await init();
  const { vocab, table } = await loadTable();
  demo.vocab = vocab;
  demo.table = table;
  showStatus(demo.info, vocab);

  elements.text.addEventListener('input', runLookup);
  for (const radio of document.querySelectorAll('input[name="ngram"]')) {
    radio.addEventListener('change', () => {
      demo.selected = undefined;
      runLookup();
    });
  }
  window.addEventListener('resize', render);
  // One untimed call first: the engine compiles the wasm and JS paths on first use, which the status bar
  // would otherwise report as the first look-up's time.
  embedding({ data: new Int32Array(2), shape: [1, 2] }, table);
  runLookup();
  demo.train = createTrainView();
}

demo.ready = start().catch((error) => {
  demo.error = error;
  elements.backend.textContent = 'failed';
  elements.backend.className = 'warn';
  elements.tokens.textContent = `The demo could not start: ${error.message}`;
  console.error(error);
  throw error;
});
