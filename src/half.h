// IEEE 754 binary16 (float16, "half") and bfloat16 conversions: scalar functions, SIMD128 vector helpers
// and array kernels.
//
// Encoding rounds to nearest, ties to even, directly from the source value: a double is never rounded to
// float first, because that double rounding gives wrong results next to ties.
//   float16:  magnitudes of 65520 and above become ±Infinity, subnormals are kept and rounded, -0 keeps its
//             sign. A NaN stays NaN with its sign and top 10 payload bits, and the quiet bit 0x0200 is set.
//   bfloat16: magnitudes of (2 - 2^-8) * 2^127 and above become ±Infinity (so FLT_MAX does), subnormals are
//             kept (no flush to zero), and magnitudes up to 2^-134, half the smallest subnormal, become ±0.
//             A NaN stays NaN with its sign and top 7 payload bits, and the quiet bit 0x0040 is set, so a
//             signalling NaN whose payload sits only in the low bits never turns into Infinity.
// Decoding is exact: every finite value and infinity converts to the same value, and a NaN keeps its sign
// and payload bits (a signalling NaN stays signalling).
//
// double_to_half returns the value of JavaScript's Math.f16round (ECMAScript 2025), which MDN describes as
// the nearest float16, ties to even, with ±Infinity beyond the float16 range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {

