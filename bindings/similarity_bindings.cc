// Bindings for the row similarity kernels. Pointers cross as uintptr_t byte addresses; the JS layer
// (js/ops/similarity.js) validates shapes and dtypes before calling in.
#include <emscripten/bind.h>

#include <cstddef>
#include <cstdint>

#include "similarity.h"

namespace {

using namespace wasm_embedding;

void row_similarity_js(int table_dtype, uintptr_t table, size_t rows, size_t cols, uintptr_t queries,
                       size_t num_queries, bool cosine, uintptr_t scores) {
  row_similarity(static_cast<DType>(table_dtype), reinterpret_cast<const void*>(table), rows, cols,
                 reinterpret_cast<const float*>(queries), num_queries, cosine, reinterpret_cast<float*>(scores));
}

}  // namespace

EMSCRIPTEN_BINDINGS(similarity) {
  emscripten::function("rowSimilarity", &row_similarity_js);
}
