// KL divergence of a model against a base model, as llama.cpp's `llama-perplexity
// --kl-divergence` computes it (tools/perplexity/perplexity.cpp): the perplexity chunks (n_ctx
// tokens each, BOS first when the model adds one, fresh KV cache), scored at positions
// n_ctx/2 .. n_ctx-2. At each position the base's log-probabilities are kept as llama.cpp stores
// them (16-bit steps between max-16 and max, tokens below that dropped), then
//   KL(base || model) = sum_i p_base(i) * (log p_base(i) - log p_model(i))
// and the top-1 token of both is compared ("Same top p"). Both perplexities come along.
//
// Memory stays at one chunk: evaluate_base_chunk keeps the base's scored log-probs
// ([n_ctx/2 - 1, n_vocab] u16), evaluate_model_chunk compares the model against them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "engine/perplexity.h"
#include "model/model.h"

namespace webgguf {

// Mean and standard error of the mean, as llama.cpp's mean_and_uncertainty (0 error with 10 or
// fewer values).
struct MeanAndError {
  double mean = 0.0;
  double error = 0.0;
};

struct KlDivergenceTotals {
  PerplexityTotals model;  // NLLs of the model under test
  PerplexityTotals base;   // NLLs of the base (from its float logits, not the 16-bit copy)
  double kl_sum = 0.0;
  double kl_squared_sum = 0.0;
  int64_t same_top = 0;  // positions whose most likely token is the same for both
  int64_t count = 0;

  MeanAndError kl_divergence() const;
  // Fraction of positions with the same top-1 token, with its binomial standard error.
  MeanAndError same_top_fraction() const;
};

// One base position's log-probabilities in llama.cpp's 16-bit form:
// log p(i) = scale * steps[i] + min_log_prob.
struct QuantizedLogProbs {
  float scale = 0.0f;
  float min_log_prob = 0.0f;
};

// Encodes softmax(logits) as llama.cpp does; writes n_vocab steps. Returns the header.
QuantizedLogProbs encode_log_probs(const float* logits, int32_t n_vocab, uint16_t* steps);

// KL(base || model) at one position from the base's encoded log-probs and the model's logits,
// as llama.cpp sums it (base probabilities below e^-16 are skipped). Sets *same_top when both
// argmaxes (first maximum) agree.
double kl_divergence_at(const QuantizedLogProbs& base, const uint16_t* base_steps, const float* model_logits,
                        int32_t n_vocab, bool* same_top);

class KlDivergenceRun {
 public:
  KlDivergenceRun() = default;
  // `tokens` as for PerplexityRun::plan: the text with BOS in front when the model adds one.
  static Result<KlDivergenceRun> plan(std::vector<int32_t> tokens, int32_t n_ctx, int32_t bos);

  int32_t n_chunks() const { return n_chunks_; }
  int32_t chunks_done() const { return next_chunk_; }
  bool done() const { return next_chunk_ >= n_chunks_; }
  size_t n_tokens() const { return tokens_.size(); }
  const KlDivergenceTotals& totals() const { return totals_; }

  // Evaluates the next chunk with the base model and keeps its scored log-probs.
  Status evaluate_base_chunk(Model& base);
  // Evaluates the same chunk with the model under test, compares, and moves to the next chunk.
  // Needs evaluate_base_chunk first, and the same vocabulary size.
  Status evaluate_model_chunk(Model& model);

 private:
  // Runs `model` over the current chunk and calls score(position, logits row) for every scored
  // position, with logits computed in blocks that keep the scratch to a few tens of MB.
  template <typename Score>
  Status evaluate_chunk(Model& model, Score score);

  std::vector<int32_t> tokens_;
  int32_t n_ctx_ = 0;
  int32_t bos_ = -1;
  int32_t n_chunks_ = 0;
  int32_t next_chunk_ = 0;
  int32_t n_vocab_ = 0;      // of the base, set by evaluate_base_chunk
  bool base_ready_ = false;  // base_steps_ holds the current chunk
  KlDivergenceTotals totals_;
  std::vector<QuantizedLogProbs> base_headers_;  // [scored positions]
  std::vector<uint16_t> base_steps_;             // [scored positions, n_vocab]
  std::vector<int32_t> chunk_;                   // the current chunk's tokens (BOS in front)
  std::vector<float> logits_;                    // [block, n_vocab]
};

}  // namespace webgguf
