// Embedding forward: maps index values to rows and gathers them, in blocks, on the thread pool.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace wasm_embedding {

// Output bytes per thread below which the forward runs on one thread: waking the pool costs more than it
// saves. Measured with bench/gather-threshold.js on a 2-core AMD EPYC (Node 20): 2 threads were 10% faster
// from 32 KiB per thread on a 50000-row table and from 512 KiB per thread on a cache-resident 1000-row
// table, so 256 KiB lies between. The macro lets that script build a module that splits every call.
#ifndef WASM_EMBEDDING_PARALLEL_GATHER_MIN_BYTES
#define WASM_EMBEDDING_PARALLEL_GATHER_MIN_BYTES (256 * 1024)
#endif
constexpr size_t kParallelGatherMinBytes = WASM_EMBEDDING_PARALLEL_GATHER_MIN_BYTES;

// out[i, :] = table[row(indices[i]), :] for i in [0, count), with the clipping index mapping.
// table has input_dim rows of row_elems elements of element_size bytes; input_dim >= 1.
void embedding_forward(DType index_dtype, const void* indices, size_t count, int32_t input_dim,
                       const void* table, size_t row_elems, size_t element_size, void* out);

}  // namespace wasm_embedding
