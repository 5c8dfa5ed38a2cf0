// EmbeddingBag: per-bag sum, mean or max of table rows, fused with the index mapping, and its backward.
//
// Bag b covers index positions [bag_starts[b], bag_starts[b + 1]). Index values map to rows with the
// clipping rule of map_indices. Positions whose row equals padding_row are skipped: they add nothing and
// 'mean' does not count them. A bag with no remaining positions gives a zero row (and max position -1).
// No [count, row_elems] intermediate exists: each bag accumulates straight into its output row.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"
#include "row_source.h"

namespace wasm_embedding {

enum class BagMode : int32_t { kSum = 0, kMean = 1, kMax = 2 };

struct BagForwardArgs {
  DType index_dtype;
  const void* indices;
  int32_t input_dim;          // table rows, >= 1
  const int32_t* bag_starts;  // bag_count + 1 non-decreasing entries
  size_t bag_count;
  RowSource table;
  BagMode mode;
  const void* per_sample_weights;  // one per position (float, or double for float64 tables), or null
  int32_t padding_row;             // -1 for none
  void* out;                       // [bag_count, row_elems]: double for float64 tables, float otherwise
  int32_t* max_positions;          // [bag_count, row_elems] in max mode: winning position, first on ties
};

void embedding_bag_forward(const BagForwardArgs& args);

// Backward planning: maps the indices, counts each bag's non-padding positions and groups positions by
// row (see build_row_csr). rows and positions have count entries, row_starts input_dim + 1, distinct_rows
// count and bag_sizes bag_count. Returns the number of distinct rows.
size_t embedding_bag_backward_plan(DType index_dtype, const void* indices, size_t count, int32_t input_dim,
                                   const int32_t* bag_starts, size_t bag_count, int32_t padding_row,
                                   int32_t* rows, int32_t* row_starts, int32_t* positions,
                                   int32_t* distinct_rows, int32_t* bag_sizes);

struct BagBackwardArgs {
  const int32_t* bag_starts;
  size_t bag_count;
  const int32_t* row_starts;
  const int32_t* positions;
  const int32_t* distinct_rows;
  size_t distinct_count;
  const int32_t* bag_sizes;
  BagMode mode;
  const void* per_sample_weights;  // out_grad's type (float for float16 and bfloat16), or null
  const int32_t* max_positions;    // max mode: [bag_count, row_elems] from the forward
  const void* out_grad;            // [bag_count, row_elems]
  DType grad_dtype;                // of out_grad and grad: float32, float64, float16 or bfloat16
  size_t row_elems;
  void* grad;          // dense: [input_dim, row_elems] rows addressed by row; sparse: [distinct_count, ...]
  bool sparse;         // true: grad row k belongs to distinct_rows[k]
  bool add;            // dense only: add onto grad instead of overwriting the rows that occur
};

// Sums each distinct row's contributions in increasing position order, accumulating in double, and
// writes one rounded result per row. Dense 'write' callers zero the rows that do not occur themselves.
void embedding_bag_backward(const BagBackwardArgs& args);

}  // namespace wasm_embedding
