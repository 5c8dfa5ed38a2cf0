// Produces an output in blocks on the thread pool while the calling thread copies finished blocks out.
//
// wasm code cannot write into a JS ArrayBuffer, so a result bound for a caller's TypedArray is built in wasm
// memory and copied out from JS. The pipeline overlaps the two: pool workers fill blocks into a small ring of
// slots that stays in cache, and the calling thread takes block k, copies it out, releases it, and so on.
// While block k is not ready, the calling thread fills a later block itself when a slot is free, so progress
// never depends on a worker being scheduled. Without workers (or without pthreads) every block is filled on
// the calling thread, in order. Parallel loops inside a fill function run inline (see start_on_workers).
//
// Sequence, from one thread at a time (the JS main thread):
//   block_pipeline_start(...)          publish the job; workers start filling
//   for k in [0, block_count):
//     block_pipeline_provide(n)        only for inputs that arrive in parts, before k is acquired: n > k
//     slot = block_pipeline_acquire(k) block k is complete in slot
//     ...copy slot out...
//     block_pipeline_release(k)        the slot may be reused
//   block_pipeline_finish()            waits for the workers; always call it, also after an error
//
// A block's content depends only on the block, so results do not depend on which thread fills it, on the
// number of threads, or on a block being filled twice (the calling thread copies a block a stalled worker holds).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wasm_embedding {

// Fills block `block` of a job into dst. Must be safe to call concurrently for different blocks.
using BlockFunction = void (*)(const void* context, size_t block, uint8_t* dst);

// Largest number of ring slots.
constexpr int kMaxPipelineSlots = 16;

// Starts a job of block_count blocks. context must stay valid until block_pipeline_finish returns; ring
// holds slot_count slots of slot_bytes each (slot_count in [1, kMaxPipelineSlots]). Workers take part only
// with at least 3 slots: the calling thread keeps the last one as a spare. blocks_provided is the number
// of blocks whose inputs are in place (block_count when all are). Returns false, and starts nothing, when
// a job is already running or an argument is out of range.
bool block_pipeline_start(BlockFunction fill, const void* context, size_t block_count, size_t blocks_provided,
                          uint8_t* ring, size_t slot_bytes, int slot_count);

// Marks the inputs of blocks [0, blocks) as in place. No thread fills a block before that. Values only grow,
// and block k may be acquired only once blocks > k.
void block_pipeline_provide(size_t blocks);

// Returns the slot holding block `block`, complete. Blocks must be acquired in order 0, 1, 2, ... and each
// released before the next is acquired.
uint8_t* block_pipeline_acquire(size_t block);

// Marks block `block` as copied out.
void block_pipeline_release(size_t block);

// Stops handing out blocks, waits until no worker touches the ring, and ends the job. Safe to call when no
// job runs.
void block_pipeline_finish();

}  // namespace wasm_embedding
