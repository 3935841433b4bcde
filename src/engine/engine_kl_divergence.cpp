// Engine::kl_divergence_begin/next: the engine side of KlDivergenceRun, with two engines (the
// model under test here, the base in another Engine) taking turns on each chunk.
#include <algorithm>
#include <utility>

#include "engine/engine.h"

namespace webgguf {

namespace {

KlDivergenceProgress progress_of(const KlDivergenceRun& run) {
  KlDivergenceProgress p;
  p.chunk = run.chunks_done();
  p.n_chunks = run.n_chunks();
  p.n_tokens = run.n_tokens();
  p.totals = run.totals();
  p.done = run.done();
  return p;
}

}  // namespace

EngineError Engine::kl_divergence_begin(Engine& base, const std::string& text, int32_t n_ctx,
                                        KlDivergenceProgress* progress) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (&base == this) return EngineError::make(ErrorCode::kBadRequest, "the base model must be another engine");
  if (base.model_ == nullptr) return EngineError::make(ErrorCode::kNoModel, "no base model is loaded");
  if (base.summary_.model.n_vocab != summary_.model.n_vocab) {
    return EngineError::make(ErrorCode::kBadRequest,
                             format("the base model has %d tokens in its vocabulary and this model %d: "
                                    "KL divergence needs the same vocabulary",
                                    base.summary_.model.n_vocab, summary_.model.n_vocab));
  }
  if (n_ctx <= 0) n_ctx = summary_.model.n_ctx;
  const int32_t loaded = std::min(summary_.model.n_ctx, base.summary_.model.n_ctx);
  if (n_ctx > loaded) {
    return EngineError::make(ErrorCode::kBadRequest,
                             format("KL divergence context %d exceeds the loaded context %d; load both "
                                    "models with n_ctx >= %d",
                                    n_ctx, loaded, n_ctx));
  }
  // As llama-perplexity: the base's tokens, BOS added when it adds one, specials not parsed.
  std::vector<int32_t> tokens = base.tokenizer_->encode(text, /*add_special=*/true, /*parse_special=*/false);
  const int32_t bos = base.tokenizer_->adds_bos() ? base.tokenizer_->bos() : -1;
  Result<KlDivergenceRun> run = KlDivergenceRun::plan(std::move(tokens), n_ctx, bos);
  if (!run.is_ok()) return EngineError::from(ErrorCode::kBadRequest, run.status());
  // The chunks overwrite both KV caches.
  reset_context();
  base.reset_context();
  kl_divergence_ = run.take();
  kl_divergence_active_ = true;
  *progress = progress_of(kl_divergence_);
  return EngineError::none();
}

EngineError Engine::kl_divergence_next(Engine& base, KlDivergenceProgress* progress) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (!kl_divergence_active_) {
    return EngineError::make(ErrorCode::kBadRequest, "no KL divergence run: call klDivergenceBegin first");
  }
  if (&base == this || base.model_ == nullptr) {
    return EngineError::make(ErrorCode::kNoModel, "no base model is loaded");
  }
  if (!kl_divergence_.done()) {
    reset_context();
    base.reset_context();
    Status status = kl_divergence_.evaluate_base_chunk(*base.model_);
    if (status.is_ok()) status = kl_divergence_.evaluate_model_chunk(*model_);
    if (!status.is_ok()) {
      kl_divergence_end();
      return EngineError::from(ErrorCode::kInvalidModel, status);
    }
  }
  *progress = progress_of(kl_divergence_);
  if (kl_divergence_.done()) kl_divergence_end();
  return EngineError::none();
}

void Engine::kl_divergence_end() {
  kl_divergence_ = KlDivergenceRun();
  kl_divergence_active_ = false;
}

}  // namespace webgguf
