#include "engine/perplexity.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace webgguf {

namespace {
// Upper bound on the logits scratch of one evaluation block.
constexpr size_t kMaxLogitsBlockBytes = 32u << 20;
}  // namespace

double token_nll(const float* logits, int32_t n_vocab, int32_t token) {
  float max_logit = logits[0];
  for (int32_t i = 1; i < n_vocab; ++i) max_logit = std::max(max_logit, logits[i]);
  double sum_exp = 0.0;
  for (int32_t i = 0; i < n_vocab; ++i) sum_exp += std::exp(logits[i] - max_logit);
  return -(logits[token] - max_logit - std::log(sum_exp));
}

double PerplexityTotals::perplexity() const {
  return count > 0 ? std::exp(nll_sum / static_cast<double>(count)) : 0.0;
}

double PerplexityTotals::uncertainty() const {
  if (count < 2) return 0.0;
  const double mean = nll_sum / static_cast<double>(count);
  const double variance = nll_squared_sum / static_cast<double>(count) - mean * mean;
  if (!(variance > 0.0)) return 0.0;
  return std::sqrt(variance / static_cast<double>(count - 1)) * perplexity();
}

Result<PerplexityRun> PerplexityRun::plan(std::vector<int32_t> tokens, int32_t n_ctx, int32_t bos) {
  if (n_ctx < 4) return Status::error(format("perplexity context must be at least 4, got %d", n_ctx));
  if (tokens.size() < 2 * static_cast<size_t>(n_ctx)) {
    return Status::error(
        format("perplexity with a context of %d needs at least %d tokens; the text "
               "has %zu",
               n_ctx, 2 * n_ctx, tokens.size()));
  }
  PerplexityRun run;
  run.n_chunks_ = static_cast<int32_t>(tokens.size() / static_cast<size_t>(n_ctx));
  run.tokens_ = std::move(tokens);
  run.n_ctx_ = n_ctx;
  run.bos_ = bos;
  return run;
}

Status PerplexityRun::evaluate_next_chunk(Model& model) {
  if (done()) return Status::error("perplexity: every chunk is already evaluated");
  const int32_t n_vocab = model.info().n_vocab;
  if (n_ctx_ > model.info().n_ctx) {
    return Status::error(
        format("perplexity context %d exceeds the model's loaded context %d", n_ctx_, model.info().n_ctx));
  }
  std::vector<int32_t> chunk(tokens_.begin() + static_cast<size_t>(next_chunk_) * n_ctx_,
                             tokens_.begin() + static_cast<size_t>(next_chunk_ + 1) * n_ctx_);
  if (bos_ >= 0) chunk[0] = bos_;

  // The first half only fills the KV cache; its logits are not scored.
  const int32_t first = n_ctx_ / 2;
  const size_t row_bytes = static_cast<size_t>(n_vocab) * sizeof(float);
  const int32_t block =
      static_cast<int32_t>(std::max<size_t>(1, std::min<size_t>(kMaxLogitsBlockBytes / row_bytes, n_ctx_ - first)));
  logits_.resize(static_cast<size_t>(block) * n_vocab);
  WEBGGUF_RETURN_IF_ERROR(model.forward(chunk.data(), first, 0, false, logits_.data()));

  // Logits at position i predict token i + 1: score positions first .. n_ctx - 2.
  for (int32_t start = first; start < n_ctx_; start += block) {
    const int32_t n = std::min(block, n_ctx_ - start);
    WEBGGUF_RETURN_IF_ERROR(model.forward(chunk.data() + start, n, start, true, logits_.data()));
    for (int32_t i = 0; i < n; ++i) {
      const int32_t pos = start + i;
      if (pos > n_ctx_ - 2) break;
      totals_.add(token_nll(logits_.data() + static_cast<size_t>(i) * n_vocab, n_vocab, chunk[pos + 1]));
    }
  }
  ++next_chunk_;
  return Status::ok();
}

}  // namespace webgguf
