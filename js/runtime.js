// The loaded wasm module: backend choice, start-up, shutdown and access to its memory.

import { simd as probeSimd } from 'wasm-feature-detect';

import { NotInitializedError, describe } from './errors.js';

export const BACKENDS = Object.freeze(['simd-threads', 'simd', 'scalar']);

// Largest wasm memory the module may grow to (MAXIMUM_MEMORY in CMakeLists.txt).
export const MAX_MEMORY_BYTES = 2 ** 31;

const MAX_THREADS = 64;

let platform = null;
let state = null; // { module, backend, threads, simd, generation }
let starting = null; // { key, promise }
let generation = 0;

// Installs the environment-specific loader; called once by each entry point.
export function setPlatform(environment) {
  platform = environment;
}

function validateInitOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`init: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'backend' && key !== 'threads') {
      throw new TypeError(`init: unknown option ${describe(key)}; expected backend or threads`);
    }
  }
  const { backend, threads } = options;
  if (backend !== undefined && !BACKENDS.includes(backend)) {
    throw new TypeError(`init: options.backend must be one of ${BACKENDS.join(', ')}, got ${describe(backend)}`);
  }
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)) {
    throw new RangeError(`init: options.threads must be an integer from 1 to ${MAX_THREADS}, got ${describe(threads)}`);
  }
  return { backend, threads };
}

async function chooseBackend(requested) {
  const simd = await probeSimd();
  const threads = platform.supportsThreads();
  if (requested === undefined) {
    if (simd && threads) return 'simd-threads';
    return simd ? 'simd' : 'scalar';
  }
  if (requested !== 'scalar' && !simd) {
    throw new Error(`init: backend ${describe(requested)} needs WebAssembly SIMD, which this engine lacks; use 'scalar'`);
  }
  if (requested === 'simd-threads' && !threads) {
    throw new Error(`init: backend 'simd-threads' needs SharedArrayBuffer and worker threads, ${platform.threadsUnavailableReason()}; use 'simd'`);
  }
  return requested;
}

async function start(options) {
  const backend = await chooseBackend(options.backend);
  const threaded = backend === 'simd-threads';
  const requestedThreads = threaded ? (options.threads ?? Math.min(platform.defaultThreads(), 8)) : 1;
  if (!threaded && options.threads !== undefined && options.threads !== 1) {
    throw new RangeError(`init: backend ${describe(backend)} runs one thread, got options.threads = ${options.threads}`);
  }

  const module = await platform.loadModule(backend, { poolSize: Math.max(requestedThreads - 1, 1) });
  const threads = module.threadPoolStart(requestedThreads);
  if (threaded) platform.afterThreadsStarted(module);

  generation += 1;
  state = { module, backend, threads, simd: backend !== 'scalar', generation };
  return { backend, threads, simd: state.simd };
}

// Loads and starts the module. Resolves to { backend, threads, simd }. Calling it again with the same
// options returns the same result; other options need dispose() first.
export function init(options) {
  if (platform === null) throw new Error('init: no platform loader; import the package entry point, not js/runtime.js');
  const validated = validateInitOptions(options);
  const key = JSON.stringify(validated);

  if (starting !== null) {
    if (starting.key === key || options === undefined) return starting.promise;
    return Promise.reject(new Error(`init: already initialised with ${starting.key}; call dispose() before init(${key})`));
  }

  const promise = start(validated).catch((error) => {
    starting = null;
    throw error;
  });
  starting = { key, promise };
  return promise;
}

// Stops the thread pool and releases the module, so Node can exit. Tables created before become unusable.
// Safe to call more than once.
export function dispose() {
  if (state !== null) {
    const { module } = state;
    state = null;
    module.threadPoolStop();
    platform.terminateThreads(module);
  }
  starting = null;
}

export function isInitialized() {
  return state !== null;
}

// The running module, or a NotInitializedError naming the function that needed it.
export function requireModule(functionName) {
  if (state === null) {
    const reason = starting !== null ? 'init() has not resolved yet; await it' : 'call init() and await it first';
    throw new NotInitializedError(`${functionName}: the module is not initialised: ${reason}`);
  }
  return state.module;
}

// Counter that changes with every init(), so objects can tell they belong to a disposed module.
export function currentGeneration() {
  return state === null ? 0 : state.generation;
}

export function backendInfo() {
  if (state === null) return null;
  return { backend: state.backend, threads: state.threads, simd: state.simd };
}

// The module's memory as it is now. Growth replaces the buffer, so derive views again after every call.
// Pthread builds export the shared memory object. Single-threaded glue refreshes HEAPU8 whenever memory
// grows, and only the main thread allocates, so HEAPU8 is current after every call.
export function memoryBuffer(module) {
  return module.wasmMemory ? module.wasmMemory.buffer : module.HEAPU8.buffer;
}

export function heapView(module, ArrayType, pointer, length) {
  return new ArrayType(memoryBuffer(module), pointer, length);
}

// Bytes the allocator has handed out and not taken back. An AddressSanitizer build reports its own
// allocator's count, because mallinfo() does not see ASan's allocations.
export function heapInUseBytes() {
  const module = requireModule('heapInUseBytes');
  return module.sanitizerHeapInUseBytes ? module.sanitizerHeapInUseBytes() : module.heapInUseBytes();
}

// Raises a RangeError when byteLength is beyond the wasm memory limit. Ops call it before they allocate a
// JS result array, so that a request that cannot fit fails before the engine reserves its memory.
export function checkAllocationSize(byteLength, purpose) {
  if (byteLength > MAX_MEMORY_BYTES) {
    throw new RangeError(`${purpose} needs ${byteLength} bytes of wasm memory, more than its limit of ${MAX_MEMORY_BYTES} bytes (2 GiB)`);
  }
}

// Allocates byteLength bytes (at least 1, 8-byte aligned), or raises a RangeError that names what needed them.
export function allocate(module, byteLength, purpose) {
  checkAllocationSize(byteLength, purpose);
  const pointer = module._malloc(Math.max(byteLength, 1));
  if (pointer === 0) {
    const used = memoryBuffer(module).byteLength;
    throw new RangeError(`${purpose} needs ${byteLength} bytes of wasm memory, and memory could not grow that far (now ${used} bytes, limit ${MAX_MEMORY_BYTES} bytes)`);
  }
  return pointer;
}

export function release(module, pointer) {
  if (pointer) module._free(pointer);
}

// Copies a TypedArray into a new allocation and returns its pointer.
export function copyToHeap(module, array, purpose) {
  const pointer = allocate(module, array.byteLength, purpose);
  new Uint8Array(memoryBuffer(module), pointer, array.byteLength).set(
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
  );
  return pointer;
}
