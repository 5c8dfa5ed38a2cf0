// Copies a result that wasm code builds in blocks (src/block_pipeline.h) out to a JS TypedArray.
//
// The result is cut into blocks of whole rows. With pool workers, the workers fill blocks into a ring of
// slots in wasm memory while this thread copies finished blocks out, so the gather and the copy overlap and
// the result crosses main memory once. Without workers, each block is filled and copied in turn, in one slot
// that stays in cache.

import { allocate, heapView, release } from './runtime.js';

// Output bytes per block. With 2 threads on the idle 2-core test machine, blocks of 64, 128 and 256 KiB in
// rings of 4 to 9 slots timed within noise of each other. Each gave 1.1 to 1.4x a set of the output on the
// 50000x128 and 30522x768 cases.
const BLOCK_BYTES = 128 * 1024;

// Ring slots when workers run: up to 15 that blocks rotate through, so the workers can run ahead of the
// copy, and the spare in which this thread fills a block a stalled worker still holds. On the 2-core Zen 4
// test VM (1 MiB L2 per core), calls of both interleaved in one process, 16 slots took 4 to 23% less time
// than 5 on every gather case. They saved 23% on the cache-resident 1000x64 table, 13 to 15% on 50000x300
// and 30522x768.
// A likely reason, not measured: by the time a worker rewrites a slot, the calling thread's copy of it has
// left that thread's L2 cache.
const SLOTS_WITH_WORKERS = 16;

// Node 20 copied between wasm memory (a SharedArrayBuffer with threads) and a plain array about twice as
// slowly when the two addresses differed modulo 8. So every block starts at the same address modulo 8 in
// wasm memory and in the JS array.
export const COPY_ALIGNMENT = 8;

// The built-in TypedArray set. Blocks are copied out with it, so no set override of a subclass runs while
// the pipeline runs. Such code could change inputs not yet copied in, or start another call and so end
// this call's pipeline.
const typedArraySet = Object.getPrototypeOf(Int8Array.prototype).set;

// Inputs are put in place for the block acquired next and the blocks after it, max(this, ring slots) in all,
// and topped up when half of them are used.
const MIN_BLOCKS_PROVIDED_AHEAD = 2;
const BLOCKS_PER_PROVIDE_STEP = 2;

// Returns a provider that puts the inputs of blocks in place ahead of their use and reports them to the
// pipeline.
function makeBlockProvider(module, { provideRows, blockRows, blockCount, rowCount, slotCount }) {
  const ahead = Math.max(MIN_BLOCKS_PROVIDED_AHEAD, slotCount);
  let provided = 0;
  return {
    // Puts the inputs of block `block` in place, with those of the next blocks when they run low.
    provideThrough(block) {
      if (provided >= blockCount || provided > block + (ahead >> 1)) return;
      const next = Math.min(blockCount, block + ahead);
      // In steps, so that the workers start on the first blocks while later inputs are copied.
      while (provided < next) {
        const stepEnd = Math.min(next, provided + BLOCKS_PER_PROVIDE_STEP);
        provideRows(provided * blockRows, Math.min(rowCount, stepEnd * blockRows));
        module.pipelineProvide(stepEnd);
        provided = stepEnd;
      }
    },
  };
}

function greatestCommonDivisor(a, b) {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

// Returns the rows of rowBytes bytes that fit in chunkBytes: at least one, and a whole number of 8-byte
// units when there are several.
export function rowsPerChunk(rowBytes, chunkBytes) {
  const rows = Math.max(1, Math.floor(chunkBytes / Math.max(rowBytes, 1)));
  const rowsPerUnit = COPY_ALIGNMENT / greatestCommonDivisor(Math.max(rowBytes, 1), COPY_ALIGNMENT);
  return rows >= rowsPerUnit ? rows - (rows % rowsPerUnit) : rows;
}

// Returns the first address from pointer that equals byteOffset modulo 8. The buffer at pointer needs
// COPY_ALIGNMENT spare bytes.
export function alignLike(pointer, byteOffset) {
  return pointer + ((((byteOffset - pointer) % COPY_ALIGNMENT) + COPY_ALIGNMENT) % COPY_ALIGNMENT);
}

// Fills target (rows of rowElements elements of ArrayType) through a pipeline. start(ring, slotCount,
// blockRows, blocksProvided) starts the wasm side and returns its number of blocks. purpose names the
// buffer in the RangeError raised when wasm memory cannot hold the ring.
//
// provideRows(first, end), when given, puts the inputs of rows [first, end) in place (the indices of a
// gather). It is called ahead of the blocks, so that the workers fill the first blocks while the inputs of
// later ones are still being copied in. Without it every input must be in place before start.
export function copyOutInBlocks(module, { target, ArrayType, rowElements, rowCount, start, purpose, provideRows }) {
  const blockRows = rowsPerChunk(rowElements * ArrayType.BYTES_PER_ELEMENT, BLOCK_BYTES);
  const blockCount = Math.ceil(rowCount / blockRows);
  const slotCount = module.threadPoolSize() > 1 && blockCount > 1 ? Math.min(SLOTS_WITH_WORKERS, blockCount + 1) : 1;
  const provider = provideRows ? makeBlockProvider(module, { provideRows, blockRows, blockCount, rowCount, slotCount }) : null;
  const slotElements = Math.min(blockRows, rowCount) * rowElements;
  const ring = allocate(module, slotCount * slotElements * ArrayType.BYTES_PER_ELEMENT + COPY_ALIGNMENT, purpose);
  try {
    // pipelineFinish also runs when start returns an unexpected count, so no worker writes the ring after
    // it is released.
    try {
      const started = start(alignLike(ring, target.byteOffset), slotCount, blockRows, provider ? 0 : blockCount);
      if (started !== blockCount) {
        throw new Error(`${purpose}: failed to start the block pipeline (it returned ${started}, expected ${blockCount} blocks)`);
      }
      for (let block = 0; block < blockCount; block += 1) {
        if (provider) provider.provideThrough(block);
        const slot = module.pipelineNext(block);
        const first = block * blockRows;
        const rows = Math.min(blockRows, rowCount - first);
        typedArraySet.call(target, heapView(module, ArrayType, slot, rows * rowElements), first * rowElements);
      }
    } finally {
      module.pipelineFinish();
    }
  } finally {
    release(module, ring);
  }
}
