#include "backward.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <type_traits>

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

// Per-dtype storage and accumulation. Each traits struct loads one stored element as the wide type, stores
// a wide value rounded once, and sums a group of source rows into a destination row (sum_rows).
//
// sum_rows walks the row in column chunks, and adds each chunk of every source row into accumulators that
// stay in registers. Each element still receives its additions in increasing position order, as in the
// scalar twin and the reference. The accumulator never goes through memory, and the source rows of a group
// are read side by side. Every sum starts from +0 ('write') or from the stored destination value ('add'),
// so -0 sums to +0 as in the reference.

struct Float32Traits {
  using Stored = float;
  using Wide = double;
  static Wide load(const Stored* p) { return *p; }
  static void store(Stored* p, Wide value) { *p = static_cast<float>(value); }
};

struct Float64Traits {
  using Stored = double;
  using Wide = double;
  static Wide load(const Stored* p) { return *p; }
  static void store(Stored* p, Wide value) { *p = value; }
};

struct Float16Traits {
  using Stored = uint16_t;
  using Wide = float;
  static Wide load(const Stored* p) { return half_to_float(*p); }
  static void store(Stored* p, Wide value) { *p = float_to_half(value); }
#ifdef __wasm_simd128__
  static v128_t load_x4(const Stored* p) { return half_to_float_x4(wasm_u32x4_load16x4(p)); }
#endif
};

struct BFloat16Traits {
  using Stored = uint16_t;
  using Wide = float;
  static Wide load(const Stored* p) { return bfloat16_to_float(*p); }
  static void store(Stored* p, Wide value) { *p = float_to_bfloat16(value); }
#ifdef __wasm_simd128__
  static v128_t load_x4(const Stored* p) { return bfloat16_to_float_x4(wasm_u32x4_load16x4(p)); }
#endif
};

// Scalar columns [column, n) of a group: four accumulators at a time, then one.
template <typename Traits>
void sum_rows_scalar(const typename Traits::Stored* src, size_t stride, size_t n, const uint32_t* positions, size_t count,
                     bool accumulate, typename Traits::Stored* dst, size_t column) {
  using Wide = typename Traits::Wide;
  for (; column + 4 <= n; column += 4) {
    Wide a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    if (accumulate) {
      a0 = Traits::load(dst + column);
      a1 = Traits::load(dst + column + 1);
      a2 = Traits::load(dst + column + 2);
      a3 = Traits::load(dst + column + 3);
    }
    for (size_t j = 0; j < count; ++j) {
      const typename Traits::Stored* row = src + static_cast<size_t>(positions[j]) * stride + column;
      a0 += Traits::load(row);
      a1 += Traits::load(row + 1);
      a2 += Traits::load(row + 2);
      a3 += Traits::load(row + 3);
    }
    Traits::store(dst + column, a0);
    Traits::store(dst + column + 1, a1);
    Traits::store(dst + column + 2, a2);
    Traits::store(dst + column + 3, a3);
  }
  for (; column < n; ++column) {
    Wide a = accumulate ? Traits::load(dst + column) : Wide{0};
    for (size_t j = 0; j < count; ++j) a += Traits::load(src + static_cast<size_t>(positions[j]) * stride + column);
    Traits::store(dst + column, a);
  }
}

// dst[c] = (accumulate ? dst[c] : +0) + src[positions[0]][c] + ... + src[positions[count - 1]][c], summed in
// the wide type and rounded once, for c in [0, n).
template <typename Traits>
void sum_rows(const typename Traits::Stored* src, size_t stride, size_t n, const uint32_t* positions, size_t count,
              bool accumulate, typename Traits::Stored* dst) {
  sum_rows_scalar<Traits>(src, stride, n, positions, count, accumulate, dst, 0);
}

#ifdef __wasm_simd128__

