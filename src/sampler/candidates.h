// The working set a sampler chain narrows down: one entry per still-possible token.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace webgguf {

struct TokenCandidate {
  int32_t id;
  float logit;
  float p;  // probability; valid only after softmax()
};

struct CandidateList {
  std::vector<TokenCandidate> items;
  bool sorted = false;  // items in descending logit order
  int selected = -1;    // index into items chosen by a selection stage

  // One candidate per vocabulary entry: logits is [n_vocab].
  static CandidateList from_logits(const float* logits, size_t n_vocab);
  // The same in place, keeping the allocation: a sampler refills one list every token.
  void fill(const float* logits, size_t n_vocab);

  // Descending by logit; ties keep ascending token id so results never depend on the sort.
  void sort_descending();
  // Fills p with the normalised exp(logit - max) over the current items.
  void softmax();
};

}  // namespace webgguf
