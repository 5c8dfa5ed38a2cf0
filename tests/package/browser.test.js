// The packed package in headless Chromium: a page imports node_modules/wasm-embedding/dist/browser.js from
// a server on 127.0.0.1 and runs the doc example on every backend. One server sends the cross-origin
// isolation headers that threads need and one does not, so both the threaded build and the fallback run.
// Setting WASM_EMBEDDING_BROWSER=0 (which also keeps scripts/setup.sh from installing Chromium) skips it.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const { chromium } = require('playwright-core');

const { packAndInstall, writeFile } = require('../helpers/packed');

const CHROMIUM = '/usr/bin/chromium';
const DOC_EXAMPLE_ROWS = [5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 0, 1, 2, 3, 4, 10, 11, 12, 13, 14];

const CONTENT_TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

// The page exposes runDocExample(options): init, the doc example, and dispose, returned as plain data.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="module">
  import * as library from './node_modules/wasm-embedding/dist/browser.js';

  window.runDocExample = async (options) => {
    try {
      const info = await library.init(options);
      const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };
      const result = library.embedding([[1, 3], [0, 2]], weight, { inputDim: 4, outputDim: 5 });
      return { info, shape: result.shape, dtype: result.dtype, data: Array.from(result.data) };
    } catch (error) {
      return { error: { name: error.name, message: error.message } };
    } finally {
      library.dispose();
    }
  };
  window.pageReady = true;
</script>
`;

// Serves files under root on 127.0.0.1. With isolated set, every response carries the headers that enable
// SharedArrayBuffer.
function startServer(root, isolated) {
  const server = http.createServer((request, response) => {
    const urlPath = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
    const file = path.join(root, urlPath === '/' ? 'index.html' : urlPath);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    const headers = { 'Content-Type': CONTENT_TYPES[path.extname(file)] || 'application/octet-stream' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    response.writeHead(200, headers);
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });
}

const describeBrowser = process.env.WASM_EMBEDDING_BROWSER === '0' ? describe.skip : describe;

describeBrowser('browser entry in Chromium', () => {
  let packed;
  let profile;
  let context;
  const servers = {};

  beforeAll(async () => {
    packed = packAndInstall();
    writeFile(path.join(packed.consumer, 'index.html'), PAGE);
    servers.isolated = await startServer(packed.consumer, true);
    servers.plain = await startServer(packed.consumer, false);

    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-embedding-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
    });
  }, 180000);

  afterAll(async () => {
    if (context) await context.close();
    for (const server of Object.values(servers)) await closeServer(server);
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    if (packed) packed.cleanup();
  }, 60000);

  // Opens the page from the named server, runs the doc example with options, and returns its output with
  // the page's crossOriginIsolated flag.
  async function runInPage(serverName, options) {
    const page = await context.newPage();
    try {
      const { port } = servers[serverName].address();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => window.pageReady === true);
      const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
      const output = await page.evaluate((pageOptions) => window.runDocExample(pageOptions), options);
      return { isolated, ...output };
    } finally {
      await page.close();
    }
  }

  test.each(['simd-threads', 'simd', 'scalar'])('doc example runs on %s', async (backend) => {
    const output = await runInPage('isolated', { backend });
    expect(output.error).toBeUndefined();
    expect(output.isolated).toBe(true);
    expect(output.info.backend).toBe(backend);
    expect(output.shape).toEqual([2, 2, 5]);
    expect(output.dtype).toBe('float32');
    expect(output.data).toEqual(DOC_EXAMPLE_ROWS);
  });

  test('isolated page defaults to threads', async () => {
    const output = await runInPage('isolated', undefined);
    expect(output.info.backend).toBe('simd-threads');
    expect(output.info.threads).toBeGreaterThanOrEqual(1);
    expect(output.data).toEqual(DOC_EXAMPLE_ROWS);
  });

  test('page without isolation falls back to simd', async () => {
    const output = await runInPage('plain', undefined);
    expect(output.isolated).toBe(false);
    expect(output.info).toEqual({ backend: 'simd', threads: 1, simd: true });
    expect(output.data).toEqual(DOC_EXAMPLE_ROWS);
  });

  test('threads without isolation name the headers', async () => {
    const output = await runInPage('plain', { backend: 'simd-threads' });
    expect(output.error.name).toBe('Error');
    expect(output.error.message).toContain("init: backend 'simd-threads' needs SharedArrayBuffer");
    expect(output.error.message).toContain('Cross-Origin-Opener-Policy: same-origin');
    expect(output.error.message).toContain("use 'simd'");
  });
});
