// Benchmark driver: runs each case in its own Node process (bench/case.js), prints tables of milliseconds,
// GB/s and the ratio to a same-size TypedArray.prototype.set, evaluates the performance targets and writes
// the results into BENCHMARKS.md.
//
//   npm run bench                  every case, then the browser table; rewrites the results in BENCHMARKS.md
//   npm run bench -- --quick       float32 gather cases with fewer rounds, printed only (under a minute)
//   npm run bench -- --browser     only the browser table (headless Chromium), printed (with --write, also
//                                  written to its own block of BENCHMARKS.md)
//   options: --only=TEXT (cases whose title contains TEXT), --rounds=N, --no-browser, --write, --no-write

'use strict';

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { sampleIdleShare } = require('./cpu-probe.js');
const { DIST, ROOT, packageVersion } = require('./peers.js');
const { buildCases, evaluateTargets, summarize } = require('./cases.js');
const { formatCaseTable, formatTargets, formatMachine } = require('./report.js');

// BENCHMARKS.md keeps the Node results and the browser-only results between their own markers, so that a
// `--browser --write` run replaces only the browser block. A full run also times the browser, so it
// removes an older browser-only block.
const MARKERS = {
  results: ['<!-- results:start (written by bench/run.js) -->', '<!-- results:end -->'],
  browser: ['<!-- browser:start (written by bench/run.js --browser) -->', '<!-- browser:end -->'],
};

// Processes besides the main one that time the threaded peers of a case.
const PEER_PROCESS_GROUPS = ['tfjs', 'onnxruntime-web x2'];

function parseArguments(argv) {
  const options = { quick: false, browser: false, noBrowser: false, only: null, rounds: null, write: null };
  for (const argument of argv) {
    if (argument === '--quick') options.quick = true;
    else if (argument === '--browser') options.browser = true;
    else if (argument === '--no-browser') options.noBrowser = true;
    else if (argument === '--write') options.write = true;
    else if (argument === '--no-write') options.write = false;
    else if (argument.startsWith('--only=')) options.only = argument.slice('--only='.length);
    else if (argument.startsWith('--rounds=')) options.rounds = Number(argument.slice('--rounds='.length));
    else throw new Error(`bench: unknown argument ${argument}; see the header of bench/run.js`);
  }
  if (options.rounds !== null && !(Number.isInteger(options.rounds) && options.rounds > 0)) {
    throw new Error('bench: --rounds must be a positive integer');
  }
  options.write ??= !options.quick && !options.browser && options.only === null;
  if (options.browser && options.noBrowser) throw new Error('bench: --browser and --no-browser exclude each other');
  return options;
}

// Runs one case in a child process and resolves to its parsed result.
function runCase(spec) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'case.js'), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`case ${spec.title} failed with exit code ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

function machineFacts(options) {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = (cpuinfo.match(/^model name\s*:\s*(.*)$/m) || [])[1] || os.cpus()[0]?.model || 'unknown';
  let gitCommit = 'unknown';
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  return {
    cpu: model,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    packages: Object.fromEntries(
      ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-web', 'playwright-core'].map((name) => [name, packageVersion(name)]),
    ),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: `node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    commit: gitCommit,
    loadAverage: os.loadavg().map((value) => value.toFixed(2)).join(' '),
    dist: path.relative(ROOT, DIST) || '.',
    quick: options.quick,
  };
}

async function runNodeCases(options) {
  const specs = buildCases({ quick: options.quick, rounds: options.rounds }).filter(
    (spec) => options.only === null || spec.title.includes(options.only),
  );
  const results = [];
  for (const spec of specs) {
    if (spec.skip) {
      console.log(`\n## ${spec.title}\nskipped: ${spec.skip}`);
      results.push({ spec, skipped: spec.skip });
      continue;
    }
    const idleBefore = await sampleIdleShare(500);
    const result = await runCase(spec);
    const idleAfter = await sampleIdleShare(500);
    result.idle = { before: idleBefore, after: idleAfter };
    if (spec.peers) {
      // The threaded peers run in processes of their own (see processGroupOf in bench/case.js); their rows
      // join this case's table, timed against its reference.
      for (const processGroup of PEER_PROCESS_GROUPS) {
        const peers = await runCase({ ...spec, processGroup });
        result.methods.push(...peers.methods.filter((method) => method.group !== 'reference'));
      }
    }
    result.summary = summarize(result);
    results.push(result);
    console.log(`\n${formatCaseTable(result)}`);
  }
  return results;
}

// Returns text with the block between its markers replaced by section, or removed when section is ''.
function replaceBlock(text, block, section) {
  const [startMarker, endMarker] = MARKERS[block];
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start < 0 || end < start) return section === '' ? text : `${text.trimEnd()}\n\n${section}\n`;
  const after = text.slice(end + endMarker.length);
  return section === '' ? `${text.slice(0, start).trimEnd()}\n${after}` : `${text.slice(0, start)}${section}${after}`;
}

function writeResults(markdown, block, { dropBrowserBlock }) {
  const [startMarker, endMarker] = MARKERS[block];
  const file = path.join(ROOT, 'BENCHMARKS.md');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  text = replaceBlock(text, block, `${startMarker}\n${markdown}\n${endMarker}`);
  if (dropBrowserBlock) text = replaceBlock(text, 'browser', '');
  fs.writeFileSync(file, text);
  console.log(`\nwrote the results into ${path.relative(process.cwd(), file)}`);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const machine = machineFacts(options);
  console.log(formatMachine(machine));

  const sections = [formatMachine(machine)];
  let nodeResults = [];
  if (!options.browser) {
    nodeResults = await runNodeCases(options);
    const targets = evaluateTargets(nodeResults);
    console.log(`\n${formatTargets(targets)}`);
    sections.push('## Targets', formatTargets(targets), '## Node results');
    for (const result of nodeResults) {
      sections.push(result.skipped ? `### ${result.spec.title}\n\nSkipped: ${result.skipped}` : formatCaseTable(result));
    }
  }
  const timesBrowser = options.browser || (!options.quick && !options.noBrowser && options.only === null);
  if (timesBrowser) {
    const { runBrowserBenchmark } = require('./browser.js');
    const browserMarkdown = await runBrowserBenchmark({ quick: options.quick, rounds: options.rounds });
    console.log(`\n${browserMarkdown}`);
    sections.push('## Browser results (headless Chromium)', browserMarkdown);
  }
  if (options.write) {
    const block = options.browser ? 'browser' : 'results';
    writeResults(sections.join('\n\n'), block, { dropBrowserBlock: block === 'results' && timesBrowser });
  }
}

main().catch((error) => {
  console.error(error.stack || error);
  process.exitCode = 1;
});