template <>
void sum_rows<Float32Traits>(const float* src, size_t stride, size_t n, const uint32_t* positions, size_t count, bool accumulate,
                             float* dst) {
  size_t column = 0;
  // Eight columns in four f64x2 accumulators.
  for (; column + 8 <= n; column += 8) {
    v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0, a3 = a0;
    if (accumulate) {
      const v128_t low = wasm_v128_load(dst + column);
      const v128_t high = wasm_v128_load(dst + column + 4);
      a0 = wasm_f64x2_promote_low_f32x4(low);
      a1 = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(low, low, 2, 3, 2, 3));
      a2 = wasm_f64x2_promote_low_f32x4(high);
      a3 = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(high, high, 2, 3, 2, 3));
    }
    for (size_t j = 0; j < count; ++j) {
      const float* row = src + static_cast<size_t>(positions[j]) * stride + column;
      const v128_t low = wasm_v128_load(row);
      const v128_t high = wasm_v128_load(row + 4);
      a0 = wasm_f64x2_add(a0, wasm_f64x2_promote_low_f32x4(low));
      a1 = wasm_f64x2_add(a1, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(low, low, 2, 3, 2, 3)));
      a2 = wasm_f64x2_add(a2, wasm_f64x2_promote_low_f32x4(high));
      a3 = wasm_f64x2_add(a3, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(high, high, 2, 3, 2, 3)));
    }
    const v128_t d0 = wasm_f32x4_demote_f64x2_zero(a0);
    const v128_t d1 = wasm_f32x4_demote_f64x2_zero(a1);
    const v128_t d2 = wasm_f32x4_demote_f64x2_zero(a2);
    const v128_t d3 = wasm_f32x4_demote_f64x2_zero(a3);
    wasm_v128_store(dst + column, wasm_i32x4_shuffle(d0, d1, 0, 1, 4, 5));
    wasm_v128_store(dst + column + 4, wasm_i32x4_shuffle(d2, d3, 0, 1, 4, 5));
  }
  sum_rows_scalar<Float32Traits>(src, stride, n, positions, count, accumulate, dst, column);
}

template <>
void sum_rows<Float64Traits>(const double* src, size_t stride, size_t n, const uint32_t* positions, size_t count,
                             bool accumulate, double* dst) {
  size_t column = 0;
  for (; column + 8 <= n; column += 8) {
    v128_t a0 = wasm_f64x2_splat(0.0), a1 = a0, a2 = a0, a3 = a0;
    if (accumulate) {
      a0 = wasm_v128_load(dst + column);
      a1 = wasm_v128_load(dst + column + 2);
      a2 = wasm_v128_load(dst + column + 4);
      a3 = wasm_v128_load(dst + column + 6);
    }
    for (size_t j = 0; j < count; ++j) {
      const double* row = src + static_cast<size_t>(positions[j]) * stride + column;
      a0 = wasm_f64x2_add(a0, wasm_v128_load(row));
      a1 = wasm_f64x2_add(a1, wasm_v128_load(row + 2));
      a2 = wasm_f64x2_add(a2, wasm_v128_load(row + 4));
      a3 = wasm_f64x2_add(a3, wasm_v128_load(row + 6));
    }
    wasm_v128_store(dst + column, a0);
    wasm_v128_store(dst + column + 2, a1);
    wasm_v128_store(dst + column + 4, a2);
    wasm_v128_store(dst + column + 6, a3);
  }
  sum_rows_scalar<Float64Traits>(src, stride, n, positions, count, accumulate, dst, column);
}

