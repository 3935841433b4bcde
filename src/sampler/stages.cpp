#include "sampler/stages.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace webgguf {

void PenaltyStage::apply(CandidateList& candidates) {
  if (is_disabled() || counts_.empty()) return;
  for (TokenCandidate& c : candidates.items) {
    const auto found = counts_.find(c.id);
    if (found == counts_.end()) continue;
    const int count = found->second;
    if (c.logit <= 0.0f) {
      c.logit *= repeat_;
    } else {
      c.logit /= repeat_;
    }
    c.logit -= static_cast<float>(count) * frequency_ + presence_;
  }
  candidates.sorted = false;
}

void PenaltyStage::accept(int32_t token) {
  if (last_n_ == 0) return;
  if (last_n_ > 0 && window_.size() >= static_cast<size_t>(last_n_)) {
    const int32_t oldest = window_.front();
    window_.pop_front();
    if (--counts_[oldest] == 0) counts_.erase(oldest);
  }
  window_.push_back(token);
  ++counts_[token];
}

void PenaltyStage::reset() {
  window_.clear();
  counts_.clear();
}

void TopKStage::apply(CandidateList& candidates) {
  if (k_ <= 0) return;
  const size_t k = std::min(static_cast<size_t>(k_), candidates.items.size());
  if (!candidates.sorted) {
    // Only the first k need ordering; the same tie rule as CandidateList::sort_descending.
    std::partial_sort(candidates.items.begin(), candidates.items.begin() + k, candidates.items.end(),
                      [](const TokenCandidate& a, const TokenCandidate& b) {
                        if (a.logit != b.logit) return a.logit > b.logit;
                        return a.id < b.id;
                      });
    candidates.sorted = true;
  }
  candidates.items.resize(k);
}

void TopPStage::apply(CandidateList& candidates) {
  if (p_ >= 1.0f || candidates.items.empty()) return;
  candidates.sort_descending();
  candidates.softmax();
  float cumulative = 0.0f;
  size_t keep = candidates.items.size();
  for (size_t i = 0; i < candidates.items.size(); ++i) {
    cumulative += candidates.items[i].p;
    if (cumulative >= p_ && i + 1 >= min_keep_) {
      keep = i + 1;
      break;
    }
  }
  candidates.items.resize(keep);
}

void MinPStage::apply(CandidateList& candidates) {
  if (p_ <= 0.0f || candidates.items.empty()) return;
  float max_logit = -std::numeric_limits<float>::max();
  for (const TokenCandidate& c : candidates.items) max_logit = std::max(max_logit, c.logit);
  const float min_logit = max_logit + std::log(p_);
  size_t passing = 0;
  for (const TokenCandidate& c : candidates.items) passing += c.logit >= min_logit;
  if (passing >= min_keep_) {
    // Filtering keeps the current order, sorted or not.
    auto end = std::remove_if(candidates.items.begin(), candidates.items.end(),
                              [min_logit](const TokenCandidate& c) { return c.logit < min_logit; });
    candidates.items.erase(end, candidates.items.end());
    return;
  }
  candidates.sort_descending();
  candidates.items.resize(std::min(min_keep_, candidates.items.size()));
}

void TemperatureStage::apply(CandidateList& candidates) {
  if (candidates.items.empty()) return;
  if (t_ <= 0.0f) {
    size_t best = 0;
    for (size_t i = 1; i < candidates.items.size(); ++i) {
      if (candidates.items[i].logit > candidates.items[best].logit) best = i;
    }
    for (size_t i = 0; i < candidates.items.size(); ++i) {
      if (i != best) candidates.items[i].logit = -std::numeric_limits<float>::infinity();
    }
    return;
  }
  for (TokenCandidate& c : candidates.items) c.logit /= t_;
}

void GreedyStage::apply(CandidateList& candidates) {
  if (candidates.items.empty()) {
    candidates.selected = -1;
    return;
  }
  size_t best = 0;
  for (size_t i = 1; i < candidates.items.size(); ++i) {
    if (candidates.items[i].logit > candidates.items[best].logit) best = i;
  }
  candidates.selected = static_cast<int>(best);
}

void DistStage::apply(CandidateList& candidates) {
  if (candidates.items.empty()) {
    candidates.selected = -1;
    return;
  }
  candidates.softmax();
  // One draw per call, even for a single candidate, so the sequence does not depend on how
  // far earlier stages narrowed the list.
  const double target = rng_.next_unit_double();
  double cumulative = 0.0;
  candidates.selected = static_cast<int>(candidates.items.size()) - 1;
  for (size_t i = 0; i < candidates.items.size(); ++i) {
    cumulative += candidates.items[i].p;
    if (cumulative >= target) {
      candidates.selected = static_cast<int>(i);
      break;
    }
  }
}

}  // namespace webgguf
