#include "sampler/grammar_matcher.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace webgguf {

namespace {

// Cache bounds: a long generation through a deeply nesting grammar keeps creating states.
constexpr size_t kMaxStates = size_t{1} << 15;
constexpr size_t kMaxTransitions = size_t{1} << 20;
constexpr size_t kMaxMasks = 64;  // 64 x 262k tokens / 8 = 2 MB at most

void set_bit(std::vector<uint64_t>& mask, size_t i) {
  mask[i >> 6] |= uint64_t{1} << (i & 63);
}
bool get_bit(const std::vector<uint64_t>& mask, size_t i) {
  return (mask[i >> 6] >> (i & 63)) & 1;
}

std::string state_key(const GrammarStacks& stacks) {
  std::string key;
  for (const GrammarStack& s : stacks) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    key.append(reinterpret_cast<const char*>(&n), sizeof n);
    key.append(reinterpret_cast<const char*>(s.data()), s.size() * sizeof(uint32_t));
  }
  return key;
}

}  // namespace

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar,
                               std::shared_ptr<const GrammarVocabulary> vocabulary)
    : grammar_(std::move(grammar)), vocabulary_(std::move(vocabulary)) {
  reset();
}

void GrammarMatcher::reset() {
  states_.clear();
  state_ids_.clear();
  transitions_.clear();
  masks_.clear();
  intern({});  // kDead
  current_ = intern(grammar_->initial_stacks());
  current_stacks_ = states_[current_].stacks;
  partial_ = PartialUtf8{};
}

bool GrammarMatcher::can_end() const {
  return states_[current_].has_empty;
}

uint32_t GrammarMatcher::intern(GrammarStacks stacks) {
  std::sort(stacks.begin(), stacks.end());
  stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
  std::string key = state_key(stacks);
  auto found = state_ids_.find(key);
  if (found != state_ids_.end()) return found->second;
  State state;
  for (const GrammarStack& s : stacks) {
    if (s.empty()) {
      state.has_empty = true;
    } else if (grammar_->is_token_element(s.back())) {
      state.has_token_top = true;
    }
  }
  state.stacks = std::move(stacks);
  const uint32_t id = static_cast<uint32_t>(states_.size());
  states_.push_back(std::move(state));
  state_ids_.emplace(std::move(key), id);
  return id;
}

Result<uint32_t> GrammarMatcher::next_state(uint32_t state, uint32_t code_point) {
  if (state == kDead) return kDead;
  const bool ascii = code_point < 128;
  if (ascii && !states_[state].ascii_next.empty() && states_[state].ascii_next[code_point] >= 0) {
    return static_cast<uint32_t>(states_[state].ascii_next[code_point]);
  }
  const uint64_t key = (uint64_t{state} << 32) | code_point;
  if (!ascii) {
    auto found = transitions_.find(key);
    if (found != transitions_.end()) return found->second;
  }
  GrammarStacks next;
  for (const GrammarStack& s : states_[state].stacks) {
    if (s.empty() || grammar_->is_token_element(s.back())) continue;
    WEBGGUF_RETURN_IF_ERROR(grammar_->accept_char(s, code_point, &next));
    if (next.size() > 4 * kMaxGrammarStacks) break;
  }
  const uint32_t id = intern(std::move(next));
  if (states_[id].stacks.size() > kMaxGrammarStacks) {
    return Status::error(
        format("grammar error: the grammar is too ambiguous (more than %zu parse stacks "
               "at one position); simplify overlapping alternatives",
               kMaxGrammarStacks));
  }
  if (ascii) {
    std::vector<int32_t>& table = states_[state].ascii_next;
    if (table.empty()) table.assign(128, -1);
    table[code_point] = static_cast<int32_t>(id);
  } else {
    transitions_.emplace(key, id);
  }
  return id;
}

uint32_t GrammarMatcher::character_stacks(uint32_t state) {
  GrammarStacks kept;
  for (const GrammarStack& s : states_[state].stacks) {
    if (!s.empty() && !grammar_->is_token_element(s.back())) kept.push_back(s);
  }
  return intern(std::move(kept));
}

bool GrammarMatcher::allows_partial(uint32_t state, PartialUtf8 partial) const {
  for (const GrammarStack& s : states_[state].stacks) {
    if (!s.empty() && !grammar_->is_token_element(s.back()) && grammar_->match_partial_char(s.back(), partial)) {
      return true;
    }
  }
  return false;
}