// float16 and bfloat16: eight columns in two f32x4 accumulators, decoded exactly, encoded by the scalar
// rounding of the traits.
template <typename Traits>
void sum_rows_half(const uint16_t* src, size_t stride, size_t n, const uint32_t* positions, size_t count, bool accumulate,
                   uint16_t* dst) {
  size_t column = 0;
  alignas(16) float sums[8];
  for (; column + 8 <= n; column += 8) {
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
    if (accumulate) {
      a0 = Traits::load_x4(dst + column);
      a1 = Traits::load_x4(dst + column + 4);
    }
    for (size_t j = 0; j < count; ++j) {
      const uint16_t* row = src + static_cast<size_t>(positions[j]) * stride + column;
      a0 = wasm_f32x4_add(a0, Traits::load_x4(row));
      a1 = wasm_f32x4_add(a1, Traits::load_x4(row + 4));
    }
    wasm_v128_store(sums, a0);
    wasm_v128_store(sums + 4, a1);
    for (size_t c = 0; c < 8; ++c) Traits::store(dst + column + c, sums[c]);
  }
  sum_rows_scalar<Traits>(src, stride, n, positions, count, accumulate, dst, column);
}

template <>
void sum_rows<Float16Traits>(const uint16_t* src, size_t stride, size_t n, const uint32_t* positions, size_t count,
                             bool accumulate, uint16_t* dst) {
  sum_rows_half<Float16Traits>(src, stride, n, positions, count, accumulate, dst);
}

template <>
void sum_rows<BFloat16Traits>(const uint16_t* src, size_t stride, size_t n, const uint32_t* positions, size_t count,
                              bool accumulate, uint16_t* dst) {
  sum_rows_half<BFloat16Traits>(src, stride, n, positions, count, accumulate, dst);
}

#endif  // __wasm_simd128__

// acc[c] += src[c] for c in [0, n), in the wide type: the streaming path's step for one source row.
template <typename Traits>
void add_row(typename Traits::Wide* acc, const typename Traits::Stored* src, size_t n) {
  for (size_t c = 0; c < n; ++c) acc[c] += Traits::load(src + c);
}

#ifdef __wasm_simd128__

template <>
void add_row<Float32Traits>(double* acc, const float* src, size_t n) {
  size_t c = 0;
  for (; c + 4 <= n; c += 4) {
    const v128_t values = wasm_v128_load(src + c);
    const v128_t low = wasm_f64x2_promote_low_f32x4(values);
    const v128_t high = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(values, values, 2, 3, 2, 3));
    wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c), low));
    wasm_v128_store(acc + c + 2, wasm_f64x2_add(wasm_v128_load(acc + c + 2), high));
  }
  for (; c < n; ++c) acc[c] += static_cast<double>(src[c]);
}

template <>
void add_row<Float64Traits>(double* acc, const double* src, size_t n) {
  size_t c = 0;
  for (; c + 2 <= n; c += 2) {
    wasm_v128_store(acc + c, wasm_f64x2_add(wasm_v128_load(acc + c), wasm_v128_load(src + c)));
  }
  for (; c < n; ++c) acc[c] += src[c];
}

template <typename Traits>
void add_row_half(float* acc, const uint16_t* src, size_t n) {
  size_t c = 0;
  for (; c + 4 <= n; c += 4) {
    wasm_v128_store(acc + c, wasm_f32x4_add(wasm_v128_load(acc + c), Traits::load_x4(src + c)));
  }
  for (; c < n; ++c) acc[c] += Traits::load(src + c);
}

template <>
void add_row<Float16Traits>(float* acc, const uint16_t* src, size_t n) {
  add_row_half<Float16Traits>(acc, src, n);
}

template <>
void add_row<BFloat16Traits>(float* acc, const uint16_t* src, size_t n) {
  add_row_half<BFloat16Traits>(acc, src, n);
}

#endif  // __wasm_simd128__

// Calls visit(traits) for a float dtype; does nothing for other dtypes.
template <typename Visit>
void with_traits(DType dtype, Visit&& visit) {
  switch (dtype) {
    case DType::kFloat32: return visit(Float32Traits{});
    case DType::kFloat64: return visit(Float64Traits{});
    case DType::kFloat16: return visit(Float16Traits{});
    case DType::kBFloat16: return visit(BFloat16Traits{});
    default: return;
  }
}

