// Embind surface of the engine: class WasmEngine. Only conversions between JS values (typed
// arrays, numbers) and C++ live here; the behaviour and the JSON are in src/engine.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine_json.h"
#include "engine/kl_divergence_json.h"

namespace webgguf {
namespace {

using emscripten::val;

// Copies a JS array-like of numbers (Array or typed array) into C++ with one TypedArray.set.
template <typename T>
std::vector<T> vector_from_js(const val& array) {
  const size_t n = array["length"].as<size_t>();
  std::vector<T> out(n);
  if (n > 0) val(emscripten::typed_memory_view(n, out.data())).call<void>("set", array);
  return out;
}

// A JS-owned copy (the heap view would be invalidated by memory growth).
template <typename T>
val js_copy(const T* data, size_t n) {
  return val(emscripten::typed_memory_view(n, data)).call<val>("slice");
}

class WasmEngine {
 public:
  // Byte offset of the file buffer in HEAPU8, 0 when it cannot be allocated.
  double allocateModel(double size_bytes) {
    if (!(size_bytes >= 1.0) || size_bytes > 4294967295.0) return 0.0;
    uint8_t* buffer = api_.allocate_model(static_cast<size_t>(size_bytes));
    return static_cast<double>(reinterpret_cast<uintptr_t>(buffer));
  }
  std::string loadModel(const std::string& options_json) { return api_.load_model(options_json); }
  std::string probeHeader(const val& bytes, double file_size, int n_ctx, double memory_budget) {
    const std::vector<uint8_t> header = vector_from_js<uint8_t>(bytes);
    return EngineJsonApi::probe_header(header.data(), header.size(), file_size, n_ctx, memory_budget);
  }
  void freeModel() { api_.free_model(); }
  val tokenize(const std::string& text, bool add_special, bool parse_special) {
    const std::vector<int32_t> ids = api_.tokenize(text, add_special, parse_special);
    return js_copy(ids.data(), ids.size());
  }
  std::string detokenize(const val& ids, bool render_special) {
    return api_.detokenize(vector_from_js<int32_t>(ids), render_special);
  }
  val tokenPiece(int id) {
    const std::string bytes = api_.token_piece(id);
    return js_copy(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::string setSampler(const std::string& options_json) { return api_.set_sampler(options_json); }
  std::string setPrompt(const val& ids) { return api_.set_prompt(vector_from_js<int32_t>(ids)); }
  std::string prefill(const val& ids, int max_tokens) { return api_.prefill(vector_from_js<int32_t>(ids), max_tokens); }
  std::string step() { return api_.step(); }
  void resetContext() { api_.reset_context(); }
  // The session as a JS Uint8Array, filled piece by piece from the KV cache (no copy of it in
  // the heap); a JSON error string when it cannot be saved.
  val saveSession() {
    val bytes = val::undefined();
    double offset = 0;
    const std::string json = api_.save_session(
        Engine::SessionOutput{[&](uint64_t total) {
                                if (total > 4294967295.0) return false;
                                bytes = val::global("Uint8Array").new_(static_cast<double>(total));
                                return true;
                              },
                              [&](const uint8_t* piece, size_t n) {
                                bytes.call<void>("set", val(emscripten::typed_memory_view(n, piece)), offset);
                                offset += static_cast<double>(n);
                              }});
    return bytes.isUndefined() ? val(json) : bytes;  // bytes are made only once the session can be written
  }
  std::string loadSession(const val& bytes) {
    const std::vector<uint8_t> data = vector_from_js<uint8_t>(bytes);
    return api_.load_session(data.data(), data.size());
  }
  std::string perplexityBegin(const std::string& text, int n_ctx) { return api_.perplexity_begin(text, n_ctx); }
  std::string perplexityNext() { return api_.perplexity_next(); }
  std::string imatrixBegin(const std::string& text, int n_ctx, int max_chunks) {
    return api_.imatrix_begin(text, n_ctx, max_chunks);
  }
  std::string imatrixNext() { return api_.imatrix_next(); }
  // The collected matrix as a file (a Uint8Array), or the error as a JSON string.
  val imatrixFile(const std::string& dataset, bool legacy) {
    std::vector<uint8_t> bytes;
    EngineError e = api_.engine().imatrix_file(dataset, legacy, &bytes);
    if (!e.ok()) return val(error_json(e));
    return js_copy(bytes.data(), bytes.size());
  }
  // KL divergence of this engine's model against `base`, another WasmEngine with the base model.
  std::string klDivergenceBegin(WasmEngine& base, const std::string& text, int n_ctx) {
    return kl_divergence_begin_json(api_.engine(), base.api_.engine(), text, n_ctx);
  }
  std::string klDivergenceNext(WasmEngine& base) { return kl_divergence_next_json(api_.engine(), base.api_.engine()); }
  void klDivergenceEnd() { api_.engine().kl_divergence_end(); }
  std::string info() { return api_.info(); }
  void setThreads(int n) { api_.set_threads(n); }

 private:
  EngineJsonApi api_;
};

}  // namespace
}  // namespace webgguf

EMSCRIPTEN_BINDINGS(webgguf_engine) {
  using webgguf::WasmEngine;
  emscripten::class_<WasmEngine>("WasmEngine")
      .constructor<>()
      .function("allocateModel", &WasmEngine::allocateModel)
      .function("loadModel", &WasmEngine::loadModel)
      .function("probeHeader", &WasmEngine::probeHeader)
      .function("freeModel", &WasmEngine::freeModel)
      .function("tokenize", &WasmEngine::tokenize)
      .function("detokenize", &WasmEngine::detokenize)
      .function("tokenPiece", &WasmEngine::tokenPiece)
      .function("setSampler", &WasmEngine::setSampler)
      .function("setPrompt", &WasmEngine::setPrompt)
      .function("prefill", &WasmEngine::prefill)
      .function("step", &WasmEngine::step)
      .function("resetContext", &WasmEngine::resetContext)
      .function("saveSession", &WasmEngine::saveSession)
      .function("loadSession", &WasmEngine::loadSession)
      .function("perplexityBegin", &WasmEngine::perplexityBegin)
      .function("perplexityNext", &WasmEngine::perplexityNext)
      .function("imatrixBegin", &WasmEngine::imatrixBegin)
      .function("imatrixNext", &WasmEngine::imatrixNext)
      .function("imatrixFile", &WasmEngine::imatrixFile)
      .function("klDivergenceBegin", &WasmEngine::klDivergenceBegin)
      .function("klDivergenceNext", &WasmEngine::klDivergenceNext)
      .function("klDivergenceEnd", &WasmEngine::klDivergenceEnd)
      .function("info", &WasmEngine::info)
      .function("setThreads", &WasmEngine::setThreads);
}
