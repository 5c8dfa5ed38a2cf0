#include "row_csr.h"

#include <cstring>

namespace wasm_embedding {

size_t build_row_csr(const int32_t* rows, size_t count, int32_t row_count, int32_t skipped_row,
                     int32_t* row_starts, int32_t* positions, int32_t* distinct_rows) {
  // Count the positions of each row, shifted by one so the prefix sum lands in place.
  std::memset(row_starts, 0, (static_cast<size_t>(row_count) + 1) * sizeof(int32_t));
  for (size_t i = 0; i < count; ++i) {
    if (rows[i] != skipped_row) ++row_starts[rows[i] + 1];
  }

  // Prefix sum, collecting the rows that occur.
  size_t distinct = 0;
  for (int32_t r = 0; r < row_count; ++r) {
    if (row_starts[r + 1] != 0) distinct_rows[distinct++] = r;
    row_starts[r + 1] += row_starts[r];
  }

  // Place positions in increasing order; row_starts[r] advances to row r + 1's start, then shifts back.
  for (size_t i = 0; i < count; ++i) {
    const int32_t r = rows[i];
    if (r != skipped_row) positions[row_starts[r]++] = static_cast<int32_t>(i);
  }
  for (int32_t r = row_count; r > 0; --r) row_starts[r] = row_starts[r - 1];
  row_starts[0] = 0;
  return distinct;
}

}  // namespace wasm_embedding
