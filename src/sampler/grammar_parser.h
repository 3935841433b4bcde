// GBNF, the grammar format of llama.cpp (grammars/README.md), parsed into the same rule table as
// llama.cpp's llama_grammar_parser (src/llama-grammar.cpp at 80fb11a): rules, alternatives,
// groups, literals, character classes with ranges and negation, `.`, `* + ? {m} {m,} {m,n}`
// (rewritten into generated rules exactly as llama.cpp does, so rule ids and order match), token
// references `<[id]>` / `<text>` and their negations `!<...>`, and `#` comments.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace webgguf {

enum class GrammarElementType : uint8_t {
  kEnd,             // end of a rule definition
  kAlternate,       // start of another alternative of the same rule
  kRuleRef,         // value: rule id
  kChar,            // value: code point; starts a character set
  kCharNot,         // value: code point; starts a negated character set
  kCharRangeUpper,  // value: upper bound of the range started by the previous char element
  kCharAlternate,   // value: another code point (or range start) of the current set
  kCharAny,         // `.`: any code point
  kToken,           // value: token id
  kTokenNot,        // value: token id that must not come
};

struct GrammarElement {
  GrammarElementType type;
  uint32_t value;
  bool operator==(const GrammarElement& o) const { return type == o.type && value == o.value; }
};

using GrammarRule = std::vector<GrammarElement>;

struct ParsedGrammar {
  std::vector<GrammarRule> rules;              // indexed by rule id, each ends with kEnd
  std::map<std::string, uint32_t> symbol_ids;  // rule name (generated ones as name_N) -> id
};

// Resolves `<text>` to the one token it tokenizes to (special tokens parsed), or an error.
using GrammarTokenResolver = std::function<Result<uint32_t>(const std::string& text)>;

// Parses GBNF text. Errors give line:column and what is wrong, e.g.
// "grammar error at 2:9: expecting ')'". Undefined rule references are errors, as in llama.cpp.
// `resolve_token` may be empty: then only `<[id]>` token references are accepted.
Result<ParsedGrammar> parse_grammar(const std::string& text, const GrammarTokenResolver& resolve_token);

}  // namespace webgguf
