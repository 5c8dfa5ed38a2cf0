// The package as a consumer installs it: `npm pack` of package.json with the built dist/, installed into
// a scratch project, then used through require, import, a "type": "module" project, TypeScript and a
// browser bundler. Consumer scripts run in child processes, so each one must also exit on its own.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const esbuild = require('esbuild');
const ts = require('typescript');

const { ROOT, packAndInstall, writeFile } = require('../helpers/packed');

const BACKENDS = ['simd-threads', 'simd', 'scalar'];
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const DOC_EXAMPLE_ROWS = [5, 6, 7, 8, 9, 15, 16, 17, 18, 19, 0, 1, 2, 3, 4, 10, 11, 12, 13, 14];
// One tsc run took about 5 s on an idle 2-core machine and over 20 s beside a parallel build.
const TSC_TIMEOUT = 120000;

let packed;
let scratch;
let packedFiles;
let consumer;
let installed;

// Runs a script with Node in the consumer project and returns its parsed JSON output. A script that does
// not exit within the timeout (a thread pool keeping Node alive, say) fails the test.
function runNode(args, cwd = consumer) {
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30000 });
  if (run.error) throw new Error(`node ${args.join(' ')} failed: ${run.error.message}\n${run.stderr}`);
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${run.status}:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

function runTsc(project) {
  const run = spawnSync(process.execPath, [TSC, '-p', project], { cwd: consumer, encoding: 'utf8', timeout: TSC_TIMEOUT });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

// The doc example, written in CommonJS or ESM syntax, run on the backend named on the command line.
// It does not call dispose(), so the process exits only if the library lets it.
const DOC_EXAMPLE_BODY = `
const backend = process.argv[2];
const info = await library.init({ backend });
const weight = { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [4, 5] };
const result = library.embedding([[1, 3], [0, 2]], weight, { inputDim: 4, outputDim: 5 });
console.log(JSON.stringify({ info, shape: result.shape, dtype: result.dtype, data: Array.from(result.data) }));
`;

beforeAll(() => {
  packed = packAndInstall();
  ({ scratch, consumer, installed, packedFiles } = packed);

  writeFile(path.join(consumer, 'doc-example.cjs'),
    `const library = require('wasm-embedding');\n(async () => {${DOC_EXAMPLE_BODY}})();\n`);
  writeFile(path.join(consumer, 'doc-example.mjs'),
    `import * as library from 'wasm-embedding';\n${DOC_EXAMPLE_BODY}`);
}, 180000);

afterAll(() => {
  if (packed) packed.cleanup();
});

describe('tarball contents', () => {
  test('entry points and typings are packed', () => {
    for (const file of ['package.json', 'index.d.ts', 'dist/index.cjs', 'dist/index.mjs', 'dist/browser.js']) {
      expect(packedFiles).toContain(file);
    }
  });

  test.each(BACKENDS)('%s glue is packed for Node and web', (backend) => {
    for (const target of ['node', 'web']) {
      expect(packedFiles).toContain(`dist/${target}/${backend}/wasm_embedding.js`);
      expect(packedFiles).toContain(`dist/${target}/${backend}/wasm_embedding.wasm`);
    }
    expect(packedFiles).toContain(`dist/node/${backend}/package.json`);
  });

  test('thread workers are packed', () => {
    expect(packedFiles).toContain('dist/node/simd-threads/wasm_embedding.worker.js');
    expect(packedFiles).toContain('dist/web/simd-threads/wasm_embedding.worker.js');
  });

  test('sources and tests stay out', () => {
    const stray = packedFiles.filter((file) => /^(src|js|bindings|tests|build|scripts|bench|demo|node_modules)\//.test(file));
    expect(stray).toEqual([]);
  });

  test('package has no runtime dependencies', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(fs.readdirSync(path.join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['wasm-embedding']);
  });
});

describe('Node consumers', () => {
  test.each(BACKENDS)('require runs the doc example on %s', (backend) => {
    const output = runNode(['doc-example.cjs', backend]);
    expect(output.info.backend).toBe(backend);
    expect(output.shape).toEqual([2, 2, 5]);
    expect(output.dtype).toBe('float32');
    expect(output.data).toEqual(DOC_EXAMPLE_ROWS);
  });

  test.each(BACKENDS)('import runs the doc example on %s', (backend) => {
    const output = runNode(['doc-example.mjs', backend]);
    expect(output.info.backend).toBe(backend);
    expect(output.data).toEqual(DOC_EXAMPLE_ROWS);
  });

  test('default backend starts without options', () => {
    writeFile(path.join(consumer, 'default-backend.cjs'), `
const library = require('wasm-embedding');
library.init().then((info) => {
  console.log(JSON.stringify({ info, data: Array.from(library.embedding([1], [[1, 2], [3, 4]]).data) }));
});
`);
    const output = runNode(['default-backend.cjs']);
    expect(BACKENDS).toContain(output.info.backend);
    expect(output.data).toEqual([3, 4]);
  });

  test('import and require share one instance', () => {
    writeFile(path.join(consumer, 'shared-instance.mjs'), `
import { createRequire } from 'node:module';
import * as named from 'wasm-embedding';
import defaultExport from 'wasm-embedding';

const required = createRequire(import.meta.url)('wasm-embedding');
await named.init({ backend: 'scalar' });
console.log(JSON.stringify({
  sameDefault: defaultExport === required,
  sameFunction: named.embedding === required.embedding,
  requiredBackend: required.backendInfo() && required.backendInfo().backend,
  namedExports: Object.keys(named).filter((name) => name !== 'default').sort(),
  requiredExports: Object.keys(required).sort(),
}));
`);
    const output = runNode(['shared-instance.mjs']);
    expect(output.sameDefault).toBe(true);
    expect(output.sameFunction).toBe(true);
    expect(output.requiredBackend).toBe('scalar');
    expect(output.namedExports).toEqual(output.requiredExports);
  });

  test('"type": "module" project runs threads', () => {
    const project = path.join(scratch, 'module-consumer');
    writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'module-consumer', private: true, type: 'module' }));
    fs.cpSync(path.join(consumer, 'node_modules'), path.join(project, 'node_modules'), { recursive: true });
    writeFile(path.join(project, 'doc-example.js'), `import * as library from 'wasm-embedding';\n${DOC_EXAMPLE_BODY}`);

    const output = runNode(['doc-example.js', 'simd-threads'], project);
    expect(output.info.backend).toBe('simd-threads');
    expect(output.data).toEqual(DOC_EXAMPLE_ROWS);
  });

  test('package.json is exported', () => {
    const output = runNode(['-e', "console.log(JSON.stringify(require('wasm-embedding/package.json').name))"]);
    expect(output).toBe('wasm-embedding');
  });
});

