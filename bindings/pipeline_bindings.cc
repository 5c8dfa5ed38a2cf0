// Bindings for block pipelines: ops whose result is copied out to a JS array start a pipeline here, and
// js/block-pipeline.js walks its blocks. A job's arguments live in this file's statics until the pipeline
// finishes; one pipeline runs at a time.
#include <emscripten/bind.h>

#include <algorithm>

#include "block_pipeline.h"
#include "dtype.h"
#include "embedding.h"
#include "quantize.h"
#include "row_source.h"

using namespace wasm_embedding;

namespace {

template <typename T>
T* pointer(uintptr_t address) {
  return reinterpret_cast<T*>(address);
}

// Indices [block * rows_per_block, ...) of a gather, shared by the plain and the decoding forward.
struct GatherBlocks {
  DType index_dtype;
  const uint8_t* indices;
  size_t count;
  int32_t input_dim;
  size_t rows_per_block;

  size_t first(size_t block) const { return block * rows_per_block; }
  size_t rows(size_t block) const { return std::min(rows_per_block, count - first(block)); }
  const void* indices_of(size_t block) const { return indices + first(block) * dtype_size(index_dtype); }
  size_t block_count() const { return (count + rows_per_block - 1) / rows_per_block; }
};

struct ForwardBlocks {
  GatherBlocks gather;
  const void* table;
  size_t row_elems;
  size_t element_size;
};

struct DecodedBlocks {
  GatherBlocks gather;
  RowSource table;
};

ForwardBlocks forward_blocks;
DecodedBlocks decoded_blocks;

void fill_forward_block(const void* context, size_t block, uint8_t* dst) {
  const ForwardBlocks& job = *static_cast<const ForwardBlocks*>(context);
  embedding_forward(job.gather.index_dtype, job.gather.indices_of(block), job.gather.rows(block),
                    job.gather.input_dim, job.table, job.row_elems, job.element_size, dst);
}

void fill_decoded_block(const void* context, size_t block, uint8_t* dst) {
  const DecodedBlocks& job = *static_cast<const DecodedBlocks*>(context);
  gather_decoded(job.gather.index_dtype, job.gather.indices_of(block), job.gather.rows(block),
                 job.gather.input_dim, job.table, reinterpret_cast<float*>(dst));
}

// Each start returns the number of blocks, or -1 when a pipeline already runs or an argument is out of range.
// blocks_provided: blocks whose indices are in place; the rest follow through pipelineProvide.
double start(BlockFunction fill, const void* context, size_t block_count, size_t blocks_provided, uintptr_t ring,
             size_t slot_bytes, int slot_count) {
  if (!block_pipeline_start(fill, context, block_count, blocks_provided, pointer<uint8_t>(ring), slot_bytes,
                            slot_count)) {
    return -1;
  }
  return static_cast<double>(block_count);
}

double forward_pipeline_start(int index_dtype, uintptr_t indices, size_t count, int input_dim, uintptr_t table,
                              size_t row_elems, size_t element_size, size_t rows_per_block, uintptr_t ring,
                              int slot_count, size_t blocks_provided) {
  if (rows_per_block == 0) return -1;
  forward_blocks = ForwardBlocks{
      GatherBlocks{static_cast<DType>(index_dtype), pointer<const uint8_t>(indices), count, input_dim, rows_per_block},
      pointer<const void>(table), row_elems, element_size};
  return start(fill_forward_block, &forward_blocks, forward_blocks.gather.block_count(), blocks_provided, ring,
               rows_per_block * row_elems * element_size, slot_count);
}

double decoded_pipeline_start(int index_dtype, uintptr_t indices, size_t count, int input_dim, int table_format,
                              uintptr_t table, size_t row_elems, uintptr_t scales, uintptr_t offsets,
                              size_t rows_per_block, uintptr_t ring, int slot_count, size_t blocks_provided) {
  if (rows_per_block == 0) return -1;
  decoded_blocks = DecodedBlocks{
      GatherBlocks{static_cast<DType>(index_dtype), pointer<const uint8_t>(indices), count, input_dim, rows_per_block},
      RowSource{static_cast<RowFormat>(table_format), pointer<const void>(table), row_elems,
                pointer<const float>(scales), pointer<const float>(offsets)}};
  return start(fill_decoded_block, &decoded_blocks, decoded_blocks.gather.block_count(), blocks_provided, ring,
               rows_per_block * row_elems * sizeof(float), slot_count);
}

uintptr_t pipeline_acquire(size_t block) { return reinterpret_cast<uintptr_t>(block_pipeline_acquire(block)); }

// Releases block - 1 (when block > 0) and acquires block: one call per block from JS.
uintptr_t pipeline_next(size_t block) {
  if (block > 0) block_pipeline_release(block - 1);
  return pipeline_acquire(block);
}

}  // namespace

EMSCRIPTEN_BINDINGS(pipeline) {
  emscripten::function("forwardPipelineStart", &forward_pipeline_start);
  emscripten::function("decodedPipelineStart", &decoded_pipeline_start);
  emscripten::function("pipelineNext", &pipeline_next);
  emscripten::function("pipelineProvide", &block_pipeline_provide);
  emscripten::function("pipelineFinish", &block_pipeline_finish);
}
