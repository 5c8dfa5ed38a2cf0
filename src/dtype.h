// Element types shared by the kernels, the bindings and the JS layer.
// The JS layer reads these codes from the module at load time, so this enum is their only definition.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wasm_embedding {

enum class DType : int32_t {
  kFloat32 = 0,
  kFloat64 = 1,
  kFloat16 = 2,
  kBFloat16 = 3,
  kInt8 = 4,
  kUInt8 = 5,
  kInt16 = 6,
  kUInt16 = 7,
  kInt32 = 8,
  kUInt32 = 9,
  kInt64 = 10,
};

constexpr int32_t kDTypeCount = 11;

// Size in bytes of one element; 0 for a code outside the enum.
inline size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
    case DType::kUInt8:
      return 1;
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kInt16:
    case DType::kUInt16:
      return 2;
    case DType::kFloat32:
    case DType::kInt32:
    case DType::kUInt32:
      return 4;
    case DType::kFloat64:
    case DType::kInt64:
      return 8;
  }
  return 0;
}

}  // namespace wasm_embedding
