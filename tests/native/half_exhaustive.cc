// Checks the float16 and bfloat16 conversions of half.h and half.cc against reference implementations
// written from the IEEE 754 definitions:
//   - every 16-bit pattern decodes exactly, to f32 and to f64;
//   - every one of the 2^32 float32 bit patterns encodes to the nearest value, ties to even;
//   - float64 inputs (seeded random doubles, every tie point between neighbouring codes and its neighbours,
//     overflow and subnormal boundaries, zeros, infinities, NaNs) encode to the nearest value, rounded once;
//   - the array kernels never read or write past n elements.
// The array kernels (SIMD128 in a -msimd128 build), the scalar functions and, in a SIMD build, the x4
// helpers are each compared with the reference. The first mismatch prints the input bits and every output,
// then the program exits with status 1.
#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "half.h"

using namespace wasm_embedding;

namespace {

#ifdef __wasm_simd128__
constexpr const char* kVariant = "simd128";
#else
constexpr const char* kVariant = "scalar";
#endif

constexpr size_t kBlock = 1 << 16;
constexpr size_t kRandomDoubles = size_t{1} << 24;  // per format
constexpr uint64_t kSeed = 0x5eed'f16b'f160'0001ull;

// Number of (input, conversion) pairs checked. Each pair is compared with every implementation that applies:
// the array kernel, the scalar function and, in a SIMD build, the x4 helper.
uint64_t check_count = 0;

uint32_t bits_of(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

uint64_t bits_of(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

float float_from_bits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

double double_from_bits(uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Describes an x4 helper's output for a mismatch message. The scalar build has no helpers, so it prints
// nothing there.
const char* describe_helper(uint32_t value, int hex_digits) {
#ifdef __wasm_simd128__
  static char text[48];
  std::snprintf(text, sizeof text, ", x4 helper 0x%0*x", hex_digits, value);
  return text;
#else
  (void)value;
  (void)hex_digits;
  return "";
#endif
}

[[noreturn]] void fail() {
  std::fflush(stdout);
  std::exit(1);
}

// The two formats under test, with the functions that convert them.

struct Half {
  static constexpr const char* kName = "float16";
  static constexpr int kMantissaBits = 10;
  static constexpr int kExponentBits = 5;

  static uint16_t from_float(float value) { return float_to_half(value); }
  static uint16_t from_double(double value) { return double_to_half(value); }
  static float to_float(uint16_t code) { return half_to_float(code); }
  static double to_double(uint16_t code) { return half_to_double(code); }
  static void encode_f32(const float* src, size_t n, uint16_t* dst) { encode_half_from_f32(src, n, dst); }
  static void encode_f64(const double* src, size_t n, uint16_t* dst) { encode_half_from_f64(src, n, dst); }
  static void decode_f32(const uint16_t* src, size_t n, float* dst) { decode_half_to_f32(src, n, dst); }
  static void decode_f64(const uint16_t* src, size_t n, double* dst) { decode_half_to_f64(src, n, dst); }
#ifdef __wasm_simd128__
  static v128_t from_float_x4(v128_t values) { return float_to_half_x4(values); }
  static v128_t to_float_x4(v128_t codes) { return half_to_float_x4(codes); }
#endif
};

struct BFloat16 {
  static constexpr const char* kName = "bfloat16";
  static constexpr int kMantissaBits = 7;
  static constexpr int kExponentBits = 8;

  static uint16_t from_float(float value) { return float_to_bfloat16(value); }
  static uint16_t from_double(double value) { return double_to_bfloat16(value); }
  static float to_float(uint16_t code) { return bfloat16_to_float(code); }
  static double to_double(uint16_t code) { return bfloat16_to_double(code); }
  static void encode_f32(const float* src, size_t n, uint16_t* dst) { encode_bfloat16_from_f32(src, n, dst); }
  static void encode_f64(const double* src, size_t n, uint16_t* dst) { encode_bfloat16_from_f64(src, n, dst); }
  static void decode_f32(const uint16_t* src, size_t n, float* dst) { decode_bfloat16_to_f32(src, n, dst); }
  static void decode_f64(const uint16_t* src, size_t n, double* dst) { decode_bfloat16_to_f64(src, n, dst); }
#ifdef __wasm_simd128__
  static v128_t from_float_x4(v128_t values) { return float_to_bfloat16_x4(values); }
  static v128_t to_float_x4(v128_t codes) { return bfloat16_to_float_x4(codes); }
#endif
};

// Reference conversions from the definition of a binary format with p mantissa bits and an e-bit exponent:
// a code (s, E, M) with 0 < E < 2^e - 1 is (-1)^s * 2^(E - bias) * (1 + M / 2^p), E = 0 gives
// (-1)^s * 2^(1 - bias) * M / 2^p, and E = 2^e - 1 is Infinity (M = 0) or NaN. The reference shares no code
// with half.h: it rounds by comparing the input with the exact midpoint of its two neighbouring codes.
template <typename Format>
class Reference {
 public:
  static constexpr int kMantissaBits = Format::kMantissaBits;
  static constexpr int kBias = (1 << (Format::kExponentBits - 1)) - 1;
  static constexpr int kMaxExponent = (1 << Format::kExponentBits) - 1;
  static constexpr uint16_t kInfinity = static_cast<uint16_t>(kMaxExponent << kMantissaBits);
  static constexpr uint16_t kQuietBit = static_cast<uint16_t>(1u << (kMantissaBits - 1));
  static constexpr uint16_t kMantissaMask = static_cast<uint16_t>((1u << kMantissaBits) - 1);

  Reference() : grid_(kInfinity + 1), midpoints_(kInfinity) {
    for (uint32_t code = 0; code < kInfinity; ++code) grid_[code] = magnitude(static_cast<uint16_t>(code));
    // Rounding treats Infinity as the next code of an unbounded exponent range, 2^(bias + 1), so values from
    // the midpoint between the largest finite code and 2^(bias + 1) upwards overflow (ties go to the even
    // code, which is Infinity).
    grid_[kInfinity] = std::ldexp(1.0, kBias + 1);
    // Exact: neighbouring codes differ in the last of their p + 1 significant bits, so the sum has at most
    // p + 2 of them.
    for (uint32_t code = 0; code < kInfinity; ++code) midpoints_[code] = (grid_[code] + grid_[code + 1]) / 2;
  }

  static bool is_nan(uint16_t code) { return (code & 0x7fffu) > kInfinity; }

  // Magnitude of a finite code, from the definition.
  static double magnitude(uint16_t code) {
    const int exponent = (code >> kMantissaBits) & kMaxExponent;
    const int mantissa = code & kMantissaMask;
    if (exponent == 0) return std::ldexp(static_cast<double>(mantissa), 1 - kBias - kMantissaBits);
    return std::ldexp(static_cast<double>((1 << kMantissaBits) + mantissa), exponent - kBias - kMantissaBits);
  }

  // Exact f32 bits of a code. A NaN keeps its sign and its payload, left-aligned in the f32 mantissa.
  static uint32_t float_bits(uint16_t code) {
    const uint32_t sign = static_cast<uint32_t>(code >> 15) << 31;
    if (is_nan(code)) return sign | 0x7f800000u | (static_cast<uint32_t>(code & kMantissaMask) << (23 - kMantissaBits));
    if ((code & 0x7fffu) == kInfinity) return sign | 0x7f800000u;
    return sign | bits_of(static_cast<float>(magnitude(code & 0x7fffu)));
  }

  // Exact f64 bits of a code, with the same NaN rule.
  static uint64_t double_bits(uint16_t code) {
    const uint64_t sign = static_cast<uint64_t>(code >> 15) << 63;
    if (is_nan(code)) {
      return sign | 0x7ff0000000000000ull | (static_cast<uint64_t>(code & kMantissaMask) << (52 - kMantissaBits));
    }
    if ((code & 0x7fffu) == kInfinity) return sign | 0x7ff0000000000000ull;
    return sign | bits_of(magnitude(code & 0x7fffu));
  }

  // A NaN encodes to a quiet NaN with the source's sign and the top p bits of its payload.
  static uint16_t encode_nan(bool negative, uint64_t source_mantissa, int source_mantissa_bits) {
    const uint64_t payload = source_mantissa >> (source_mantissa_bits - kMantissaBits);
    return static_cast<uint16_t>((negative ? 0x8000u : 0u) | kInfinity | kQuietBit | payload);
  }

  // Rounds a non-negative magnitude x to the nearest code, ties to the even code. `below` is the largest
  // code whose grid value is <= x (kInfinity when x >= 2^(bias + 1)).
  uint16_t round_magnitude(double x, uint32_t below) const {
    if (below >= kInfinity) return kInfinity;
    const double midpoint = midpoints_[below];
    if (x < midpoint) return static_cast<uint16_t>(below);
    if (x > midpoint) return static_cast<uint16_t>(below + 1);
    return static_cast<uint16_t>((below & 1) ? below + 1 : below);
  }

  // Largest code whose grid value is <= x, found by binary search.
  uint32_t code_below(double x) const {
    return static_cast<uint32_t>(std::upper_bound(grid_.begin(), grid_.end(), x) - grid_.begin() - 1);
  }

  // Advances `below` while the next grid value is still <= x: for increasing x this walks the grid once.
  void advance(double x, uint32_t& below) const {
    while (below < kInfinity && grid_[below + 1] <= x) ++below;
  }

  uint16_t encode_float(float x) const {
    const uint32_t bits = bits_of(x);
    if (std::isnan(x)) return encode_nan((bits >> 31) != 0, bits & 0x007fffffu, 23);
    return encode(static_cast<double>(x));
  }

  uint16_t encode(double x) const {
    const uint64_t bits = bits_of(x);
    const bool negative = (bits >> 63) != 0;
    if (std::isnan(x)) return encode_nan(negative, bits & 0x000fffffffffffffull, 52);
    const double magnitude_x = std::fabs(x);
    const uint16_t code = round_magnitude(magnitude_x, code_below(magnitude_x));
    return static_cast<uint16_t>((negative ? 0x8000u : 0u) | code);
  }

  // Value of a non-negative code, and for kInfinity the overflow point 2^(bias + 1).
  double grid(uint32_t code) const { return grid_[code]; }

  // Midpoint between code and code + 1, for code < kInfinity.
  double midpoint(uint32_t code) const { return midpoints_[code]; }

 private:
  std::vector<double> grid_;
  std::vector<double> midpoints_;
};

// ---------------------------------------------------------------------------------------------------------
// Decoding: all 65536 codes
// ---------------------------------------------------------------------------------------------------------

template <typename Format>
void check_decode_all() {
  using Ref = Reference<Format>;
  const auto start = std::chrono::steady_clock::now();

  std::vector<uint16_t> codes(kBlock);
  for (size_t i = 0; i < kBlock; ++i) codes[i] = static_cast<uint16_t>(i);
  std::vector<float> kernel_f32(kBlock);
  std::vector<double> kernel_f64(kBlock);
  Format::decode_f32(codes.data(), kBlock, kernel_f32.data());
  Format::decode_f64(codes.data(), kBlock, kernel_f64.data());

#ifdef __wasm_simd128__
  // The helpers ignore the upper 16 bits of each lane, so a nonzero pattern there must not change the result.
  std::vector<float> helper_f32(kBlock);
  for (size_t i = 0; i < kBlock; i += 4) {
    const uint32_t upper = 0xa5c30000u;
    const v128_t lanes =
        wasm_u32x4_make(upper | codes[i], upper | codes[i + 1], upper | codes[i + 2], upper | codes[i + 3]);
    wasm_v128_store(&helper_f32[i], Format::to_float_x4(lanes));
  }
#endif

#pragma clang loop vectorize(disable)
  for (size_t i = 0; i < kBlock; ++i) {
    const uint16_t code = codes[i];
    const uint32_t expected_f32 = Ref::float_bits(code);
    const uint64_t expected_f64 = Ref::double_bits(code);
    const uint32_t scalar_f32 = bits_of(Format::to_float(code));
    const uint64_t scalar_f64 = bits_of(Format::to_double(code));
    const uint32_t array_f32 = bits_of(kernel_f32[i]);
    const uint64_t array_f64 = bits_of(kernel_f64[i]);
#ifdef __wasm_simd128__
    const uint32_t helper = bits_of(helper_f32[i]);
#else
    const uint32_t helper = expected_f32;
#endif
    if (array_f32 != expected_f32 || scalar_f32 != expected_f32 || helper != expected_f32) {
      std::printf("%s decode to f32 mismatch: input 0x%04x: kernel 0x%08x, scalar 0x%08x%s, reference 0x%08x\n",
                  Format::kName, code, array_f32, scalar_f32, describe_helper(helper, 8), expected_f32);
      fail();
    }
    if (array_f64 != expected_f64 || scalar_f64 != expected_f64) {
      std::printf("%s decode to f64 mismatch: input 0x%04x: kernel 0x%016" PRIx64 ", scalar 0x%016" PRIx64
                  ", reference 0x%016" PRIx64 "\n",
                  Format::kName, code, array_f64, scalar_f64, expected_f64);
      fail();
    }

    // Round trip: a decoded value encodes back to its code, except that a NaN comes back quiet.
    const uint16_t round_trip_expected = Ref::is_nan(code) ? static_cast<uint16_t>(code | Ref::kQuietBit) : code;
    const uint16_t from_f32 = Format::from_float(Format::to_float(code));
    const uint16_t from_f64 = Format::from_double(Format::to_double(code));
    if (from_f32 != round_trip_expected || from_f64 != round_trip_expected) {
      std::printf("%s round trip mismatch: input 0x%04x: via f32 0x%04x, via f64 0x%04x, expected 0x%04x\n",
                  Format::kName, code, from_f32, from_f64, round_trip_expected);
      fail();
    }
  }
  check_count += 2 * kBlock;
  std::printf("%s decode: 65536 codes to f32 and f64 exact, %.2f s\n", Format::kName, seconds_since(start));
}

// ---------------------------------------------------------------------------------------------------------
// Encoding from f32: all 2^32 bit patterns
// ---------------------------------------------------------------------------------------------------------

template <typename Format>
void report_f32_mismatch(uint32_t input, uint16_t kernel, uint16_t scalar, uint32_t helper, uint16_t expected) {
  std::printf("%s encode from f32 mismatch: input 0x%08x (%a): kernel 0x%04x, scalar 0x%04x%s, reference 0x%04x\n",
              Format::kName, input, static_cast<double>(float_from_bits(input)), kernel, scalar,
              describe_helper(helper, 8), expected);
  fail();
}

// Walks the magnitudes 0 to 0x7fffffff in blocks of 2^16 patterns and checks each positive block and its
// negative twin. The reference for -x is the reference for x with the sign bit set.
template <typename Format>
void check_encode_f32_all() {
  using Ref = Reference<Format>;
  const Ref reference;
  const auto start = std::chrono::steady_clock::now();

  std::vector<float> positive(kBlock);
  std::vector<float> negative(kBlock);
  std::vector<uint16_t> expected(kBlock);
  std::vector<uint16_t> kernel_positive(kBlock);
  std::vector<uint16_t> kernel_negative(kBlock);
#ifdef __wasm_simd128__
  std::vector<uint32_t> helper_positive(kBlock);
  std::vector<uint32_t> helper_negative(kBlock);
#endif
  uint32_t below = 0;

  for (uint32_t block = 0; block < 0x8000u; ++block) {
    for (uint32_t i = 0; i < kBlock; ++i) {
      const uint32_t bits = (block << 16) | i;
      positive[i] = float_from_bits(bits);
      negative[i] = float_from_bits(bits | 0x80000000u);
    }

    // Magnitudes increase with their bit patterns, so the neighbouring code is found by walking forward.
    for (uint32_t i = 0; i < kBlock; ++i) {
      const uint32_t bits = (block << 16) | i;
      if (bits > 0x7f800000u) {
        expected[i] = Ref::encode_nan(false, bits & 0x007fffffu, 23);
      } else {
        const double x = positive[i];
        reference.advance(x, below);
        expected[i] = reference.round_magnitude(x, below);
      }
    }

    Format::encode_f32(positive.data(), kBlock, kernel_positive.data());
    Format::encode_f32(negative.data(), kBlock, kernel_negative.data());
#ifdef __wasm_simd128__
    for (uint32_t i = 0; i < kBlock; i += 4) {
      wasm_v128_store(&helper_positive[i], Format::from_float_x4(wasm_v128_load(&positive[i])));
      wasm_v128_store(&helper_negative[i], Format::from_float_x4(wasm_v128_load(&negative[i])));
    }
#endif

    // Differences are OR-ed together, so the common path has no branches. A block with any difference is
    // scanned again for its first mismatch.
    uint32_t differences = 0;
#pragma clang loop vectorize(disable)
    for (uint32_t i = 0; i < kBlock; ++i) {
      const uint32_t expected_positive = expected[i];
      const uint32_t expected_negative = expected[i] | 0x8000u;
      differences |= (kernel_positive[i] ^ expected_positive) | (kernel_negative[i] ^ expected_negative);
      differences |= (Format::from_float(positive[i]) ^ expected_positive) |
                     (Format::from_float(negative[i]) ^ expected_negative);
#ifdef __wasm_simd128__
      differences |= (helper_positive[i] ^ expected_positive) | (helper_negative[i] ^ expected_negative);
#endif
    }
    if (differences != 0) {
      for (uint32_t i = 0; i < kBlock; ++i) {
        const uint16_t expected_negative = static_cast<uint16_t>(expected[i] | 0x8000u);
#ifdef __wasm_simd128__
        const uint32_t lane_positive = helper_positive[i];
        const uint32_t lane_negative = helper_negative[i];
#else
        const uint32_t lane_positive = expected[i];
        const uint32_t lane_negative = expected_negative;
#endif
        const uint16_t scalar_positive = Format::from_float(positive[i]);
        const uint16_t scalar_negative = Format::from_float(negative[i]);
        if (kernel_positive[i] != expected[i] || scalar_positive != expected[i] || lane_positive != expected[i]) {
          report_f32_mismatch<Format>((block << 16) | i, kernel_positive[i], scalar_positive, lane_positive,
                                      expected[i]);
        }
        if (kernel_negative[i] != expected_negative || scalar_negative != expected_negative ||
            lane_negative != expected_negative) {
          report_f32_mismatch<Format>((block << 16) | i | 0x80000000u, kernel_negative[i], scalar_negative,
                                      lane_negative, expected_negative);
        }
      }
    }
    check_count += 2 * kBlock;
  }
  std::printf("%s encode from f32: all 4294967296 bit patterns, %.2f s\n", Format::kName, seconds_since(start));
}

// ---------------------------------------------------------------------------------------------------------
// Encoding from f64
// ---------------------------------------------------------------------------------------------------------

// Runs one batch of doubles through the array kernel and the scalar function and compares both with the
// reference. Batches of any length exercise the kernel's SIMD body and its scalar tail.
template <typename Format>
void check_encode_f64(const std::vector<double>& inputs, const Reference<Format>& reference, const char* label) {
  std::vector<uint16_t> kernel(inputs.size());
  Format::encode_f64(inputs.data(), inputs.size(), kernel.data());

#pragma clang loop vectorize(disable)
  for (size_t i = 0; i < inputs.size(); ++i) {
    const uint16_t expected = reference.encode(inputs[i]);
    const uint16_t scalar = Format::from_double(inputs[i]);
    if (kernel[i] != expected || scalar != expected) {
      std::printf("%s encode from f64 mismatch (%s): input 0x%016" PRIx64 " (%.17g): kernel 0x%04x, scalar "
                  "0x%04x, reference 0x%04x\n",
                  Format::kName, label, bits_of(inputs[i]), inputs[i], kernel[i], scalar, expected);
      fail();
    }
  }
  check_count += inputs.size();
}

template <typename Format>
void check_encode_f64_targeted() {
  using Ref = Reference<Format>;
  const Ref reference;
  const auto start = std::chrono::steady_clock::now();
  const double infinity = std::numeric_limits<double>::infinity();

  // Every code, every midpoint between neighbouring codes (including the overflow midpoint below
  // 2^(bias + 1)), and the doubles adjacent to each, with both signs.
  std::vector<double> points;
  for (uint32_t code = 0; code < Ref::kInfinity; ++code) {
    const double low = reference.grid(code);
    const double midpoint = reference.midpoint(code);
    for (const double x : {low, std::nextafter(low, infinity), midpoint, std::nextafter(midpoint, 0.0),
                           std::nextafter(midpoint, infinity)}) {
      points.push_back(x);
      points.push_back(-x);
    }
    if (code > 0) {
      points.push_back(std::nextafter(low, 0.0));
      points.push_back(-std::nextafter(low, 0.0));
    }
  }
  const size_t tie_points = points.size();
  check_encode_f64<Format>(points, reference, "tie points and neighbours");

  // Boundaries of both formats and of double itself.
  const double half_max = 65504.0;
  const double bfloat16_max = std::ldexp(255.0, 120);
  std::vector<double> boundaries = {
      0.0, half_max, std::nextafter(65520.0, 0.0), 65520.0, std::nextafter(65520.0, infinity), 65536.0,
      bfloat16_max, std::ldexp(511.0, 119), std::nextafter(std::ldexp(511.0, 119), 0.0), FLT_MAX,
      std::nextafter(static_cast<double>(FLT_MAX), infinity), std::ldexp(1.0, 128), DBL_MAX, infinity,
      // float16 subnormal and normal boundaries
      std::ldexp(1.0, -24), std::ldexp(1.0, -25), std::nextafter(std::ldexp(1.0, -25), infinity),
      std::nextafter(std::ldexp(1.0, -25), 0.0), std::ldexp(3.0, -26), std::ldexp(1023.0, -24),
      std::ldexp(2047.0, -25), std::nextafter(std::ldexp(2047.0, -25), 0.0), std::ldexp(1.0, -14),
      std::nextafter(std::ldexp(1.0, -14), 0.0),
      // bfloat16 subnormal and normal boundaries
      std::ldexp(1.0, -133), std::ldexp(1.0, -134), std::nextafter(std::ldexp(1.0, -134), infinity),
      std::nextafter(std::ldexp(1.0, -134), 0.0), std::ldexp(127.0, -133), std::ldexp(255.0, -134),
      std::ldexp(1.0, -126), FLT_MIN, std::nextafter(static_cast<double>(FLT_MIN), 0.0),
      static_cast<double>(std::numeric_limits<float>::denorm_min()),
      // double's own subnormal range
      std::numeric_limits<double>::denorm_min(), DBL_MIN, std::nextafter(DBL_MIN, 0.0)};
  const size_t boundary_count = boundaries.size();
  for (size_t i = 0; i < boundary_count; ++i) boundaries.push_back(-boundaries[i]);

  // NaNs: quiet and signalling, payloads only in the bits the encoder drops, only in the bits it keeps, and
  // everywhere, with both signs.
  const uint64_t low_payload_mask = (uint64_t{1} << (52 - Format::kMantissaBits)) - 1;
  for (const uint64_t payload :
       {uint64_t{1}, low_payload_mask, uint64_t{1} << (52 - Format::kMantissaBits), uint64_t{1} << 50,
        uint64_t{1} << 51, (uint64_t{1} << 51) | 1, uint64_t{0x000fffffffffffff}, uint64_t{0x0005555555555555}}) {
    boundaries.push_back(double_from_bits(0x7ff0000000000000ull | payload));
    boundaries.push_back(double_from_bits(0xfff0000000000000ull | payload));
  }
  check_encode_f64<Format>(boundaries, reference, "boundaries");

  std::printf("%s encode from f64: %zu tie points and neighbours, %zu boundary values, %.2f s\n", Format::kName,
              tie_points, boundaries.size(), seconds_since(start));
}

// Seeded random doubles from three distributions: uniform bit patterns (mostly far outside the format's
// range), random mantissas with exponents spanning the format's range, and points just above or below a
// random midpoint between neighbouring codes.
template <typename Format>
void check_encode_f64_random() {
  using Ref = Reference<Format>;
  const Ref reference;
  const auto start = std::chrono::steady_clock::now();
  std::mt19937_64 random(kSeed);

  const int min_exponent = 1 - Ref::kBias - Format::kMantissaBits - 3;
  const int max_exponent = Ref::kBias + 2;
  std::uniform_int_distribution<int> exponent_distribution(min_exponent, max_exponent);
  std::uniform_int_distribution<uint32_t> code_distribution(0, Ref::kInfinity - 1);
  std::uniform_int_distribution<int> width_distribution(0, 52);

  std::vector<double> batch(kBlock - 3);  // not a multiple of 8, so every batch also runs a scalar tail
  for (size_t done = 0; done < kRandomDoubles; done += batch.size()) {
    for (size_t i = 0; i < batch.size(); ++i) {
      const uint64_t bits = random();
      switch (i % 4) {
        case 0:
          batch[i] = double_from_bits(bits);
          break;
        case 1:
        case 2: {
          const double mantissa = double_from_bits(0x3ff0000000000000ull | (bits & 0x000fffffffffffffull));
          const double x = std::ldexp(mantissa, exponent_distribution(random));
          batch[i] = (bits >> 63) ? -x : x;
          break;
        }
        default: {
          const uint32_t code = code_distribution(random);
          const double midpoint = reference.midpoint(code);
          const uint64_t offset = bits & ((uint64_t{1} << width_distribution(random)) - 1);
          const uint64_t midpoint_bits = bits_of(midpoint);
          const double x = double_from_bits((bits >> 62) & 1 ? midpoint_bits + offset : midpoint_bits - offset);
          batch[i] = (bits >> 63) ? -x : x;
          break;
        }
      }
    }
    check_encode_f64<Format>(batch, reference, "random");
  }
  std::printf("%s encode from f64: %zu seeded random doubles, %.2f s\n", Format::kName,
              (kRandomDoubles + batch.size() - 1) / batch.size() * batch.size(), seconds_since(start));
}

// ---------------------------------------------------------------------------------------------------------
// Facts from the format definitions, checked against the reference and the converters
// ---------------------------------------------------------------------------------------------------------

// Runs the array kernel on nine copies of one input, so that eight pass through the SIMD body and one
// through the scalar tail. Returns the first output that differs from `expected`, or `expected` when all match.
template <typename Source>
uint16_t encode_copies(void (*kernel)(const Source*, size_t, uint16_t*), Source input, uint16_t expected) {
  Source inputs[9];
  uint16_t outputs[9];
  std::fill(std::begin(inputs), std::end(inputs), input);
  kernel(inputs, 9, outputs);
  for (const uint16_t output : outputs) {
    if (output != expected) return output;
  }
  return expected;
}

template <typename Format>
void check_fact(double input, uint16_t expected, const char* description) {
  const Reference<Format> reference;
  const uint16_t from_reference = reference.encode(input);
  const uint16_t from_scalar = Format::from_double(input);
  const uint16_t from_kernel = encode_copies<double>(Format::encode_f64, input, expected);
  if (from_reference != expected || from_scalar != expected || from_kernel != expected) {
    std::printf("%s fact failed: %s: input 0x%016" PRIx64 ": reference 0x%04x, scalar 0x%04x, kernel 0x%04x, "
                "expected 0x%04x\n",
                Format::kName, description, bits_of(input), from_reference, from_scalar, from_kernel, expected);
    fail();
  }
  ++check_count;
}

template <typename Format>
void check_fact_f32(uint32_t input_bits, uint16_t expected, const char* description) {
  const Reference<Format> reference;
  const float input = float_from_bits(input_bits);
  const uint16_t from_reference = reference.encode_float(input);
  const uint16_t from_scalar = Format::from_float(input);
  const uint16_t from_kernel = encode_copies<float>(Format::encode_f32, input, expected);
  if (from_reference != expected || from_scalar != expected || from_kernel != expected) {
    std::printf("%s fact failed: %s: input 0x%08x: reference 0x%04x, scalar 0x%04x, kernel 0x%04x, expected "
                "0x%04x\n",
                Format::kName, description, input_bits, from_reference, from_scalar, from_kernel, expected);
    fail();
  }
  ++check_count;
}

void check_facts() {
  check_fact<Half>(1.0, 0x3c00, "1 is exact");
  check_fact<Half>(-0.0, 0x8000, "-0 keeps its sign");
  check_fact<Half>(65504.0, 0x7bff, "65504 is the largest finite float16");
  check_fact<Half>(std::nextafter(65520.0, 0.0), 0x7bff, "just below 65520 rounds down");
  check_fact<Half>(65520.0, 0x7c00, "65520 overflows to Infinity");
  check_fact<Half>(-65520.0, 0xfc00, "-65520 overflows to -Infinity");
  check_fact<Half>(std::ldexp(1.0, -24), 0x0001, "2^-24 is the smallest subnormal");
  check_fact<Half>(std::ldexp(1.0, -25), 0x0000, "2^-25 ties to even zero");
  check_fact<Half>(std::ldexp(3.0, -25), 0x0002, "3 * 2^-25 ties to even 2 * 2^-24");
  check_fact<Half>(std::nextafter(std::ldexp(1.0, -25), 1.0), 0x0001, "just above 2^-25 rounds up");
  check_fact<Half>(1.0 + std::ldexp(1.0, -11), 0x3c00, "1 + 2^-11 ties to even 1");
  check_fact<Half>(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40), 0x3c01,
                   "1 + 2^-11 + 2^-40 rounds up, with no rounding through float");
  check_fact<Half>(double_from_bits(0x7ff0000000000001ull), 0x7e00, "signalling NaN becomes quiet NaN");
  check_fact_f32<Half>(0x3f801000u, 0x3c00, "f32 1 + 2^-11 ties to even 1");
  check_fact_f32<Half>(0x3f803000u, 0x3c02, "f32 1 + 3 * 2^-11 ties to even 1 + 2^-9");
  check_fact_f32<Half>(0x477ff000u, 0x7c00, "f32 65520 overflows to Infinity");
  check_fact_f32<Half>(0x477fefffu, 0x7bff, "f32 just below 65520 rounds down");
  check_fact_f32<Half>(0x33000000u, 0x0000, "f32 2^-25 ties to even zero");
  check_fact_f32<Half>(0x7f800001u, 0x7e00, "signalling f32 NaN becomes quiet NaN");
  check_fact_f32<Half>(0xff800000u, 0xfc00, "-Infinity stays -Infinity");

  check_fact<BFloat16>(1.0, 0x3f80, "1 is exact");
  check_fact<BFloat16>(-0.0, 0x8000, "-0 keeps its sign");
  check_fact<BFloat16>(FLT_MAX, 0x7f80, "FLT_MAX rounds to Infinity");
  check_fact<BFloat16>(1e300, 0x7f80, "a double beyond the float range overflows");
  check_fact<BFloat16>(-1e300, 0xff80, "a negative double beyond the float range overflows");
  check_fact<BFloat16>(std::ldexp(1.0, -133), 0x0001, "2^-133 is the smallest subnormal");
  check_fact<BFloat16>(std::ldexp(1.0, -134), 0x0000, "half the smallest subnormal ties to zero");
  check_fact<BFloat16>(-std::ldexp(1.0, -140), 0x8000, "a tiny negative double gives -0");
  check_fact<BFloat16>(std::nextafter(std::ldexp(1.0, -134), 1.0), 0x0001, "just above 2^-134 rounds up");
  check_fact<BFloat16>(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -40), 0x3f81,
                       "1 + 2^-8 + 2^-40 rounds up, with no rounding through float");
  check_fact<BFloat16>(double_from_bits(0x7ff0000000000001ull), 0x7fc0, "signalling NaN becomes quiet NaN");
  check_fact_f32<BFloat16>(0x7f800001u, 0x7fc0, "signalling f32 NaN with a low payload stays NaN");
  check_fact_f32<BFloat16>(0x7f7fffffu, 0x7f80, "FLT_MAX from f32 rounds to Infinity");
  check_fact_f32<BFloat16>(0x00000001u, 0x0000, "the smallest f32 subnormal rounds to zero");
  check_fact_f32<BFloat16>(0x00008000u, 0x0000, "the f32 subnormal 2^-134 ties to zero");
  check_fact_f32<BFloat16>(0x00018000u, 0x0002, "the f32 subnormal 3 * 2^-134 ties to even 2 * 2^-133");
  std::printf("facts from the format definitions: passed\n");
}

// ---------------------------------------------------------------------------------------------------------
// Tails and bounds
// ---------------------------------------------------------------------------------------------------------

// Runs a kernel on n = 0 .. 40 elements twice: once with the source ending exactly at the end of wasm
// memory, and once with the destination ending there. Any read or write past n elements then traps with
// "memory access out of bounds", which ends the program with a non-zero status. Guard values around the
// other array catch writes before dst or past its end.
template <typename Source, typename Destination, typename Kernel, typename Scalar, typename Make>
void check_bounds(const char* name, Kernel kernel, Scalar scalar, Make make_source) {
  constexpr size_t kMaxCount = 40;
  constexpr size_t kGuard = 8;
  Destination guard_value;
  std::memset(&guard_value, 0xa5, sizeof guard_value);
  std::vector<Source> source_copy(kMaxCount);
  std::vector<Destination> guarded(kMaxCount + 2 * kGuard);

  auto* const memory_end = reinterpret_cast<unsigned char*>(__builtin_wasm_memory_size(0) * 65536);
  // Measured after the allocations above, so nothing below moves the heap end.
  auto* const heap_end = static_cast<unsigned char*>(sbrk(0));
  const size_t needed = kMaxCount * std::max(sizeof(Source), sizeof(Destination));
  if (heap_end + needed > memory_end) {
    std::printf("%s bounds check failed: only %td bytes free between the heap end and the end of memory, "
                "need %zu\n",
                name, memory_end - heap_end, needed);
    fail();
  }

  for (size_t n = 0; n <= kMaxCount; ++n) {
    for (size_t i = 0; i < n; ++i) source_copy[i] = make_source(i * 7919 + n);

    // Source flush against the end of memory.
    auto* const source_at_end = reinterpret_cast<Source*>(memory_end - n * sizeof(Source));
    std::copy(source_copy.begin(), source_copy.begin() + n, source_at_end);
    std::fill(guarded.begin(), guarded.end(), guard_value);
    kernel(source_at_end, n, guarded.data() + kGuard);
    for (size_t i = 0; i < guarded.size(); ++i) {
      const bool inside = i >= kGuard && i < kGuard + n;
      Destination expected = inside ? scalar(source_copy[i - kGuard]) : guard_value;
      if (std::memcmp(&guarded[i], &expected, sizeof expected) != 0) {
        std::printf("%s bounds check failed: n = %zu, destination slot %td (%s) changed or converted wrongly\n",
                    name, n, static_cast<ptrdiff_t>(i) - static_cast<ptrdiff_t>(kGuard),
                    inside ? "inside" : "guard");
        fail();
      }
    }

    // Destination flush against the end of memory.
    auto* const destination_at_end = reinterpret_cast<Destination*>(memory_end - n * sizeof(Destination));
    kernel(source_copy.data(), n, destination_at_end);
    for (size_t i = 0; i < n; ++i) {
      Destination expected = scalar(source_copy[i]);
      if (std::memcmp(&destination_at_end[i], &expected, sizeof expected) != 0) {
        std::printf("%s bounds check failed: n = %zu, element %zu at the end of memory converted wrongly\n",
                    name, n, i);
        fail();
      }
    }
    check_count += 2 * n;
  }
}

void check_all_bounds() {
  const auto start = std::chrono::steady_clock::now();
  // Values spread over many binades with both signs, and codes spread over all 16-bit patterns.
  const auto make_double = [](size_t i) {
    return std::ldexp(static_cast<double>(i % 89) - 44.7, static_cast<int>(i % 43) - 21);
  };
  const auto make_float = [&](size_t i) { return static_cast<float>(make_double(i)); };
  const auto make_code = [](size_t i) { return static_cast<uint16_t>((i * 40503u) >> 3); };

  check_bounds<float, uint16_t>("encode_half_from_f32", encode_half_from_f32, float_to_half, make_float);
  check_bounds<double, uint16_t>("encode_half_from_f64", encode_half_from_f64, double_to_half, make_double);
  check_bounds<float, uint16_t>("encode_bfloat16_from_f32", encode_bfloat16_from_f32, float_to_bfloat16,
                                make_float);
  check_bounds<double, uint16_t>("encode_bfloat16_from_f64", encode_bfloat16_from_f64, double_to_bfloat16,
                                 make_double);
  check_bounds<uint16_t, float>("decode_half_to_f32", decode_half_to_f32, half_to_float, make_code);
  check_bounds<uint16_t, float>("decode_bfloat16_to_f32", decode_bfloat16_to_f32, bfloat16_to_float, make_code);
  check_bounds<uint16_t, double>("decode_half_to_f64", decode_half_to_f64, half_to_double, make_code);
  check_bounds<uint16_t, double>("decode_bfloat16_to_f64", decode_bfloat16_to_f64, bfloat16_to_double,
                                 make_code);
  std::printf("tails and bounds: 8 kernels, n = 0 to 40, no access past n elements, %.2f s\n",
              seconds_since(start));
}

}  // namespace

int main() {
  const auto start = std::chrono::steady_clock::now();
  std::printf("half_exhaustive (%s build), seed 0x%016" PRIx64 "\n", kVariant, kSeed);

  check_facts();
  check_all_bounds();
  check_decode_all<Half>();
  check_decode_all<BFloat16>();
  check_encode_f64_targeted<Half>();
  check_encode_f64_targeted<BFloat16>();
  check_encode_f64_random<Half>();
  check_encode_f64_random<BFloat16>();
  check_encode_f32_all<Half>();
  check_encode_f32_all<BFloat16>();

  std::printf("half_exhaustive (%s build): all %" PRIu64 " checks passed in %.1f s\n", kVariant, check_count,
              seconds_since(start));
  return 0;
}
