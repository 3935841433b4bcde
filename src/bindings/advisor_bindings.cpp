// Embind: planQuantization(bytes, fileSize, nCtx) -> what each preset would make of a model,
// from a prefix of its file (grown by the caller while status is 'need_more'):
//   { status: 'ok' | 'need_more' | 'error', bytesNeeded, code, error,
//     name, original_bytes, context_bytes, presets: [{ preset, file_bytes }], n_ctx, n_ctx_train,
//     cache_types: [{ cache_type, context_bytes, bytes_per_token }] }
// The logic is src/engine/quant_advisor; only conversions live here.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>
#include <vector>

#include "engine/model_support.h"
#include "engine/quant_advisor.h"
#include "gguf/gguf.h"

namespace webgguf {
namespace {

using emscripten::val;

val plan_quantization_js(const val& bytes, double file_size, double n_ctx) {
  const size_t n = bytes["length"].as<size_t>();
  std::vector<uint8_t> prefix(n);
  if (n > 0) val(emscripten::typed_memory_view(n, prefix.data())).call<void>("set", bytes);
  val out = val::object();
  out.set("bytesNeeded", 0);
  const uint64_t size = file_size > 0 ? static_cast<uint64_t>(file_size) : kUnknownFileSize;
  Result<GgufFile> header = parse_gguf(prefix.data(), prefix.size(), size);
  if (!header.is_ok()) {
    const bool more = header.status().needs_more();
    out.set("status", more ? "need_more" : "error");
    out.set("code", "not_gguf");
    out.set("error", header.status().message());
    if (more) out.set("bytesNeeded", static_cast<double>(header.status().bytes_needed()));
    return out;
  }
  // An architecture, tensor type or shape the engine refuses is named as the loader would name it.
  const EngineError support = check_model_support(header.value());
  Result<QuantizationSizes> sizes = support.ok() ? plan_preset_sizes(header.value(), static_cast<uint32_t>(n_ctx))
                                                 : Result<QuantizationSizes>(Status::error(support.message));
  if (!sizes.is_ok()) {
    out.set("status", "error");
    out.set("code", support.ok() ? "unsupported_type" : error_code_name(support.code));
    out.set("error", sizes.status().message());
    return out;
  }
  out.set("status", "ok");
  out.set("name", sizes.value().name);
  out.set("original_bytes", static_cast<double>(sizes.value().original_bytes));
  out.set("context_bytes", static_cast<double>(sizes.value().context_bytes));
  val presets = val::array();
  for (const PresetSize& p : sizes.value().presets) {
    val entry = val::object();
    entry.set("preset", p.preset);
    entry.set("file_bytes", static_cast<double>(p.file_bytes));
    presets.call<void>("push", entry);
  }
  out.set("presets", presets);
  out.set("n_ctx_train", sizes.value().n_ctx_train);
  out.set("n_ctx", sizes.value().n_ctx);
  val cache_types = val::array();
  for (const CacheTypeCost& c : sizes.value().cache_types) {
    val entry = val::object();
    entry.set("cache_type", c.cache_type);
    entry.set("context_bytes", static_cast<double>(c.context_bytes));
    entry.set("bytes_per_token", c.bytes_per_token);
    cache_types.call<void>("push", entry);
  }
  out.set("cache_types", cache_types);
  return out;
}

}  // namespace
}  // namespace webgguf

EMSCRIPTEN_BINDINGS(webgguf_advisor) {
  emscripten::function("planQuantization", &webgguf::plan_quantization_js);
}
