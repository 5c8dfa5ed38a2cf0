// Bindings for the module's runtime facts, the thread pool and the embedding forward. Pointers cross the
// boundary as uintptr_t numbers; the JS layer validates every argument before calling in.
#include <emscripten/bind.h>
#include <malloc.h>

#include "dtype.h"
#include "embedding.h"
#include "index_map.h"
#include "thread_pool.h"

using namespace wasm_embedding;

namespace {

template <typename T>
T* pointer(uintptr_t address) {
  return reinterpret_cast<T*>(address);
}

bool built_with_simd() {
#ifdef __wasm_simd128__
  return true;
#else
  return false;
#endif
}

bool built_with_threads() {
#ifdef __EMSCRIPTEN_PTHREADS__
  return true;
#else
  return false;
#endif
}

// Bytes currently allocated by malloc, for leak checks.
size_t heap_in_use_bytes() { return mallinfo().uordblks; }

int dtype_code(DType dtype) { return static_cast<int>(dtype); }

void embedding_forward_binding(int index_dtype, uintptr_t indices, size_t count, int input_dim, uintptr_t table,
                               size_t row_elems, size_t element_size, uintptr_t out) {
  embedding_forward(static_cast<DType>(index_dtype), pointer<const void>(indices), count, input_dim,
                    pointer<const void>(table), row_elems, element_size, pointer<void>(out));
}

double find_invalid_index_binding(int index_dtype, uintptr_t indices, size_t count, int input_dim) {
  return static_cast<double>(find_invalid_index(static_cast<DType>(index_dtype), pointer<const void>(indices),
                                                count, input_dim));
}

void map_indices_binding(int index_dtype, uintptr_t indices, size_t count, int input_dim, uintptr_t rows) {
  map_indices(static_cast<DType>(index_dtype), pointer<const void>(indices), count, input_dim,
              pointer<int32_t>(rows));
}

}  // namespace

EMSCRIPTEN_BINDINGS(core) {
  emscripten::function("builtWithSimd", &built_with_simd);
  emscripten::function("builtWithThreads", &built_with_threads);

  emscripten::constant("DTYPE_FLOAT32", dtype_code(DType::kFloat32));
  emscripten::constant("DTYPE_FLOAT64", dtype_code(DType::kFloat64));
  emscripten::constant("DTYPE_FLOAT16", dtype_code(DType::kFloat16));
  emscripten::constant("DTYPE_BFLOAT16", dtype_code(DType::kBFloat16));
  emscripten::constant("DTYPE_INT8", dtype_code(DType::kInt8));
  emscripten::constant("DTYPE_UINT8", dtype_code(DType::kUInt8));
  emscripten::constant("DTYPE_INT16", dtype_code(DType::kInt16));
  emscripten::constant("DTYPE_UINT16", dtype_code(DType::kUInt16));
  emscripten::constant("DTYPE_INT32", dtype_code(DType::kInt32));
  emscripten::constant("DTYPE_UINT32", dtype_code(DType::kUInt32));
  emscripten::constant("DTYPE_INT64", dtype_code(DType::kInt64));

  emscripten::function("heapInUseBytes", &heap_in_use_bytes);

  emscripten::function("threadPoolStart", &thread_pool_start);
  emscripten::function("threadPoolStop", &thread_pool_stop);
  emscripten::function("threadPoolSize", &thread_pool_size);

  emscripten::function("embeddingForward", &embedding_forward_binding);
  emscripten::function("findInvalidIndex", &find_invalid_index_binding);
  emscripten::function("mapIndices", &map_indices_binding);
}
