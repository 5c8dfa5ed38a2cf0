#include "half_gather.h"

#include <algorithm>

#include "half.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {
namespace {

struct HalfCodec {
  static float decode(uint16_t bits) { return half_to_float(bits); }
#ifdef __wasm_simd128__
  static F32x4Pair decode_x8(v128_t bits) { return half_to_float_x8(bits); }
#endif
};

struct BFloat16Codec {
  static float decode(uint16_t bits) { return bfloat16_to_float(bits); }
#ifdef __wasm_simd128__
  static F32x4Pair decode_x8(v128_t bits) { return bfloat16_to_float_x8(bits); }
#endif
};

#ifdef __wasm_simd128__

// Decodes the eight codes at src into dst[0..8).
template <typename Codec>
inline void decode_8(const uint16_t* src, float* dst) {
  const F32x4Pair values = Codec::decode_x8(wasm_v128_load(src));
  wasm_v128_store(dst, values.low);
  wasm_v128_store(dst + 4, values.high);
}

// Read-ahead: before decoding rows i to i + 3 (i a multiple of 4), the long-row gather loads one element per
// 64 bytes of rows i + 8 to i + 11. WebAssembly has no prefetch instruction, so plain loads start the cache
// misses early. A load that misses holds up retirement while the decoding instructions behind it fill the
// out-of-order window. So rows read ahead one at a time overlapped little, and four rows at once do. On a 2-core
// AMD EPYC under Node 20, float16 gathers from 50000 x 128 to 1000000 x 64 tables went from 1.0-1.7x to
// 0.7-0.95x the time of the float32 gather. A 1000 x 64 table (in the cache) was unchanged.
constexpr size_t kReadAheadRows = 8;
constexpr size_t kReadAheadBatch = 4;

// Rows of at least 8 elements: blocks of 16 and 8, then one block of 8 ending exactly at the row's end, which
// overlaps elements already written with the same values.
template <typename Codec>
void gather_long_rows(const int32_t* rows, size_t count, const uint16_t* table, size_t n, float* out) {
  uint32_t read_ahead = 0;
  for (size_t i = 0; i < count; ++i) {
    if (i % kReadAheadBatch == 0) {
      const size_t end = std::min(count, i + kReadAheadRows + kReadAheadBatch);
      for (size_t j = i + kReadAheadRows; j < end; ++j) {
        const uint16_t* ahead = table + static_cast<size_t>(rows[j]) * n;
        for (size_t d = 0; d < n; d += 32) read_ahead += ahead[d];
        read_ahead += ahead[n - 1];
      }
    }
    const uint16_t* src = table + static_cast<size_t>(rows[i]) * n;
    float* dst = out + i * n;
    size_t d = 0;
    for (; d + 16 <= n; d += 16) {
      const F32x4Pair first = Codec::decode_x8(wasm_v128_load(src + d));
      const F32x4Pair second = Codec::decode_x8(wasm_v128_load(src + d + 8));
      wasm_v128_store(dst + d, first.low);
      wasm_v128_store(dst + d + 4, first.high);
      wasm_v128_store(dst + d + 8, second.low);
      wasm_v128_store(dst + d + 12, second.high);
    }
    if (d + 8 <= n) {
      decode_8<Codec>(src + d, dst + d);
      d += 8;
    }
    if (d < n) decode_8<Codec>(src + n - 8, dst + n - 8);
  }
  // A volatile store keeps the compiler from dropping the read-ahead loads as unused.
  volatile uint32_t sink = read_ahead;
  (void)sink;
}

// Rows of 4 to 7 elements: the first and the last four elements, overlapping, in one vector.
template <typename Codec>
void gather_medium_rows(const int32_t* rows, size_t count, const uint16_t* table, size_t n, float* out) {
  for (size_t i = 0; i < count; ++i) {
    const uint16_t* src = table + static_cast<size_t>(rows[i]) * n;
    float* dst = out + i * n;
    const v128_t bits = wasm_v128_load64_lane(src + n - 4, wasm_v128_load64_zero(src), 1);
    const F32x4Pair values = Codec::decode_x8(bits);
    wasm_v128_store(dst, values.low);
    wasm_v128_store(dst + n - 4, values.high);
  }
}

// Rows of 2 or 3 elements: the first and the last two elements of two rows in one vector.
template <typename Codec>
void gather_short_rows(const int32_t* rows, size_t count, const uint16_t* table, size_t n, float* out) {
  size_t i = 0;
  for (; i + 2 <= count; i += 2) {
    const uint16_t* first = table + static_cast<size_t>(rows[i]) * n;
    const uint16_t* second = table + static_cast<size_t>(rows[i + 1]) * n;
    float* dst = out + i * n;
    v128_t bits = wasm_v128_load32_zero(first);
    bits = wasm_v128_load32_lane(first + n - 2, bits, 1);
    bits = wasm_v128_load32_lane(second, bits, 2);
    bits = wasm_v128_load32_lane(second + n - 2, bits, 3);
    const F32x4Pair values = Codec::decode_x8(bits);
    wasm_v128_store64_lane(dst, values.low, 0);
    wasm_v128_store64_lane(dst + n - 2, values.low, 1);
    wasm_v128_store64_lane(dst + n, values.high, 0);
    wasm_v128_store64_lane(dst + 2 * n - 2, values.high, 1);
  }
  if (i < count) {
    const uint16_t* src = table + static_cast<size_t>(rows[i]) * n;
    float* dst = out + i * n;
    const v128_t bits = wasm_v128_load32_lane(src + n - 2, wasm_v128_load32_zero(src), 1);
    const F32x4Pair values = Codec::decode_x8(bits);
    wasm_v128_store64_lane(dst, values.low, 0);
    wasm_v128_store64_lane(dst + n - 2, values.low, 1);
  }
}

// Rows of one element: eight rows per vector.
template <typename Codec>
void gather_single_elements(const int32_t* rows, size_t count, const uint16_t* table, float* out) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    v128_t bits = wasm_v128_load16_lane(table + rows[i], wasm_i32x4_splat(0), 0);
    bits = wasm_v128_load16_lane(table + rows[i + 1], bits, 1);
    bits = wasm_v128_load16_lane(table + rows[i + 2], bits, 2);
    bits = wasm_v128_load16_lane(table + rows[i + 3], bits, 3);
    bits = wasm_v128_load16_lane(table + rows[i + 4], bits, 4);
    bits = wasm_v128_load16_lane(table + rows[i + 5], bits, 5);
    bits = wasm_v128_load16_lane(table + rows[i + 6], bits, 6);
    bits = wasm_v128_load16_lane(table + rows[i + 7], bits, 7);
    const F32x4Pair values = Codec::decode_x8(bits);
    wasm_v128_store(out + i, values.low);
    wasm_v128_store(out + i + 4, values.high);
  }
  for (; i < count; ++i) out[i] = Codec::decode(table[rows[i]]);
}

