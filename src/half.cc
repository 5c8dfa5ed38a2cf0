// Array kernels for float16 and bfloat16 conversions. Each has a SIMD128 body over blocks of 8 elements and
// finishes the tail (or, in the scalar build, the whole array) with the scalar functions from half.h.
#include "half.h"

namespace wasm_embedding {

namespace {

#ifdef __wasm_simd128__

// Elements per SIMD iteration: one u16x8 vector on the 16-bit side.
constexpr size_t kBlock = 8;

// Packs the low 16 bits of eight u64 lanes, in order, into one u16x8 vector.
inline v128_t pack_u64_lanes(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t low = wasm_i32x4_shuffle(a, b, 0, 2, 4, 6);
  const v128_t high = wasm_i32x4_shuffle(c, d, 0, 2, 4, 6);
  return wasm_u16x8_narrow_i32x4(low, high);
}

// f64x2 -> two u64 lanes holding float16 bits. Same steps as double_to_half, on i64x2 integers.
inline v128_t double_to_half_x2(v128_t f64x2) {
  const v128_t sign = wasm_v128_and(wasm_u64x2_shr(f64x2, 48), wasm_i64x2_splat(0x8000));
  const v128_t magnitude = wasm_v128_and(f64x2, wasm_i64x2_splat(0x7fffffffffffffffll));

  const v128_t odd = wasm_v128_and(wasm_u64x2_shr(magnitude, 42), wasm_i64x2_splat(1));
  const v128_t rebiased =
      wasm_i64x2_add(wasm_i64x2_add(magnitude, wasm_i64x2_splat(-(1008ll << 52) + ((1ll << 41) - 1))), odd);
  const v128_t normal = wasm_u64x2_shr(rebiased, 42);

  const v128_t magic = wasm_f64x2_splat(0x1p28);
  const v128_t subnormal = wasm_i64x2_sub(wasm_f64x2_add(magnitude, magic), magic);

  const v128_t nan = wasm_v128_or(wasm_v128_and(wasm_u64x2_shr(magnitude, 42), wasm_i64x2_splat(0x03ff)),
                                  wasm_i64x2_splat(0x7e00));

  v128_t result = normal;
  result = wasm_v128_bitselect(subnormal, result,
                               wasm_i64x2_lt(magnitude, wasm_i64x2_splat(0x3f10000000000000ll)));  // 2^-14
  result = wasm_v128_bitselect(wasm_i64x2_splat(0x7c00), result,
                               wasm_i64x2_ge(magnitude, wasm_i64x2_splat(0x40effe0000000000ll)));  // 65520
  result = wasm_v128_bitselect(nan, result, wasm_i64x2_gt(magnitude, wasm_i64x2_splat(0x7ff0000000000000ll)));
  return wasm_v128_or(result, sign);
}

// f64x2 -> two u64 lanes holding bfloat16 bits. Same steps as double_to_bfloat16.
inline v128_t double_to_bfloat16_x2(v128_t f64x2) {
  const v128_t sign = wasm_v128_and(wasm_u64x2_shr(f64x2, 48), wasm_i64x2_splat(0x8000));
  const v128_t magnitude = wasm_v128_and(f64x2, wasm_i64x2_splat(0x7fffffffffffffffll));

  const v128_t odd = wasm_v128_and(wasm_u64x2_shr(magnitude, 45), wasm_i64x2_splat(1));
  const v128_t rebiased =
      wasm_i64x2_add(wasm_i64x2_add(magnitude, wasm_i64x2_splat(-(896ll << 52) + ((1ll << 44) - 1))), odd);
  const v128_t normal = wasm_u64x2_shr(rebiased, 45);

  const v128_t magic = wasm_f64x2_splat(0x1p-81);
  const v128_t subnormal = wasm_i64x2_sub(wasm_f64x2_add(magnitude, magic), magic);

  const v128_t nan = wasm_v128_or(wasm_v128_and(wasm_u64x2_shr(magnitude, 45), wasm_i64x2_splat(0x007f)),
                                  wasm_i64x2_splat(0x7fc0));

  v128_t result = normal;
  result = wasm_v128_bitselect(subnormal, result,
                               wasm_i64x2_lt(magnitude, wasm_i64x2_splat(0x3810000000000000ll)));  // 2^-126
  result = wasm_v128_bitselect(wasm_i64x2_splat(0x7f80), result,
                               wasm_i64x2_ge(magnitude, wasm_i64x2_splat(0x47eff00000000000ll)));  // overflow
  result = wasm_v128_bitselect(nan, result, wasm_i64x2_gt(magnitude, wasm_i64x2_splat(0x7ff0000000000000ll)));
  return wasm_v128_or(result, sign);
}

// Two u64 lanes holding float16 bits -> f64x2: the exponent rebiased by 1008, with Infinity, NaN, zero and
// subnormal codes selected separately.
inline v128_t half_to_double_x2(v128_t bits_u64) {
  const v128_t sign = wasm_i64x2_shl(wasm_v128_and(bits_u64, wasm_i64x2_splat(0x8000)), 48);
  const v128_t shifted = wasm_i64x2_shl(wasm_v128_and(bits_u64, wasm_i64x2_splat(0x7fff)), 42);
  const v128_t exponent = wasm_v128_and(shifted, wasm_i64x2_splat(0x1fll << 52));

  // Normal: add 1008 to the exponent. Infinity and NaN (exponent 31) need 31 + 2016 = 2047, so they get 1008
  // twice.
  const v128_t rebias = wasm_i64x2_splat(1008ll << 52);
  const v128_t normal = wasm_i64x2_add(shifted, rebias);
  const v128_t infinite = wasm_i64x2_add(normal, rebias);
  // Zero and subnormal: 2^-14 * (1 + m / 1024) - 2^-14 = m * 2^-24, exact.
  const v128_t min_normal = wasm_f64x2_splat(0x1p-14);
  const v128_t subnormal = wasm_f64x2_sub(wasm_v128_or(shifted, min_normal), min_normal);

  v128_t result = normal;
  result = wasm_v128_bitselect(infinite, result, wasm_i64x2_eq(exponent, wasm_i64x2_splat(0x1fll << 52)));
  result = wasm_v128_bitselect(subnormal, result, wasm_i64x2_eq(exponent, wasm_i64x2_splat(0)));
  return wasm_v128_or(result, sign);
}

// Two u64 lanes holding bfloat16 bits -> f64x2. The exponent is 8 bits wide, rebiased by 896.
inline v128_t bfloat16_to_double_x2(v128_t bits_u64) {
  const v128_t sign = wasm_i64x2_shl(wasm_v128_and(bits_u64, wasm_i64x2_splat(0x8000)), 48);
  const v128_t shifted = wasm_i64x2_shl(wasm_v128_and(bits_u64, wasm_i64x2_splat(0x7fff)), 45);
  const v128_t exponent = wasm_v128_and(shifted, wasm_i64x2_splat(0xffll << 52));

  const v128_t rebias = wasm_i64x2_splat(896ll << 52);
  const v128_t normal = wasm_i64x2_add(shifted, rebias);
  const v128_t infinite = wasm_i64x2_add(normal, rebias);
  const v128_t min_normal = wasm_f64x2_splat(0x1p-126);
  const v128_t subnormal = wasm_f64x2_sub(wasm_v128_or(shifted, min_normal), min_normal);

  v128_t result = normal;
  result = wasm_v128_bitselect(infinite, result, wasm_i64x2_eq(exponent, wasm_i64x2_splat(0xffll << 52)));
  result = wasm_v128_bitselect(subnormal, result, wasm_i64x2_eq(exponent, wasm_i64x2_splat(0)));
  return wasm_v128_or(result, sign);
}

#endif  // __wasm_simd128__

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Encoders
// ---------------------------------------------------------------------------------------------------------

void encode_half_from_f32(const float* src, size_t n, uint16_t* dst) {
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + kBlock <= n; i += kBlock) {
    const v128_t low = float_to_half_x4(wasm_v128_load(src + i));
    const v128_t high = float_to_half_x4(wasm_v128_load(src + i + 4));
    wasm_v128_store(dst + i, wasm_u16x8_narrow_i32x4(low, high));
  }
#endif
  for (; i < n; ++i) dst[i] = float_to_half(src[i]);
}

void encode_bfloat16_from_f32(const float* src, size_t n, uint16_t* dst) {
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + kBlock <= n; i += kBlock) {
    const v128_t low = float_to_bfloat16_x4(wasm_v128_load(src + i));
    const v128_t high = float_to_bfloat16_x4(wasm_v128_load(src + i + 4));
    wasm_v128_store(dst + i, wasm_u16x8_narrow_i32x4(low, high));
  }
#endif
  for (; i < n; ++i) dst[i] = float_to_bfloat16(src[i]);
}

