#include "sampler/candidates.h"

#include <algorithm>
#include <cmath>

namespace webgguf {

CandidateList CandidateList::from_logits(const float* logits, size_t n_vocab) {
  CandidateList list;
  list.fill(logits, n_vocab);
  return list;
}

void CandidateList::fill(const float* logits, size_t n_vocab) {
  items.resize(n_vocab);
  for (size_t i = 0; i < n_vocab; ++i) {
    items[i] = TokenCandidate{static_cast<int32_t>(i), logits[i], 0.0f};
  }
  sorted = false;
  selected = -1;
}

void CandidateList::sort_descending() {
  if (sorted) return;
  std::sort(items.begin(), items.end(), [](const TokenCandidate& a, const TokenCandidate& b) {
    if (a.logit != b.logit) return a.logit > b.logit;
    return a.id < b.id;
  });
  sorted = true;
}

void CandidateList::softmax() {
  if (items.empty()) return;
  float max_logit = items[0].logit;
  for (const TokenCandidate& c : items) max_logit = std::max(max_logit, c.logit);
  // Accumulate in double: over a 150k vocabulary a float sum loses the small tail.
  double sum = 0.0;
  for (TokenCandidate& c : items) {
    c.p = std::exp(c.logit - max_logit);
    sum += c.p;
  }
  for (TokenCandidate& c : items) c.p = static_cast<float>(c.p / sum);
}

}  // namespace webgguf
