#include "backward.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "half.h"
#include "thread_pool.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {
namespace {

// A counting sort costs O(count + input_dim); past this ratio a comparison sort of count keys is cheaper
// and needs no input_dim-sized histogram.
constexpr size_t kCountingSortMaxRowsPerIndex = 4;
constexpr size_t kCountingSortMinRows = 1 << 16;

int64_t group_by_counting(const int32_t* rows, size_t count, int32_t input_dim, int32_t* distinct_rows,
                          uint32_t* offsets, uint32_t* positions) {
  const size_t buckets = static_cast<size_t>(input_dim);
  uint32_t* starts = static_cast<uint32_t*>(std::calloc(buckets + 1, sizeof(uint32_t)));
  if (starts == nullptr) return -1;

  // Histogram, then exclusive prefix sums: starts[r] is the first slot of row r.
  for (size_t i = 0; i < count; ++i) ++starts[rows[i] + 1];
  for (size_t r = 0; r < buckets; ++r) starts[r + 1] += starts[r];

  // List the non-empty rows ascending, with their group starts.
  size_t groups = 0;
  for (size_t r = 0; r < buckets; ++r) {
    if (starts[r + 1] != starts[r]) {
      distinct_rows[groups] = static_cast<int32_t>(r);
      offsets[groups] = starts[r];
      ++groups;
    }
  }
  offsets[groups] = static_cast<uint32_t>(count);

  // Stable scatter: positions of one row land in increasing order.
  for (size_t i = 0; i < count; ++i) positions[starts[rows[i]]++] = static_cast<uint32_t>(i);

  std::free(starts);
  return static_cast<int64_t>(groups);
}

int64_t group_by_sorting(const int32_t* rows, size_t count, int32_t* distinct_rows, uint32_t* offsets,
                         uint32_t* positions) {
  uint64_t* keys = static_cast<uint64_t*>(std::malloc(count * sizeof(uint64_t)));
  if (keys == nullptr) return -1;

  // Keys are unique (row in the high word, position in the low word), so the order is fully determined.
  for (size_t i = 0; i < count; ++i) keys[i] = (static_cast<uint64_t>(rows[i]) << 32) | i;
  std::sort(keys, keys + count);

  size_t groups = 0;
  for (size_t i = 0; i < count; ++i) {
    const int32_t row = static_cast<int32_t>(keys[i] >> 32);
    if (groups == 0 || distinct_rows[groups - 1] != row) {
      distinct_rows[groups] = row;
      offsets[groups] = static_cast<uint32_t>(i);
      ++groups;
    }
    positions[i] = static_cast<uint32_t>(keys[i]);
  }
  offsets[groups] = static_cast<uint32_t>(count);

  std::free(keys);
  return static_cast<int64_t>(groups);
}

// Columns summed per pass: the wide accumulator stays on the stack.
constexpr size_t kColumnBlock = 256;

// Per-dtype storage and accumulation. Each traits struct loads one stored element as the wide type,
// stores a wide value rounded once, and adds n source elements to n accumulators (SIMD body, scalar tail).

struct Float32Traits {
  using Stored = float;
  using Wide = double;
  static Wide load(const Stored* p) { return *p; }
  static void store(Stored* p, Wide value) { *p = static_cast<float>(value); }

  static void add(Wide* acc, const Stored* src, size_t n) {
    size_t i = 0;
#ifdef __wasm_simd128__
    // Widen four floats to two f64x2 vectors and add each to its accumulators.
    for (; i + 4 <= n; i += 4) {
      const v128_t values = wasm_v128_load(src + i);
      const v128_t low = wasm_f64x2_promote_low_f32x4(values);
      const v128_t high = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(values, values, 2, 3, 2, 3));
      wasm_v128_store(acc + i, wasm_f64x2_add(wasm_v128_load(acc + i), low));
      wasm_v128_store(acc + i + 2, wasm_f64x2_add(wasm_v128_load(acc + i + 2), high));
    }
#endif
    for (; i < n; ++i) acc[i] += static_cast<double>(src[i]);
  }
};

struct Float64Traits {
  using Stored = double;
  using Wide = double;
  static Wide load(const Stored* p) { return *p; }
  static void store(Stored* p, Wide value) { *p = value; }

  static void add(Wide* acc, const Stored* src, size_t n) {
    size_t i = 0;
#ifdef __wasm_simd128__
    for (; i + 2 <= n; i += 2) {
      wasm_v128_store(acc + i, wasm_f64x2_add(wasm_v128_load(acc + i), wasm_v128_load(src + i)));
    }
#endif
    for (; i < n; ++i) acc[i] += src[i];
  }
};

struct Float16Traits {
  using Stored = uint16_t;
  using Wide = float;
  static Wide load(const Stored* p) { return half_to_float(*p); }
  static void store(Stored* p, Wide value) { *p = float_to_half(value); }

