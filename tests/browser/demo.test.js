// The demo page in Debian's Chromium, driven by playwright-core: served with COOP/COEP headers it runs the
// threaded backend, looks up n-grams whose output rows equal the table's rows, draws the map and trains;
// served without them it still works on the single-threaded simd backend. Screenshots go to
// test-artifacts/browser/. Setting WASM_EMBEDDING_BROWSER=0 skips it, as it does the package's browser test.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const { DIST } = require('../helpers/library');
const { decodeFloat16 } = require('../helpers/reference');
const { ROOT, defaultDataDir } = require('../../demo/data-paths.js');
const { startServer } = require('../../demo/server.js');

const CHROMIUM = '/usr/bin/chromium';
const WORDS = 5000;
const DATA_DIR = defaultDataDir(WORDS, 'float16');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'browser');
// The browser is closed after this long even if a test hangs, so no Chromium outlives the run.
const WATCHDOG_MS = 240000;
const TRAINING_STEPS = 120;

jest.setTimeout(WATCHDOG_MS);

let context = null;
let profile = null;
let watchdog = null;
const servers = [];
let isolatedUrl = '';
let plainUrl = '';
let table = null; // { words, ids, bits, dims }

function readTable() {
  const vocab = JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'vocab.json'), 'utf8'));
  const file = fs.readFileSync(path.join(DATA_DIR, 'vectors.bin'));
  const bits = new Uint16Array(file.buffer, file.byteOffset, file.byteLength / 2);
  return { words: vocab.words, ids: new Map(vocab.words.map((word, id) => [word, id])), bits, dims: vocab.dims };
}

const describeBrowser = process.env.WASM_EMBEDDING_BROWSER === '0' ? describe.skip : describe;