namespace half_detail {

inline uint32_t float_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline float bits_to_float(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

inline uint64_t double_bits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline double bits_to_double(uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace half_detail

// ---------------------------------------------------------------------------------------------------------
// Scalar encoders
// ---------------------------------------------------------------------------------------------------------

inline uint16_t float_to_half(float value) {
  const uint32_t bits = half_detail::float_bits(value);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t magnitude = bits & 0x7fffffffu;

  if (magnitude > 0x7f800000u) {  // NaN
    return static_cast<uint16_t>(sign | 0x7e00u | ((magnitude >> 13) & 0x03ffu));
  }
  if (magnitude >= 0x477ff000u) {  // 65520.0f, the tie between 65504 and 2^16, rounds to even: Infinity
    return static_cast<uint16_t>(sign | 0x7c00u);
  }
  if (magnitude < 0x38800000u) {  // below 2^-14, the smallest normal float16
    // The float ulp in [0.5, 1) is 2^-24, the float16 subnormal step, so this addition rounds the
    // magnitude to a multiple of 2^-24, ties to even. The sum's low bits are then the float16 bits, and a
    // magnitude that rounds up to 2^-14 comes out as 0x0400, the smallest normal.
    const float rounded = half_detail::bits_to_float(magnitude) + 0.5f;
    return static_cast<uint16_t>(sign | (half_detail::float_bits(rounded) - 0x3f000000u));
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to nearest even. A
  // carry out of the mantissa increments the exponent, which is the correct result.
  const uint32_t odd = (magnitude >> 13) & 1u;
  const uint32_t rebiased = magnitude - (112u << 23) + 0x0fffu + odd;
  return static_cast<uint16_t>(sign | (rebiased >> 13));
}

inline uint16_t double_to_half(double value) {
  const uint64_t bits = half_detail::double_bits(value);
  const uint32_t sign = static_cast<uint32_t>(bits >> 48) & 0x8000u;
  const uint64_t magnitude = bits & 0x7fffffffffffffffull;

  if (magnitude > 0x7ff0000000000000ull) {  // NaN
    return static_cast<uint16_t>(sign | 0x7e00u | (static_cast<uint32_t>(magnitude >> 42) & 0x03ffu));
  }
  if (magnitude >= 0x40effe0000000000ull) {  // 65520.0
    return static_cast<uint16_t>(sign | 0x7c00u);
  }
  if (magnitude < 0x3f10000000000000ull) {  // below 2^-14
    // The double ulp in [2^28, 2^29) is 2^-24, so this addition rounds to the float16 subnormal step.
    const double rounded = half_detail::bits_to_double(magnitude) + 0x1p28;
    const uint64_t steps = half_detail::double_bits(rounded) - 0x41b0000000000000ull;  // bits of 2^28
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(steps));
  }
  // Normal: rebias the exponent (1023 -> 15) and round the 42 dropped mantissa bits to nearest even.
  const uint64_t odd = (magnitude >> 42) & 1u;
  const uint64_t rebiased = magnitude - (1008ull << 52) + ((1ull << 41) - 1) + odd;
  return static_cast<uint16_t>(sign | static_cast<uint32_t>(rebiased >> 42));
}

inline uint16_t float_to_bfloat16(float value) {
  const uint32_t bits = half_detail::float_bits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) {  // NaN
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  }
  // Rounding the 16 dropped bits to nearest even. A carry propagates into the exponent, so FLT_MAX and
  // everything from (2 - 2^-8) * 2^127 up reach 0x7f80, Infinity.
  const uint32_t odd = (bits >> 16) & 1u;
  return static_cast<uint16_t>((bits + 0x7fffu + odd) >> 16);
}

inline uint16_t double_to_bfloat16(double value) {
  const uint64_t bits = half_detail::double_bits(value);
  const uint32_t sign = static_cast<uint32_t>(bits >> 48) & 0x8000u;
  const uint64_t magnitude = bits & 0x7fffffffffffffffull;

  if (magnitude > 0x7ff0000000000000ull) {  // NaN
    return static_cast<uint16_t>(sign | 0x7fc0u | (static_cast<uint32_t>(magnitude >> 45) & 0x007fu));
  }
  if (magnitude >= 0x47eff00000000000ull) {  // (2 - 2^-8) * 2^127, the tie that rounds to even: Infinity
    return static_cast<uint16_t>(sign | 0x7f80u);
  }
  if (magnitude < 0x3810000000000000ull) {  // below 2^-126, the smallest normal bfloat16
    // The double ulp in [2^-81, 2^-80) is 2^-133, the bfloat16 subnormal step.
    const double rounded = half_detail::bits_to_double(magnitude) + 0x1p-81;
    const uint64_t steps = half_detail::double_bits(rounded) - 0x3ae0000000000000ull;  // bits of 2^-81
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(steps));
  }
  // Normal: rebias the exponent (1023 -> 127) and round the 45 dropped mantissa bits to nearest even.
  const uint64_t odd = (magnitude >> 45) & 1u;
  const uint64_t rebiased = magnitude - (896ull << 52) + ((1ull << 44) - 1) + odd;
  return static_cast<uint16_t>(sign | static_cast<uint32_t>(rebiased >> 45));
}

// ---------------------------------------------------------------------------------------------------------
// Scalar decoders (exact). They assemble the result's bits, so NaN payloads pass through unchanged.
// ---------------------------------------------------------------------------------------------------------

// Float16 decoding in one multiplication. The code's magnitude shifted left by 13 puts the float16 exponent
// and mantissa in the float32 fields, so as a float32 it is the float16 value times 2^-112 (exponent bias 127
// instead of 15). Multiplying by 2^112 is exact for normal codes and also for subnormal ones, whose shifted
// bits form the float32 subnormal m * 2^-136 that the multiplication turns into the normal m * 2^-24.
// Infinity and NaN (exponent 31) come out as 2^16 * (1 + m / 1024), so setting every exponent bit gives
// Infinity or the NaN with the same payload. The sign is ORed in last.
// NOTE: subnormal codes give the multiplication a float32 subnormal operand. The result is the same, but x86
// processors may take longer. On a 2-core AMD EPYC (Zen 3) under Node 20, gathers of rows made only of
// subnormal codes took 1.3x (64-element rows) to 4x (3-element rows) as long as gathers of normal values.
constexpr float kHalfToFloatScale = 0x1p112f;

inline float half_to_float(uint16_t half) {
  const uint32_t magnitude = half & 0x7fffu;
  const float scaled = half_detail::bits_to_float(magnitude << 13) * kHalfToFloatScale;
  const uint32_t infinite = magnitude > 0x7bffu ? 0x7f800000u : 0u;
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  return half_detail::bits_to_float(half_detail::float_bits(scaled) | infinite | sign);
}

inline double half_to_double(uint16_t half) {
  const uint64_t sign = static_cast<uint64_t>(half & 0x8000u) << 48;
  const uint64_t exponent = (half >> 10) & 0x1fu;
  const uint64_t mantissa = half & 0x03ffu;

  if (exponent == 0x1fu) {
    return half_detail::bits_to_double(sign | 0x7ff0000000000000ull | (mantissa << 42));
  }
  if (exponent == 0) {
    const double magnitude = static_cast<double>(mantissa) * 0x1p-24;
    return half_detail::bits_to_double(sign | half_detail::double_bits(magnitude));
  }
  return half_detail::bits_to_double(sign | ((exponent + 1008u) << 52) | (mantissa << 42));
}

inline float bfloat16_to_float(uint16_t bfloat16) {
  return half_detail::bits_to_float(static_cast<uint32_t>(bfloat16) << 16);
}

inline double bfloat16_to_double(uint16_t bfloat16) {
  const uint64_t sign = static_cast<uint64_t>(bfloat16 & 0x8000u) << 48;
  const uint64_t exponent = (bfloat16 >> 7) & 0xffu;
  const uint64_t mantissa = bfloat16 & 0x007fu;

  if (exponent == 0xffu) {
    return half_detail::bits_to_double(sign | 0x7ff0000000000000ull | (mantissa << 45));
  }
  if (exponent == 0) {
    const double magnitude = static_cast<double>(mantissa) * 0x1p-133;
    return half_detail::bits_to_double(sign | half_detail::double_bits(magnitude));
  }
  return half_detail::bits_to_double(sign | ((exponent + 896u) << 52) | (mantissa << 45));
}

// ---------------------------------------------------------------------------------------------------------
// SIMD128 helpers: the same conversions on four lanes. Encoded values travel in the low 16 bits of u32 lanes,
// so callers narrow or widen them with the u16x8/u32x4 instructions. The encoders leave the upper 16 bits
// zero, and the decoders ignore them. The _x8 decoders take eight codes as u16x8 lanes, as loaded from memory.
// ---------------------------------------------------------------------------------------------------------

#ifdef __wasm_simd128__

// Four u32 lanes holding float16 bits -> f32x4. Same steps as half_to_float.
static inline v128_t half_to_float_x4(v128_t bits_u32) {
  const v128_t magnitude = wasm_v128_and(bits_u32, wasm_i32x4_splat(0x7fff));
  const v128_t scaled = wasm_f32x4_mul(wasm_i32x4_shl(magnitude, 13), wasm_f32x4_splat(kHalfToFloatScale));
  const v128_t infinite =
      wasm_v128_and(wasm_i32x4_gt(magnitude, wasm_i32x4_splat(0x7bff)), wasm_i32x4_splat(0x7f800000));
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(bits_u32, wasm_i32x4_splat(0x8000)), 16);
  return wasm_v128_or(scaled, wasm_v128_or(infinite, sign));
}

