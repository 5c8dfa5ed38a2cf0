#include "take.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gather.h"
#include "grad_traits.h"
#include "half.h"
#include "index_map.h"
#include "row_csr.h"
#include "thread_pool.h"

namespace wasm_embedding {
namespace {

// Bytes moved per chunk below which take stays on one thread.
constexpr size_t kParallelTakeMinBytes = 256 * 1024;

template <typename T>
T load(const void* base, size_t i) {
  T value;
  std::memcpy(&value, static_cast<const uint8_t*>(base) + i * sizeof(T), sizeof(T));
  return value;
}

// Index value i as a double (floats, where the mode needs the value before truncation).
double float_value(DType dtype, const void* indices, size_t i) {
  switch (dtype) {
    case DType::kFloat32: return load<float>(indices, i);
    case DType::kFloat64: return load<double>(indices, i);
    case DType::kFloat16: return half_to_double(load<uint16_t>(indices, i));
    case DType::kBFloat16: return bfloat16_to_double(load<uint16_t>(indices, i));
    default: return 0.0;
  }
}

// Index value i of an integer dtype, at full width.
int64_t integer_value(DType dtype, const void* indices, size_t i) {
  switch (dtype) {
    case DType::kInt8: return load<int8_t>(indices, i);
    case DType::kUInt8: return load<uint8_t>(indices, i);
    case DType::kInt16: return load<int16_t>(indices, i);
    case DType::kUInt16: return load<uint16_t>(indices, i);
    case DType::kInt32: return load<int32_t>(indices, i);
    case DType::kUInt32: return load<uint32_t>(indices, i);
    case DType::kInt64: return load<int64_t>(indices, i);
    default: return 0;
  }
}

bool is_float_dtype(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kFloat64 || dtype == DType::kFloat16 ||
         dtype == DType::kBFloat16;
}

int32_t wrap_integer(int64_t value, int64_t axis_len) {
  int64_t remainder = value % axis_len;
  if (remainder < 0) remainder += axis_len;
  return static_cast<int32_t>(remainder);
}

// Non-finite values give 0; finite ones truncate and wrap exactly (fmod is exact in double).
int32_t wrap_float(double value, int64_t axis_len) {
  if (!std::isfinite(value)) return 0;
  double remainder = std::fmod(std::trunc(value), static_cast<double>(axis_len));
  if (remainder < 0) remainder += static_cast<double>(axis_len);
  return static_cast<int32_t>(remainder);
}

struct GatherJob {
  const int32_t* rows;
  size_t count;
  const uint8_t* a;
  size_t axis_len;
  size_t inner_elems;
  size_t element_size;
  uint8_t* out;
};

// Items are (o, i) pairs in row-major order; each run within one o is one row gather.
void gather_range(void* context, size_t begin, size_t end) {
  const GatherJob& job = *static_cast<const GatherJob*>(context);
  const size_t inner_bytes = job.inner_elems * job.element_size;
  size_t item = begin;
  while (item < end) {
    const size_t o = item / job.count;
    const size_t i = item % job.count;
    const size_t run = std::min(job.count - i, end - item);
    gather_rows(job.element_size, job.rows + i, run, job.a + o * job.axis_len * inner_bytes, job.inner_elems,
                job.out + item * inner_bytes);
    item += run;
  }
}

struct BackwardJob {
  size_t count;
  size_t axis_len;
  size_t inner_elems;
  const int32_t* row_starts;
  const int32_t* positions;
  const int32_t* distinct_rows;
  size_t distinct_count;
  const void* out_grad;
  void* grad;
  bool add;
  DType grad_dtype;
};

// Items are (o, k) pairs: slice o, distinct row k.
template <typename Traits>
void backward_items(const BackwardJob& job, Traits, size_t begin, size_t end) {
  using Storage = typename Traits::Storage;
  const size_t n = job.inner_elems;
  const Storage* out_grad = static_cast<const Storage*>(job.out_grad);
  Storage* grad = static_cast<Storage*>(job.grad);
  std::vector<double> acc(n);

  for (size_t item = begin; item < end; ++item) {
    const size_t o = item / job.distinct_count;
    const int32_t r = job.distinct_rows[item % job.distinct_count];
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int32_t j = job.row_starts[r]; j < job.row_starts[r + 1]; ++j) {
      const Storage* upstream = out_grad + (o * job.count + static_cast<size_t>(job.positions[j])) * n;
      for (size_t d = 0; d < n; ++d) acc[d] += Traits::load(upstream[d]);
    }
    Storage* target = grad + (o * job.axis_len + static_cast<size_t>(r)) * n;
    if (job.add) {
      for (size_t d = 0; d < n; ++d) target[d] = Traits::store(Traits::load(target[d]) + acc[d]);
    } else {
      for (size_t d = 0; d < n; ++d) target[d] = Traits::store(acc[d]);
    }
  }
}

void backward_range(void* context, size_t begin, size_t end) {
  const BackwardJob& job = *static_cast<const BackwardJob*>(context);
  with_gradient_traits(job.grad_dtype, [&](auto traits) { backward_items(job, traits, begin, end); });
}

}  // namespace

