// Adds a gradient to wide accumulators in chunks that the calling thread copies into wasm memory, with a
// pool worker adding part of every chunk alongside when the worker choice (src/worker_choice.h) picks it.
//
// wasm code cannot read a JS ArrayBuffer, so the streaming backward copies outGrad into wasm memory chunk by
// chunk, through a ring of slots. With a worker, the accumulator rows are split in two at a row chosen from
// the first chunk. The calling thread adds the positions of the lower rows of each chunk right after it
// copies the chunk in. The worker adds the positions of the upper rows of the published chunks, in chunk
// order. Chunks of narrow rows go to the worker whole instead. Each accumulator row belongs to one thread and receives its additions in increasing position
// order, as on one thread, so the results have the same bits for any thread count.
//
// A slot may be reused once the worker's part of its chunk is added. The calling thread waits for that.
// It takes over the rest of the job when the worker makes no progress or adds its parts much more slowly
// than the calling thread copies chunks in. Without a worker the calling thread adds each chunk whole as it
// publishes it.
// NOTE: the calling thread cannot take over a part the worker has begun, because additions are not
// idempotent. When the worker loses its core in the middle of a part, the calling thread waits until the
// worker runs again and finishes it.
//
// Sequence, from the JS main thread:
//   accumulate_pipeline_start(...)               the worker starts waiting for chunks
//   for k in [0, chunk_count):
//     accumulate_pipeline_acquire(k)             slot k % slot_count may be written
//     ...copy chunk k's rows and values into the slot...
//     accumulate_pipeline_publish(k, ...)        chunk k is added, in part by the worker
//   accumulate_pipeline_finish()                 every published chunk is added; always call it
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace wasm_embedding {

// Largest number of slots.
constexpr int kMaxAccumulateSlots = 16;

// Starts a job of chunk_count chunks over acc (rows of row_elems wide accumulators) in slot_count slots, in
// [1, kMaxAccumulateSlots]. Returns the mode: 2 when a pool worker adds the upper rows of each chunk, 1
// when it adds whole chunks, and 0 when the calling thread adds every chunk. In mode 0 the job uses one
// slot: every chunk goes to the slot of chunk 0. Whether a worker takes part is measured and chosen job by
// job (src/worker_choice.h). Returns -1 when a job is already running or an argument is out of range.
int accumulate_pipeline_start(DType dtype, size_t row_elems, void* acc, size_t chunk_count, int slot_count);

// Returns when the slot of chunk (chunk % slot_count) may be written: the chunk slot_count earlier is
// added. Chunks must be acquired and published in order 0, 1, 2, ...
void accumulate_pipeline_acquire(size_t chunk);

// Publishes chunk `chunk`: count positions whose accumulator rows are rows[0 .. count) and whose values are
// the rows of src (row_elems elements each). In mode 2, scratch has room for 2 * count uint32 values, the
// positions each thread adds. In other modes it may be null. rows, src and scratch stay unchanged until
// the chunk's slot is acquired again or the job finishes.
void accumulate_pipeline_publish(size_t chunk, const int32_t* rows, size_t count, const void* src,
                                 uint32_t* scratch);

// Adds every published chunk not yet added, waits until the worker no longer touches the job, and ends
// it. Safe to call when no job runs.
void accumulate_pipeline_finish();

}  // namespace wasm_embedding
