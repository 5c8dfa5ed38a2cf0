// Element access for gradient buffers of float32, float64, float16 and bfloat16: backward passes load
// elements as double, accumulate in double and store each result rounded once to the storage type.
#pragma once

#include <cstdint>

#include "dtype.h"
#include "half.h"

namespace wasm_embedding {

template <typename T>
struct GradientTraits {
  using Storage = T;
  using Weight = T;  // per-sample weights of this gradient type
  static double load(T value) { return static_cast<double>(value); }
  static T store(double value) { return static_cast<T>(value); }
};

struct Float16Gradient {
  using Storage = uint16_t;
  using Weight = float;
  static double load(uint16_t bits) { return half_to_double(bits); }
  static uint16_t store(double value) { return double_to_half(value); }
};

struct BFloat16Gradient {
  using Storage = uint16_t;
  using Weight = float;
  static double load(uint16_t bits) { return bfloat16_to_double(bits); }
  static uint16_t store(double value) { return double_to_bfloat16(value); }
};

// Calls visit(traits) for a float dtype; returns false for other dtypes.
template <typename Visit>
bool with_gradient_traits(DType dtype, Visit&& visit) {
  switch (dtype) {
    case DType::kFloat32: visit(GradientTraits<float>{}); return true;
    case DType::kFloat64: visit(GradientTraits<double>{}); return true;
    case DType::kFloat16: visit(Float16Gradient{}); return true;
    case DType::kBFloat16: visit(BFloat16Gradient{}); return true;
    default: return false;
  }
}

}  // namespace wasm_embedding
