// The state of one constrained generation: where in the grammar the text generated so far is,
// which tokens may come next, and accepting the sampled one, with llama.cpp's semantics
// (llama_grammar_apply_impl / llama_grammar_accept_impl).
//
// Speed: a parse state (a set of stacks) is interned once and its transitions per code point are
// cached, so checking one token costs a few lookups; a full pass over the vocabulary walks the
// vocabulary's prefix trie from the current state and is cached per state, so a state the
// generation returns to (inside a JSON string, between members) costs one lookup.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "sampler/candidates.h"
#include "sampler/grammar.h"
#include "sampler/grammar_vocabulary.h"

namespace webgguf {

class GrammarMatcher {
 public:
  GrammarMatcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const GrammarVocabulary> vocabulary);

  // Whether `token` may come next (an end-of-generation token only where the grammar can end).
  Result<bool> allows(int32_t token);
  // Sets the logit of every candidate the grammar does not allow to -inf; *n_allowed counts
  // those left.
  Status apply(CandidateList& candidates, size_t* n_allowed);
  // Advances past a sampled token (not an end-of-generation token).
  Status accept(int32_t token);
  // Back to the grammar's start (a new generation).
  void reset();
  // Whether the text so far is a complete sentence of the grammar.
  bool can_end() const;

 private:
  static constexpr uint32_t kDead = 0;  // the state with no stacks: nothing can follow

  struct State {
    GrammarStacks stacks;             // sorted, unique
    bool has_empty = false;           // some stack is empty: the grammar may end here
    bool has_token_top = false;       // some stack expects a token reference
    std::vector<int32_t> ascii_next;  // [128] cached transitions, -1 unknown
  };

  uint32_t intern(GrammarStacks stacks);
  Result<uint32_t> next_state(uint32_t state, uint32_t code_point);
  // The state's stacks whose top is a character set (what reading zero characters keeps).
  uint32_t character_stacks(uint32_t state);
  bool allows_partial(uint32_t state, PartialUtf8 partial) const;
  // Token elements on a stack top take a whole token while characters remain (llama.cpp's
  // llama_grammar_reject_candidates_for_stack): whether one of the state's accepts `token`.
  bool token_element_accepts(uint32_t state, int32_t token) const;
  Result<bool> allows_code_points(uint32_t state, int32_t token, const uint32_t* cps, size_t n, PartialUtf8 end);
  Status compute_allowed_from_clean_start(std::vector<uint64_t>* mask);
  Status compute_allowed_after_partial(std::vector<uint64_t>* mask);
  void trim_caches();

  std::shared_ptr<const Grammar> grammar_;
  std::shared_ptr<const GrammarVocabulary> vocabulary_;

  std::vector<State> states_;
  std::unordered_map<std::string, uint32_t> state_ids_;
  std::unordered_map<uint64_t, uint32_t> transitions_;         // state << 32 | code point
  std::unordered_map<uint32_t, std::vector<uint64_t>> masks_;  // state -> allowed tokens (clean start)

  GrammarStacks current_stacks_;  // survives cache trimming
  uint32_t current_ = kDead;
  PartialUtf8 partial_;
  std::vector<uint32_t> decoded_;  // scratch
};

}  // namespace webgguf
