// libFuzzer target for GBNF grammars: parse + compile arbitrary text, then walk a small
// vocabulary (ASCII, multi-byte UTF-8, pieces cut inside a character, invalid bytes, an
// end-of-generation token) under the grammar.
// Input layout: the grammar text up to the first NUL byte; each byte after it picks a token to
// try (accepted when the grammar allows it).
// Beyond "no crash, no sanitizer report, no hang" it checks (a violation traps):
//   - at every step the full pass over the vocabulary equals checking each token on its own;
//   - a token the grammar allows is accepted without error;
//   - the end-of-generation token is allowed exactly when the grammar can end.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sampler/grammar_matcher.h"

namespace {

using webgguf::CandidateList;
using webgguf::Grammar;
using webgguf::GrammarMatcher;
using webgguf::GrammarVocabulary;
using webgguf::Result;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

std::shared_ptr<const GrammarVocabulary> make_vocabulary() {
  std::vector<std::string> pieces = {"</s>", "a",  "b",         "ab",       "{",    "}",        "\"",
                                     ":",    ",",  " ",         "\n",       "[",    "]",        "0",
                                     "12",   "-",  "true",      "\xC3",     "\xA9", "\xC3\xA9", "\xE6\x97",
                                     "\xA5", "日", "x\xF0\x9F", "\x98\x80", "\x80", "",         std::string("\0a", 2),
                                     "ws",   "(",  ")",         "+",        "=",    "\\",       "e",
                                     "é ",   "\t"};
  std::vector<bool> eog(pieces.size(), false);
  eog[0] = true;
  return std::make_shared<const GrammarVocabulary>(std::move(pieces), std::move(eog));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const GrammarVocabulary> vocab = make_vocabulary();
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  const size_t text_size = nul == nullptr ? size : static_cast<size_t>(nul - data);
  const std::string text(reinterpret_cast<const char*>(data), text_size);
  Result<Grammar> grammar = Grammar::compile(text, {});
  if (!grammar.is_ok()) {
    check(!grammar.status().message().empty());
    return 0;
  }
  GrammarMatcher matcher(std::make_shared<const Grammar>(grammar.take()), vocab);
  const int32_t n = static_cast<int32_t>(vocab->size());
  for (size_t i = text_size + 1; i < size; ++i) {
    CandidateList all;
    for (int32_t id = 0; id < n; ++id) all.items.push_back({id, 0.0f, 0.0f});
    size_t n_allowed = 0;
    if (!matcher.apply(all, &n_allowed).is_ok()) return 0;  // a bounded-ambiguity error
    for (int32_t id = 0; id < n; ++id) {
      Result<bool> single = matcher.allows(id);
      if (!single.is_ok()) return 0;
      check(single.value() == std::isfinite(all.items[static_cast<size_t>(id)].logit));
    }
    check(matcher.allows(0).value() == matcher.can_end());
    const int32_t token = 1 + static_cast<int32_t>(data[i] % static_cast<uint8_t>(n - 1));
    if (!matcher.allows(token).value()) continue;
    const auto accepted = matcher.accept(token);
    // Accepting can only fail on the bounded-ambiguity error.
    check(accepted.is_ok() || accepted.message().find("too ambiguous") != std::string::npos);
    if (!accepted.is_ok()) return 0;
  }
  return 0;
}