// Two f32x4 vectors: the decoded lanes 0..3 and 4..7 of a u16x8 vector.
struct F32x4Pair {
  v128_t low;
  v128_t high;
};

// u16x8 lanes containing float16 bits -> f32x4 pair. The same steps as half_to_float_x4, with the masks and the
// Infinity/NaN test done once on eight 16-bit lanes. Interleaving 16-bit lanes with zero lanes below them
// places each code in the upper half of a 32-bit lane without a separate widening step.
static inline F32x4Pair half_to_float_x8(v128_t bits_u16) {
  const v128_t zero = wasm_i32x4_splat(0);
  const v128_t magnitude = wasm_v128_and(bits_u16, wasm_i16x8_splat(0x7fff));
  // The upper 16 bits of each result's float32: the sign, and all exponent bits for Infinity and NaN.
  const v128_t top = wasm_v128_or(
      wasm_v128_xor(bits_u16, magnitude),
      wasm_v128_and(wasm_i16x8_gt(magnitude, wasm_i16x8_splat(0x7bff)), wasm_i16x8_splat(0x7f80)));
  const v128_t scale = wasm_f32x4_splat(kHalfToFloatScale);
  // magnitude << 16, shifted right by 3: magnitude << 13.
  const v128_t low = wasm_u32x4_shr(wasm_i16x8_shuffle(zero, magnitude, 0, 8, 1, 9, 2, 10, 3, 11), 3);
  const v128_t high = wasm_u32x4_shr(wasm_i16x8_shuffle(zero, magnitude, 4, 12, 5, 13, 6, 14, 7, 15), 3);
  return F32x4Pair{
      wasm_v128_or(wasm_f32x4_mul(low, scale), wasm_i16x8_shuffle(zero, top, 0, 8, 1, 9, 2, 10, 3, 11)),
      wasm_v128_or(wasm_f32x4_mul(high, scale), wasm_i16x8_shuffle(zero, top, 4, 12, 5, 13, 6, 14, 7, 15))};
}

// Four u32 lanes holding bfloat16 bits -> f32x4.
static inline v128_t bfloat16_to_float_x4(v128_t bits_u32) {
  return wasm_i32x4_shl(bits_u32, 16);
}