// Groups are summed in batches: the calling thread first reads one byte of every cache line of the batch's
// source rows, then sums them. These reads have no dependencies, so the CPU overlaps many misses. Summing
// a lone row instead waits for one row's misses at a time, because its arithmetic fills the reorder window.
// On the 50000x128 float32 benchmark case (65536 indices) this took the block fill on one thread from about
// 23 ms to 12-14 ms (2-core AMD EPYC VM under load from other jobs, minimum of 15 runs). Rows shorter than
// kTouchMinRowBytes are summed with few instructions per row already, and a group larger than the batch is
// summed untouched.
constexpr size_t kTouchBatchBytes = 64 * 1024;
constexpr size_t kTouchMinRowBytes = 256;

std::atomic<uint32_t> touch_sink{0};

void touch_rows(const uint8_t* src, size_t row_bytes, const uint32_t* positions, size_t count) {
  uint32_t sink = 0;
  for (size_t j = 0; j < count; ++j) {
    const uint8_t* row = src + static_cast<size_t>(positions[j]) * row_bytes;
    for (size_t offset = 0; offset < row_bytes; offset += 64) sink += row[offset];
    sink += row[row_bytes - 1];
  }
  // Publishing the sum keeps the compiler from dropping the loads.
  touch_sink.fetch_add(sink, std::memory_order_relaxed);
}

// Sums groups [begin, end) into dst_row(k), in batches as described above.
template <typename Traits, typename DstRow>
void sum_groups(const typename Traits::Stored* src, size_t n, const uint32_t* offsets, const uint32_t* positions,
                size_t begin, size_t end, bool accumulate, DstRow dst_row) {
  const size_t row_bytes = n * sizeof(typename Traits::Stored);
  const bool touch = row_bytes >= kTouchMinRowBytes;
  size_t k = begin;
  while (k < end) {
    size_t batch_end = end;
    if (touch) {
      // The batch: group k, and the groups after it while their rows fit in kTouchBatchBytes.
      const auto group_bytes = [&](size_t group) { return (offsets[group + 1] - offsets[group]) * row_bytes; };
      size_t bytes = group_bytes(k);
      for (batch_end = k + 1; batch_end < end && bytes + group_bytes(batch_end) <= kTouchBatchBytes; ++batch_end) {
        bytes += group_bytes(batch_end);
      }
      if (bytes <= kTouchBatchBytes) {
        touch_rows(reinterpret_cast<const uint8_t*>(src), row_bytes, positions + offsets[k],
                   offsets[batch_end] - offsets[k]);
      }
    }
    for (; k < batch_end; ++k) {
      sum_rows<Traits>(src, n, n, positions + offsets[k], offsets[k + 1] - offsets[k], accumulate, dst_row(k));
    }
  }
}

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
  const ScatterJob& job = *static_cast<const ScatterJob*>(context);
  Stored* dst = static_cast<Stored*>(job.dst);
  const size_t n = job.row_elems;
  sum_groups<Traits>(static_cast<const Stored*>(job.src), n, job.offsets, job.positions, begin, end, job.accumulate,
                     [&](size_t k) { return dst + (job.dst_rows ? static_cast<size_t>(job.dst_rows[k]) : k) * n; });
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

struct StreamJob {
  const int32_t* rows;
  size_t count;
  const void* src;
  size_t row_elems;
  void* acc;
};

