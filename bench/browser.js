// The gather benchmark in headless Chromium: serves the library and bench/browser/ on 127.0.0.1 with the
// cross-origin isolation headers that threads need, runs bench/browser/worker.js in a module Worker and
// returns its results as Markdown tables.

'use strict';

const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const handler = require('serve-handler');

const { DIST } = require('./peers.js');
const { SHAPES } = require('./cases.js');
const { formatCaseTable } = require('./report.js');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ISOLATION_HEADERS = [
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
];
const RUN_TIMEOUT_MS = 15 * 60 * 1000;

// Serves /dist/ from the library's build folder and everything else from bench/. Resolves to { server, url }.
function startServer() {
  const routes = [
    { prefix: '/dist/', folder: DIST },
    { prefix: '/', folder: __dirname },
  ];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    const route = routes.find(({ prefix }) => url.pathname.startsWith(prefix));
    request.url = `/${url.pathname.slice(route.prefix.length)}${url.search}`;
    handler(request, response, { public: route.folder, headers: [{ source: '**', headers: ISOLATION_HEADERS }] }).catch((error) => {
      console.error(`bench server: ${request.url} failed: ${error.message}`);
      response.statusCode = 500;
      response.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

function browserCases({ quick, rounds }) {
  return SHAPES.map((shape) => ({
    title: `gather ${shape.name}, ${shape.count} indices, float32 table (Chromium)`,
    shape: shape.name,
    rows: shape.rows,
    columns: shape.columns,
    count: shape.count,
    dtype: 'float32',
    outputBytes: shape.count * shape.columns * 4,
    rounds: rounds ?? (quick ? 3 : 11),
    warmup: quick ? 1 : 2,
  }));
}

async function runBrowserBenchmark(options) {
  const { chromium } = require('playwright-core');
  const { summarize } = require('./cases.js');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-embedding-bench-chromium-'));
  const { server, url } = await startServer();
  let context = null;
  const watchdog = setTimeout(() => {
    console.error(`bench: the browser run took longer than ${RUN_TIMEOUT_MS / 60000} minutes; closing Chromium`);
    if (context) context.close().catch(() => {});
  }, RUN_TIMEOUT_MS);
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    context.on('close', () => console.log('[chromium] the browser context closed'));
    const page = await context.newPage();
    page.on('console', (message) => console.log(`[chromium] ${message.text()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) console.log(`[chromium] ${response.status()} ${response.url()}`);
    });
    page.on('crash', () => console.log('[chromium] the page crashed'));
    await page.goto(`${url}/browser/page.html`);
    const version = await page.evaluate(() => navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? navigator.userAgent);
    const cases = options.cases ?? browserCases(options);
    const results = await page.evaluate((specs) => window.runBenchmark(specs), cases);

    const sections = [`Chromium ${version}, cross-origin isolated: ${results.isolated}.`];
    for (const result of results.cases) {
      result.summary = summarize(result);
      sections.push(formatCaseTable(result));
    }
    return sections.join('\n\n');
  } finally {
    clearTimeout(watchdog);
    if (context) await context.close().catch(() => {});
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

module.exports = { runBrowserBenchmark };