int64_t take_map_indices(DType index_dtype, const void* indices, size_t count, int32_t axis_len, TakeMode mode,
                         int32_t* rows) {
  if (mode == TakeMode::kClip) {
    map_indices(index_dtype, indices, count, axis_len, rows);
    return -1;
  }

  const int64_t length = axis_len;
  const bool floats = is_float_dtype(index_dtype);
  for (size_t i = 0; i < count; ++i) {
    if (mode == TakeMode::kWrap) {
      rows[i] = floats ? wrap_float(float_value(index_dtype, indices, i), length)
                       : wrap_integer(integer_value(index_dtype, indices, i), length);
      continue;
    }

    // Raise: check the untruncated value, then count negative values from the end.
    if (floats) {
      const double value = float_value(index_dtype, indices, i);
      if (!(value >= static_cast<double>(-length) && value <= static_cast<double>(length - 1))) {
        return static_cast<int64_t>(i);
      }
      const double truncated = std::trunc(value);
      rows[i] = static_cast<int32_t>(truncated < 0 ? truncated + static_cast<double>(length) : truncated);
    } else {
      const int64_t value = integer_value(index_dtype, indices, i);
      if (value < -length || value > length - 1) return static_cast<int64_t>(i);
      rows[i] = static_cast<int32_t>(value < 0 ? value + length : value);
    }
  }
  return -1;
}

void take_gather(const int32_t* rows, size_t count, const void* a, size_t outer, size_t axis_len,
                 size_t inner_elems, size_t element_size, void* out) {
  GatherJob job{rows, count, static_cast<const uint8_t*>(a), axis_len, inner_elems, element_size,
                static_cast<uint8_t*>(out)};
  const size_t item_bytes = std::max<size_t>(inner_elems * element_size, 1);
  const size_t min_chunk = (kParallelTakeMinBytes + item_bytes - 1) / item_bytes;
  parallel_for(outer * count, min_chunk, 1, gather_range, &job);
}

void take_backward(const int32_t* rows, size_t count, const void* out_grad, size_t outer, int32_t axis_len,
                   size_t inner_elems, DType grad_dtype, void* grad, bool add) {
  const size_t element_size = dtype_size(grad_dtype);
  const size_t slice_elems = static_cast<size_t>(axis_len) * inner_elems;
  if (!add) std::memset(grad, 0, outer * slice_elems * element_size);
  if (count == 0 || outer == 0) return;

  // Group positions by row once; every slice o shares the grouping.
  std::vector<int32_t> row_starts(static_cast<size_t>(axis_len) + 1);
  std::vector<int32_t> positions(count);
  std::vector<int32_t> distinct_rows(count);
  const size_t distinct = build_row_csr(rows, count, axis_len, kNoSkippedRow, row_starts.data(),
                                        positions.data(), distinct_rows.data());

  BackwardJob job{count, static_cast<size_t>(axis_len), inner_elems, row_starts.data(), positions.data(),
                  distinct_rows.data(), distinct, out_grad, grad, add, grad_dtype};
  const size_t average_bytes = std::max<size_t>(count * inner_elems * element_size / distinct, 1);
  const size_t min_chunk = (kParallelTakeMinBytes + average_bytes - 1) / average_bytes;
  parallel_for(outer * distinct, min_chunk, 1, backward_range, &job);
}

}  // namespace wasm_embedding
