// Bindings for the embedding backward (row grouping and scatter-add) and the optimizer updates. Pointers
// cross the boundary as uintptr_t numbers; the JS layer validates every argument before calling in.
#include <emscripten/bind.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "accumulate_pipeline.h"
#include "backward.h"
#include "block_pipeline.h"
#include "dtype.h"
#include "optimizer.h"
#include "thread_pool.h"
#include "worker_backoff.h"

using namespace wasm_embedding;

namespace {

template <typename T>
T* pointer(uintptr_t address) {
  return reinterpret_cast<T*>(address);
}

// Grouping on a pool worker while JS copies the gradient into wasm memory. One job at a time.
struct RowGrouping {
  const int32_t* rows = nullptr;
  size_t count = 0;
  int32_t input_dim = 0;
  int32_t* distinct_rows = nullptr;
  uint32_t* offsets = nullptr;
  uint32_t* positions = nullptr;
  int64_t groups = -1;
  bool on_worker = false;
  // Set by the thread that groups: the worker, or the calling thread when the worker has not begun.
  std::atomic<bool> claimed{false};
};

RowGrouping row_grouping;
WorkerBackoff grouping_backoff;

void group_claimed_rows() {
  if (row_grouping.claimed.exchange(true, std::memory_order_acq_rel)) return;
  row_grouping.groups = group_rows(row_grouping.rows, row_grouping.count, row_grouping.input_dim,
                                   row_grouping.distinct_rows, row_grouping.offsets, row_grouping.positions);
}

void group_on_worker(void*, int worker) {
  if (worker == 0) group_claimed_rows();
}

// Starts grouping rows (group_rows in src/backward.h) on a pool worker when one is free. group_rows_finish
// returns the result.
void group_rows_start(uintptr_t rows, size_t count, int input_dim, uintptr_t distinct_rows, uintptr_t offsets,
                      uintptr_t positions) {
  row_grouping.rows = pointer<const int32_t>(rows);
  row_grouping.count = count;
  row_grouping.input_dim = input_dim;
  row_grouping.distinct_rows = pointer<int32_t>(distinct_rows);
  row_grouping.offsets = pointer<uint32_t>(offsets);
  row_grouping.positions = pointer<uint32_t>(positions);
  row_grouping.groups = -1;
  row_grouping.claimed.store(false, std::memory_order_release);
  row_grouping.on_worker = thread_pool_size() > 1 && grouping_backoff.allows_workers() &&
                           start_on_workers(group_on_worker, nullptr) > 0;
  if (!row_grouping.on_worker) group_claimed_rows();
}

// Returns the number of groups of the last group_rows_start, or -1 when its scratch memory failed. Groups
// here when the worker has not begun, and waits for the worker otherwise.
double group_rows_finish() {
  if (row_grouping.on_worker) {
    group_claimed_rows();
    const double waiting_since = worker_clock_ms();
    wait_for_workers();
    grouping_backoff.record_job(worker_clock_ms() - waiting_since > kWorkerPatienceMs);
    row_grouping.on_worker = false;
  }
  return static_cast<double>(row_grouping.groups);
}

void scatter_add_rows_binding(int dtype, uintptr_t offsets, uintptr_t positions, size_t group_count, uintptr_t src,
                              size_t row_elems, uintptr_t dst_rows, uintptr_t dst, bool accumulate) {
  scatter_add_rows(static_cast<DType>(dtype), pointer<const uint32_t>(offsets), pointer<const uint32_t>(positions),
                   group_count, pointer<const void>(src), row_elems, pointer<const int32_t>(dst_rows),
                   pointer<void>(dst), accumulate);
}

DenseBlocks dense_blocks;

// Starts a block pipeline over the dense gradient; returns its number of blocks, or -1 when it did not start.
double backward_pipeline_start(int dtype, uintptr_t offsets, uintptr_t positions, uintptr_t rows, size_t group_count,
                               uintptr_t src, size_t row_elems, size_t input_dim, size_t rows_per_block,
                               uintptr_t ring, int slot_count) {
  if (rows_per_block == 0) return -1;
  dense_blocks = DenseBlocks{static_cast<DType>(dtype),  pointer<const uint32_t>(offsets),
                             pointer<const uint32_t>(positions), pointer<const int32_t>(rows),
                             group_count,                 pointer<const void>(src),
                             row_elems,                   input_dim,
                             rows_per_block};
  const size_t block_count = dense_blocks.block_count();
  const size_t slot_bytes = std::min(rows_per_block, input_dim) * row_elems * dtype_size(dense_blocks.dtype);
  if (!block_pipeline_start(fill_dense_block, &dense_blocks, block_count, block_count, pointer<uint8_t>(ring),
                            slot_bytes, slot_count)) {
    return -1;
  }
  return static_cast<double>(block_count);
}

// Starts an accumulate pipeline (src/accumulate_pipeline.h); returns whether a pool worker adds the chunks,
// or -1 when it did not start.
int accumulate_pipeline_start_binding(int dtype, size_t row_elems, uintptr_t acc, size_t chunk_count,
                                      int slot_count) {
  return accumulate_pipeline_start(static_cast<DType>(dtype), row_elems, pointer<void>(acc), chunk_count,
                                   slot_count);
}

void accumulate_pipeline_publish_binding(size_t chunk, uintptr_t rows, size_t count, uintptr_t src,
                                         uintptr_t scratch) {
  accumulate_pipeline_publish(chunk, pointer<const int32_t>(rows), count, pointer<const void>(src),
                              pointer<uint32_t>(scratch));
}

void round_accumulators_binding(int dtype, uintptr_t acc, size_t elements, uintptr_t dst) {
  round_accumulators(static_cast<DType>(dtype), pointer<const void>(acc), elements, pointer<void>(dst));
}

void clear_bytes_binding(uintptr_t address, size_t bytes) { std::memset(pointer<void>(address), 0, bytes); }

double list_rows_binding(uintptr_t rows, size_t count, int input_dim, uintptr_t distinct_rows) {
  return static_cast<double>(list_rows(pointer<const int32_t>(rows), count, input_dim, pointer<int32_t>(distinct_rows)));
}

void round_listed_rows_binding(int dtype, uintptr_t acc, size_t row_elems, uintptr_t listed_rows, size_t row_count,
                               uintptr_t dst) {
  round_listed_rows(static_cast<DType>(dtype), pointer<const void>(acc), row_elems, pointer<const int32_t>(listed_rows),
                    row_count, pointer<void>(dst));
}

size_t wide_size_binding(int dtype) { return wide_size(static_cast<DType>(dtype)); }

// Arguments: kind and dtype codes; weight, grad and state pointers (0 for an unused state); the row layout;
// the row_sparse rows (0 for a dense gradient); the lazy flag; the mirror (0 for none); the hyperparameters.
void optimizer_update_binding(int kind, int dtype, uintptr_t weight, uintptr_t grad, uintptr_t state0,
                              uintptr_t state1, size_t row_elems, size_t weight_rows, uintptr_t grad_rows,
                              size_t grad_row_count, bool lazy, int mirror_dtype, uintptr_t mirror, double lr,
                              double wd, double rescale_grad, double clip_gradient, double momentum, double beta1,
                              double beta2, double epsilon) {
  const OptimizerParams params{lr, wd, rescale_grad, clip_gradient, momentum, beta1, beta2, epsilon};
  const OptimizerArrays arrays{static_cast<DType>(dtype),   pointer<void>(weight),
                               pointer<const void>(grad),   pointer<void>(state0),
                               pointer<void>(state1),       row_elems,
                               weight_rows,                 pointer<const int32_t>(grad_rows),
                               grad_row_count,              lazy,
                               static_cast<DType>(mirror_dtype), pointer<void>(mirror)};
  optimizer_update(static_cast<OptimizerKind>(kind), params, arrays);
}

int kind_code(OptimizerKind kind) { return static_cast<int>(kind); }

}  // namespace

