// Log-probabilities for the OpenAI `logprobs` / `top_logprobs` fields: the log-softmax of the
// model's raw logits at one position (before penalties, temperature, truncation or a grammar,
// as llama-server reports them when post-sampling probabilities are not asked for).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace webgguf {

constexpr int kMaxTopLogprobs = 20;  // OpenAI's limit for top_logprobs

struct TokenLogprob {
  int32_t token;
  float logprob;
};

// logits [n_vocab]; *sampled_logprob gets log p(token); *top the n_top most likely tokens (most
// likely first, ties by lower id), n_top in 0..kMaxTopLogprobs.
void compute_logprobs(const float* logits, size_t n_vocab, int32_t token, int n_top, float* sampled_logprob,
                      std::vector<TokenLogprob>* top);

}  // namespace webgguf