void encode_half_from_f64(const double* src, size_t n, uint16_t* dst) {
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + kBlock <= n; i += kBlock) {
    const v128_t a = double_to_half_x2(wasm_v128_load(src + i));
    const v128_t b = double_to_half_x2(wasm_v128_load(src + i + 2));
    const v128_t c = double_to_half_x2(wasm_v128_load(src + i + 4));
    const v128_t d = double_to_half_x2(wasm_v128_load(src + i + 6));
    wasm_v128_store(dst + i, pack_u64_lanes(a, b, c, d));
  }
#endif
  for (; i < n; ++i) dst[i] = double_to_half(src[i]);
}

void encode_bfloat16_from_f64(const double* src, size_t n, uint16_t* dst) {
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + kBlock <= n; i += kBlock) {
    const v128_t a = double_to_bfloat16_x2(wasm_v128_load(src + i));
    const v128_t b = double_to_bfloat16_x2(wasm_v128_load(src + i + 2));
    const v128_t c = double_to_bfloat16_x2(wasm_v128_load(src + i + 4));
    const v128_t d = double_to_bfloat16_x2(wasm_v128_load(src + i + 6));
    wasm_v128_store(dst + i, pack_u64_lanes(a, b, c, d));
  }
#endif
  for (; i < n; ++i) dst[i] = double_to_bfloat16(src[i]);
}

