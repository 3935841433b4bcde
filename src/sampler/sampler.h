// The sampler: a chain of stages in llama.cpp's default order
//   penalties -> top-k -> top-p -> min-p -> temperature -> dist   (temperature > 0)
//   penalties -> greedy                                            (temperature <= 0)
// with an optional grammar checked after the chain (see sample()).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "sampler/grammar_matcher.h"
#include "sampler/stages.h"

namespace webgguf {

struct SamplerParams {
  float temperature = 0.8f;     // <= 0: greedy
  int top_k = 40;               // <= 0: off
  float top_p = 0.95f;          // >= 1: off
  float min_p = 0.05f;          // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off
  int repeat_last_n = 64;       // 0: off, -1: every token since the last reset
  float frequency_penalty = 0.0f;
  float presence_penalty = 0.0f;
  uint32_t seed = 0;
};

// Names the first out-of-range field, e.g. "top_p must be in (0, 1], got 1.5".
Status validate_sampler_params(const SamplerParams& params);

class Sampler {
 public:
  Sampler() : Sampler(SamplerParams{}) {}
  explicit Sampler(const SamplerParams& params);
  // Validates first: the only way bindings build one from user input.
  static Result<Sampler> create(const SamplerParams& params);
  // Replaces the chain (validated first: on an error nothing changes), keeping the candidate
  // storage, so a new request does not allocate it again.
  Status configure(const SamplerParams& params);
  // Sizes the candidate storage once (at model load, before the KV cache takes the heap).
  void reserve(size_t n_vocab);

  // Picks a token from logits [n_vocab]; -1 only when n_vocab is 0.
  int32_t sample(const float* logits, size_t n_vocab);
  // Picks a token the grammar allows, as llama.cpp's common_sampler_sample: the chain picks one,
  // the grammar checks it, and only when it is rejected are all candidates filtered by the
  // grammar and the chain run again (the same result as filtering first, at the cost of one
  // check per token). Does not accept the token into the grammar.
  Result<int32_t> sample(const float* logits, size_t n_vocab, GrammarMatcher& grammar);
  // Every token entering the context (prompt and generated) goes through here for the penalties.
  void accept(int32_t token);
  // Clears penalty history and restarts the random sequence from the seed.
  void reset();

  const SamplerParams& params() const { return params_; }
  std::vector<const char*> stage_names() const;

 private:
  void build_stages();

  SamplerParams params_;
  std::vector<std::unique_ptr<SamplerStage>> stages_;
  // One list per vocabulary entry, refilled for every token: 3 MB for a 262k vocabulary, which a
  // fresh allocation per token would also leave scattered over the wasm heap.
  CandidateList candidates_;
};

}  // namespace webgguf