bool GrammarMatcher::token_element_accepts(uint32_t state, int32_t token) const {
  if (!states_[state].has_token_top) return false;
  for (const GrammarStack& s : states_[state].stacks) {
    if (!s.empty() && grammar_->is_token_element(s.back()) && grammar_->match_token(s.back(), token)) return true;
  }
  return false;
}

Result<bool> GrammarMatcher::allows_code_points(uint32_t state, int32_t token, const uint32_t* cps, size_t n,
                                                PartialUtf8 end) {
  uint32_t current = state;
  for (size_t i = 0; i < n; ++i) {
    if (current == kDead) return false;
    if (token_element_accepts(current, token)) return true;
    Result<uint32_t> next = next_state(current, cps[i]);
    if (!next.is_ok()) return next.status();
    current = next.value();
  }
  if (current == kDead) return false;
  return end.n_remain == 0 || allows_partial(current, end);
}

Result<bool> GrammarMatcher::allows(int32_t token) {
  if (token < 0 || static_cast<size_t>(token) >= vocabulary_->size()) return false;
  if (vocabulary_->is_end_of_generation(token)) return can_end();
  const std::string& piece = vocabulary_->piece(token);
  if (piece.empty() || piece[0] == '\0') return false;
  if (partial_.n_remain <= 0) {
    if (vocabulary_->is_rejected_from_clean_start(token)) return false;
    size_t n = 0;
    const uint32_t* cps = vocabulary_->code_points(token, &n);
    return allows_code_points(current_, token, cps, n, vocabulary_->end_partial(token));
  }
  PartialUtf8 end;
  decode_utf8_piece(piece, partial_, &decoded_, &end);
  if (end.n_remain < 0) return false;
  return allows_code_points(current_, token, decoded_.data(), decoded_.size(), end);
}

Status GrammarMatcher::compute_allowed_from_clean_start(std::vector<uint64_t>* mask) {
  const GrammarVocabulary& vocab = *vocabulary_;
  const auto& trie = vocab.trie();
  const auto& sorted = vocab.sorted_tokens();
  if (can_end()) {
    for (size_t i = 0; i < vocab.size(); ++i) {
      if (vocab.is_end_of_generation(static_cast<int32_t>(i))) set_bit(*mask, i);
    }
  }
  // Depth first over the trie, carrying the parse state after each prefix; a dead state drops
  // the whole subtree.
  std::vector<std::pair<uint32_t, uint32_t>> todo{{0, current_}};
  while (!todo.empty()) {
    const auto [node_index, state] = todo.back();
    todo.pop_back();
    const GrammarVocabulary::TrieNode node = trie[node_index];
    for (uint32_t k = node.begin; k < node.begin + node.n_ending; ++k) {
      const int32_t token = sorted[k];
      const PartialUtf8 end = vocab.end_partial(token);
      if (end.n_remain == 0 || allows_partial(state, end)) set_bit(*mask, static_cast<size_t>(token));
    }
    if (states_[state].has_token_top) {
      // A token element takes a whole token while characters remain: the subtree's longer tokens.
      const uint32_t first = node.begin + node.n_ending;
      for (const GrammarStack& s : states_[state].stacks) {
        if (s.empty() || !grammar_->is_token_element(s.back())) continue;
        const GrammarElement& e = grammar_->at(s.back());
        if (e.type == GrammarElementType::kToken) {
          const int32_t id = static_cast<int32_t>(e.value);
          if (id >= 0 && static_cast<size_t>(id) < vocab.size()) {
            const uint32_t at = vocab.sorted_index(id);
            if (at != UINT32_MAX && at >= first && at < node.end) set_bit(*mask, static_cast<size_t>(id));
          }
        } else {
          for (uint32_t k = first; k < node.end; ++k) {
            if (static_cast<uint32_t>(sorted[k]) != e.value) set_bit(*mask, static_cast<size_t>(sorted[k]));
          }
        }
      }
    }
    for (uint32_t c = node.first_child; c < node.first_child + node.n_children; ++c) {
      Result<uint32_t> next = next_state(state, trie[c].code_point);
      if (!next.is_ok()) return next.status();
      if (next.value() != kDead) todo.emplace_back(c, next.value());
    }
  }
  return Status::ok();
}