#ifdef __wasm_simd128__
// Float32 rows of two to four columns [begin, begin + width): columns in pairs as float64x2, so a position
// of three columns takes one vector and one scalar addition.
void add_narrow_float32_rows(const StreamJob& job, size_t begin, size_t width) {
  const float* src = static_cast<const float*>(job.src) + begin;
  double* acc = static_cast<double*>(job.acc) + begin;
  const size_t n = job.row_elems;
  for (size_t i = 0; i < job.count; ++i) {
    double* to = acc + static_cast<size_t>(job.rows[i]) * n;
    const float* from = src + i * n;
    const v128_t pair = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(from));
    wasm_v128_store(to, wasm_f64x2_add(wasm_v128_load(to), pair));
    if (width == 3) {
      to[2] += static_cast<double>(from[2]);
    } else if (width == 4) {
      const v128_t second = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(from + 2));
      wasm_v128_store(to + 2, wasm_f64x2_add(wasm_v128_load(to + 2), second));
    }
  }
}
#endif  // __wasm_simd128__

// Adds every source row's columns [begin, end) to its accumulators, in increasing position order.
template <typename Traits>
void accumulate_columns(void* context, size_t begin, size_t end) {
  const StreamJob& job = *static_cast<const StreamJob*>(context);
  const typename Traits::Stored* src = static_cast<const typename Traits::Stored*>(job.src);
  typename Traits::Wide* acc = static_cast<typename Traits::Wide*>(job.acc);
  const size_t n = job.row_elems;
  const size_t width = end - begin;
#ifdef __wasm_simd128__
  if constexpr (std::is_same_v<Traits, Float32Traits>) {
    if (width >= 2 && width <= 4) {
      add_narrow_float32_rows(job, begin, width);
      return;
    }
  }
#endif
  // Rows of up to four columns: the loop over columns unrolled, so each position costs a few instructions.
  if (width <= 4) {
    using Wide = typename Traits::Wide;
    for (size_t i = 0; i < job.count; ++i) {
      Wide* to = acc + static_cast<size_t>(job.rows[i]) * n + begin;
      const typename Traits::Stored* from = src + i * n + begin;
      switch (width) {
        case 4: to[3] += Traits::load(from + 3); [[fallthrough]];
        case 3: to[2] += Traits::load(from + 2); [[fallthrough]];
        case 2: to[1] += Traits::load(from + 1); [[fallthrough]];
        default: to[0] += Traits::load(from);
      }
    }
    return;
  }
  for (size_t i = 0; i < job.count; ++i) {
    add_row<Traits>(acc + static_cast<size_t>(job.rows[i]) * n + begin, src + i * n + begin, width);
  }
}

template <typename Traits>
void accumulate_listed_typed(const int32_t* rows, const uint32_t* positions, size_t count, const void* src,
                             size_t row_elems, void* acc) {
  const typename Traits::Stored* from = static_cast<const typename Traits::Stored*>(src);
  typename Traits::Wide* to = static_cast<typename Traits::Wide*>(acc);
  for (size_t k = 0; k < count; ++k) {
    const size_t position = positions[k];
    add_row<Traits>(to + static_cast<size_t>(rows[position]) * row_elems, from + position * row_elems, row_elems);
  }
}

template <typename Traits>
void round_typed(const void* acc, size_t elements, void* dst) {
  const typename Traits::Wide* from = static_cast<const typename Traits::Wide*>(acc);
  typename Traits::Stored* to = static_cast<typename Traits::Stored*>(dst);
  for (size_t i = 0; i < elements; ++i) Traits::store(to + i, from[i]);
}

