#include "embedding.h"

#include <algorithm>

#include "gather.h"
#include "index_map.h"
#include "thread_pool.h"

namespace wasm_embedding {
namespace {

// Indices mapped per step: the row buffer stays on the stack and in L1.
constexpr size_t kBlockIndices = 512;

struct ForwardJob {
  DType index_dtype;
  const uint8_t* indices;
  size_t index_size;
  int32_t input_dim;
  const void* table;
  size_t row_elems;
  size_t element_size;
  uint8_t* out;
};

void forward_range(void* context, size_t begin, size_t end) {
  const ForwardJob& job = *static_cast<const ForwardJob*>(context);
  const size_t row_bytes = job.row_elems * job.element_size;
  int32_t rows[kBlockIndices];

  for (size_t block = begin; block < end; block += kBlockIndices) {
    const size_t block_count = std::min(kBlockIndices, end - block);
    map_indices(job.index_dtype, job.indices + block * job.index_size, block_count, job.input_dim, rows);
    gather_rows(job.element_size, rows, block_count, job.table, job.row_elems, job.out + block * row_bytes);
  }
}

}  // namespace

void embedding_forward(DType index_dtype, const void* indices, size_t count, int32_t input_dim,
                       const void* table, size_t row_elems, size_t element_size, void* out) {
  ForwardJob job{index_dtype,  static_cast<const uint8_t*>(indices), dtype_size(index_dtype), input_dim, table,
                 row_elems,    element_size,                         static_cast<uint8_t*>(out)};
  const size_t row_bytes = std::max<size_t>(row_elems * element_size, 1);
  const size_t min_chunk = (kParallelGatherMinBytes + row_bytes - 1) / row_bytes;
  parallel_for(count, min_chunk, 1, forward_range, &job);
}

}  // namespace wasm_embedding
