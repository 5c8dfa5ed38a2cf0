#include "similarity.h"

#include <cmath>
#include <vector>

#include "half.h"
#include "thread_pool.h"

namespace wasm_embedding {
namespace {

// Exact decode of one element of a float32, float16 or bfloat16 row.
template <DType kType>
inline float load_scalar(const void* row, size_t i) {
  if constexpr (kType == DType::kFloat32) {
    return static_cast<const float*>(row)[i];
  } else if constexpr (kType == DType::kFloat16) {
    return half_to_float(static_cast<const uint16_t*>(row)[i]);
  } else {
    return bfloat16_to_float(static_cast<const uint16_t*>(row)[i]);
  }
}

inline size_t element_bytes(DType type) { return type == DType::kFloat32 ? 4 : 2; }

// Writes the dot product, or the cosine when requested, of one row and one query.
inline void store_scores(float dot, float row_norm2, float query_norm2, bool cosine, float* score) {
  if (!cosine) {
    *score = dot;
    return;
  }
  const float denominator = std::sqrt(row_norm2) * std::sqrt(query_norm2);
  *score = denominator == 0.0f ? 0.0f : dot / denominator;
}

// Squared L2 norm of each query, computed once per range so that every row's cosine reuses it.
std::vector<float> query_norms2(const float* queries, size_t num_queries, size_t cols, bool cosine) {
  std::vector<float> norms(cosine ? num_queries : 0);
  for (size_t q = 0; q < norms.size(); ++q) {
    float sum = 0.0f;
    for (size_t c = 0; c < cols; ++c) sum += queries[q * cols + c] * queries[q * cols + c];
    norms[q] = sum;
  }
  return norms;
}

template <DType kType>
void scalar_range(const void* table, size_t rows, size_t cols, const float* queries, size_t num_queries,
                  bool cosine, float* scores, size_t begin, size_t end) {
  const uint8_t* base = static_cast<const uint8_t*>(table);
  const size_t row_bytes = cols * element_bytes(kType);
  const std::vector<float> norms = query_norms2(queries, num_queries, cols, cosine);
  for (size_t r = begin; r < end; ++r) {
    const void* row = base + r * row_bytes;
    float row_norm2 = 0.0f;
    for (size_t c = 0; c < cols; ++c) {
      const float value = load_scalar<kType>(row, c);
      row_norm2 += value * value;
    }
    for (size_t q = 0; q < num_queries; ++q) {
      const float* query = queries + q * cols;
      float dot = 0.0f;
      for (size_t c = 0; c < cols; ++c) dot += load_scalar<kType>(row, c) * query[c];
      store_scores(dot, row_norm2, cosine ? norms[q] : 0.0f, cosine, scores + q * rows + r);
    }
  }
}

#ifdef __wasm_simd128__

// Columns per SIMD step: one u16x8 load of 16-bit elements, two f32x4 loads of float32 elements.
constexpr size_t kBlock = 8;

// Four u32 lanes holding float16 bits -> f32x4, exact, in fewer steps than the general converter in
// half.h. Shifted into float position, exponent and mantissa read as a float 2^112 times too small:
// the multiplication rebiases normal numbers and turns subnormals (float subnormals here, which wasm
// never flushes to zero) into their exact value. Exponent 31 (Infinity, NaN) gets the float's all-ones
// exponent instead, keeping the NaN payload.
inline v128_t half_to_float_scaled_x4(v128_t bits_u32) {
  const v128_t shifted = wasm_i32x4_shl(wasm_v128_and(bits_u32, wasm_i32x4_splat(0x7fff)), 13);
  const v128_t finite = wasm_f32x4_mul(shifted, wasm_f32x4_splat(0x1p112f));
  const v128_t special = wasm_v128_or(shifted, wasm_i32x4_splat(0x70000000));
  const v128_t is_special = wasm_i32x4_ge(shifted, wasm_i32x4_splat(0x0f800000));
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(bits_u32, wasm_i32x4_splat(0x8000)), 16);
  return wasm_v128_or(wasm_v128_bitselect(special, finite, is_special), sign);
}

// Loads 8 elements starting at row[c] as two f32x4 vectors.
template <DType kType>
inline void load_block(const void* row, size_t c, v128_t* low, v128_t* high) {
  if constexpr (kType == DType::kFloat32) {
    const float* values = static_cast<const float*>(row) + c;
    *low = wasm_v128_load(values);
    *high = wasm_v128_load(values + 4);
  } else {
    const v128_t bits = wasm_v128_load(static_cast<const uint16_t*>(row) + c);
    const v128_t bits_low = wasm_u32x4_extend_low_u16x8(bits);
    const v128_t bits_high = wasm_u32x4_extend_high_u16x8(bits);
    if constexpr (kType == DType::kFloat16) {
      *low = half_to_float_scaled_x4(bits_low);
      *high = half_to_float_scaled_x4(bits_high);
    } else {
      *low = bfloat16_to_float_x4(bits_low);
      *high = bfloat16_to_float_x4(bits_high);
    }
  }
}

inline float horizontal_sum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

// Queries scored per pass over a row: their accumulators stay in registers.
constexpr size_t kQueryTile = 4;

template <DType kType>
void simd_range(const void* table, size_t rows, size_t cols, const float* queries, size_t num_queries,
                bool cosine, float* scores, size_t begin, size_t end) {
  const uint8_t* base = static_cast<const uint8_t*>(table);
  const size_t row_bytes = cols * element_bytes(kType);
  const size_t body = cols - cols % kBlock;
  const std::vector<float> norms = query_norms2(queries, num_queries, cols, cosine);

  for (size_t r = begin; r < end; ++r) {
    const void* row = base + r * row_bytes;
    const v128_t zero = wasm_f32x4_splat(0.0f);
    v128_t norm_acc = zero;
    float row_norm2 = 0.0f;

    // Up to kQueryTile queries share each decoded block of the row. The first tile also accumulates the
    // row's norm, so a single query decodes the row once.
    for (size_t q0 = 0; q0 < num_queries; q0 += kQueryTile) {
      const size_t tile = num_queries - q0 < kQueryTile ? num_queries - q0 : kQueryTile;
      const bool first_tile = q0 == 0;
      v128_t acc[kQueryTile] = {zero, zero, zero, zero};
      for (size_t c = 0; c < body; c += kBlock) {
        v128_t low, high;
        load_block<kType>(row, c, &low, &high);
        if (first_tile) {
          norm_acc = wasm_f32x4_add(norm_acc, wasm_f32x4_add(wasm_f32x4_mul(low, low), wasm_f32x4_mul(high, high)));
        }
        for (size_t t = 0; t < tile; ++t) {
          const float* query = queries + (q0 + t) * cols + c;
          acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(low, wasm_v128_load(query)));
          acc[t] = wasm_f32x4_add(acc[t], wasm_f32x4_mul(high, wasm_v128_load(query + 4)));
        }
      }

      // Scalar tail of the norm, then of each dot product.
      if (first_tile) {
        row_norm2 = horizontal_sum(norm_acc);
        for (size_t c = body; c < cols; ++c) {
          const float value = load_scalar<kType>(row, c);
          row_norm2 += value * value;
        }
      }
      for (size_t t = 0; t < tile; ++t) {
        const float* query = queries + (q0 + t) * cols;
        float dot = horizontal_sum(acc[t]);
        for (size_t c = body; c < cols; ++c) dot += load_scalar<kType>(row, c) * query[c];
        store_scores(dot, row_norm2, cosine ? norms[q0 + t] : 0.0f, cosine, scores + (q0 + t) * rows + r);
      }
    }
  }
}

