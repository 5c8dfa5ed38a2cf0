// Row similarity: scores of every table row against one or more query vectors, for nearest-neighbour
// search over an embedding table that stays in wasm memory.
//
// scores[q * rows + r] = dot(table[r], queries[q]), or with cosine that dot divided by
// |table[r]| * |queries[q]|, and 0 when either norm is 0. Sums accumulate in float32; float16 and bfloat16
// rows are decoded exactly to float32 first. A NaN or Infinity in a row gives NaN or Infinity scores.
// The kernels read exactly rows * cols table elements and num_queries * cols query elements, never past
// the end: the SIMD body covers blocks of 8 columns and a scalar loop finishes the tail.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace wasm_embedding {

// Table bytes below which the scores are computed on one thread: waking the pool costs more than it saves.
constexpr size_t kParallelSimilarityMinBytes = 64 * 1024;

// Computes the scores above on the thread pool, splitting the table's rows. table_dtype is kFloat32,
// kFloat16 or kBFloat16; other dtypes do nothing.
void row_similarity(DType table_dtype, const void* table, size_t rows, size_t cols, const float* queries,
                    size_t num_queries, bool cosine, float* scores);

}  // namespace wasm_embedding