  static void add(Wide* acc, const Stored* src, size_t n) {
    size_t i = 0;
#ifdef __wasm_simd128__
    // Decode four halves exactly to f32x4 and add.
    for (; i + 4 <= n; i += 4) {
      const v128_t values = half_to_float_x4(wasm_u32x4_load16x4(src + i));
      wasm_v128_store(acc + i, wasm_f32x4_add(wasm_v128_load(acc + i), values));
    }
#endif
    for (; i < n; ++i) acc[i] += half_to_float(src[i]);
  }
};

struct BFloat16Traits {
  using Stored = uint16_t;
  using Wide = float;
  static Wide load(const Stored* p) { return bfloat16_to_float(*p); }
  static void store(Stored* p, Wide value) { *p = float_to_bfloat16(value); }

  static void add(Wide* acc, const Stored* src, size_t n) {
    size_t i = 0;
#ifdef __wasm_simd128__
    for (; i + 4 <= n; i += 4) {
      const v128_t values = bfloat16_to_float_x4(wasm_u32x4_load16x4(src + i));
      wasm_v128_store(acc + i, wasm_f32x4_add(wasm_v128_load(acc + i), values));
    }
#endif
    for (; i < n; ++i) acc[i] += bfloat16_to_float(src[i]);
  }
};

struct ScatterJob {
  const uint32_t* offsets;
  const uint32_t* positions;
  const void* src;
  size_t row_elems;
  const int32_t* dst_rows;
  void* dst;
  bool accumulate;
};

template <typename Traits>
void scatter_range(void* context, size_t begin, size_t end) {
  using Stored = typename Traits::Stored;
  using Wide = typename Traits::Wide;
  const ScatterJob& job = *static_cast<const ScatterJob*>(context);
  const Stored* src = static_cast<const Stored*>(job.src);
  Stored* dst = static_cast<Stored*>(job.dst);
  const size_t n = job.row_elems;
  alignas(16) Wide acc[kColumnBlock];

  for (size_t k = begin; k < end; ++k) {
    Stored* dst_row = dst + (job.dst_rows ? static_cast<size_t>(job.dst_rows[k]) : k) * n;
    for (size_t column = 0; column < n; column += kColumnBlock) {
      const size_t width = std::min(kColumnBlock, n - column);

      // Start from the destination ('add') or from zero ('write').
      for (size_t c = 0; c < width; ++c) acc[c] = job.accumulate ? Traits::load(dst_row + column + c) : Wide{0};

      // Sum the group's source rows in increasing position order.
      for (uint32_t j = job.offsets[k]; j < job.offsets[k + 1]; ++j) {
        Traits::add(acc, src + static_cast<size_t>(job.positions[j]) * n + column, width);
      }

      // Round once.
      for (size_t c = 0; c < width; ++c) Traits::store(dst_row + column + c, acc[c]);
    }
  }
}

template <typename Traits>
void scatter_typed(const uint32_t* offsets, size_t group_count, size_t row_elems, ScatterJob& job) {
  // Balance threads by elements read: each group costs its source rows plus its own store.
  size_t* prefix_cost = static_cast<size_t*>(std::malloc((group_count + 1) * sizeof(size_t)));
  if (prefix_cost == nullptr) {
    scatter_range<Traits>(&job, 0, group_count);
    return;
  }
  for (size_t k = 0; k <= group_count; ++k) prefix_cost[k] = (static_cast<size_t>(offsets[k]) + k) * row_elems;
  parallel_for_weighted(group_count, prefix_cost, kParallelScatterMinElements, scatter_range<Traits>, &job);
  std::free(prefix_cost);
}

}  // namespace

int64_t group_rows(const int32_t* rows, size_t count, int32_t input_dim, int32_t* distinct_rows,
                   uint32_t* offsets, uint32_t* positions) {
  if (count == 0) {
    offsets[0] = 0;
    return 0;
  }
  const size_t row_limit = std::max(kCountingSortMinRows, kCountingSortMaxRowsPerIndex * count);
  if (static_cast<size_t>(input_dim) <= row_limit) {
    return group_by_counting(rows, count, input_dim, distinct_rows, offsets, positions);
  }
  return group_by_sorting(rows, count, distinct_rows, offsets, positions);
}

void scatter_add_rows(DType dtype, const uint32_t* offsets, const uint32_t* positions, size_t group_count,
                      const void* src, size_t row_elems, const int32_t* dst_rows, void* dst, bool accumulate) {
  if (group_count == 0 || row_elems == 0) return;
  ScatterJob job{offsets, positions, src, row_elems, dst_rows, dst, accumulate};
  switch (dtype) {
    case DType::kFloat32: return scatter_typed<Float32Traits>(offsets, group_count, row_elems, job);
    case DType::kFloat64: return scatter_typed<Float64Traits>(offsets, group_count, row_elems, job);
    case DType::kFloat16: return scatter_typed<Float16Traits>(offsets, group_count, row_elems, job);
    case DType::kBFloat16: return scatter_typed<BFloat16Traits>(offsets, group_count, row_elems, job);
    default: return;
  }
}

}  // namespace wasm_embedding
