#include "bag.h"

#include <algorithm>
#include <vector>

#include "grad_traits.h"
#include "index_map.h"
#include "row_csr.h"
#include "thread_pool.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {
namespace {

// Row reads (positions times row elements) below which a loop stays on one thread.
constexpr size_t kParallelMinElements = 64 * 1024;

// Indices mapped per step, so the mapped rows stay on the stack and in L1.
constexpr size_t kBlockIndices = 512;

// Rows of increasing positions, mapped block by block as one chunk walks through its bags.
class RowCursor {
 public:
  RowCursor(const BagForwardArgs& args, size_t end)
      : args_(args), index_size_(dtype_size(args.index_dtype)), end_(end) {}

  // Requires positions in non-decreasing order across calls.
  int32_t row(size_t position) {
    if (position - block_begin_ >= block_count_) refill(position);
    return rows_[position - block_begin_];
  }

 private:
  void refill(size_t position) {
    block_begin_ = position;
    block_count_ = std::min(kBlockIndices, end_ - position);
    const uint8_t* indices = static_cast<const uint8_t*>(args_.indices) + position * index_size_;
    map_indices(args_.index_dtype, indices, block_count_, args_.input_dim, rows_);
  }

  const BagForwardArgs& args_;
  size_t index_size_;
  size_t end_;
  size_t block_begin_ = 0;
  size_t block_count_ = 0;
  int32_t rows_[kBlockIndices];
};

// acc[0..n) += weight * row, or += row when kWeighted is false.
template <bool kWeighted, typename View>
void add_row(float* acc, const View& view, float weight, size_t n) {
  size_t d = 0;
#ifdef __wasm_simd128__
  const v128_t w = wasm_f32x4_splat(weight);
  for (; d + 4 <= n; d += 4) {
    v128_t values = view.load4(d);
    if (kWeighted) values = wasm_f32x4_mul(values, w);
    wasm_v128_store(acc + d, wasm_f32x4_add(wasm_v128_load(acc + d), values));
  }
#endif
  for (; d < n; ++d) acc[d] += kWeighted ? view.at(d) * weight : view.at(d);
}

// Element-wise running maximum with the position of the winner. A later position wins only when strictly
// greater, so ties keep the first position, and a NaN never replaces a value (it stays only when first).
template <typename View>
void max_row(float* acc, int32_t* arg, const View& view, int32_t position, size_t n, bool first) {
  size_t d = 0;
  if (first) {
#ifdef __wasm_simd128__
    const v128_t p = wasm_i32x4_splat(position);
    for (; d + 4 <= n; d += 4) {
      wasm_v128_store(acc + d, view.load4(d));
      wasm_v128_store(arg + d, p);
    }
#endif
    for (; d < n; ++d) {
      acc[d] = view.at(d);
      arg[d] = position;
    }
    return;
  }

#ifdef __wasm_simd128__
  const v128_t p = wasm_i32x4_splat(position);
  for (; d + 4 <= n; d += 4) {
    const v128_t values = view.load4(d);
    const v128_t best = wasm_v128_load(acc + d);
    const v128_t greater = wasm_f32x4_gt(values, best);
    wasm_v128_store(acc + d, wasm_v128_bitselect(values, best, greater));
    wasm_v128_store(arg + d, wasm_v128_bitselect(p, wasm_v128_load(arg + d), greater));
  }
#endif
  for (; d < n; ++d) {
    const float value = view.at(d);
    if (value > acc[d]) {
      acc[d] = value;
      arg[d] = position;
    }
  }
}

void divide_row(float* acc, float divisor, size_t n) {
  size_t d = 0;
#ifdef __wasm_simd128__
  const v128_t v = wasm_f32x4_splat(divisor);
  for (; d + 4 <= n; d += 4) wasm_v128_store(acc + d, wasm_f32x4_div(wasm_v128_load(acc + d), v));
#endif
  for (; d < n; ++d) acc[d] /= divisor;
}

template <typename Reader>
void forward_bags_float(const BagForwardArgs& args, const Reader& reader, size_t begin, size_t end) {
  const size_t n = args.table.row_elems;
  const float* weights = static_cast<const float*>(args.per_sample_weights);
  RowCursor cursor(args, static_cast<size_t>(args.bag_starts[end]));

  for (size_t b = begin; b < end; ++b) {
    float* acc = static_cast<float*>(args.out) + b * n;
    int32_t* arg = args.mode == BagMode::kMax ? args.max_positions + b * n : nullptr;
    if (args.mode != BagMode::kMax) std::fill(acc, acc + n, 0.0f);

    // Accumulate every non-padding row of the bag in position order.
    size_t used = 0;
    for (int32_t p = args.bag_starts[b]; p < args.bag_starts[b + 1]; ++p) {
      const int32_t row = cursor.row(static_cast<size_t>(p));
      if (row == args.padding_row) continue;
      const auto view = reader.row(row);
      if (args.mode == BagMode::kMax) {
        max_row(acc, arg, view, p, n, used == 0);
      } else if (weights != nullptr) {
        add_row<true>(acc, view, weights[p], n);
      } else {
        add_row<false>(acc, view, 1.0f, n);
      }
      ++used;
    }

    // Empty bags give zeros; 'mean' divides by the count of rows it added.
    if (used == 0) {
      std::fill(acc, acc + n, 0.0f);
      if (arg != nullptr) std::fill(arg, arg + n, -1);
    } else if (args.mode == BagMode::kMean) {
      divide_row(acc, static_cast<float>(used), n);
    }
  }
}

// float64 tables: the same steps in double, without SIMD.
void forward_bags_double(const BagForwardArgs& args, size_t begin, size_t end) {
  const size_t n = args.table.row_elems;
  const double* table = static_cast<const double*>(args.table.data);
  const double* weights = static_cast<const double*>(args.per_sample_weights);
  RowCursor cursor(args, static_cast<size_t>(args.bag_starts[end]));

  for (size_t b = begin; b < end; ++b) {
    double* acc = static_cast<double*>(args.out) + b * n;
    int32_t* arg = args.mode == BagMode::kMax ? args.max_positions + b * n : nullptr;
    std::fill(acc, acc + n, 0.0);

    size_t used = 0;
    for (int32_t p = args.bag_starts[b]; p < args.bag_starts[b + 1]; ++p) {
      const int32_t row = cursor.row(static_cast<size_t>(p));
      if (row == args.padding_row) continue;
      const double* values = table + static_cast<size_t>(row) * n;
      if (args.mode == BagMode::kMax) {
        for (size_t d = 0; d < n; ++d) {
          if (used == 0 || values[d] > acc[d]) {
            acc[d] = values[d];
            arg[d] = p;
          }
        }
      } else {
        const double weight = weights != nullptr ? weights[p] : 1.0;
        for (size_t d = 0; d < n; ++d) acc[d] += values[d] * weight;
      }
      ++used;
    }

    if (used == 0) {
      std::fill(acc, acc + n, 0.0);
      if (arg != nullptr) std::fill(arg, arg + n, -1);
    } else if (args.mode == BagMode::kMean) {
      for (size_t d = 0; d < n; ++d) acc[d] /= static_cast<double>(used);
    }
  }
}

void forward_range(void* context, size_t begin, size_t end) {
  const BagForwardArgs& args = *static_cast<const BagForwardArgs*>(context);
  const bool handled = with_float_reader(args.table, [&](const auto& reader) {
    forward_bags_float(args, reader, begin, end);
  });
  if (!handled) forward_bags_double(args, begin, end);
}

// Bag containing position p: the last bag whose start is <= p (empty bags before it share its start).
inline size_t bag_of(const int32_t* bag_starts, size_t bag_count, int32_t p) {
  const int32_t* after = std::upper_bound(bag_starts, bag_starts + bag_count + 1, p);
  return static_cast<size_t>(after - bag_starts) - 1;
}

template <typename Traits>
void backward_rows(const BagBackwardArgs& args, Traits, size_t begin, size_t end) {
  using Storage = typename Traits::Storage;
  const size_t n = args.row_elems;
  const Storage* out_grad = static_cast<const Storage*>(args.out_grad);
  const auto* weights = static_cast<const typename Traits::Weight*>(args.per_sample_weights);
  Storage* grad = static_cast<Storage*>(args.grad);
  std::vector<double> acc(n);

  for (size_t k = begin; k < end; ++k) {
    const int32_t r = args.distinct_rows[k];
    std::fill(acc.begin(), acc.end(), 0.0);

    // Sum the row's contributions in increasing position order.
    for (int32_t j = args.row_starts[r]; j < args.row_starts[r + 1]; ++j) {
      const int32_t p = args.positions[j];
      const size_t b = bag_of(args.bag_starts, args.bag_count, p);
      const Storage* upstream = out_grad + b * n;
      if (args.mode == BagMode::kMax) {
        const int32_t* winners = args.max_positions + b * n;
        for (size_t d = 0; d < n; ++d) {
          if (winners[d] == p) acc[d] += Traits::load(upstream[d]);
        }
      } else if (args.mode == BagMode::kMean) {
        const double size = static_cast<double>(args.bag_sizes[b]);
        for (size_t d = 0; d < n; ++d) acc[d] += Traits::load(upstream[d]) / size;
      } else {
        const double weight = weights != nullptr ? static_cast<double>(weights[p]) : 1.0;
        for (size_t d = 0; d < n; ++d) acc[d] += Traits::load(upstream[d]) * weight;
      }
    }

    // Round once into the gradient row.
    Storage* target = grad + (args.sparse ? k : static_cast<size_t>(r)) * n;
    if (args.add) {
      for (size_t d = 0; d < n; ++d) target[d] = Traits::store(Traits::load(target[d]) + acc[d]);
    } else {
      for (size_t d = 0; d < n; ++d) target[d] = Traits::store(acc[d]);
    }
  }
}

void backward_range(void* context, size_t begin, size_t end) {
  const BagBackwardArgs& args = *static_cast<const BagBackwardArgs*>(context);
  with_gradient_traits(args.grad_dtype, [&](auto traits) { backward_rows(args, traits, begin, end); });
}

}  // namespace

