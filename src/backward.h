// Embedding backward: groups flat positions by row, then sums each row's gradient contributions.
//
// The work splits in two reusable steps, so other ops that scatter rows (bags, take) can share them:
//   group_rows        counting sort of positions by row: the distinct rows in ascending order and, for each,
//                     its positions in increasing order.
//   scatter_add_rows  for each group, the sum of its source rows, accumulated in a wider type (float16 and
//                     bfloat16 in float32, float32 and float64 in float64) and rounded once on store.
//
// Determinism: every destination row is summed by one thread, in increasing position order, and the SIMD
// bodies perform the same IEEE additions as their scalar twins. Results are therefore bit-identical for
// any thread count, for SIMD and scalar builds, and on either side of the parallel threshold.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace wasm_embedding {

// Work below which scatter_add_rows runs on one thread, in source elements read. An estimate of where
// waking the pool starts to pay off, not tuned by measurement.
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

}  // namespace wasm_embedding
