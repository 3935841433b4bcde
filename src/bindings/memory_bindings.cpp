// Embind surface for memory accounting: how much of the wasm heap malloc has handed out. The
// fault and soak tests compare it before and after a request to prove nothing leaked.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

namespace {

// {used, free, heapSize} in bytes: used counts live malloc allocations (the model buffer, KV
// cache, scratch), heapSize is the linear memory's current size (it never shrinks).
emscripten::val wasm_heap_stats() {
  const struct mallinfo info = mallinfo();
  emscripten::val stats = emscripten::val::object();
  stats.set("used", static_cast<double>(static_cast<unsigned>(info.uordblks)));
  stats.set("free", static_cast<double>(static_cast<unsigned>(info.fordblks)));
  stats.set("heapSize", static_cast<double>(emscripten_get_heap_size()));
  return stats;
}

}  // namespace

EMSCRIPTEN_BINDINGS(webgguf_memory) {
  emscripten::function("wasmHeapStats", &wasm_heap_stats);
}