void embedding_bag_forward(const BagForwardArgs& args) {
  // Balance chunks by the row elements each bag reads (plus one row for its output).
  const size_t n = std::max<size_t>(args.table.row_elems, 1);
  std::vector<size_t> prefix_cost(args.bag_count + 1);
  prefix_cost[0] = 0;
  for (size_t b = 0; b < args.bag_count; ++b) {
    const size_t length = static_cast<size_t>(args.bag_starts[b + 1] - args.bag_starts[b]);
    prefix_cost[b + 1] = prefix_cost[b] + (length + 1) * n;
  }
  parallel_for_weighted(args.bag_count, prefix_cost.data(), kParallelMinElements, forward_range,
                        const_cast<BagForwardArgs*>(&args));
}

size_t embedding_bag_backward_plan(DType index_dtype, const void* indices, size_t count, int32_t input_dim,
                                   const int32_t* bag_starts, size_t bag_count, int32_t padding_row,
                                   int32_t* rows, int32_t* row_starts, int32_t* positions,
                                   int32_t* distinct_rows, int32_t* bag_sizes) {
  map_indices(index_dtype, indices, count, input_dim, rows);
  for (size_t b = 0; b < bag_count; ++b) {
    int32_t size = 0;
    for (int32_t p = bag_starts[b]; p < bag_starts[b + 1]; ++p) size += rows[p] != padding_row ? 1 : 0;
    bag_sizes[b] = size;
  }
  return build_row_csr(rows, count, input_dim, padding_row, row_starts, positions, distinct_rows);
}

void embedding_bag_backward(const BagBackwardArgs& args) {
  // Whole rows per chunk, balanced by each row's contribution count.
  const size_t n = std::max<size_t>(args.row_elems, 1);
  std::vector<size_t> prefix_cost(args.distinct_count + 1);
  prefix_cost[0] = 0;
  for (size_t k = 0; k < args.distinct_count; ++k) {
    const int32_t r = args.distinct_rows[k];
    const size_t contributions = static_cast<size_t>(args.row_starts[r + 1] - args.row_starts[r]);
    prefix_cost[k + 1] = prefix_cost[k] + (contributions + 1) * n;
  }
  parallel_for_weighted(args.distinct_count, prefix_cost.data(), kParallelMinElements, backward_range,
                        const_cast<BagBackwardArgs*>(&args));
}

}  // namespace wasm_embedding