// ---------------------------------------------------------------------------------------------------------
// Decoders
// ---------------------------------------------------------------------------------------------------------

void decode_half_to_f32(const uint16_t* src, size_t n, float* dst) {
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + kBlock <= n; i += kBlock) {
    const F32x4Pair values = half_to_float_x8(wasm_v128_load(src + i));
    wasm_v128_store(dst + i, values.low);
    wasm_v128_store(dst + i + 4, values.high);
  }
#endif
  for (; i < n; ++i) dst[i] = half_to_float(src[i]);
}

void decode_bfloat16_to_f32(const uint16_t* src, size_t n, float* dst) {
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + kBlock <= n; i += kBlock) {
    const F32x4Pair values = bfloat16_to_float_x8(wasm_v128_load(src + i));
    wasm_v128_store(dst + i, values.low);
    wasm_v128_store(dst + i + 4, values.high);
  }
#endif
  for (; i < n; ++i) dst[i] = bfloat16_to_float(src[i]);
}

// The f64 decoders build the double's bits directly instead of promoting the f32 result, because
// f64x2.promote_low_f32x4 may quiet a signalling NaN and so change its bits.
void decode_half_to_f64(const uint16_t* src, size_t n, double* dst) {
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + kBlock <= n; i += kBlock) {
    const v128_t bits = wasm_v128_load(src + i);
    const v128_t low = wasm_u32x4_extend_low_u16x8(bits);
    const v128_t high = wasm_u32x4_extend_high_u16x8(bits);
    wasm_v128_store(dst + i, half_to_double_x2(wasm_u64x2_extend_low_u32x4(low)));
    wasm_v128_store(dst + i + 2, half_to_double_x2(wasm_u64x2_extend_high_u32x4(low)));
    wasm_v128_store(dst + i + 4, half_to_double_x2(wasm_u64x2_extend_low_u32x4(high)));
    wasm_v128_store(dst + i + 6, half_to_double_x2(wasm_u64x2_extend_high_u32x4(high)));
  }
#endif
  for (; i < n; ++i) dst[i] = half_to_double(src[i]);
}

void decode_bfloat16_to_f64(const uint16_t* src, size_t n, double* dst) {
  size_t i = 0;
#ifdef __wasm_simd128__
  for (; i + kBlock <= n; i += kBlock) {
    const v128_t bits = wasm_v128_load(src + i);
    const v128_t low = wasm_u32x4_extend_low_u16x8(bits);
    const v128_t high = wasm_u32x4_extend_high_u16x8(bits);
    wasm_v128_store(dst + i, bfloat16_to_double_x2(wasm_u64x2_extend_low_u32x4(low)));
    wasm_v128_store(dst + i + 2, bfloat16_to_double_x2(wasm_u64x2_extend_high_u32x4(low)));
    wasm_v128_store(dst + i + 4, bfloat16_to_double_x2(wasm_u64x2_extend_low_u32x4(high)));
    wasm_v128_store(dst + i + 6, bfloat16_to_double_x2(wasm_u64x2_extend_high_u32x4(high)));
  }
#endif
  for (; i < n; ++i) dst[i] = bfloat16_to_double(src[i]);
}

}  // namespace wasm_embedding