#endif  // __wasm_simd128__

// The scalar twin: the only path in the scalar build, and the reference the SIMD body must match up to
// float32 summation order.
[[maybe_unused]] void row_similarity_range_scalar(DType table_dtype, const void* table, size_t rows,
                                                  size_t cols, const float* queries, size_t num_queries,
                                                  bool cosine, float* scores, size_t begin, size_t end) {
  switch (table_dtype) {
    case DType::kFloat32:
      return scalar_range<DType::kFloat32>(table, rows, cols, queries, num_queries, cosine, scores, begin, end);
    case DType::kFloat16:
      return scalar_range<DType::kFloat16>(table, rows, cols, queries, num_queries, cosine, scores, begin, end);
    case DType::kBFloat16:
      return scalar_range<DType::kBFloat16>(table, rows, cols, queries, num_queries, cosine, scores, begin, end);
    default:
      return;
  }
}

void row_similarity_range(DType table_dtype, const void* table, size_t rows, size_t cols, const float* queries,
                          size_t num_queries, bool cosine, float* scores, size_t begin, size_t end) {
#ifdef __wasm_simd128__
  switch (table_dtype) {
    case DType::kFloat32:
      return simd_range<DType::kFloat32>(table, rows, cols, queries, num_queries, cosine, scores, begin, end);
    case DType::kFloat16:
      return simd_range<DType::kFloat16>(table, rows, cols, queries, num_queries, cosine, scores, begin, end);
    case DType::kBFloat16:
      return simd_range<DType::kBFloat16>(table, rows, cols, queries, num_queries, cosine, scores, begin, end);
    default:
      return;
  }
#else
  row_similarity_range_scalar(table_dtype, table, rows, cols, queries, num_queries, cosine, scores, begin, end);
#endif
}

struct SimilarityJob {
  DType table_dtype;
  const void* table;
  size_t rows;
  size_t cols;
  const float* queries;
  size_t num_queries;
  bool cosine;
  float* scores;
};

void similarity_chunk(void* context, size_t begin, size_t end) {
  const SimilarityJob& job = *static_cast<const SimilarityJob*>(context);
  row_similarity_range(job.table_dtype, job.table, job.rows, job.cols, job.queries, job.num_queries, job.cosine,
                       job.scores, begin, end);
}

}  // namespace

void row_similarity(DType table_dtype, const void* table, size_t rows, size_t cols, const float* queries,
                    size_t num_queries, bool cosine, float* scores) {
  SimilarityJob job{table_dtype, table, rows, cols, queries, num_queries, cosine, scores};
  const size_t row_bytes = cols * element_bytes(table_dtype);
  const size_t min_chunk = row_bytes == 0 ? rows : (kParallelSimilarityMinBytes + row_bytes - 1) / row_bytes;
  parallel_for(rows, min_chunk > 0 ? min_chunk : 1, 1, similarity_chunk, &job);
}

}  // namespace wasm_embedding