template <typename Traits>
void fill_dense_block_typed(const DenseBlocks& job, size_t block, uint8_t* block_dst) {
  using Stored = typename Traits::Stored;
  const size_t n = job.row_elems;
  const size_t first_row = block * job.rows_per_block;
  const size_t end_row = std::min(first_row + job.rows_per_block, job.input_dim);
  const int32_t* rows_end = job.rows + job.group_count;
  const size_t first_group = std::lower_bound(job.rows, rows_end, static_cast<int32_t>(first_row)) - job.rows;
  const size_t end_group = std::lower_bound(job.rows, rows_end, static_cast<int32_t>(end_row)) - job.rows;
  Stored* dst = reinterpret_cast<Stored*>(block_dst);

  // Zero the rows no index maps to.
  size_t row = first_row;
  for (size_t k = first_group; k < end_group; ++k) {
    const size_t next = static_cast<size_t>(job.rows[k]);
    if (next > row) std::memset(dst + (row - first_row) * n, 0, (next - row) * n * sizeof(Stored));
    row = next + 1;
  }
  if (end_row > row) std::memset(dst + (row - first_row) * n, 0, (end_row - row) * n * sizeof(Stored));

  sum_groups<Traits>(static_cast<const Stored*>(job.src), n, job.offsets, job.positions, first_group, end_group,
                     false, [&](size_t k) { return dst + (static_cast<size_t>(job.rows[k]) - first_row) * n; });
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
  with_traits(dtype, [&](auto traits) { scatter_typed<decltype(traits)>(offsets, group_count, row_elems, job); });
}

void fill_dense_block(const void* context, size_t block, uint8_t* dst) {
  const DenseBlocks& job = *static_cast<const DenseBlocks*>(context);
  with_traits(job.dtype, [&](auto traits) { fill_dense_block_typed<decltype(traits)>(job, block, dst); });
}

size_t wide_size(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
    case DType::kFloat64: return sizeof(double);
    case DType::kFloat16:
    case DType::kBFloat16: return sizeof(float);
    default: return 0;
  }
}

void accumulate_rows(DType dtype, const int32_t* rows, size_t count, const void* src, size_t row_elems, void* acc) {
  if (count == 0 || row_elems == 0) return;
  StreamJob job{rows, count, src, row_elems, acc};
  // One thread: src/accumulate_pipeline.cc shares chunks between threads by accumulator rows. Splitting
  // by columns also keeps the order of additions, but was slower on the 2-core test VM. The calling thread
  // added 25 to 50% of the columns of each 1000x64 chunk and a worker the rest. Then 262144 indices took 12
  // to 49 ms against 9 ms on one thread, although the two threads wrote separate cache lines of each row.
  with_traits(dtype, [&](auto traits) { accumulate_columns<decltype(traits)>(&job, 0, row_elems); });
}

void accumulate_listed_rows(DType dtype, const int32_t* rows, const uint32_t* positions, size_t count,
                            const void* src, size_t row_elems, void* acc) {
  if (count == 0 || row_elems == 0) return;
  with_traits(dtype, [&](auto traits) {
    accumulate_listed_typed<decltype(traits)>(rows, positions, count, src, row_elems, acc);
  });
}

void round_accumulators(DType dtype, const void* acc, size_t elements, void* dst) {
  with_traits(dtype, [&](auto traits) { round_typed<decltype(traits)>(acc, elements, dst); });
}

int64_t list_rows(const int32_t* rows, size_t count, int32_t input_dim, int32_t* distinct_rows) {
  uint8_t* seen = static_cast<uint8_t*>(std::calloc(static_cast<size_t>(input_dim) + 1, 1));
  if (seen == nullptr) return -1;
  for (size_t i = 0; i < count; ++i) seen[rows[i]] = 1;
  size_t listed = 0;
  for (int32_t row = 0; row < input_dim; ++row) {
    if (seen[row] != 0) distinct_rows[listed++] = row;
  }
  std::free(seen);
  return static_cast<int64_t>(listed);
}

void round_listed_rows(DType dtype, const void* acc, size_t row_elems, const int32_t* listed_rows, size_t row_count,
                       void* dst) {
  const size_t stored_row_bytes = row_elems * dtype_size(dtype);
  const size_t wide_row_bytes = row_elems * wide_size(dtype);
  for (size_t k = 0; k < row_count; ++k) {
    round_accumulators(dtype, static_cast<const uint8_t*>(acc) + static_cast<size_t>(listed_rows[k]) * wide_row_bytes,
                       row_elems, static_cast<uint8_t*>(dst) + k * stored_row_bytes);
  }
}

}  // namespace wasm_embedding
