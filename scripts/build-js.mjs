// Bundles js/ into dist/index.cjs (Node, CommonJS), dist/index.mjs (Node, ESM re-export of the CommonJS
// bundle, so both share one module instance) and dist/browser.js (browsers, ESM). WASM_EMBEDDING_DIST
// moves the output folder.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.WASM_EMBEDDING_DIST || path.join(root, 'dist');
mkdirSync(dist, { recursive: true });

const common = { bundle: true, target: 'es2020', logLevel: 'warning', legalComments: 'none' };

await build({
  ...common,
  entryPoints: [path.join(root, 'js/entry-node.js')],
  outfile: path.join(dist, 'index.cjs'),
  platform: 'node',
  format: 'cjs',
});

await build({
  ...common,
  entryPoints: [path.join(root, 'js/entry-browser.js')],
  outfile: path.join(dist, 'browser.js'),
  platform: 'browser',
  format: 'esm',
  external: ['./web/*'],
});

// Name every export of the CommonJS bundle in the ESM wrapper.
const exportNames = Object.keys(createRequire(import.meta.url)(path.join(dist, 'index.cjs'))).sort();
const wrapper = [
  '// Node ESM entry: re-exports the CommonJS bundle, so require and import share one module instance.',
  "import api from './index.cjs';",
  '',
  `export const { ${exportNames.join(', ')} } = api;`,
  'export default api;',
  '',
].join('\n');
writeFileSync(path.join(dist, 'index.mjs'), wrapper);
