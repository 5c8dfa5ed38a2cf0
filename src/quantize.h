// Per-row 8-bit quantization of float32 tables, and gathers that decode rows to float32 on the way out.
//
// int8 (symmetric): scale = max|x| / 127, code = round(x / scale) in [-127, 127], offset 0.
// uint8 (asymmetric, as PyTorch's embedding_bag_byte_prepack stores a scale and bias = min per row):
// scale = (max - min) / 255, code = round((x - min) / scale) in [0, 255], offset = min, so the row's
// zero point is -min / scale.
// Decoding is code * scale + offset in float32. Rounding is to nearest, ties to even, and each scale is
// nudged up when needed so that every element satisfies |x - decode(code)| <= scale / 2 up to float32
// rounding of the decode itself. A row of zeros (or a constant uint8 row) gets scale 0 and decodes exactly.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"
#include "row_source.h"

namespace wasm_embedding {

// Quantizes rows x row_elems finite floats. codes is int8_t or uint8_t per `asymmetric`; scales and offsets
// have one entry per row. error receives the maximum absolute reconstruction error and the sum of squared
// errors, both in double.
void quantize_rows(const float* source, size_t rows, size_t row_elems, bool asymmetric, void* codes,
                   float* scales, float* offsets, double* error);

// out[i, :] = decoded row of indices[i], for a float16, bfloat16 or quantized table (float32 works too).
// Indices map with the clipping rule of map_indices; input_dim >= 1.
void gather_decoded(DType index_dtype, const void* indices, size_t count, int32_t input_dim,
                    const RowSource& table, float* out);

}  // namespace wasm_embedding
