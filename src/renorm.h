// In-place max-norm rescaling of the table rows that a batch refers to, as PyTorch's embedding_renorm_:
// each distinct row whose p-norm exceeds max_norm is multiplied by max_norm / (norm + 1e-7).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"
#include "row_source.h"

namespace wasm_embedding {

// Maps indices with the clipping rule of map_indices and rescales each distinct row once. format is
// kFloat32, kFloat64, kFloat16 or kBFloat16; other formats are left unchanged. norm_type is p > 0, or
// +Infinity for the maximum absolute value. The norm and the products are computed in double and each
// element is rounded once when stored. rows_scratch has count entries. Returns the number of rows rescaled.
size_t renorm_rows(DType index_dtype, const void* indices, size_t count, int32_t input_dim, RowFormat format,
                   void* table, size_t row_elems, double max_norm, double norm_type, int32_t* rows_scratch);

}  // namespace wasm_embedding
