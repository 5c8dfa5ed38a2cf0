// Embedding backward: sums each row's gradient contributions, in increasing position order.
//
// Reusable steps, so other ops that scatter rows (bags, take) can share them:
//   group_rows          counting sort of positions by row: the distinct rows in ascending order and, for
//                       each, its positions in increasing order.
//   scatter_add_rows    for each group, the sum of its source rows, accumulated in a wider type (float16 and
//                       bfloat16 in float32, float32 and float64 in float64) and rounded once on store.
//   fill_dense_block    the same sums for one block of rows of a dense result, zeros elsewhere, for the
//                       block pipeline.
//   accumulate_rows     streaming: adds source rows, in position order, to a table of wide accumulators
//                       that round_accumulators rounds once. For results whose accumulators stay in cache.
//
// Determinism: every destination element receives its additions in increasing position order from one
// thread, starting from +0 (or the stored value for 'add'), and the SIMD bodies perform the same IEEE
// additions as their scalar twins. Results are therefore bit-identical for any thread count, for SIMD and
// scalar builds, on either side of the parallel thresholds, and between the grouped and streaming paths.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace wasm_embedding {

// Work below which scatter_add_rows runs on one thread, in source elements read.
// NOTE: an estimate. On a 2-core machine two threads halved the 50000x128 float32 case (65536 indices,
// 8.4M elements: 9 ms against 18 ms) in one run. In runs with another process busy on one core they were
// slower at every size from 262144 to 4.2M elements, so the crossover could not be measured.
constexpr size_t kParallelScatterMinElements = 64 * 1024;

// Groups count positions by rows[i] (each in [0, input_dim)). Writes the distinct rows ascending to
// distinct_rows (capacity count), group starts to offsets (capacity count + 1; offsets[k] .. offsets[k + 1]
// index positions for distinct_rows[k]) and the positions to positions (capacity count). Returns the number
// of distinct rows, or -1 when its scratch memory could not be allocated.
int64_t group_rows(const int32_t* rows, size_t count, int32_t input_dim, int32_t* distinct_rows,
                   uint32_t* offsets, uint32_t* positions);

// For each group k in [0, group_count): destination row d = dst_rows ? dst_rows[k] : k receives
//   dst[d] = (accumulate ? dst[d] : 0) + sum of src[positions[j]] for j in [offsets[k], offsets[k + 1]),
// summed in increasing j order in the wide type and rounded once. Rows have row_elems elements of dtype
// (float32, float64, float16 or bfloat16; other dtypes do nothing). Destination rows must be distinct.
void scatter_add_rows(DType dtype, const uint32_t* offsets, const uint32_t* positions, size_t group_count,
                      const void* src, size_t row_elems, const int32_t* dst_rows, void* dst, bool accumulate);

// A dense gradient ('write') cut into blocks of rows_per_block rows, from the groups of group_rows.
struct DenseBlocks {
  DType dtype;
  const uint32_t* offsets;
  const uint32_t* positions;
  const int32_t* rows;  // distinct rows, ascending
  size_t group_count;
  const void* src;
  size_t row_elems;
  size_t input_dim;
  size_t rows_per_block;

  size_t block_count() const { return (input_dim + rows_per_block - 1) / rows_per_block; }
};

// Writes block `block` of the dense gradient described by context (a DenseBlocks) to dst. The block holds
// rows [block * rows_per_block, ...) up to input_dim: each is the sum of its group as scatter_add_rows
// computes it, or zeros. A BlockFunction for block_pipeline_start.
void fill_dense_block(const void* context, size_t block, uint8_t* dst);

// Streaming sums. The source is read once, in position order, and added to a table of wide accumulators
// (input_dim x row_elems elements of the wide type), which is rounded once at the end. Each accumulator
// receives the same additions in the same order as in scatter_add_rows, so both paths give the same bits.

// Bytes of one wide accumulator for dtype: 8 for float32 and float64, 4 for float16 and bfloat16, 0 for others.
size_t wide_size(DType dtype);

// acc[rows[i]] += src[i] for i in [0, count), in increasing i, on the calling thread; rows have row_elems
// elements.
void accumulate_rows(DType dtype, const int32_t* rows, size_t count, const void* src, size_t row_elems, void* acc);

// acc[rows[p]] += src[p] for p = positions[0], ..., positions[count - 1], in that order, on the calling
// thread; rows and the rows of src (row_elems elements each) are indexed by position.
void accumulate_listed_rows(DType dtype, const int32_t* rows, const uint32_t* positions, size_t count,
                            const void* src, size_t row_elems, void* acc);

// dst[i] = acc[i] rounded once to dtype, for i in [0, elements).
void round_accumulators(DType dtype, const void* acc, size_t elements, void* dst);

// Writes the distinct values of rows[0 .. count) (each in [0, input_dim)) ascending to distinct_rows
// (capacity min(count, input_dim)). Returns their number, or -1 when its scratch memory could not be
// allocated.
int64_t list_rows(const int32_t* rows, size_t count, int32_t input_dim, int32_t* distinct_rows);

// Rounds accumulator row listed_rows[k] once into row k of dst (row_elems elements of dtype), for k in
// [0, row_count).
void round_listed_rows(DType dtype, const void* acc, size_t row_elems, const int32_t* listed_rows, size_t row_count,
                       void* dst);

}  // namespace wasm_embedding
