// Linked only into the AddressSanitizer build (CMake option WASM_EMBEDDING_ASAN).
#include <emscripten/bind.h>
#include <sanitizer/allocator_interface.h>

#include <atomic>
#include <cstddef>

// ASan's allocator replaces dlmalloc, so a failed malloc must return 0 (the JS layer turns that into a
// RangeError) instead of aborting. malloc_context_size=0 skips recording a stack trace per allocation,
// which in wasm goes through JS Error().stack and made each call about ten times slower (measured with
// Node 20); reports of bad accesses still carry the access's stack.
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1:malloc_context_size=0";
}

namespace {

// mallinfo() does not see ASan's allocations, and __sanitizer_get_current_allocated_bytes() reports 1
// when nothing is allocated, so the malloc and free hooks keep an exact count of requested bytes.
std::atomic<size_t> allocated_bytes{0};

void on_malloc(const volatile void*, size_t size) { allocated_bytes.fetch_add(size); }

// ASan runs the free hook before it releases the chunk, so the chunk's size is still known.
void on_free(const volatile void* pointer) {
  if (pointer != nullptr) allocated_bytes.fetch_sub(__sanitizer_get_allocated_size(pointer));
}

const int hooks_installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);

double sanitizer_heap_in_use_bytes() {
  return hooks_installed ? static_cast<double>(allocated_bytes.load()) : -1;
}

}  // namespace

EMSCRIPTEN_BINDINGS(sanitizer) {
  // heapInUseBytes() in js/runtime.js calls this when the module has it.
  emscripten::function("sanitizerHeapInUseBytes", &sanitizer_heap_in_use_bytes);
}
