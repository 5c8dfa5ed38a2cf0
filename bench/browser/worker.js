// Times the float32 gather cases in a browser worker: this library's builds with a caller-provided output
// and with a heap tensor, the plain-JS gather and the set reference, interleaved round by round. Each
// result is compared with the plain-JS gather before it is timed.

// Set by the message handler: bench/data.js, loaded there because a top-level await would delay the
// handler, and a message that arrives before it exists is lost.
let data = null;

// Builds timed: [label, backend, threads]. Each import with its own query string is a separate instance.
const VARIANTS = [
  ['simd-threads x2', 'simd-threads', 2],
  ['simd-threads x1', 'simd-threads', 1],
  ['simd', 'simd', undefined],
  ['scalar', 'scalar', undefined],
];

async function loadLibraries() {
  const libraries = [];
  for (const [label, backend, threads] of VARIANTS) {
    try {
      const library = await import(`../../dist/browser.js?instance=${encodeURIComponent(label)}`);
      await library.init(threads === undefined ? { backend } : { backend, threads });
      libraries.push({ label, library });
      self.postMessage({ log: `started ${label}` });
    } catch (error) {
      libraries.push({ label, error: error.message });
    }
  }
  return libraries;
}

function methodsFor(spec, libraries, inputs) {
  const { rows, columns, count } = spec;
  const { table, indices, expected } = inputs;
  const length = count * columns;
  const source = expected.slice();
  const target = new Float32Array(length);
  const methods = [{ name: 'set (reference)', group: 'reference', setup: () => ({ run: () => target.set(source) ?? target }) }];

  for (const { label, library, error } of libraries) {
    const failed = () => {
      throw new Error(error);
    };
    methods.push({
      name: `${label}, out`,
      group: 'wasm-embedding',
      output: 'out',
      setup: () => {
        if (!library) failed();
        const weight = library.createTable({ data: table, shape: [rows, columns] });
        const out = new Float32Array(length);
        return { run: () => library.embedding(indices, weight, { out }).data, dispose: () => weight.dispose() };
      },
    });
    methods.push({
      name: `${label}, heap tensor out`,
      group: 'wasm-embedding',
      output: 'heap',
      setup: () => {
        if (!library) failed();
        const weight = library.createTable({ data: table, shape: [rows, columns] });
        const out = library.createHeapTensor([count, columns]);
        return {
          run: () => library.embedding(indices, weight, { out }),
          result: () => out.data,
          dispose: () => {
            out.dispose();
            weight.dispose();
          },
        };
      },
    });
  }
  const jsOut = new Float32Array(length);
  methods.push({ name: 'JS subarray + set per row', group: 'plain JS', setup: () => ({ run: () => data.gatherBySubarray(table, columns, indices, jsOut) }) });
  return methods;
}

function runCase(spec, libraries) {
  const table = data.makeTable(spec.rows, spec.columns, 'float32');
  const indices = data.makeIndices(spec.count, spec.rows);
  const expected = data.gatherBySubarray(table, spec.columns, indices, new Float32Array(spec.count * spec.columns));
  const prepared = methodsFor(spec, libraries, { table, indices, expected }).map((method) => {
    try {
      const instance = method.setup();
      const returned = instance.run();
      const result = instance.result ? instance.result() : returned;
      const position = data.firstByteDifference(result, expected);
      if (position >= 0) {
        instance.dispose?.();
        return { method, status: 'wrong', detail: `result differs from the reference at byte ${position}` };
      }
      return { method, status: 'ok', instance, samples: [] };
    } catch (error) {
      return { method, status: 'failed', detail: error.message };
    }
  });

  const live = prepared.filter((entry) => entry.status === 'ok');
  for (let round = 0; round < spec.warmup + spec.rounds; round += 1) {
    for (let k = 0; k < live.length; k += 1) {
      const entry = live[(k + round) % live.length];
      const start = performance.now();
      entry.instance.run();
      const elapsed = performance.now() - start;
      if (round >= spec.warmup) entry.samples.push(elapsed);
    }
  }
  for (const entry of live) entry.instance.dispose?.();
  return {
    spec,
    methods: prepared.map(({ method, status, detail, samples }) => ({
      name: method.name,
      group: method.group,
      output: method.output,
      status,
      detail,
      samples,
    })),
  };
}

self.onmessage = async (event) => {
  try {
    await import('../data.js');
    data = globalThis.benchData;
    const libraries = await loadLibraries();
    const cases = [];
    for (const spec of event.data) {
      self.postMessage({ log: `browser case: ${spec.title}` });
      cases.push(runCase(spec, libraries));
    }
    self.postMessage({ done: true, cases });
  } catch (error) {
    self.postMessage({ error: error.stack || String(error) });
  }
};