template <typename Codec>
void gather_rows(const int32_t* rows, size_t count, const uint16_t* table, size_t n, float* out) {
  if (n >= 8) return gather_long_rows<Codec>(rows, count, table, n, out);
  if (n >= 4) return gather_medium_rows<Codec>(rows, count, table, n, out);
  if (n >= 2) return gather_short_rows<Codec>(rows, count, table, n, out);
  if (n == 1) gather_single_elements<Codec>(rows, count, table, out);
}

#else

// Scalar twin: one element at a time.
template <typename Codec>
void gather_rows(const int32_t* rows, size_t count, const uint16_t* table, size_t n, float* out) {
  for (size_t i = 0; i < count; ++i) {
    const uint16_t* src = table + static_cast<size_t>(rows[i]) * n;
    float* dst = out + i * n;
    for (size_t d = 0; d < n; ++d) dst[d] = Codec::decode(src[d]);
  }
}

#endif

}  // namespace

void gather_half_rows_to_f32(const int32_t* rows, size_t count, const uint16_t* table, size_t row_elems,
                             float* out) {
  gather_rows<HalfCodec>(rows, count, table, row_elems, out);
}

void gather_bfloat16_rows_to_f32(const int32_t* rows, size_t count, const uint16_t* table, size_t row_elems,
                                 float* out) {
  gather_rows<BFloat16Codec>(rows, count, table, row_elems, out);
}

}  // namespace wasm_embedding
