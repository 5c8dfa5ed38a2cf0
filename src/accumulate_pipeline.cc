#include "accumulate_pipeline.h"

#include <algorithm>
#include <atomic>

#include "backward.h"
#include "thread_pool.h"
#include "worker_backoff.h"
#include "worker_choice.h"

namespace wasm_embedding {
namespace {

// Chunks of rows of fewer gradient bytes go to the worker whole: splitting a chunk's positions costs about
// as much as adding such a row.
constexpr size_t kMinSplitRowBytes = 128;

// Share of the first chunk's positions whose rows the calling thread takes, in percent. It also copies
// every chunk in, and the worker reads each chunk from the other core's cache.
constexpr size_t kCallerPercent = 30;

// The calling thread takes over from the worker when, from the second turn of the ring on, it has waited
// for slots longer than kMaxWaitingPerWorking times the time it spent copying and adding chunks.
constexpr size_t kJudgeAfterSlotTurns = 2;
constexpr double kMaxWaitingPerWorking = 1.0;

// Set in next_sum while a thread adds that chunk's worker part.
constexpr size_t kSumBusy = size_t{1} << (sizeof(size_t) * 8 - 1);

// When jobs start a worker after stalls (src/worker_backoff.h).
WorkerBackoff backoff;

// Whether a job that may start a worker does (src/worker_choice.h), by kind: chunks added whole or split.
WorkerChoice choice;
constexpr int kWholeChunks = 0;
constexpr int kSplitChunks = 1;

// A published chunk. When split, worker_positions lists the positions the worker adds; otherwise the
// chunk is added whole.
struct Chunk {
  const int32_t* rows = nullptr;
  size_t count = 0;
  const void* src = nullptr;
  const uint32_t* worker_positions = nullptr;
  size_t worker_count = 0;
  bool split = false;
};

struct Pipeline {
  DType dtype = DType::kFloat32;
  size_t row_elems = 0;
  void* acc = nullptr;
  size_t chunk_count = 0;
  size_t slot_count = 1;
  bool running = false;
  // Set when the job could start a worker. Only such jobs update the worker choice's estimates.
  bool chosen = false;
  int kind = kWholeChunks;
  double started_at_ms = 0;
  // Gradient bytes published so far.
  size_t bytes = 0;
  bool worker_started = false;
  // The worker adds the upper rows: set when it starts, cleared when the calling thread takes over.
  bool worker_active = false;
  // Set when the calling thread took over from a worker that made no progress or was too slow.
  bool worker_stalled = false;
  // Whether the worker adds part of each chunk (split_chunks) or all of it.
  bool split_chunks = false;
  // With split chunks, rows below split_row belong to the calling thread; set from the first chunk.
  int32_t split_row = 0;
  // Time the calling thread spent between its waits for slots, and waiting.
  double working_ms = 0;
  double waiting_ms = 0;
  double returned_at_ms = 0;
  Chunk chunks[kMaxAccumulateSlots];

