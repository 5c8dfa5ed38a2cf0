#include "index_map.h"

#include <cstring>

#include "half.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {
namespace {

// Scalar mapping of one value, by value category.

inline int32_t clip_signed(int64_t value, int32_t last_row) {
  if (value <= 0) return 0;
  return value >= last_row ? last_row : static_cast<int32_t>(value);
}

inline int32_t clip_unsigned(uint64_t value, int32_t last_row) {
  return value >= static_cast<uint64_t>(last_row) ? last_row : static_cast<int32_t>(value);
}

// NaN fails the first comparison and gives row 0; a value strictly inside (0, last_row) truncates safely.
inline int32_t clip_float(double value, int32_t last_row) {
  if (!(value > 0)) return 0;
  if (value >= static_cast<double>(last_row)) return last_row;
  return static_cast<int32_t>(value);
}

template <typename T>
inline T load(const void* base, size_t i) {
  T value;
  std::memcpy(&value, static_cast<const uint8_t*>(base) + i * sizeof(T), sizeof(T));
  return value;
}

template <typename T>
void map_signed_scalar(const void* indices, size_t begin, size_t count, int32_t last_row, int32_t* rows) {
  for (size_t i = begin; i < count; ++i) rows[i] = clip_signed(load<T>(indices, i), last_row);
}

template <typename T>
void map_unsigned_scalar(const void* indices, size_t begin, size_t count, int32_t last_row, int32_t* rows) {
  for (size_t i = begin; i < count; ++i) rows[i] = clip_unsigned(load<T>(indices, i), last_row);
}

template <typename T>
void map_float_scalar(const void* indices, size_t begin, size_t count, int32_t last_row, int32_t* rows) {
  for (size_t i = begin; i < count; ++i) rows[i] = clip_float(load<T>(indices, i), last_row);
}

void map_half_scalar(const void* indices, size_t begin, size_t count, int32_t last_row, int32_t* rows) {
  for (size_t i = begin; i < count; ++i) rows[i] = clip_float(half_to_float(load<uint16_t>(indices, i)), last_row);
}

void map_bfloat16_scalar(const void* indices, size_t begin, size_t count, int32_t last_row, int32_t* rows) {
  for (size_t i = begin; i < count; ++i) {
    rows[i] = clip_float(bfloat16_to_float(load<uint16_t>(indices, i)), last_row);
  }
}

#ifdef __wasm_simd128__

// Clip four signed 32-bit lanes to [0, last_row].
inline v128_t clip_i32x4(v128_t value, v128_t last_row) {
  return wasm_i32x4_min(wasm_i32x4_max(value, wasm_i32x4_splat(0)), last_row);
}

// Saturating truncation sends NaN to 0 and out-of-range values to INT32_MIN or INT32_MAX, so the clip
// afterwards yields exactly the scalar mapping.
inline v128_t map_f32x4(v128_t value, v128_t last_row) {
  return clip_i32x4(wasm_i32x4_trunc_sat_f32x4(value), last_row);
}

// Returns the index of the first element processed by the scalar tail.
size_t map_simd(DType dtype, const void* indices, size_t count, int32_t last_row, int32_t* rows) {
  const uint8_t* bytes = static_cast<const uint8_t*>(indices);
  const v128_t last = wasm_i32x4_splat(last_row);
  const size_t vector_end = count & ~size_t{3};
  size_t i = 0;

  switch (dtype) {
    case DType::kFloat32:
      for (; i < vector_end; i += 4) {
        wasm_v128_store(rows + i, map_f32x4(wasm_v128_load(bytes + 4 * i), last));
      }
      return i;

    case DType::kFloat64:
      for (; i < vector_end; i += 4) {
        const v128_t low = wasm_i32x4_trunc_sat_f64x2_zero(wasm_v128_load(bytes + 8 * i));
        const v128_t high = wasm_i32x4_trunc_sat_f64x2_zero(wasm_v128_load(bytes + 8 * i + 16));
        wasm_v128_store(rows + i, clip_i32x4(wasm_i32x4_shuffle(low, high, 0, 1, 4, 5), last));
      }
      return i;

    case DType::kFloat16:
      for (; i < vector_end; i += 4) {
        const v128_t as_float = half_to_float_x4(wasm_u32x4_load16x4(bytes + 2 * i));
        wasm_v128_store(rows + i, map_f32x4(as_float, last));
      }
      return i;

    case DType::kBFloat16:
      for (; i < vector_end; i += 4) {
        const v128_t as_float = bfloat16_to_float_x4(wasm_u32x4_load16x4(bytes + 2 * i));
        wasm_v128_store(rows + i, map_f32x4(as_float, last));
      }
      return i;

    case DType::kInt32:
      for (; i < vector_end; i += 4) {
        wasm_v128_store(rows + i, clip_i32x4(wasm_v128_load(bytes + 4 * i), last));
      }
      return i;

    case DType::kUInt32:
      for (; i < vector_end; i += 4) {
        wasm_v128_store(rows + i, wasm_u32x4_min(wasm_v128_load(bytes + 4 * i), last));
      }
      return i;

    case DType::kInt16:
      for (; i < vector_end; i += 4) {
        wasm_v128_store(rows + i, clip_i32x4(wasm_i32x4_load16x4(bytes + 2 * i), last));
      }
      return i;

    case DType::kUInt16:
      for (; i < vector_end; i += 4) {
        wasm_v128_store(rows + i, wasm_u32x4_min(wasm_u32x4_load16x4(bytes + 2 * i), last));
      }
      return i;

    case DType::kInt8:
      for (; i < vector_end; i += 4) {
        const v128_t widened = wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(wasm_v128_load32_zero(bytes + i)));
        wasm_v128_store(rows + i, clip_i32x4(widened, last));
      }
      return i;

    case DType::kUInt8:
      for (; i < vector_end; i += 4) {
        const v128_t widened = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(bytes + i)));
        wasm_v128_store(rows + i, wasm_u32x4_min(widened, last));
      }
      return i;

    case DType::kInt64: {
      // Clip in 64 bits, then keep the low word of each lane.
      const v128_t zero = wasm_i64x2_splat(0);
      const v128_t last64 = wasm_i64x2_splat(last_row);
      for (; i < vector_end; i += 4) {
        v128_t low = wasm_v128_load(bytes + 8 * i);
        v128_t high = wasm_v128_load(bytes + 8 * i + 16);
        low = wasm_v128_bitselect(zero, low, wasm_i64x2_lt(low, zero));
        low = wasm_v128_bitselect(last64, low, wasm_i64x2_gt(low, last64));
        high = wasm_v128_bitselect(zero, high, wasm_i64x2_lt(high, zero));
        high = wasm_v128_bitselect(last64, high, wasm_i64x2_gt(high, last64));
        wasm_v128_store(rows + i, wasm_i32x4_shuffle(low, high, 0, 2, 4, 6));
      }
      return i;
    }
  }
  return 0;
}

