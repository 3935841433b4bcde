#include "engine/kl_divergence.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

namespace webgguf {

namespace {

// Upper bound on the logits scratch of one evaluation block (as PerplexityRun).
constexpr size_t kMaxLogitsBlockBytes = 32u << 20;
// llama.cpp keeps log-probabilities within 16 nats of the top one.
constexpr float kLogProbRange = 16.0f;

MeanAndError mean_and_error(double sum, double squared_sum, int64_t count) {
  MeanAndError r;
  if (count < 1) return r;
  r.mean = sum / static_cast<double>(count);
  const double variance = squared_sum / static_cast<double>(count) - r.mean * r.mean;
  r.error = variance > 0.0 && count > 10 ? std::sqrt(variance / static_cast<double>(count - 1)) : 0.0;
  return r;
}

}  // namespace

MeanAndError KlDivergenceTotals::kl_divergence() const {
  return mean_and_error(kl_sum, kl_squared_sum, count);
}

MeanAndError KlDivergenceTotals::same_top_fraction() const {
  MeanAndError r;
  if (count < 1) return r;
  r.mean = static_cast<double>(same_top) / static_cast<double>(count);
  if (count > 1) r.error = std::sqrt(r.mean * (1.0 - r.mean) / static_cast<double>(count - 1));
  return r;
}

QuantizedLogProbs encode_log_probs(const float* logits, int32_t n_vocab, uint16_t* steps) {
  float max_logit = logits[0];
  float min_logit = logits[0];
  for (int32_t i = 1; i < n_vocab; ++i) {
    max_logit = std::max(max_logit, logits[i]);
    min_logit = std::min(min_logit, logits[i]);
  }
  min_logit = std::max(min_logit, max_logit - kLogProbRange);
  double sum_exp = 0.0;
  for (int32_t i = 0; i < n_vocab; ++i) sum_exp += std::exp(logits[i] - max_logit);
  const float log_sum_exp = static_cast<float>(std::log(sum_exp));
  QuantizedLogProbs header;
  header.min_log_prob = min_logit - max_logit - log_sum_exp;
  header.scale = (max_logit - min_logit) / 65535.0f;
  if (header.scale == 0.0f) {
    std::memset(steps, 0, static_cast<size_t>(n_vocab) * sizeof(uint16_t));
    return header;
  }
  const float inv_scale = 1.0f / header.scale;
  for (int32_t i = 0; i < n_vocab; ++i) {
    // Round half to even, as llama.cpp's nearest_int.
    steps[i] = logits[i] > min_logit ? static_cast<uint16_t>(std::lrintf(inv_scale * (logits[i] - min_logit))) : 0;
  }
  return header;
}

double kl_divergence_at(const QuantizedLogProbs& base, const uint16_t* base_steps, const float* model_logits,
                        int32_t n_vocab, bool* same_top) {
  float max_logit = model_logits[0];
  int32_t model_top = 0;
  for (int32_t i = 1; i < n_vocab; ++i) {
    if (model_logits[i] > max_logit) {
      max_logit = model_logits[i];
      model_top = i;
    }
  }
  double sum_exp = 0.0;
  for (int32_t i = 0; i < n_vocab; ++i) sum_exp += std::exp(model_logits[i] - max_logit);
  // log p_model(i) = logits[i] - log_norm.
  const float log_norm = max_logit + static_cast<float>(std::log(sum_exp));

  double kl = 0.0;
  int32_t base_top = 0;
  float base_top_log_prob = 0.0f;
  for (int32_t i = 0; i < n_vocab; ++i) {
    const float log_p_base = base.scale * base_steps[i] + base.min_log_prob;
    if (i == 0 || log_p_base > base_top_log_prob) {
      base_top_log_prob = log_p_base;
      base_top = i;
    }
    if (log_p_base > -kLogProbRange) {
      kl += std::exp(log_p_base) * (log_p_base - model_logits[i] + log_norm);
    }
  }
  *same_top = model_top == base_top;
  return kl;
}

Result<KlDivergenceRun> KlDivergenceRun::plan(std::vector<int32_t> tokens, int32_t n_ctx, int32_t bos) {
  if (n_ctx < 4) return Status::error(format("KL divergence context must be at least 4, got %d", n_ctx));
  if (tokens.size() < 2 * static_cast<size_t>(n_ctx)) {
    return Status::error(
        format("KL divergence with a context of %d needs at least %d tokens; the "
               "text has %zu",
               n_ctx, 2 * n_ctx, tokens.size()));
  }
  KlDivergenceRun run;
  run.n_chunks_ = static_cast<int32_t>(tokens.size() / static_cast<size_t>(n_ctx));
  run.tokens_ = std::move(tokens);
  run.n_ctx_ = n_ctx;
  run.bos_ = bos;
  return run;
}

template <typename Score>
Status KlDivergenceRun::evaluate_chunk(Model& model, Score score) {
  const int32_t n_vocab = model.info().n_vocab;
  if (n_ctx_ > model.info().n_ctx) {
    return Status::error(
        format("KL divergence context %d exceeds the model's loaded context %d", n_ctx_, model.info().n_ctx));
  }
  chunk_.assign(tokens_.begin() + static_cast<size_t>(next_chunk_) * n_ctx_,
                tokens_.begin() + static_cast<size_t>(next_chunk_ + 1) * n_ctx_);
  if (bos_ >= 0) chunk_[0] = bos_;

  // The first half only fills the KV cache.
  const int32_t first = n_ctx_ / 2;
  const size_t row_bytes = static_cast<size_t>(n_vocab) * sizeof(float);
  const int32_t block =
      static_cast<int32_t>(std::max<size_t>(1, std::min<size_t>(kMaxLogitsBlockBytes / row_bytes, n_ctx_ - first)));
  logits_.resize(static_cast<size_t>(block) * n_vocab);
  WEBGGUF_RETURN_IF_ERROR(model.forward(chunk_.data(), first, 0, false, logits_.data()));
  // Logits at position p predict token p + 1: positions first .. n_ctx - 2 are scored.
  for (int32_t start = first; start < n_ctx_; start += block) {
    const int32_t n = std::min(block, n_ctx_ - start);
    WEBGGUF_RETURN_IF_ERROR(model.forward(chunk_.data() + start, n, start, true, logits_.data()));
    for (int32_t i = 0; i < n && start + i <= n_ctx_ - 2; ++i) {
      score(start + i - first, logits_.data() + static_cast<size_t>(i) * n_vocab);
    }
  }
  return Status::ok();
}

Status KlDivergenceRun::evaluate_base_chunk(Model& base) {
  if (done()) return Status::error("KL divergence: every chunk is already evaluated");
  n_vocab_ = base.info().n_vocab;
  const int32_t first = n_ctx_ / 2;
  const size_t n_scored = static_cast<size_t>(n_ctx_ - 1 - first);
  base_headers_.resize(n_scored);
  base_steps_.resize(n_scored * static_cast<size_t>(n_vocab_));
  base_ready_ = false;
  WEBGGUF_RETURN_IF_ERROR(evaluate_chunk(base, [&](int32_t index, const float* logits) {
    base_headers_[index] =
        encode_log_probs(logits, n_vocab_, base_steps_.data() + static_cast<size_t>(index) * n_vocab_);
    totals_.base.add(token_nll(logits, n_vocab_, chunk_[first + index + 1]));
  }));
  base_ready_ = true;
  return Status::ok();
}

Status KlDivergenceRun::evaluate_model_chunk(Model& model) {
  if (!base_ready_) return Status::error("KL divergence: evaluate the base model's chunk first");
  if (model.info().n_vocab != n_vocab_) {
    return Status::error(
        format("KL divergence needs the same vocabulary: the base has %d tokens, "
               "the model %d",
               n_vocab_, model.info().n_vocab));
  }
  const int32_t first = n_ctx_ / 2;
  WEBGGUF_RETURN_IF_ERROR(evaluate_chunk(model, [&](int32_t index, const float* logits) {
    bool same_top = false;
    const double kl = kl_divergence_at(base_headers_[index], base_steps_.data() + static_cast<size_t>(index) * n_vocab_,
                                       logits, n_vocab_, &same_top);
    totals_.kl_sum += kl;
    totals_.kl_squared_sum += kl * kl;
    totals_.same_top += same_top;
    ++totals_.count;
    totals_.model.add(token_nll(logits, n_vocab_, chunk_[first + index + 1]));
  }));
  base_ready_ = false;
  ++next_chunk_;
  return Status::ok();
}

}  // namespace webgguf
