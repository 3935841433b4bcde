// A small backtracking regex matcher over code points for the pre-tokenizer regexes llama.cpp runs
// through std::regex (libstdc++, ECMAScript, nosubs). It implements the syntax those regexes use
// with the same leftmost-first semantics: alternation in order, greedy quantifiers ({n,m} * + ?),
// groups ((...), (?:...)), atomic lookahead ((?=...), (?!...)), '$' (end of the piece), bracket
// classes with ranges and negation, and the escapes \s \S \d \D \w \W. Symbols are plain uint32
// values: the caller decides whether they are code points or llama.cpp's collapsed stand-ins.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace webgguf {

class CodePointRegex {
 public:
  // `pattern`: the regex as symbols. Unsupported syntax (and loops whose body can match nothing)
  // is an error naming the construct.
  static Result<CodePointRegex> compile(const std::vector<uint32_t>& pattern);

  // As llama.cpp's unicode_regex_split_stl over one piece text[begin, end): every match and every
  // gap between matches becomes a word (std::regex_iterator's rules for empty matches); appends
  // the non-zero word lengths.
  void split(const std::vector<uint32_t>& text, size_t begin, size_t end, std::vector<size_t>& lengths) const;

  struct CharClass {
    std::vector<std::pair<uint32_t, uint32_t>> ranges;  // sorted, inclusive
    uint8_t escapes = 0;  // kSpace/kNotSpace/... bits (class escapes inside or as the atom)
    bool negated = false;
    bool contains(uint32_t c) const;
  };
  enum class Op : uint8_t { Char, Split, Jump, AssertEnd, LookAhead, NegativeLookAhead, Match };
  struct Instruction {
    Op op;
    int32_t x = 0;  // Char: class index; Split: preferred target; Jump: target; LookAhead: program
    int32_t y = 0;  // Split: the other target
  };

 private:
  struct Cursor {
    const std::vector<uint32_t>& text;
    size_t end;
  };
  // Runs program `program` anchored at `start`; the end of the first match in priority order.
  bool run(size_t program, const Cursor& cursor, size_t start, bool not_null, size_t* match_end,
           std::vector<std::pair<int32_t, size_t>>& stack) const;
  // regex_search: the first start >= from with a match.
  bool search(const Cursor& cursor, size_t from, size_t* match_begin, size_t* match_end,
              std::vector<std::pair<int32_t, size_t>>& stack) const;

  std::vector<CharClass> classes_;
  std::vector<std::vector<Instruction>> programs_;  // [0] the regex, then one per lookahead
  friend class RegexCompiler;
};

}  // namespace webgguf
