// The streaming backward. outGrad passes through a ring of slots in wasm memory in position order and is
// added to a table of wide accumulators (src/accumulate_pipeline.h). So it is read once, needs no grouping,
// and never lies in wasm memory whole. With pool workers, a worker adds chunks, or part of each chunk,
// while this thread copies the next ones in.

import { dtypeCode, STORAGE } from '../dtypes.js';
import { allocate, heapView } from '../runtime.js';
import { COPY_ALIGNMENT, alignLike, rowsPerChunk } from '../block-pipeline.js';

// Gradient bytes per chunk: small enough that a chunk stays in cache next to the accumulators.
const CHUNK_BYTES = 128 * 1024;

// Slots when a pool worker takes part: this thread copies up to 15 chunks ahead of the worker. On the
// 2-core Zen 4 test VM (1 MiB L2 per core), a worker added whole chunks of 1000x64 float32 rows (262144
// indices) in calls interleaved in one process. Then 16 slots took 6.8 ms, 8 took 7.8 ms and 3 took 9.4 ms.
const SLOTS_WITH_WORKERS = 16;

// The accumulators and each slot start on a cache line and share no line with other data, so that the
// worker's writes do not collide with this thread's.
const CACHE_LINE_BYTES = 64;

// Returns a view of length elements of array from element start, made with ArrayType itself. subarray would
// call a subclass's species constructor, user code that could call the library while the pipeline runs.
function viewOf(ArrayType, array, start, length) {
  return new ArrayType(array.buffer, array.byteOffset + start * ArrayType.BYTES_PER_ELEMENT, length);
}

function alignUp(pointer, bytes) {
  return Math.ceil(pointer / bytes) * bytes;
}

// Lays out one slot and returns its views and pointers. A slot has the gradient chunk (at outGrad's address
// modulo 8), then the chunk's indices and accumulator rows when indices are mapped chunk by chunk, then
// scratch for splitting the chunk's positions between two threads when the pipeline splits chunks.
function makeSlot(module, take, { ArrayType, chunkRows, outputDim, gradient, indices, splitsChunks, purpose }) {
  const gradientBytes = chunkRows * outputDim * ArrayType.BYTES_PER_ELEMENT;
  const IndexArray = indices === null ? null : STORAGE[indices.dtype];
  const indexBytes = IndexArray === null ? 0 : chunkRows * IndexArray.BYTES_PER_ELEMENT;
  const rowsBytes = IndexArray === null ? 0 : chunkRows * 4;
  const scratchBytes = splitsChunks ? chunkRows * 8 : 0;
  // Room to start on a cache line, for the alignments below, and for a last line of its own.
  const paddingBytes = CACHE_LINE_BYTES + COPY_ALIGNMENT + 3 * 8 + CACHE_LINE_BYTES;
  const base = alignUp(take(allocate(module, gradientBytes + indexBytes + rowsBytes + scratchBytes + paddingBytes, purpose)), CACHE_LINE_BYTES);

  // Node 20 copied into the SharedArrayBuffer at about half the speed when the addresses of source and
  // destination differed modulo 8 (8x3 float32 rows, 1000000 indices: 3.2 ms against 1.7 ms).
  const gradientPointer = alignLike(base, gradient.data.byteOffset);
  const indicesPointer = alignUp(gradientPointer + gradientBytes, 8);
  const rowsPointer = alignUp(indicesPointer + indexBytes, 8);
  return {
    gradientPointer,
    indicesPointer,
    rowsPointer,
    scratchPointer: splitsChunks ? alignUp(rowsPointer + rowsBytes, 8) : 0,
    gradientView: heapView(module, ArrayType, gradientPointer, chunkRows * outputDim),
    indicesView: IndexArray === null ? null : heapView(module, IndexArray, indicesPointer, chunkRows),
  };
}

// Adds outGrad (count rows of outputDim values) to zeroed wide accumulators and returns their pointer.
// Accumulator rows come from mappedRowsPointer (count int32 rows already in wasm memory) when it is not 0,
// and otherwise from indices, mapped chunk by chunk. take records each allocation for the caller to release.
export function streamAccumulate(module, take, { functionName, code, gradient, indices, mappedRowsPointer, count, inputDim, outputDim }) {
  const ArrayType = STORAGE[gradient.dtype];
  const accumulatorBytes = inputDim * outputDim * module.wideSize(code);
  const accumulatorBase = take(allocate(module, accumulatorBytes + 2 * CACHE_LINE_BYTES, `${functionName}: accumulators for the gradient [${inputDim},${outputDim}]`));
  const accumulatorPointer = alignUp(accumulatorBase, CACHE_LINE_BYTES);
  module.clearBytes(accumulatorPointer, accumulatorBytes);

  const chunkRows = Math.min(count, rowsPerChunk(outputDim * ArrayType.BYTES_PER_ELEMENT, CHUNK_BYTES));
  const chunkCount = Math.ceil(count / chunkRows);
  const ringSlots = module.threadPoolSize() > 1 && chunkCount > 1 ? Math.min(SLOTS_WITH_WORKERS, chunkCount) : 1;
  const chunkIndices = mappedRowsPointer === 0 ? indices : null;
  const indexCode = chunkIndices === null ? 0 : dtypeCode(module, chunkIndices.dtype);

  // The pipeline touches no slot before its chunk is published, so the slots are allocated after it starts,
  // with scratch only when it splits chunks between two threads.
  const mode = module.accumulatePipelineStart(code, outputDim, accumulatorPointer, chunkCount, ringSlots);
  if (![0, 1, 2].includes(mode)) {
    throw new Error(`${functionName}: failed to start the accumulate pipeline: it returned ${mode}, expected 0, 1 or 2`);
  }
  // Without a worker every chunk is added as it is published, and one slot stays in cache.
  const slotCount = mode === 0 ? 1 : ringSlots;
  try {
    const slots = [];
    for (let slot = 0; slot < slotCount; slot += 1) {
      slots.push(makeSlot(module, take, {
        ArrayType, chunkRows, outputDim, gradient, indices: chunkIndices, splitsChunks: mode === 2, purpose: `${functionName}: staging for outGrad`,
      }));
    }
    for (let chunk = 0; chunk < chunkCount; chunk += 1) {
      const first = chunk * chunkRows;
      const rows = Math.min(chunkRows, count - first);
      const slot = slots[chunk % slotCount];
      module.accumulatePipelineAcquire(chunk);
      let rowsPointer = mappedRowsPointer + first * 4;
      if (chunkIndices !== null) {
        slot.indicesView.set(viewOf(STORAGE[chunkIndices.dtype], chunkIndices.data, first, rows));
        module.mapIndices(indexCode, slot.indicesPointer, rows, inputDim, slot.rowsPointer);
        rowsPointer = slot.rowsPointer;
      }
      const values = viewOf(ArrayType, gradient.data, first * outputDim, rows * outputDim);
      if (rows === chunkRows) slot.gradientView.set(values);
      else heapView(module, ArrayType, slot.gradientPointer, rows * outputDim).set(values);
      module.accumulatePipelinePublish(chunk, rowsPointer, rows, slot.gradientPointer, slot.scratchPointer);
    }
  } finally {
    module.accumulatePipelineFinish();
  }
  return accumulatorPointer;
}
