#include "engine/kl_divergence_json.h"

#include "engine/engine_json.h"
#include "engine/json.h"

namespace webgguf {

std::string kl_divergence_begin_json(Engine& model, Engine& base, const std::string& text, int32_t n_ctx) {
  KlDivergenceProgress p;
  const EngineError e = model.kl_divergence_begin(base, text, n_ctx, &p);
  if (!e.ok()) return error_json(e);
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("n_chunks", p.n_chunks)
      .field("n_tokens", static_cast<uint64_t>(p.n_tokens))
      .end_object()
      .text();
}

std::string kl_divergence_next_json(Engine& model, Engine& base) {
  KlDivergenceProgress p;
  const EngineError e = model.kl_divergence_next(base, &p);
  if (!e.ok()) return error_json(e);
  const MeanAndError kl = p.totals.kl_divergence();
  const MeanAndError top = p.totals.same_top_fraction();
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("chunk", p.chunk)
      .field("n_chunks", p.n_chunks)
      .field("done", p.done)
      .field("positions", static_cast<int64_t>(p.totals.count))
      .field("kl", kl.mean)
      .field("kl_error", kl.error)
      .field("same_top", top.mean)
      .field("same_top_error", top.error)
      .field("ppl", p.totals.model.perplexity())
      .field("ppl_error", p.totals.model.uncertainty())
      .field("base_ppl", p.totals.base.perplexity())
      .field("base_ppl_error", p.totals.base.uncertainty())
      .end_object()
      .text();
}

}  // namespace webgguf
