// take along one axis with MXNet's index modes, and its backward.
//
// The array is viewed as [outer, axis_len, inner]: outer is the product of the dimensions before the axis
// and inner the product of those after it. out[o, i, :] = a[o, rows[i], :].
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace wasm_embedding {

enum class TakeMode : int32_t { kClip = 0, kWrap = 1, kRaise = 2 };

// Maps index values to positions on an axis of axis_len >= 1 elements:
//   clip:  the clipping rule of map_indices (floats truncate toward zero, then clip to [0, axis_len - 1]).
//   wrap:  integer values (floats truncated toward zero) wrap modulo axis_len, so -1 is the last element;
//          NaN and ±Infinity give 0.
//   raise: a value is valid iff -axis_len <= value <= axis_len - 1, compared before truncation (NaN is
//          invalid); negative values count from the end.
// Returns the position of the first invalid value in raise mode (rows is then incomplete), otherwise -1.
int64_t take_map_indices(DType index_dtype, const void* indices, size_t count, int32_t axis_len, TakeMode mode,
                         int32_t* rows);

// out = a taken at rows along the axis; elements of element_size bytes (1, 2, 4 or 8), copied bit-exactly.
void take_gather(const int32_t* rows, size_t count, const void* a, size_t outer, size_t axis_len,
                 size_t inner_elems, size_t element_size, void* out);

// grad[o, r, :] (+)= sum over i with rows[i] == r of out_grad[o, i, :], summed in increasing i in double and
// rounded once. grad has shape [outer, axis_len, inner]; with add false every element of grad is written
// (zeros where no index refers). grad_dtype (of out_grad and grad) is float32, float64, float16 or bfloat16.
void take_backward(const int32_t* rows, size_t count, const void* out_grad, size_t outer, int32_t axis_len,
                   size_t inner_elems, DType grad_dtype, void* grad, bool add);

}  // namespace wasm_embedding
