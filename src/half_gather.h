// Row gathers that decode float16 or bfloat16 rows to float32: out row i = decoded table row rows[i].
//
// Decoding is exact, with the conversions of half.h. Tail contract: no kernel reads outside the rows it
// gathers or writes outside [out, out + count * row_elems). Rows of 4 elements or more end with one
// overlapping vector instead of a scalar tail, and rows of 2 and 3 elements are decoded two rows at a time.
// rows[i] must lie inside the table, and table and out must not overlap.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wasm_embedding {

void gather_half_rows_to_f32(const int32_t* rows, size_t count, const uint16_t* table, size_t row_elems,
                             float* out);
void gather_bfloat16_rows_to_f32(const int32_t* rows, size_t count, const uint16_t* table, size_t row_elems,
                                 float* out);

}  // namespace wasm_embedding
