// The regex matcher against std::regex itself (the engine llama.cpp runs these regexes on):
// every non-custom regex of the table, on random texts over the symbols that matter to it, must
// split exactly as unicode_regex_split_stl does with std::basic_regex (ECMAScript, nosubs).
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <set>

#include "tokenizer/code_point_regex.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/pre_tokenizer_custom.h"

namespace webgguf {
namespace {

// llama.cpp's unicode_regex_split_stl on one piece, zero-length words dropped.
template <typename Char>
std::vector<size_t> split_with_std_regex(const std::basic_string<Char>& text, const std::basic_regex<Char>& expr) {
  using Iterator = typename std::basic_string<Char>::const_iterator;
  std::vector<size_t> lengths;
  auto add = [&](size_t n) {
    if (n > 0) lengths.push_back(n);
  };
  size_t start = 0;
  for (std::regex_iterator<Iterator> it(text.begin(), text.end(), expr), end; it != end; ++it) {
    add(static_cast<size_t>(it->position()) - start);
    add(static_cast<size_t>(it->length()));
    start = static_cast<size_t>(it->position() + it->length());
  }
  add(text.size() - start);
  return lengths;
}

// The table's regexes llama.cpp runs through std::regex, and small ones for the matcher's corners
// (ordered alternation, empty matches, repeated class escapes, '$').
std::set<std::string> table_regexes() {
  std::set<std::string> regexes = {
      "a|ab", "(a|ab)(c|bcd)?", "x*", "(?=a)", "\\S+$", "[\\s\\s\\d]+", "[^\\s\\S]|z{2,3}", "'?[sS]{1,2}(?!\\d)"};
  for (const std::string& name : pre_tokenizer_names()) {
    const PreTokenizerSpec& spec = *find_pre_tokenizer(name).value();
    for (size_t i = 0; i < spec.n_regexes; ++i) {
      if (custom_splitter_for(spec.regexes[i]) == CustomSplitter::None) regexes.insert(spec.regexes[i]);
    }
  }
  return regexes;
}

TEST(CodePointRegexTest, SplitsAsStdRegexOnRandomTexts) {
  const auto flags = std::regex_constants::ECMAScript | std::regex_constants::optimize | std::regex_constants::nosubs;
  // Collapsed texts hold ASCII and the stand-ins (0x0B space, 0xD0-0xD5 categories); wide texts
  // also the non-ASCII code points the wide regexes name.
  const std::vector<uint32_t> ascii = {'a',  'b',  'c', 'x', 'B', 'z', 'Z', '0', '7', ' ', ' ', '\n', '\r',
                                       '\t', '\'', 's', 'S', 'l', 'L', 'd', 'r', 'e', '!', ',', '.',  '$',
                                       '`',  '<',  '>', ':', '/', '_', '(', '|', 'I', 'M', 'G', 'A',  '-'};
  std::vector<uint32_t> collapsed_symbols = ascii;
  for (uint32_t c : {0x0Bu, 0xD0u, 0xD1u, 0xD2u, 0xD3u, 0xD4u, 0xD5u}) collapsed_symbols.push_back(c);
  std::vector<uint32_t> wide_symbols = ascii;
  for (uint32_t c : {0x0Bu, 0xB5u, 0xC0u, 0x3002u, 0x4E00u, 0x4E2Du, 0x3042u, 0xAC00u, 0xFF01u, 0x2018u, 0x0E01u,
                     0x1100u, 0x1F600u, 0x0964u, 0x2026u}) {
    wide_symbols.push_back(c);
  }
  constexpr int kRounds = 300;  // 20000 rounds (700k texts) also agree; this keeps the run short
  std::mt19937 rng(1234);
  size_t regexes = 0, texts = 0;
  for (const std::string& regex : table_regexes()) {
    bool collapsed = false;
    const std::vector<uint32_t> pattern = regex_symbols_as_llama_cpp_runs(regex, &collapsed);
    Result<CodePointRegex> ours = CodePointRegex::compile(pattern);
    ASSERT_TRUE(ours.is_ok()) << regex << ": " << ours.status().message();
    const std::vector<uint32_t>& symbols = collapsed ? collapsed_symbols : wide_symbols;
    std::basic_regex<char> narrow;
    std::basic_regex<wchar_t> wide;
    if (collapsed) {
      narrow.assign(std::string(pattern.begin(), pattern.end()), flags);
    } else {
      wide.assign(std::wstring(pattern.begin(), pattern.end()), flags);
    }
    for (int round = 0; round < kRounds; ++round) {
      std::vector<uint32_t> text(rng() % 32);
      for (uint32_t& c : text) c = symbols[rng() % symbols.size()];
      std::vector<size_t> ours_lengths;
      ours.value().split(text, 0, text.size(), ours_lengths);
      const std::vector<size_t> expected = collapsed
                                               ? split_with_std_regex(std::string(text.begin(), text.end()), narrow)
                                               : split_with_std_regex(std::wstring(text.begin(), text.end()), wide);
      ASSERT_EQ(ours_lengths, expected) << "regex " << regex << " round " << round;
      ++texts;
    }
    ++regexes;
  }
  EXPECT_GE(regexes, 40u);
  std::printf("code point regex: %zu texts over %zu regexes agree with std::regex\n", texts, regexes);
}

TEST(CodePointRegexTest, RefusesSyntaxItDoesNotImplement) {
  for (const char* pattern : {"a*?", "(?<=a)b", "[[:alpha:]]", "\\p{L}", "a**", "(a*)*", "(", "[a"}) {
    const std::string text = pattern;
    EXPECT_FALSE(CodePointRegex::compile(std::vector<uint32_t>(text.begin(), text.end())).is_ok()) << pattern;
  }
}

}  // namespace
}  // namespace webgguf
