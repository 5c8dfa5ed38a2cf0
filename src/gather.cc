#include "gather.h"

#include <cstring>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {
namespace {

// Copies a row of row_bytes in [Piece, 2 * Piece) bytes as two Piece-byte copies, the second ending exactly at
// the row's end (they overlap when row_bytes < 2 * Piece). memcpy of a constant size compiles to one load and
// one store, so a 12-byte row costs two 8-byte moves instead of three 4-byte ones.
template <size_t Piece>
inline void copy_row_in_two_pieces(uint8_t* dst, const uint8_t* src, size_t row_bytes) {
  std::memcpy(dst, src, Piece);
  std::memcpy(dst + row_bytes - Piece, src + row_bytes - Piece, Piece);
}

// Gathers rows shorter than 16 bytes, with the row's piece size chosen once per call.
template <size_t Piece>
void gather_short_rows(const int32_t* rows, size_t count, const uint8_t* table, size_t row_bytes, uint8_t* out) {
  for (size_t i = 0; i < count; ++i) {
    copy_row_in_two_pieces<Piece>(out + i * row_bytes, table + static_cast<size_t>(rows[i]) * row_bytes, row_bytes);
  }
}

void gather_rows_shorter_than_16(const int32_t* rows, size_t count, const uint8_t* table, size_t row_bytes,
                                 uint8_t* out) {
  if (row_bytes >= 8) return gather_short_rows<8>(rows, count, table, row_bytes, out);
  if (row_bytes >= 4) return gather_short_rows<4>(rows, count, table, row_bytes, out);
  if (row_bytes >= 2) return gather_short_rows<2>(rows, count, table, row_bytes, out);
  if (row_bytes == 1) {
    for (size_t i = 0; i < count; ++i) out[i] = table[rows[i]];
  }
}

#ifdef __wasm_simd128__

// Copies a row of at least 16 bytes: whole 16-byte vectors, then one vector ending exactly at the row's end
// (it overlaps bytes already copied, which is harmless because source and destination do not overlap).
inline void copy_long_row(uint8_t* dst, const uint8_t* src, size_t row_bytes) {
  size_t offset = 0;
  for (; offset + 64 <= row_bytes; offset += 64) {
    const v128_t a = wasm_v128_load(src + offset);
    const v128_t b = wasm_v128_load(src + offset + 16);
    const v128_t c = wasm_v128_load(src + offset + 32);
    const v128_t d = wasm_v128_load(src + offset + 48);
    wasm_v128_store(dst + offset, a);
    wasm_v128_store(dst + offset + 16, b);
    wasm_v128_store(dst + offset + 32, c);
    wasm_v128_store(dst + offset + 48, d);
  }
  for (; offset + 16 <= row_bytes; offset += 16) {
    wasm_v128_store(dst + offset, wasm_v128_load(src + offset));
  }
  if (offset < row_bytes) {
    const size_t last = row_bytes - 16;
    wasm_v128_store(dst + last, wasm_v128_load(src + last));
  }
}

// Rows at least this long are copied four at a time. On one thread of the 2-core Zen 4 test machine, with
// random rows from 25 to 94 MB tables, 512-byte rows took 0 to 7% longer that way. 768-byte rows took 7%
// less time, 1200-byte rows 21% less and 3072-byte rows 25% less.
constexpr size_t kInterleavedRowMinBytes = 768;

// Copies four rows of row_bytes >= 16 bytes, 16 bytes of each in turn. Four read and four write streams keep
// more cache misses in flight than one row after another.
inline void copy_four_long_rows(uint8_t* dst, const uint8_t* const src[4], size_t row_bytes) {
  size_t offset = 0;
  for (; offset + 16 <= row_bytes; offset += 16) {
    const v128_t a = wasm_v128_load(src[0] + offset);
    const v128_t b = wasm_v128_load(src[1] + offset);
    const v128_t c = wasm_v128_load(src[2] + offset);
    const v128_t d = wasm_v128_load(src[3] + offset);
    wasm_v128_store(dst + offset, a);
    wasm_v128_store(dst + row_bytes + offset, b);
    wasm_v128_store(dst + 2 * row_bytes + offset, c);
    wasm_v128_store(dst + 3 * row_bytes + offset, d);
  }
  if (offset < row_bytes) {
    const size_t last = row_bytes - 16;
    for (size_t row = 0; row < 4; ++row) {
      wasm_v128_store(dst + row * row_bytes + last, wasm_v128_load(src[row] + last));
    }
  }
}

// Copies the rows of every whole group of four and returns how many rows it copied.
size_t copy_groups_of_four_rows(const int32_t* rows, size_t count, const uint8_t* table, size_t row_bytes,
                                uint8_t* out) {
  size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    const uint8_t* const sources[4] = {
        table + static_cast<size_t>(rows[i]) * row_bytes,
        table + static_cast<size_t>(rows[i + 1]) * row_bytes,
        table + static_cast<size_t>(rows[i + 2]) * row_bytes,
        table + static_cast<size_t>(rows[i + 3]) * row_bytes,
    };
    copy_four_long_rows(out + i * row_bytes, sources, row_bytes);
  }
  return i;
}

#else

// Scalar twin: 8-byte words, then the remaining bytes. Without SIMD, clang keeps this loop scalar.
inline void copy_long_row(uint8_t* dst, const uint8_t* src, size_t row_bytes) {
  size_t offset = 0;
  for (; offset + 8 <= row_bytes; offset += 8) {
    uint64_t word;
    std::memcpy(&word, src + offset, 8);
    std::memcpy(dst + offset, &word, 8);
  }
  for (; offset < row_bytes; ++offset) dst[offset] = src[offset];
}

#endif

template <size_t Width>
void gather_rows_of_width(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out) {
  const uint8_t* table_bytes = static_cast<const uint8_t*>(table);
  uint8_t* out_bytes = static_cast<uint8_t*>(out);
  const size_t row_bytes = row_elems * Width;

  if (row_bytes < 16) {
    gather_rows_shorter_than_16(rows, count, table_bytes, row_bytes, out_bytes);
    return;
  }

  size_t i = 0;
#ifdef __wasm_simd128__
  // The scalar build copies every row on its own: the interleaving was only measured with 16-byte vectors.
  if (row_bytes >= kInterleavedRowMinBytes) {
    i = copy_groups_of_four_rows(rows, count, table_bytes, row_bytes, out_bytes);
  }
#endif
  for (; i < count; ++i) {
    copy_long_row(out_bytes + i * row_bytes, table_bytes + static_cast<size_t>(rows[i]) * row_bytes, row_bytes);
  }
}

}  // namespace

void gather_rows_w1(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out) {
  gather_rows_of_width<1>(rows, count, table, row_elems, out);
}

void gather_rows_w2(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out) {
  gather_rows_of_width<2>(rows, count, table, row_elems, out);
}

void gather_rows_w4(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out) {
  gather_rows_of_width<4>(rows, count, table, row_elems, out);
}

void gather_rows_w8(const int32_t* rows, size_t count, const void* table, size_t row_elems, void* out) {
  gather_rows_of_width<8>(rows, count, table, row_elems, out);
}

void gather_rows(size_t element_size, const int32_t* rows, size_t count, const void* table, size_t row_elems,
                 void* out) {
  switch (element_size) {
    case 1: return gather_rows_w1(rows, count, table, row_elems, out);
    case 2: return gather_rows_w2(rows, count, table, row_elems, out);
    case 4: return gather_rows_w4(rows, count, table, row_elems, out);
    case 8: return gather_rows_w8(rows, count, table, row_elems, out);
    default: return;
  }
}

}  // namespace wasm_embedding