describe('TypeScript consumers', () => {
  // Resolution modes: Node's CommonJS and ESM rules through the exports map, and bundlers'.
  test.each([
    ['nodenext', 'usage.ts', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['nodenext ESM', 'usage.mts', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['bundler', 'usage.ts', { module: 'esnext', moduleResolution: 'bundler' }],
  ])('typings compile under %s', (name, fileName, moduleOptions) => {
    const folder = path.join(consumer, `types-${name.replace(/\W+/g, '-')}`);
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'tests', 'types', 'usage.ts'), path.join(folder, fileName));
    const tsconfig = {
      compilerOptions: {
        ...moduleOptions, target: 'es2020', lib: ['es2020'], strict: true, noEmit: true, types: [], skipLibCheck: true,
      },
      files: [fileName],
    };
    writeFile(path.join(folder, 'tsconfig.json'), JSON.stringify(tsconfig));

    const { status, output } = runTsc(folder);
    expect(output).toBe('');
    expect(status).toBe(0);
  }, TSC_TIMEOUT);

  test('misuse fails to compile', () => {
    const folder = path.join(consumer, 'types-misuse');
    writeFile(path.join(folder, 'misuse.ts'), `
import { embedding } from 'wasm-embedding';
const result = embedding([0], { data: new Float32Array(4), shape: [2, 2], dtype: 'float32' });
const wrong: Float64Array = result.data;
`);
    writeFile(path.join(folder, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2020'], strict: true, noEmit: true, types: [], skipLibCheck: true,
      },
      files: ['misuse.ts'],
    }));

    const { status, output } = runTsc(folder);
    expect(status).not.toBe(0);
    expect(output).toMatch(/misuse\.ts\(4,7\): error TS2322: Type 'Float32Array(<\w+>)?' is not assignable to type 'Float64Array/);
  }, TSC_TIMEOUT);

  test('declared values match runtime exports', () => {
    const declarations = path.join(installed, 'index.d.ts');
    const program = ts.createProgram([declarations], { noEmit: true, strict: true, lib: ['lib.es2020.d.ts'], types: [] });
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(declarations));
    expect(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({}))).toBe('');
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(declarations));
    const declared = checker.getExportsOfModule(moduleSymbol)
      .filter((symbol) => symbol.flags & ts.SymbolFlags.Value)
      .map((symbol) => symbol.name);
    const exported = Object.keys(require(path.join(installed, 'dist', 'index.cjs')));

    expect({ exportedButNotDeclared: exported.filter((name) => !declared.includes(name)).sort() })
      .toEqual({ exportedButNotDeclared: [] });
    expect({ declaredButNotExported: declared.filter((name) => !exported.includes(name)).sort() })
      .toEqual({ declaredButNotExported: [] });
  }, TSC_TIMEOUT);
});

describe('browser bundlers', () => {
  test('browser condition resolves to the ES module build', async () => {
    writeFile(path.join(consumer, 'browser-entry.js'), "import { init, embedding } from 'wasm-embedding';\nexport { init, embedding };\n");
    const result = await esbuild.build({
      absWorkingDir: consumer,
      entryPoints: ['browser-entry.js'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      splitting: true,
      outdir: path.join(consumer, 'bundle'),
      metafile: true,
      logLevel: 'silent',
      loader: { '.wasm': 'file' },
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('node_modules/wasm-embedding/dist/browser.js');
    expect(inputs).not.toContain('node_modules/wasm-embedding/dist/index.cjs');
    for (const backend of BACKENDS) {
      expect(inputs).toContain(`node_modules/wasm-embedding/dist/web/${backend}/wasm_embedding.js`);
    }
  });
});