  // Chunks published: [0, published).
  std::atomic<size_t> published{0};
  // Next chunk whose worker part (or whole chunk) is to be added, with kSumBusy set while a thread adds it.
  // Chunks are added strictly in order.
  std::atomic<size_t> next_sum{0};
  std::atomic<bool> stopping{false};
};

Pipeline pipeline;

void add_whole_chunk(const Chunk& chunk) {
  accumulate_rows(pipeline.dtype, chunk.rows, chunk.count, chunk.src, pipeline.row_elems, pipeline.acc);
}

// Claims chunk `chunk` when it is next and no thread adds it, adds its worker part (or all of it) and
// passes the turn on. Returns whether it did.
bool add_chunk_if_next(size_t index) {
  size_t expected = index;
  if (!pipeline.next_sum.compare_exchange_strong(expected, index | kSumBusy, std::memory_order_acq_rel)) {
    return false;
  }
  const Chunk& chunk = pipeline.chunks[index % pipeline.slot_count];
  if (chunk.split) {
    accumulate_listed_rows(pipeline.dtype, chunk.rows, chunk.worker_positions, chunk.worker_count, chunk.src,
                           pipeline.row_elems, pipeline.acc);
  } else {
    add_whole_chunk(chunk);
  }
  pipeline.next_sum.store(index + 1, std::memory_order_release);
  return true;
}

// The worker adds the published chunks' parts in order until every chunk is added or the job stops.
void worker_loop(void*, int worker) {
  if (worker != 0) return;
  while (!pipeline.stopping.load(std::memory_order_acquire)) {
    const size_t index = pipeline.next_sum.load(std::memory_order_acquire);
    if ((index & kSumBusy) != 0) continue;
    if (index >= pipeline.chunk_count) return;
    if (index < pipeline.published.load(std::memory_order_acquire)) add_chunk_if_next(index);
  }
}

// The calling thread gives up on the worker, which finishes the part it has claimed and claims no more.
void take_over_from_worker() {
  pipeline.worker_active = false;
  pipeline.worker_stalled = true;
  pipeline.stopping.store(true, std::memory_order_release);
}

// Returns when every chunk up to and including `last` is added. While the worker is active, the calling
// thread waits for it. A worker that makes no progress for kWorkerPatienceMs has lost its core, so the
// calling thread then adds the rest itself.
void add_chunks_through(size_t last) {
  double waiting_since = -1;
  size_t seen = 0;
  for (unsigned spin = 0;; ++spin) {
    const size_t index = pipeline.next_sum.load(std::memory_order_acquire);
    if ((index & kSumBusy) == 0) {
      if (index > last) return;
      if (!pipeline.worker_active) {
        add_chunk_if_next(index);
        continue;
      }
    }
    if ((spin & 63) != 0 || !pipeline.worker_active) continue;
    const double now = worker_clock_ms();
    if (waiting_since < 0 || index != seen) {
      seen = index;
      waiting_since = now;
    } else if (now - waiting_since > kWorkerPatienceMs) {
      take_over_from_worker();
    }
  }
}

// Waits for the slot of `chunk` and takes over from a worker that is much slower than this thread. On the
// test VM a worker sometimes took 58 microseconds per 128 KiB chunk of 1000x64 float32 rows for many calls
// in a row, against 10 for the calling thread adding a chunk from its own cache.
void wait_for_slot(size_t chunk) {
  const double entered = worker_clock_ms();
  pipeline.working_ms += entered - pipeline.returned_at_ms;
  add_chunks_through(chunk - pipeline.slot_count);
  const double now = worker_clock_ms();
  pipeline.waiting_ms += now - entered;
  pipeline.returned_at_ms = now;
  if (pipeline.worker_active && chunk >= kJudgeAfterSlotTurns * pipeline.slot_count &&
      pipeline.waiting_ms > kMaxWaitingPerWorking * pipeline.working_ms) {
    take_over_from_worker();
  }
}

// Returns the row below which kCallerPercent of the chunk's positions lie. scratch has room for count values.
int32_t choose_split_row(const int32_t* rows, size_t count, uint32_t* scratch) {
  std::copy(rows, rows + count, scratch);
  const size_t rank = count * kCallerPercent / 100;
  std::nth_element(scratch, scratch + rank, scratch + count);
  return static_cast<int32_t>(scratch[rank]);
}

// Lists the calling thread's positions at scratch and the worker's at scratch + count, both ascending.
// Returns the number of the calling thread's.
size_t split_positions(const int32_t* rows, size_t count, uint32_t* scratch) {
  uint32_t* worker_positions = scratch + count;
  size_t caller_count = 0;
  size_t worker_count = 0;
  for (size_t i = 0; i < count; ++i) {
    const bool caller = rows[i] < pipeline.split_row;
    scratch[caller_count] = static_cast<uint32_t>(i);
    worker_positions[worker_count] = static_cast<uint32_t>(i);
    caller_count += caller ? 1 : 0;
    worker_count += caller ? 0 : 1;
  }
  return caller_count;
}

}  // namespace

int accumulate_pipeline_start(DType dtype, size_t row_elems, void* acc, size_t chunk_count, int slot_count) {
  if (pipeline.running || acc == nullptr || wide_size(dtype) == 0 || slot_count < 1 ||
      slot_count > kMaxAccumulateSlots) {
    return -1;
  }
  pipeline.dtype = dtype;
  pipeline.row_elems = row_elems;
  pipeline.acc = acc;
  pipeline.chunk_count = chunk_count;
  pipeline.slot_count = static_cast<size_t>(slot_count);
  pipeline.worker_stalled = false;
  pipeline.split_row = 0;
  pipeline.published.store(0, std::memory_order_relaxed);
  pipeline.next_sum.store(0, std::memory_order_relaxed);
  pipeline.stopping.store(false, std::memory_order_relaxed);
  pipeline.running = true;

  // The worker needs a second slot to add one chunk while the next is copied in.
  pipeline.kind = row_elems * dtype_size(dtype) >= kMinSplitRowBytes ? kSplitChunks : kWholeChunks;
  pipeline.chosen = slot_count >= 2 && chunk_count > 1 && thread_pool_size() > 1 && backoff.allows_workers();
  const bool use_worker = pipeline.chosen && choice.prefers_worker(pipeline.kind);
  pipeline.worker_started = use_worker && start_on_workers(worker_loop, nullptr) > 0;
  pipeline.worker_active = pipeline.worker_started;
  pipeline.split_chunks = pipeline.worker_started && pipeline.kind == kSplitChunks;
  pipeline.bytes = 0;
  pipeline.working_ms = 0;
  pipeline.waiting_ms = 0;
  pipeline.started_at_ms = worker_clock_ms();
  pipeline.returned_at_ms = pipeline.started_at_ms;
  if (!pipeline.worker_started) {
    // Every chunk is added as it is published, so one slot serves them all.
    pipeline.slot_count = 1;
    return 0;
  }
  return pipeline.split_chunks ? 2 : 1;
}

void accumulate_pipeline_acquire(size_t chunk) {
  if (chunk < pipeline.slot_count) return;
  if (pipeline.worker_active) {
    wait_for_slot(chunk);
  } else {
    add_chunks_through(chunk - pipeline.slot_count);
  }
}

void accumulate_pipeline_publish(size_t index, const int32_t* rows, size_t count, const void* src,
                                 uint32_t* scratch) {
  // scratch is needed only for split chunks (accumulate_pipeline_start returned 2).
  Chunk& chunk = pipeline.chunks[index % pipeline.slot_count];
  chunk = Chunk{rows, count, src};
  pipeline.bytes += count * pipeline.row_elems * dtype_size(pipeline.dtype);
  if (!pipeline.worker_active) {
    pipeline.published.store(index + 1, std::memory_order_release);
    add_chunks_through(index);
    return;
  }
  if (!pipeline.split_chunks) {
    pipeline.published.store(index + 1, std::memory_order_release);
    return;
  }

  if (index == 0) pipeline.split_row = choose_split_row(rows, count, scratch);
  const size_t caller_count = split_positions(rows, count, scratch);
  chunk.split = true;
  chunk.worker_positions = scratch + count;
  chunk.worker_count = count - caller_count;
  pipeline.published.store(index + 1, std::memory_order_release);
  accumulate_listed_rows(pipeline.dtype, rows, scratch, caller_count, src, pipeline.row_elems, pipeline.acc);
}

void accumulate_pipeline_finish() {
  if (!pipeline.running) return;

  const size_t published = pipeline.published.load(std::memory_order_acquire);
  if (published > 0) add_chunks_through(published - 1);
  pipeline.stopping.store(true, std::memory_order_release);
  if (pipeline.worker_started) {
    wait_for_workers();
    backoff.record_job(pipeline.worker_stalled);
  }
  if (pipeline.chosen) {
    choice.record(pipeline.kind, pipeline.worker_started, worker_clock_ms() - pipeline.started_at_ms, pipeline.bytes);
  }
  pipeline.running = false;
  pipeline.chosen = false;
  pipeline.worker_started = false;
  pipeline.worker_active = false;
}

}  // namespace wasm_embedding