describeBrowser('demo in Chromium', () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found; install Debian's chromium package (bash scripts/setup.sh does)`);
    }
    execFileSync(process.execPath, [path.join(ROOT, 'demo', 'prepare-data.js'), '--words', String(WORDS), '--out', DATA_DIR], {
      env: { ...process.env, WASM_EMBEDDING_DIST: DIST },
      stdio: 'inherit',
    });
    table = readTable();
    fs.mkdirSync(ARTIFACTS, { recursive: true });

    for (const isolation of [true, false]) {
      const started = await startServer({ port: 0, data: DATA_DIR, dist: DIST, isolation });
      servers.push(started.server);
      if (isolation) isolatedUrl = started.url;
      else plainUrl = started.url;
    }

    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-embedding-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    watchdog = setTimeout(() => {
      process.stderr.write(`browser test: closing Chromium after ${WATCHDOG_MS} ms\n`);
      context.close().catch(() => {});
    }, WATCHDOG_MS);
    watchdog.unref();
  });

  afterAll(async () => {
    clearTimeout(watchdog);
    try {
      if (context) await context.close();
    } finally {
      for (const server of servers) {
        server.closeAllConnections();
        server.close();
      }
      if (profile) fs.rmSync(profile, { recursive: true, force: true });
    }
  });

  // Opens the page, collects its errors and waits until the first look-up has run.
  async function openDemo(url) {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForFunction(() => window.demo && (window.demo.lastLookup || window.demo.error), null, { timeout: 60000 });
    const startError = await page.evaluate(() => (window.demo.error ? String(window.demo.error.message) : null));
    expect(startError).toBeNull();
    return { page, errors };
  }

  // Types text with the given n-gram size and returns what the page computed for it.
  async function lookUp(page, text, n) {
    await page.check(`input[name="ngram"][value="${n}"]`, { force: true });
    await page.fill('#text', text);
    return page.evaluate(() => {
      const lookup = window.demo.lastLookup;
      return {
        tokens: lookup.tokens,
        ids: lookup.ids,
        indexShape: lookup.indices.shape,
        outputShape: lookup.output.shape,
        dtype: lookup.output.dtype,
        bits: Array.from(lookup.output.data),
        values: Array.from(lookup.values),
        neighbours: lookup.neighbours,
        lookupMs: lookup.lookupMs,
      };
    });
  }

  // Expects the output rows of a bigram to be the table rows of its two words, bit for bit and decoded.
  function expectRowsOfTable(result, words) {
    const { dims, bits } = table;
    const ids = words.map((word) => table.ids.get(word));
    expect(ids.every((id) => id > 0)).toBe(true);
    expect(result.ids).toEqual(ids);
    expect(result.indexShape).toEqual([1, words.length]);
    expect(result.outputShape).toEqual([1, words.length, dims]);
    expect(result.dtype).toBe('float16');

    const expectedBits = ids.flatMap((id) => Array.from(bits.subarray(id * dims, (id + 1) * dims)));
    expect(result.bits).toEqual(expectedBits);
    expect(result.values).toEqual(expectedBits.map(decodeFloat16).map(Math.fround));
  }

  // Pixels of a canvas that differ from its background colour (the top-left pixel).
  function countDrawnPixels(page, selector) {
    return page.evaluate((canvasSelector) => {
      const canvas = document.querySelector(canvasSelector);
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let drawn = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - data[0]) + Math.abs(data[i + 1] - data[1]) + Math.abs(data[i + 2] - data[2]) > 60) drawn += 1;
      }
      return drawn;
    }, selector);
  }

  describe('demo page with cross-origin isolation', () => {
    let page = null;
    let errors = [];

    beforeAll(async () => {
      ({ page, errors } = await openDemo(isolatedUrl));
    });

    afterAll(async () => {
      if (page) await page.close();
    });

    test('runs the threaded backend', async () => {
      expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
      expect(await page.textContent('#backend')).toBe('simd-threads');
      expect(Number(await page.textContent('#threads'))).toBeGreaterThanOrEqual(1);
      expect(await page.textContent('#table-info')).toBe(`${WORDS.toLocaleString('en-US')} × 100 float16`);
    });

    test('bigram output equals table rows', async () => {
      const result = await lookUp(page, 'New York', 2);
      expectRowsOfTable(result, ['new', 'york']);
      expect(await page.textContent('#output-shape')).toBe('[1, 2, 100]');

      // The heat map's hover readout shows the same number for row 1 ("york"), column 17.
      const cell = await page.evaluate(() => {
        const geometry = window.demo.heatmapGeometry;
        const box = document.getElementById('heatmap').getBoundingClientRect();
        return { x: box.left + geometry.labelWidth + (17.5 * geometry.cellWidth), y: box.top + geometry.top + 1.5 * geometry.rowHeight };
      });
      await page.mouse.move(cell.x, cell.y);
      const york = table.ids.get('york');
      const expected = decodeFloat16(table.bits[york * table.dims + 17]).toFixed(5);
      expect(await page.textContent('#heatmap-readout')).toBe(`n-gram 0 “new york”, word 1 “york” (row ${york}), column 17: ${expected}`);
      expect(await page.textContent('#lookup-time')).toMatch(/^\d+(\.\d+)? (µs|ms)$/);
    });

    test('unknown word maps to id 0', async () => {
      const result = await lookUp(page, 'city qzxqzx', 2);
      expect(table.ids.get('city')).toBeGreaterThan(0);
      expect(result.ids).toEqual([table.ids.get('city'), 0]);
      expect(await page.textContent('.token.unknown')).toBe('qzxqzx0 <unk>');
    });

    test('word is its own nearest neighbour', async () => {
      const result = await lookUp(page, 'king', 1);
      const [first] = result.neighbours[0];
      expect(table.words[first.id]).toBe('king');
      expect(first.score).toBeCloseTo(1, 5);
      expect(await page.textContent('#neighbours li:first-child span')).toBe('king');
    });

    test('trigrams give shape [count, 3, 100]', async () => {
      const result = await lookUp(page, 'the white whale swam', 3);
      expect(result.indexShape).toEqual([2, 3]);
      expect(result.outputShape).toEqual([2, 3, 100]);
    });

    test('map canvas is drawn', async () => {
      await lookUp(page, 'the white whale swam across the open sea', 2);
      const labels = await page.evaluate(() => window.demo.mapPoints.map((point) => point.label));
      expect(labels).toContain('open sea');
      expect(await countDrawnPixels(page, '#map')).toBeGreaterThan(500);
      await page.screenshot({ path: path.join(ARTIFACTS, 'isolated-lookup.png'), fullPage: true });
    });

    test('short training run lowers the loss', async () => {
      await page.waitForFunction(() => window.demo.train && (window.demo.train.ready || window.demo.train.error), null, { timeout: 60000 });
      expect(await page.evaluate(() => window.demo.train.error)).toBeNull();
      await page.fill('#train-steps', String(TRAINING_STEPS));
      await page.click('#train-start');
      await page.waitForFunction(() => /finished|error/.test(document.getElementById('train-status').textContent), null, { timeout: 180000 });

      const history = await page.evaluate(() => {
        const { losses, steps, error, firstStepLoss } = window.demo.train;
        return { losses, steps, error, firstStepLoss };
      });
      expect(history.error).toBeNull();
      expect(history.steps[history.steps.length - 1]).toBe(TRAINING_STEPS);
      // The first step starts from zero output vectors, where the loss is 6 * ln 2 = 4.16. Each report
      // averages the steps since the previous one, so on a fast machine the first report is already lower.
      expect(history.firstStepLoss).toBeGreaterThan(4);
      const last = history.losses[history.losses.length - 1];
      expect(last).toBeLessThan(history.firstStepLoss - 0.5);
      expect(Number((await page.textContent('#train-throughput')).replace(/,/g, ''))).toBeGreaterThan(0);
      expect(await countDrawnPixels(page, '#train-map')).toBeGreaterThan(200);
      expect(await countDrawnPixels(page, '#loss-chart')).toBeGreaterThan(200);
      await page.screenshot({ path: path.join(ARTIFACTS, 'isolated-training.png'), fullPage: true });
      expect(errors).toEqual([]);
    });

    test('training stops and resets', async () => {
      await page.fill('#train-steps', '100000');
      await page.click('#train-start');
      await page.waitForFunction(() => window.demo.train.losses.length > 0 && window.demo.train.running, null, { timeout: 60000 });
      await page.click('#train-stop');
      await page.waitForFunction(() => /stopped at step/.test(document.getElementById('train-status').textContent), null, { timeout: 60000 });
      const stoppedAt = Number((await page.textContent('#train-status')).match(/step (\d+)/)[1]);
      expect(stoppedAt).toBeGreaterThan(TRAINING_STEPS);
      expect(stoppedAt).toBeLessThan(100000);

      await page.click('#train-reset');
      await page.waitForFunction(() => /^reset/.test(document.getElementById('train-status').textContent), null, { timeout: 60000 });
      expect(await page.evaluate(() => window.demo.train.losses.length)).toBe(0);
      expect(await page.textContent('#train-step')).toBe('0');
      expect(errors).toEqual([]);
    });
  });

  describe('demo page without isolation headers', () => {
    test('runs single-threaded on simd', async () => {
      const { page, errors } = await openDemo(plainUrl);
      try {
        expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(false);
        expect(await page.textContent('#backend')).toBe('simd');
        expect(await page.textContent('#threads')).toBe('1');
        expectRowsOfTable(await lookUp(page, 'new york', 2), ['new', 'york']);
        expect(await countDrawnPixels(page, '#map')).toBeGreaterThan(500);
        await page.screenshot({ path: path.join(ARTIFACTS, 'plain-lookup.png'), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  });
});
