// Table rows read as float32 values, whatever their storage: float32, float16, bfloat16, or 8-bit codes
// with a per-row scale and offset. The bag and the decoding gather share these readers.
//
// A reader's row(r) returns a view with at(d), the element d as float, and (in SIMD builds) load4(d), the
// elements d..d+3 as f32x4. Quantized elements decode as code * scale + offset; symmetric int8 rows have
// offset 0. Views read only inside their row: callers handle the last row_elems % 4 elements with at().
#pragma once

#include <cstddef>
#include <cstdint>

#include "half.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {

// Storage format of a table's rows. The JS layer passes these codes (see ROW_FORMAT_* in the bindings).
enum class RowFormat : int32_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kBFloat16 = 2,
  kQuantizedInt8 = 3,
  kQuantizedUInt8 = 4,
  kFloat64 = 5,
};

// A table in wasm memory. scales and offsets have one entry per row and are used by the quantized formats.
struct RowSource {
  RowFormat format;
  const void* data;
  size_t row_elems;
  const float* scales;
  const float* offsets;
};

struct Float32Reader {
  struct View {
    const float* values;
    float at(size_t d) const { return values[d]; }
#ifdef __wasm_simd128__
    v128_t load4(size_t d) const { return wasm_v128_load(values + d); }
#endif
  };
  const float* base;
  size_t row_elems;
  explicit Float32Reader(const RowSource& source)
      : base(static_cast<const float*>(source.data)), row_elems(source.row_elems) {}
  View row(int32_t r) const { return View{base + static_cast<size_t>(r) * row_elems}; }
};

struct Float16Reader {
  struct View {
    const uint16_t* bits;
    float at(size_t d) const { return half_to_float(bits[d]); }
#ifdef __wasm_simd128__
    v128_t load4(size_t d) const { return half_to_float_x4(wasm_u32x4_load16x4(bits + d)); }
#endif
  };
  const uint16_t* base;
  size_t row_elems;
  explicit Float16Reader(const RowSource& source)
      : base(static_cast<const uint16_t*>(source.data)), row_elems(source.row_elems) {}
  View row(int32_t r) const { return View{base + static_cast<size_t>(r) * row_elems}; }
};

struct BFloat16Reader {
  struct View {
    const uint16_t* bits;
    float at(size_t d) const { return bfloat16_to_float(bits[d]); }
#ifdef __wasm_simd128__
    v128_t load4(size_t d) const { return bfloat16_to_float_x4(wasm_u32x4_load16x4(bits + d)); }
#endif
  };
  const uint16_t* base;
  size_t row_elems;
  explicit BFloat16Reader(const RowSource& source)
      : base(static_cast<const uint16_t*>(source.data)), row_elems(source.row_elems) {}
  View row(int32_t r) const { return View{base + static_cast<size_t>(r) * row_elems}; }
};

// Code is int8_t (symmetric, offset 0) or uint8_t (asymmetric, offset = row minimum).
template <typename Code>
struct QuantizedReader {
  struct View {
    const Code* codes;
    float scale;
    float offset;
    float at(size_t d) const { return static_cast<float>(codes[d]) * scale + offset; }
#ifdef __wasm_simd128__
    v128_t load4(size_t d) const {
      // Widen four 8-bit codes to i32 lanes, convert, then scale and shift.
      const v128_t bytes = wasm_v128_load32_zero(codes + d);
      v128_t wide;
      if constexpr (sizeof(Code) == 1 && static_cast<Code>(-1) < 0) {
        wide = wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(bytes));
      } else {
        wide = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(bytes));
      }
      const v128_t values = wasm_f32x4_convert_i32x4(wide);
      return wasm_f32x4_add(wasm_f32x4_mul(values, wasm_f32x4_splat(scale)), wasm_f32x4_splat(offset));
    }
#endif
  };
  const Code* base;
  size_t row_elems;
  const float* scales;
  const float* offsets;
  explicit QuantizedReader(const RowSource& source)
      : base(static_cast<const Code*>(source.data)),
        row_elems(source.row_elems),
        scales(source.scales),
        offsets(source.offsets) {}
  View row(int32_t r) const {
    return View{base + static_cast<size_t>(r) * row_elems, scales[r], offsets[r]};
  }
};

using QuantizedInt8Reader = QuantizedReader<int8_t>;
using QuantizedUInt8Reader = QuantizedReader<uint8_t>;

// Calls visit(reader) with the reader for source.format; returns false for kFloat64, which has no float
// reader (float64 tables take double paths).
template <typename Visit>
bool with_float_reader(const RowSource& source, Visit&& visit) {
  switch (source.format) {
    case RowFormat::kFloat32: visit(Float32Reader(source)); return true;
    case RowFormat::kFloat16: visit(Float16Reader(source)); return true;
    case RowFormat::kBFloat16: visit(BFloat16Reader(source)); return true;
    case RowFormat::kQuantizedInt8: visit(QuantizedInt8Reader(source)); return true;
    case RowFormat::kQuantizedUInt8: visit(QuantizedUInt8Reader(source)); return true;
    case RowFormat::kFloat64: return false;
  }
  return false;
}

}  // namespace wasm_embedding