// u16x8 lanes containing bfloat16 bits -> f32x4 pair: each code becomes the upper half of a 32-bit lane.
static inline F32x4Pair bfloat16_to_float_x8(v128_t bits_u16) {
  const v128_t zero = wasm_i32x4_splat(0);
  return F32x4Pair{wasm_i16x8_shuffle(zero, bits_u16, 0, 8, 1, 9, 2, 10, 3, 11),
                   wasm_i16x8_shuffle(zero, bits_u16, 4, 12, 5, 13, 6, 14, 7, 15)};
}

// f32x4 -> four u32 lanes holding float16 bits. Same steps as float_to_half.
static inline v128_t float_to_half_x4(v128_t f32x4) {
  const v128_t sign = wasm_v128_and(wasm_u32x4_shr(f32x4, 16), wasm_i32x4_splat(0x8000));
  const v128_t magnitude = wasm_v128_and(f32x4, wasm_i32x4_splat(0x7fffffff));

  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(magnitude, 13), wasm_i32x4_splat(1));
  const v128_t rebiased = wasm_i32x4_add(wasm_i32x4_add(magnitude, wasm_i32x4_splat(-(112 << 23) + 0x0fff)), odd);
  const v128_t normal = wasm_u32x4_shr(rebiased, 13);

  const v128_t half_one = wasm_f32x4_splat(0.5f);
  const v128_t subnormal = wasm_i32x4_sub(wasm_f32x4_add(magnitude, half_one), half_one);

  const v128_t nan = wasm_v128_or(wasm_v128_and(wasm_u32x4_shr(magnitude, 13), wasm_i32x4_splat(0x03ff)),
                                  wasm_i32x4_splat(0x7e00));

  v128_t result = normal;
  result = wasm_v128_bitselect(subnormal, result, wasm_i32x4_lt(magnitude, wasm_i32x4_splat(0x38800000)));
  result = wasm_v128_bitselect(wasm_i32x4_splat(0x7c00), result,
                               wasm_i32x4_ge(magnitude, wasm_i32x4_splat(0x477ff000)));
  result = wasm_v128_bitselect(nan, result, wasm_i32x4_gt(magnitude, wasm_i32x4_splat(0x7f800000)));
  return wasm_v128_or(result, sign);
}

// f32x4 -> four u32 lanes holding bfloat16 bits. Same steps as float_to_bfloat16.
static inline v128_t float_to_bfloat16_x4(v128_t f32x4) {
  const v128_t high = wasm_u32x4_shr(f32x4, 16);
  const v128_t odd = wasm_v128_and(high, wasm_i32x4_splat(1));
  const v128_t rounded = wasm_u32x4_shr(wasm_i32x4_add(wasm_i32x4_add(f32x4, wasm_i32x4_splat(0x7fff)), odd), 16);

  const v128_t nan = wasm_v128_or(high, wasm_i32x4_splat(0x0040));
  const v128_t magnitude = wasm_v128_and(f32x4, wasm_i32x4_splat(0x7fffffff));
  return wasm_v128_bitselect(nan, rounded, wasm_i32x4_gt(magnitude, wasm_i32x4_splat(0x7f800000)));
}

#endif  // __wasm_simd128__

// ---------------------------------------------------------------------------------------------------------
// Array kernels (half.cc). Each converts src[0..n) into dst[0..n). They read and write exactly n elements,
// never past the end: the SIMD body covers whole blocks of 8 elements and the scalar functions above convert
// the remaining tail. src and dst must not overlap. Pointers need only their type's natural alignment.
// ---------------------------------------------------------------------------------------------------------

void encode_half_from_f32(const float* src, size_t n, uint16_t* dst);
void encode_half_from_f64(const double* src, size_t n, uint16_t* dst);
void encode_bfloat16_from_f32(const float* src, size_t n, uint16_t* dst);
void encode_bfloat16_from_f64(const double* src, size_t n, uint16_t* dst);

void decode_half_to_f32(const uint16_t* src, size_t n, float* dst);
void decode_bfloat16_to_f32(const uint16_t* src, size_t n, float* dst);
void decode_half_to_f64(const uint16_t* src, size_t n, double* dst);
void decode_bfloat16_to_f64(const uint16_t* src, size_t n, double* dst);

}  // namespace wasm_embedding
