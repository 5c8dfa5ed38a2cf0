#include "quantize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "half_gather.h"
#include "index_map.h"
#include "thread_pool.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {
namespace {

// Rows quantized per chunk below which quantization stays on one thread.
constexpr size_t kParallelQuantizeMinElements = 64 * 1024;

// Output bytes below which the decoding gather stays on one thread (as for the plain gather).
constexpr size_t kParallelDecodeMinBytes = 256 * 1024;

constexpr size_t kBlockIndices = 512;

struct QuantizeJob {
  const float* source;
  size_t row_elems;
  bool asymmetric;
  void* codes;
  float* scales;
  float* offsets;
  double* row_max_error;
  double* row_squared_error;
};

// Smallest float scale with scale * steps >= range, so that no code needs clamping beyond half a step.
float covering_scale(double range, double steps) {
  float scale = static_cast<float>(range / steps);
  while (static_cast<double>(scale) * steps < range) scale = std::nextafter(scale, INFINITY);
  return scale;
}

void quantize_row(const QuantizeJob& job, size_t r) {
  const size_t n = job.row_elems;
  const float* x = job.source + r * n;

  double low = 0.0;
  double high = 0.0;
  if (n > 0) {
    low = *std::min_element(x, x + n);
    high = *std::max_element(x, x + n);
  }

  float scale;
  float offset;
  double step_count;
  if (job.asymmetric) {
    scale = covering_scale(high - low, 255.0);
    offset = static_cast<float>(low);
    step_count = 255.0;
  } else {
    scale = covering_scale(std::max(std::fabs(low), std::fabs(high)), 127.0);
    offset = 0.0f;
    step_count = 127.0;
  }
  job.scales[r] = scale;
  job.offsets[r] = offset;

  // Encode with round-half-even (the default rounding mode of nearbyint), then measure the decode error.
  double max_error = 0.0;
  double squared_error = 0.0;
  const double min_code = job.asymmetric ? 0.0 : -step_count;
  for (size_t d = 0; d < n; ++d) {
    double code = 0.0;
    if (scale > 0.0f) {
      code = std::nearbyint((static_cast<double>(x[d]) - offset) / scale);
      code = std::min(std::max(code, min_code), step_count);
    }
    float decoded;
    if (job.asymmetric) {
      const uint8_t value = static_cast<uint8_t>(code);
      static_cast<uint8_t*>(job.codes)[r * n + d] = value;
      decoded = static_cast<float>(value) * scale + offset;
    } else {
      const int8_t value = static_cast<int8_t>(code);
      static_cast<int8_t*>(job.codes)[r * n + d] = value;
      decoded = static_cast<float>(value) * scale + offset;
    }
    const double error = std::fabs(static_cast<double>(x[d]) - decoded);
    max_error = std::max(max_error, error);
    squared_error += error * error;
  }
  job.row_max_error[r] = max_error;
  job.row_squared_error[r] = squared_error;
}

void quantize_range(void* context, size_t begin, size_t end) {
  const QuantizeJob& job = *static_cast<const QuantizeJob*>(context);
  for (size_t r = begin; r < end; ++r) quantize_row(job, r);
}

// out[0..n) = the view's row decoded to float32.
template <typename View>
void decode_row(const View& view, float* out, size_t n) {
  size_t d = 0;
#ifdef __wasm_simd128__
  for (; d + 4 <= n; d += 4) wasm_v128_store(out + d, view.load4(d));
#endif
  for (; d < n; ++d) out[d] = view.at(d);
}

struct DecodeJob {
  DType index_dtype;
  const uint8_t* indices;
  size_t index_size;
  int32_t input_dim;
  RowSource table;
  float* out;
};

void decode_range(void* context, size_t begin, size_t end) {
  const DecodeJob& job = *static_cast<const DecodeJob*>(context);
  const size_t n = job.table.row_elems;
  int32_t rows[kBlockIndices];

  // float16 and bfloat16 rows take the row gathers of half_gather.h, the other formats their readers.
  const bool half_format = job.table.format == RowFormat::kFloat16 || job.table.format == RowFormat::kBFloat16;
  if (half_format) {
    const auto gather =
        job.table.format == RowFormat::kFloat16 ? gather_half_rows_to_f32 : gather_bfloat16_rows_to_f32;
    const uint16_t* table = static_cast<const uint16_t*>(job.table.data);
    for (size_t block = begin; block < end; block += kBlockIndices) {
      const size_t block_count = std::min(kBlockIndices, end - block);
      map_indices(job.index_dtype, job.indices + block * job.index_size, block_count, job.input_dim, rows);
      gather(rows, block_count, table, n, job.out + block * n);
    }
    return;
  }

  with_float_reader(job.table, [&](const auto& reader) {
    for (size_t block = begin; block < end; block += kBlockIndices) {
      const size_t block_count = std::min(kBlockIndices, end - block);
      map_indices(job.index_dtype, job.indices + block * job.index_size, block_count, job.input_dim, rows);
      for (size_t i = 0; i < block_count; ++i) decode_row(reader.row(rows[i]), job.out + (block + i) * n, n);
    }
  });
}

}  // namespace

void quantize_rows(const float* source, size_t rows, size_t row_elems, bool asymmetric, void* codes,
                   float* scales, float* offsets, double* error) {
  std::vector<double> row_max_error(rows);
  std::vector<double> row_squared_error(rows);
  QuantizeJob job{source, row_elems, asymmetric, codes, scales, offsets, row_max_error.data(),
                  row_squared_error.data()};
  const size_t min_rows = kParallelQuantizeMinElements / std::max<size_t>(row_elems, 1) + 1;
  parallel_for(rows, min_rows, 1, quantize_range, &job);

  // Reduce in row order, so the totals do not depend on the thread count.
  double max_error = 0.0;
  double squared_error = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    max_error = std::max(max_error, row_max_error[r]);
    squared_error += row_squared_error[r];
  }
  error[0] = max_error;
  error[1] = squared_error;
}

void gather_decoded(DType index_dtype, const void* indices, size_t count, int32_t input_dim,
                    const RowSource& table, float* out) {
  DecodeJob job{index_dtype, static_cast<const uint8_t*>(indices), dtype_size(index_dtype), input_dim, table, out};
  const size_t row_bytes = std::max<size_t>(table.row_elems * sizeof(float), 1);
  const size_t min_chunk = (kParallelDecodeMinBytes + row_bytes - 1) / row_bytes;
  parallel_for(count, min_chunk, 1, decode_range, &job);
}

}  // namespace wasm_embedding
