// Positions grouped by the table row they refer to, for deterministic row-partitioned backward passes.
//
// build_row_csr sorts positions by row with a stable counting sort, so each row's positions stay in
// increasing order. A backward pass then sums each row's contributions in input order, on any number of
// threads, by giving every thread whole rows: the result does not depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wasm_embedding {

// Row value that build_row_csr leaves out (a padding row); pass -1 to keep every position.
constexpr int32_t kNoSkippedRow = -1;

// Inputs: rows[0..count), each in [0, row_count) (or equal to skipped_row).
// Outputs: row_starts[0..row_count] (row r's positions are positions[row_starts[r] .. row_starts[r + 1])),
// positions[0..count), and distinct_rows[0..return value): the rows that occur, ascending.
// Returns the number of distinct rows. Positions whose row equals skipped_row are not listed.
size_t build_row_csr(const int32_t* rows, size_t count, int32_t row_count, int32_t skipped_row,
                     int32_t* row_starts, int32_t* positions, int32_t* distinct_rows);

}  // namespace wasm_embedding