EMSCRIPTEN_BINDINGS(training) {
  emscripten::constant("OPTIMIZER_SGD", kind_code(OptimizerKind::kSgd));
  emscripten::constant("OPTIMIZER_SGD_MOMENTUM", kind_code(OptimizerKind::kSgdMomentum));
  emscripten::constant("OPTIMIZER_ADAM", kind_code(OptimizerKind::kAdam));
  emscripten::constant("OPTIMIZER_ADAGRAD", kind_code(OptimizerKind::kAdaGrad));

  emscripten::function("groupRowsStart", &group_rows_start);
  emscripten::function("groupRowsFinish", &group_rows_finish);
  emscripten::function("scatterAddRows", &scatter_add_rows_binding);
  emscripten::function("backwardPipelineStart", &backward_pipeline_start);
  emscripten::function("accumulatePipelineStart", &accumulate_pipeline_start_binding);
  emscripten::function("accumulatePipelineAcquire", &accumulate_pipeline_acquire);
  emscripten::function("accumulatePipelinePublish", &accumulate_pipeline_publish_binding);
  emscripten::function("accumulatePipelineFinish", &accumulate_pipeline_finish);
  emscripten::function("roundAccumulators", &round_accumulators_binding);
  emscripten::function("clearBytes", &clear_bytes_binding);
  emscripten::function("wideSize", &wide_size_binding);
  emscripten::function("listRows", &list_rows_binding);
  emscripten::function("roundListedRows", &round_listed_rows_binding);
  emscripten::function("optimizerUpdate", &optimizer_update_binding);
}
