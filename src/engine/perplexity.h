// Perplexity as llama.cpp's llama-perplexity computes it (tools/perplexity/perplexity.cpp):
// the token stream is cut into chunks of n_ctx tokens, each chunk is evaluated from an empty KV
// cache (its first token replaced by BOS when the model adds one), and the next-token
// predictions at positions n_ctx/2 .. n_ctx-2 are scored. ppl = exp(mean NLL); the +/- figure is
// ppl * sqrt((mean(NLL^2) - mean(NLL)^2) / (count - 1)).
// Chunks are evaluated one call at a time so a caller can report progress and stop between them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "model/model.h"

namespace webgguf {

// Negative log-likelihood of `token` under softmax(logits[n_vocab]), with llama.cpp's rounding
// (float max and differences, double sum of expf).
double token_nll(const float* logits, int32_t n_vocab, int32_t token);

// Running sums of the scored NLLs.
struct PerplexityTotals {
  double nll_sum = 0.0;
  double nll_squared_sum = 0.0;
  int64_t count = 0;

  void add(double nll) {
    nll_sum += nll;
    nll_squared_sum += nll * nll;
    ++count;
  }
  double perplexity() const;
  // The "+/-" of llama.cpp's "Final estimate"; 0 when fewer than two predictions were scored.
  double uncertainty() const;
};

class PerplexityRun {
 public:
  PerplexityRun() = default;
  // `tokens`: the text tokenized as llama.cpp does (BOS at the front when add_bos, no specials).
  // Needs at least 2 * n_ctx tokens, like llama.cpp. bos < 0: the model adds no BOS.
  static Result<PerplexityRun> plan(std::vector<int32_t> tokens, int32_t n_ctx, int32_t bos);

  int32_t n_chunks() const { return n_chunks_; }
  int32_t chunks_done() const { return next_chunk_; }
  bool done() const { return next_chunk_ >= n_chunks_; }
  size_t n_tokens() const { return tokens_.size(); }
  const PerplexityTotals& totals() const { return totals_; }

  // Evaluates the next chunk (overwriting the model's KV cache from position 0) and adds its
  // scored positions to the totals. Logits are requested in blocks that keep the scratch under
  // a few tens of MB whatever the vocabulary size.
  Status evaluate_next_chunk(Model& model);

 private:
  std::vector<int32_t> tokens_;
  int32_t n_ctx_ = 0;
  int32_t bos_ = -1;
  int32_t n_chunks_ = 0;
  int32_t next_chunk_ = 0;
  PerplexityTotals totals_;
  std::vector<float> logits_;  // [block, n_vocab]
};

}  // namespace webgguf
