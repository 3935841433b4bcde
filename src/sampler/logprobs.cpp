#include "sampler/logprobs.h"

#include <algorithm>
#include <cmath>

namespace webgguf {

void compute_logprobs(const float* logits, size_t n_vocab, int32_t token, int n_top, float* sampled_logprob,
                      std::vector<TokenLogprob>* top) {
  top->clear();
  if (n_vocab == 0) {
    *sampled_logprob = -INFINITY;
    return;
  }
  float max_logit = logits[0];
  for (size_t i = 1; i < n_vocab; ++i) max_logit = std::max(max_logit, logits[i]);
  // In double: over a 150k vocabulary a float sum loses the small tail.
  double sum = 0.0;
  for (size_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i] - max_logit));
  const double log_norm = static_cast<double>(max_logit) + std::log(sum);
  auto logprob_of = [&](size_t i) { return static_cast<float>(static_cast<double>(logits[i]) - log_norm); };
  *sampled_logprob =
      token >= 0 && static_cast<size_t>(token) < n_vocab ? logprob_of(static_cast<size_t>(token)) : -INFINITY;
  const size_t k = std::min<size_t>(static_cast<size_t>(std::max(0, std::min(n_top, kMaxTopLogprobs))), n_vocab);
  if (k == 0) return;
  // One pass keeping the k best in a small sorted array (k <= 20).
  auto better = [&](size_t a, size_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::vector<size_t> best;
  best.reserve(k + 1);
  for (size_t i = 0; i < n_vocab; ++i) {
    if (best.size() == k && !better(i, best.back())) continue;
    best.insert(std::upper_bound(best.begin(), best.end(), i, better), i);
    if (best.size() > k) best.pop_back();
  }
  for (size_t i : best) top->push_back(TokenLogprob{static_cast<int32_t>(i), logprob_of(i)});
}

}  // namespace webgguf
