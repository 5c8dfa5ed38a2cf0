// Row gather: out row i = table row rows[i], for rows of row_elems elements of a given byte width.
//
// The kernels move bytes, so one 2-byte gather serves float16, bfloat16 and int16 alike. Rows are copied
// bit-exactly. Tail contract: no kernel reads or writes outside [table, table + table_rows * row_bytes) or
// [out, out + count * row_bytes). Rows of 16 bytes or more end with one overlapping 16-byte copy instead
// of a scalar tail. rows[i] must lie in [0, table_rows).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wasm_embedding {

void gather_rows_w1(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out);
void gather_rows_w2(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out);
void gather_rows_w4(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out);
void gather_rows_w8(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out);

// Dispatches on element_size (1, 2, 4 or 8); other sizes do nothing.
void gather_rows(size_t element_size, const int32_t* rows, size_t count, const void* table, size_t row_elems,
                 void* out);

}  // namespace wasm_embedding
