// A compiled GBNF grammar and the pushdown steps over it, with llama.cpp's semantics
// (src/llama-grammar.cpp at 80fb11a): a parse state is a set of stacks of positions in the rules,
// each stack's top a terminal (a character set or a token reference), an empty stack meaning
// the grammar may end there. Positions are indices into one flat element array, so stacks are
// small integer vectors that compare and hash cheaply.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sampler/grammar_parser.h"

namespace webgguf {

using GrammarStack = std::vector<uint32_t>;  // positions, top last
using GrammarStacks = std::vector<GrammarStack>;

// A UTF-8 sequence cut at a token's end: n_remain more continuation bytes expected (-1: the bytes
// were invalid UTF-8), value the bits decoded so far. As llama_partial_utf8.
struct PartialUtf8 {
  uint32_t value = 0;
  int n_remain = 0;
  bool operator==(const PartialUtf8& o) const { return value == o.value && n_remain == o.n_remain; }
};

// Code points of `bytes` continuing `start`, as llama.cpp's decode_utf8(piece, partial): a
// sequence cut at the end is returned as the new partial state, invalid UTF-8 gives no code points
// and n_remain -1. Reading stops at a NUL byte, as llama.cpp reads a C string.
void decode_utf8_piece(const std::string& bytes, PartialUtf8 start, std::vector<uint32_t>* code_points,
                       PartialUtf8* end);

// Hostile grammars (ambiguity that multiplies the stacks) fail with an error instead of
// exhausting memory or time.
constexpr size_t kMaxGrammarStacks = 4096;
constexpr size_t kMaxGrammarAdvanceSteps = 1 << 18;

class Grammar {
 public:
  // Parses and compiles GBNF with root rule `root`; refuses left recursion as llama.cpp does.
  static Result<Grammar> compile(const std::string& text, const GrammarTokenResolver& resolve_token);

  const GrammarElement& at(uint32_t pos) const { return elements_[pos]; }
  const GrammarStacks& initial_stacks() const { return initial_stacks_; }
  size_t n_rules() const { return rule_start_.size(); }

  bool is_end_of_sequence(uint32_t pos) const {
    const GrammarElementType t = elements_[pos].type;
    return t == GrammarElementType::kEnd || t == GrammarElementType::kAlternate;
  }
  bool is_token_element(uint32_t pos) const {
    const GrammarElementType t = elements_[pos].type;
    return t == GrammarElementType::kToken || t == GrammarElementType::kTokenNot;
  }
  // Whether the character set at pos accepts chr; *next is the position after the set.
  bool match_char(uint32_t pos, uint32_t chr, uint32_t* next) const;
  // Whether some completion of a cut UTF-8 sequence could match the character set at pos.
  bool match_partial_char(uint32_t pos, PartialUtf8 partial) const;
  // Whether the token element at pos accepts token id.
  bool match_token(uint32_t pos, int32_t token) const {
    const uint32_t id = static_cast<uint32_t>(token);
    return elements_[pos].type == GrammarElementType::kToken ? elements_[pos].value == id : elements_[pos].value != id;
  }

  // Expands the top rule references of `stack` until every resulting stack has a terminal on
  // top (or is empty), adding the new ones to *out (llama_grammar_advance_stack).
  Status advance_stack(const GrammarStack& stack, GrammarStacks* out) const;
  // The stacks after `stack` (whose top is a character set) reads chr; none when it does not match.
  Status accept_char(const GrammarStack& stack, uint32_t chr, GrammarStacks* out) const;

 private:
  std::vector<GrammarElement> elements_;  // every rule, each ending with kEnd
  std::vector<uint32_t> rule_start_;      // [n_rules] position of each rule's first element
  GrammarStacks initial_stacks_;
};

}  // namespace webgguf
