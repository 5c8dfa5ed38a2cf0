#include "renorm.h"

#include <algorithm>
#include <cmath>

#include "half.h"
#include "index_map.h"

namespace wasm_embedding {
namespace {

// PyTorch adds this to the norm before dividing, so a row at the limit ends just below it.
constexpr double kNormEpsilon = 1e-7;

template <typename Decode>
double row_norm(size_t n, double norm_type, Decode decode) {
  double total = 0.0;
  if (std::isinf(norm_type)) {
    for (size_t d = 0; d < n; ++d) total = std::max(total, std::fabs(decode(d)));
    return total;
  }
  for (size_t d = 0; d < n; ++d) total += std::pow(std::fabs(decode(d)), norm_type);
  return std::pow(total, 1.0 / norm_type);
}

// Rescales one row; returns whether it exceeded max_norm.
template <typename Decode, typename Encode>
bool renorm_row(size_t n, double max_norm, double norm_type, Decode decode, Encode encode) {
  const double norm = row_norm(n, norm_type, decode);
  if (!(norm > max_norm)) return false;
  const double scale = max_norm / (norm + kNormEpsilon);
  for (size_t d = 0; d < n; ++d) encode(d, decode(d) * scale);
  return true;
}

}  // namespace

size_t renorm_rows(DType index_dtype, const void* indices, size_t count, int32_t input_dim, RowFormat format,
                   void* table, size_t row_elems, double max_norm, double norm_type, int32_t* rows_scratch) {
  map_indices(index_dtype, indices, count, input_dim, rows_scratch);
  std::sort(rows_scratch, rows_scratch + count);
  const size_t distinct = static_cast<size_t>(std::unique(rows_scratch, rows_scratch + count) - rows_scratch);

  size_t rescaled = 0;
  for (size_t i = 0; i < distinct; ++i) {
    const size_t offset = static_cast<size_t>(rows_scratch[i]) * row_elems;
    bool changed = false;
    switch (format) {
      case RowFormat::kFloat32: {
        float* row = static_cast<float*>(table) + offset;
        changed = renorm_row(
            row_elems, max_norm, norm_type, [&](size_t d) { return static_cast<double>(row[d]); },
            [&](size_t d, double value) { row[d] = static_cast<float>(value); });
        break;
      }
      case RowFormat::kFloat64: {
        double* row = static_cast<double*>(table) + offset;
        changed = renorm_row(
            row_elems, max_norm, norm_type, [&](size_t d) { return row[d]; },
            [&](size_t d, double value) { row[d] = value; });
        break;
      }
      case RowFormat::kFloat16: {
        uint16_t* row = static_cast<uint16_t*>(table) + offset;
        changed = renorm_row(
            row_elems, max_norm, norm_type, [&](size_t d) { return half_to_double(row[d]); },
            [&](size_t d, double value) { row[d] = double_to_half(value); });
        break;
      }
      case RowFormat::kBFloat16: {
        uint16_t* row = static_cast<uint16_t*>(table) + offset;
        changed = renorm_row(
            row_elems, max_norm, norm_type, [&](size_t d) { return bfloat16_to_double(row[d]); },
            [&](size_t d, double value) { row[d] = double_to_bfloat16(value); });
        break;
      }
      case RowFormat::kQuantizedInt8:
      case RowFormat::kQuantizedUInt8:
        break;
    }
    rescaled += changed ? 1 : 0;
  }
  return rescaled;
}

}  // namespace wasm_embedding
