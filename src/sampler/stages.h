// The stages a sampler chain is made of, each with llama.cpp's semantics (llama-sampling.cpp):
// a stage narrows or reshapes the candidates; a selection stage (greedy, dist) picks one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

#include "sampler/candidates.h"
#include "sampler/rng.h"

namespace webgguf {

class SamplerStage {
 public:
  virtual ~SamplerStage() = default;
  virtual const char* name() const = 0;
  virtual void apply(CandidateList& candidates) = 0;
  // Told about every token that enters the context (prompt and generated).
  virtual void accept(int32_t token) {}
  // Forgets history and restarts any random sequence.
  virtual void reset() {}
};

// Repetition, frequency and presence penalties over the last `last_n` accepted tokens. A token
// seen `count` times: logit /= repeat (multiplied when the logit is <= 0, so penalising never
// raises it), then logit -= count * frequency + presence.
class PenaltyStage final : public SamplerStage {
 public:
  PenaltyStage(int last_n, float repeat, float frequency, float presence)
      : last_n_(last_n), repeat_(repeat), frequency_(frequency), presence_(presence) {}
  const char* name() const override { return "penalties"; }
  void apply(CandidateList& candidates) override;
  void accept(int32_t token) override;
  void reset() override;
  bool is_disabled() const { return last_n_ == 0 || (repeat_ == 1.0f && frequency_ == 0.0f && presence_ == 0.0f); }

 private:
  int last_n_;
  float repeat_, frequency_, presence_;
  std::deque<int32_t> window_;               // the last last_n_ tokens, oldest first
  std::unordered_map<int32_t, int> counts_;  // occurrences of each token in window_
};

// Keeps the k highest logits (k <= 0 keeps everything) and leaves them sorted.
class TopKStage final : public SamplerStage {
 public:
  explicit TopKStage(int k) : k_(k) {}
  const char* name() const override { return "top-k"; }
  void apply(CandidateList& candidates) override;

 private:
  int k_;
};

// Nucleus: the smallest prefix (by descending probability) whose mass reaches p, at least
// min_keep tokens. p >= 1 keeps everything.
class TopPStage final : public SamplerStage {
 public:
  TopPStage(float p, size_t min_keep) : p_(p), min_keep_(min_keep) {}
  const char* name() const override { return "top-p"; }
  void apply(CandidateList& candidates) override;

 private:
  float p_;
  size_t min_keep_;
};

// Keeps tokens whose probability is at least p times the top probability, i.e.
// logit >= max_logit + log(p); at least min_keep tokens. p <= 0 keeps everything.
class MinPStage final : public SamplerStage {
 public:
  MinPStage(float p, size_t min_keep) : p_(p), min_keep_(min_keep) {}
  const char* name() const override { return "min-p"; }
  void apply(CandidateList& candidates) override;

 private:
  float p_;
  size_t min_keep_;
};

// Divides logits by t. t <= 0 leaves only the highest logit finite (as llama.cpp).
class TemperatureStage final : public SamplerStage {
 public:
  explicit TemperatureStage(float t) : t_(t) {}
  const char* name() const override { return "temperature"; }
  void apply(CandidateList& candidates) override;

 private:
  float t_;
};

// Selects the highest logit; the first one wins a tie.
class GreedyStage final : public SamplerStage {
 public:
  const char* name() const override { return "greedy"; }
  void apply(CandidateList& candidates) override;
};

// Selects at random in proportion to softmax(logits), drawing one uniform double per call.
class DistStage final : public SamplerStage {
 public:
  explicit DistStage(uint32_t seed) : seed_(seed), rng_(seed) {}
  const char* name() const override { return "dist"; }
  void apply(CandidateList& candidates) override;
  void reset() override { rng_.seed_with(seed_); }

 private:
  uint32_t seed_;
  Mt19937 rng_;
};

}  // namespace webgguf
