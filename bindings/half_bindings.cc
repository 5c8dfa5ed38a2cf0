// JS bindings for the float16 and bfloat16 array kernels. Each takes (src, n, dst): byte addresses into the
// module's memory and an element count, all plain JS numbers. The caller allocates both arrays.
#include <emscripten/bind.h>

#include <cstddef>
#include <cstdint>

#include "half.h"

namespace {

using namespace wasm_embedding;

void encode_half_from_f32_js(uintptr_t src, size_t n, uintptr_t dst) {
  encode_half_from_f32(reinterpret_cast<const float*>(src), n, reinterpret_cast<uint16_t*>(dst));
}

void encode_half_from_f64_js(uintptr_t src, size_t n, uintptr_t dst) {
  encode_half_from_f64(reinterpret_cast<const double*>(src), n, reinterpret_cast<uint16_t*>(dst));
}

void encode_bfloat16_from_f32_js(uintptr_t src, size_t n, uintptr_t dst) {
  encode_bfloat16_from_f32(reinterpret_cast<const float*>(src), n, reinterpret_cast<uint16_t*>(dst));
}

void encode_bfloat16_from_f64_js(uintptr_t src, size_t n, uintptr_t dst) {
  encode_bfloat16_from_f64(reinterpret_cast<const double*>(src), n, reinterpret_cast<uint16_t*>(dst));
}

void decode_half_to_f32_js(uintptr_t src, size_t n, uintptr_t dst) {
  decode_half_to_f32(reinterpret_cast<const uint16_t*>(src), n, reinterpret_cast<float*>(dst));
}

void decode_bfloat16_to_f32_js(uintptr_t src, size_t n, uintptr_t dst) {
  decode_bfloat16_to_f32(reinterpret_cast<const uint16_t*>(src), n, reinterpret_cast<float*>(dst));
}

void decode_half_to_f64_js(uintptr_t src, size_t n, uintptr_t dst) {
  decode_half_to_f64(reinterpret_cast<const uint16_t*>(src), n, reinterpret_cast<double*>(dst));
}

void decode_bfloat16_to_f64_js(uintptr_t src, size_t n, uintptr_t dst) {
  decode_bfloat16_to_f64(reinterpret_cast<const uint16_t*>(src), n, reinterpret_cast<double*>(dst));
}

}  // namespace

EMSCRIPTEN_BINDINGS(half_conversions) {
  emscripten::function("encodeHalfFromF32", &encode_half_from_f32_js);
  emscripten::function("encodeHalfFromF64", &encode_half_from_f64_js);
  emscripten::function("encodeBFloat16FromF32", &encode_bfloat16_from_f32_js);
  emscripten::function("encodeBFloat16FromF64", &encode_bfloat16_from_f64_js);
  emscripten::function("decodeHalfToF32", &decode_half_to_f32_js);
  emscripten::function("decodeBFloat16ToF32", &decode_bfloat16_to_f32_js);
  emscripten::function("decodeHalfToF64", &decode_half_to_f64_js);
  emscripten::function("decodeBFloat16ToF64", &decode_bfloat16_to_f64_js);
}