#endif  // __wasm_simd128__

void map_scalar(DType dtype, const void* indices, size_t begin, size_t count, int32_t last_row, int32_t* rows) {
  switch (dtype) {
    case DType::kFloat32: return map_float_scalar<float>(indices, begin, count, last_row, rows);
    case DType::kFloat64: return map_float_scalar<double>(indices, begin, count, last_row, rows);
    case DType::kFloat16: return map_half_scalar(indices, begin, count, last_row, rows);
    case DType::kBFloat16: return map_bfloat16_scalar(indices, begin, count, last_row, rows);
    case DType::kInt8: return map_signed_scalar<int8_t>(indices, begin, count, last_row, rows);
    case DType::kUInt8: return map_unsigned_scalar<uint8_t>(indices, begin, count, last_row, rows);
    case DType::kInt16: return map_signed_scalar<int16_t>(indices, begin, count, last_row, rows);
    case DType::kUInt16: return map_unsigned_scalar<uint16_t>(indices, begin, count, last_row, rows);
    case DType::kInt32: return map_signed_scalar<int32_t>(indices, begin, count, last_row, rows);
    case DType::kUInt32: return map_unsigned_scalar<uint32_t>(indices, begin, count, last_row, rows);
    case DType::kInt64: return map_signed_scalar<int64_t>(indices, begin, count, last_row, rows);
  }
}

// Validity of one value, by value category.

template <typename T>
int64_t find_invalid_integer(const void* indices, size_t count, int64_t last_row) {
  for (size_t i = 0; i < count; ++i) {
    const int64_t value = static_cast<int64_t>(load<T>(indices, i));
    if (value < 0 || value > last_row) return static_cast<int64_t>(i);
  }
  return -1;
}

int64_t find_invalid_uint32(const void* indices, size_t count, int64_t last_row) {
  for (size_t i = 0; i < count; ++i) {
    if (static_cast<int64_t>(load<uint32_t>(indices, i)) > last_row) return static_cast<int64_t>(i);
  }
  return -1;
}

// Written so that NaN fails: it compares false with everything.
template <typename Decode>
int64_t find_invalid_float(size_t count, int64_t last_row, Decode decode) {
  const double last = static_cast<double>(last_row);
  for (size_t i = 0; i < count; ++i) {
    const double value = decode(i);
    if (!(value >= 0 && value <= last)) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

void map_indices(DType dtype, const void* indices, size_t count, int32_t input_dim, int32_t* rows) {
  const int32_t last_row = input_dim - 1;
  size_t begin = 0;
#ifdef __wasm_simd128__
  begin = map_simd(dtype, indices, count, last_row, rows);
#endif
  map_scalar(dtype, indices, begin, count, last_row, rows);
}

int64_t find_invalid_index(DType dtype, const void* indices, size_t count, int32_t input_dim) {
  const int64_t last_row = static_cast<int64_t>(input_dim) - 1;
  switch (dtype) {
    case DType::kFloat32:
      return find_invalid_float(count, last_row, [&](size_t i) { return double{load<float>(indices, i)}; });
    case DType::kFloat64:
      return find_invalid_float(count, last_row, [&](size_t i) { return load<double>(indices, i); });
    case DType::kFloat16:
      return find_invalid_float(count, last_row,
                                [&](size_t i) { return double{half_to_float(load<uint16_t>(indices, i))}; });
    case DType::kBFloat16:
      return find_invalid_float(count, last_row,
                                [&](size_t i) { return double{bfloat16_to_float(load<uint16_t>(indices, i))}; });
    case DType::kInt8: return find_invalid_integer<int8_t>(indices, count, last_row);
    case DType::kUInt8: return find_invalid_integer<uint8_t>(indices, count, last_row);
    case DType::kInt16: return find_invalid_integer<int16_t>(indices, count, last_row);
    case DType::kUInt16: return find_invalid_integer<uint16_t>(indices, count, last_row);
    case DType::kInt32: return find_invalid_integer<int32_t>(indices, count, last_row);
    case DType::kUInt32: return find_invalid_uint32(indices, count, last_row);
    case DType::kInt64: return find_invalid_integer<int64_t>(indices, count, last_row);
  }
  return 0;
}

}  // namespace wasm_embedding
