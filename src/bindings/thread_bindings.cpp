// Embind surface for the shape of the threaded build: the number of workers in its pthread pool,
// one value in cmake/wasm_module.cmake for both -sPTHREAD_POOL_SIZE and this constant, so the JS
// worker plans the threads of a second job (a KL base model, a quantization) from the same figure.
// 0 in the single-threaded build.
#include <emscripten/bind.h>

EMSCRIPTEN_BINDINGS(webgguf_threads) {
  emscripten::constant("pthreadPoolSize", WEBGGUF_PTHREAD_POOL_SIZE);
}