Status GrammarMatcher::compute_allowed_after_partial(std::vector<uint64_t>* mask) {
  for (size_t i = 0; i < vocabulary_->size(); ++i) {
    Result<bool> ok = allows(static_cast<int32_t>(i));
    if (!ok.is_ok()) return ok.status();
    if (ok.value()) set_bit(*mask, i);
  }
  return Status::ok();
}

Status GrammarMatcher::apply(CandidateList& candidates, size_t* n_allowed) {
  const size_t n_words = (vocabulary_->size() + 63) / 64;
  std::vector<uint64_t> computed;
  const std::vector<uint64_t>* mask = nullptr;
  if (partial_.n_remain <= 0) {
    auto found = masks_.find(current_);
    if (found == masks_.end()) {
      computed.assign(n_words, 0);
      WEBGGUF_RETURN_IF_ERROR(compute_allowed_from_clean_start(&computed));
      if (masks_.size() >= kMaxMasks) masks_.clear();
      found = masks_.emplace(current_, std::move(computed)).first;
    }
    mask = &found->second;
  } else {
    computed.assign(n_words, 0);
    WEBGGUF_RETURN_IF_ERROR(compute_allowed_after_partial(&computed));
    mask = &computed;
  }
  size_t allowed = 0;
  for (TokenCandidate& c : candidates.items) {
    const bool ok =
        c.id >= 0 && static_cast<size_t>(c.id) < vocabulary_->size() && get_bit(*mask, static_cast<size_t>(c.id));
    if (ok) {
      ++allowed;
    } else {
      c.logit = -INFINITY;
    }
  }
  *n_allowed = allowed;
  return Status::ok();
}

Status GrammarMatcher::accept(int32_t token) {
  trim_caches();
  if (token < 0 || static_cast<size_t>(token) >= vocabulary_->size()) {
    return Status::error(format("grammar: token id %d is outside the vocabulary", token));
  }
  if (vocabulary_->is_end_of_generation(token)) {
    if (can_end()) return Status::ok();
    return Status::error("grammar: the generation ended where the grammar cannot end");
  }
  const std::string& piece = vocabulary_->piece(token);
  const uint32_t* cps = nullptr;
  size_t n = 0;
  PartialUtf8 end;
  if (partial_.n_remain <= 0 && !vocabulary_->is_rejected_from_clean_start(token)) {
    cps = vocabulary_->code_points(token, &n);
    end = vocabulary_->end_partial(token);
  } else {
    decode_utf8_piece(piece, partial_, &decoded_, &end);
    cps = decoded_.data();
    n = decoded_.size();
  }
  // llama_grammar_accept_token: stacks expecting a token take it whole; the others read its
  // characters.
  GrammarStacks next;
  for (const GrammarStack& s : states_[current_].stacks) {
    if (s.empty() || !grammar_->is_token_element(s.back()) || !grammar_->match_token(s.back(), token)) continue;
    GrammarStack rest(s.begin(), s.end() - 1);
    if (!grammar_->is_end_of_sequence(s.back() + 1)) rest.push_back(s.back() + 1);
    WEBGGUF_RETURN_IF_ERROR(grammar_->advance_stack(rest, &next));
  }
  uint32_t by_characters = character_stacks(current_);
  for (size_t i = 0; i < n && by_characters != kDead; ++i) {
    Result<uint32_t> step = next_state(by_characters, cps[i]);
    if (!step.is_ok()) return step.status();
    by_characters = step.value();
  }
  const GrammarStacks& read = states_[by_characters].stacks;
  next.insert(next.end(), read.begin(), read.end());
  if (next.empty()) {
    return Status::error(format("grammar: token %d (\"%s\") does not continue the grammar", token, piece.c_str()));
  }
  current_ = intern(std::move(next));
  current_stacks_ = states_[current_].stacks;
  partial_ = end;
  return Status::ok();
}

void GrammarMatcher::trim_caches() {
  if (states_.size() <= kMaxStates && transitions_.size() <= kMaxTransitions) return;
  states_.clear();
  state_ids_.clear();
  transitions_.clear();
  masks_.clear();
  intern({});
  current_ = intern(current_stacks_);
}

}  // namespace webgguf
