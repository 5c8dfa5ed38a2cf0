#include "block_pipeline.h"

#include <atomic>

#include "thread_pool.h"
#include "worker_backoff.h"

namespace wasm_embedding {
namespace {

// When jobs start workers after stalls (src/worker_backoff.h).
WorkerBackoff backoff;

// Ring layout: blocks rotate through rotating_slots slots; block b uses slot b % rotating_slots and is the
// (b / rotating_slots)-th block of that slot. With workers, one more slot (the spare) belongs to the calling
// thread alone.
struct Pipeline {
  BlockFunction fill = nullptr;
  const void* context = nullptr;
  size_t block_count = 0;
  uint8_t* ring = nullptr;
  size_t slot_bytes = 0;
  size_t rotating_slots = 1;
  bool running = false;
  bool workers_started = false;
  // Set once a worker has stalled in this job: the calling thread then fills every block not yet finished.
  bool worker_stalled = false;

  // Next block no thread has claimed yet.
  std::atomic<size_t> next_block{0};
  // Blocks whose inputs are in place: [0, provided).
  std::atomic<size_t> provided{0};
  // Blocks the calling thread has copied out: [0, released).
  std::atomic<size_t> released{0};
  // Blocks of each slot that are finished, in any order: a block may start in its slot once every earlier
  // block of that slot is counted here, so two fills never write one slot at the same time.
  std::atomic<size_t> completions[kMaxPipelineSlots];
  // Set when the calling thread gives up on the workers, and by block_pipeline_finish: workers stop
  // claiming and waiting.
  std::atomic<bool> stopping{false};
};

Pipeline pipeline;

size_t slot_index(size_t block) { return block % pipeline.rotating_slots; }
size_t round_of(size_t block) { return block / pipeline.rotating_slots; }
uint8_t* slot_address(size_t slot) { return pipeline.ring + slot * pipeline.slot_bytes; }
uint8_t* spare_slot() { return slot_address(pipeline.rotating_slots); }

// Block may be written to its slot: the block rotating_slots before it is copied out and finished.
bool slot_free(size_t block) {
  const size_t slots = pipeline.rotating_slots;
  if (block >= pipeline.released.load(std::memory_order_acquire) + slots) return false;
  return pipeline.completions[slot_index(block)].load(std::memory_order_acquire) >= round_of(block);
}

// Returns whether the block's inputs are in place and its slot is free.
bool can_fill(size_t block) {
  return block < pipeline.provided.load(std::memory_order_acquire) && slot_free(block);
}

bool block_ready(size_t block) {
  return pipeline.completions[slot_index(block)].load(std::memory_order_acquire) > round_of(block);
}

void fill_in_slot(size_t block) {
  pipeline.fill(pipeline.context, block, slot_address(slot_index(block)));
  pipeline.completions[slot_index(block)].fetch_add(1, std::memory_order_acq_rel);
}

// Workers claim blocks in order until none is left or the job stops. A claimed block waits until its inputs
// are in place and its slot is free.
void worker_loop(void*, int) {
  while (!pipeline.stopping.load(std::memory_order_acquire)) {
    const size_t block = pipeline.next_block.fetch_add(1, std::memory_order_acq_rel);
    if (block >= pipeline.block_count) return;
    while (!can_fill(block)) {
      if (pipeline.stopping.load(std::memory_order_acquire)) return;
    }
    fill_in_slot(block);
  }
}

// Claims the next block for the calling thread if it is below limit and unclaimed. Returns it, or block_count.
size_t claim_next(size_t limit) {
  size_t block = pipeline.next_block.load(std::memory_order_acquire);
  while (block < limit) {
    if (pipeline.next_block.compare_exchange_weak(block, block + 1, std::memory_order_acq_rel)) return block;
  }
  return pipeline.block_count;
}

// Fills the next unclaimed block on the calling thread when its inputs are in place and its slot is free,
// and returns whether it did. The calling thread only takes free slots, because it alone releases them and
// would wait forever.
bool fill_ahead() {
  const size_t block = pipeline.next_block.load(std::memory_order_acquire);
  if (block >= pipeline.block_count || !can_fill(block)) return false;
  const size_t claimed = claim_next(block + 1);
  if (claimed != block) return false;
  fill_in_slot(block);
  return true;
}

// Block is late: a worker holds it, or its slot is still being written. Fill it into the spare slot.
// A block this thread claims here is never counted for its slot, so the slot takes no later block. With
// several workers, a worker waiting for that slot could otherwise start writing it while a stalled worker
// still writes an earlier block there. The later blocks of that slot go to the spare as well. A worker
// holding the block counts it when done.
uint8_t* fill_in_spare(size_t block) {
  claim_next(block + 1);
  pipeline.fill(pipeline.context, block, spare_slot());
  return spare_slot();
}

}  // namespace

bool block_pipeline_start(BlockFunction fill, const void* context, size_t block_count, size_t blocks_provided,
                          uint8_t* ring, size_t slot_bytes, int slot_count) {
  if (pipeline.running || fill == nullptr || ring == nullptr || slot_count < 1 || slot_count > kMaxPipelineSlots ||
      blocks_provided > block_count) {
    return false;
  }
  pipeline.fill = fill;
  pipeline.context = context;
  pipeline.block_count = block_count;
  pipeline.ring = ring;
  pipeline.slot_bytes = slot_bytes;
  pipeline.next_block.store(0, std::memory_order_relaxed);
  pipeline.provided.store(blocks_provided, std::memory_order_relaxed);
  pipeline.released.store(0, std::memory_order_relaxed);
  pipeline.stopping.store(false, std::memory_order_relaxed);
  pipeline.worker_stalled = false;
  for (auto& count : pipeline.completions) count.store(0, std::memory_order_relaxed);
  pipeline.running = true;

  // Workers need two rotating slots and the spare; they only pay off with more than one block.
  const bool use_workers = slot_count >= 3 && block_count > 1 && thread_pool_size() > 1 &&
                           backoff.allows_workers();
  pipeline.rotating_slots = use_workers ? static_cast<size_t>(slot_count - 1) : 1;
  pipeline.workers_started = use_workers && start_on_workers(worker_loop, nullptr) > 0;
  return true;
}

uint8_t* block_pipeline_acquire(size_t block) {
  if (!pipeline.workers_started) {
    if (!block_ready(block)) fill_in_slot(claim_next(block + 1));
    return slot_address(slot_index(block));
  }

  // Fill later blocks while this one is not ready; give up on a worker that takes far too long.
  double waiting_since = -1;
  for (unsigned spin = 0; !block_ready(block); ++spin) {
    if (fill_ahead()) {
      waiting_since = -1;
      continue;
    }
    if ((spin & 63) != 0) continue;
    const double now = worker_clock_ms();
    if (waiting_since < 0) waiting_since = now;
    if (pipeline.worker_stalled || now - waiting_since > kWorkerPatienceMs) {
      // Under contention for the cores, the workers cost more than they bring: let them finish the block
      // they hold and claim no more, and fill the rest here.
      pipeline.worker_stalled = true;
      pipeline.stopping.store(true, std::memory_order_release);
      return fill_in_spare(block);
    }
  }
  return slot_address(slot_index(block));
}

void block_pipeline_release(size_t block) { pipeline.released.store(block + 1, std::memory_order_release); }

void block_pipeline_provide(size_t blocks) {
  if (blocks > pipeline.block_count) blocks = pipeline.block_count;
  if (blocks > pipeline.provided.load(std::memory_order_relaxed)) {
    pipeline.provided.store(blocks, std::memory_order_release);
  }
}

// NOTE: when a worker lost its core in the middle of a block, this waits until the worker runs again and
// finishes it, because the block reads the caller's indices and table. On a machine whose cores are all
// busy, that wait can make a 2-thread call slower than a 1-thread one.
void block_pipeline_finish() {
  if (!pipeline.running) return;

  // Hand out no more blocks and let waiting workers return.
  pipeline.next_block.store(pipeline.block_count, std::memory_order_release);
  pipeline.stopping.store(true, std::memory_order_release);
  if (pipeline.workers_started) {
    wait_for_workers();
    backoff.record_job(pipeline.worker_stalled);
  }
  pipeline.running = false;
  pipeline.workers_started = false;
}

}  // namespace wasm_embedding
