// Index values to table rows, as the embedding forward, its backward and the sparseGrad check see them.
//
// Mapping (map_indices): integers are taken at full width, floats truncate toward zero, and the result
// clips to [0, input_dim - 1]. NaN and -Infinity give row 0, +Infinity gives the last row. No value traps:
// floats are compared before any conversion, and SIMD bodies use saturating truncation.
//
// Validity (find_invalid_index): a value is valid iff 0 <= value <= input_dim - 1, compared on the value
// before truncation, in int64 or double. NaN is invalid.
//
// Kernels read exactly count elements and write exactly count rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace wasm_embedding {

// Writes the row of each of count index values of type dtype. Requires input_dim >= 1.
void map_indices(DType dtype, const void* indices, size_t count, int32_t input_dim, int32_t* rows);

// Returns the position of the first invalid index value, or -1 when all are valid.
int64_t find_invalid_index(DType dtype, const void* indices, size_t count, int32_t input_dim);

}  // namespace wasm_embedding
