// The grammar's full pass over a real vocabulary (prefix trie, cached per state) agrees with
// checking every token on its own, along generations through llama.cpp's grammars, for the
// 4k-token lexi vocabulary and the 151k-token qwen2 one.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "sampler/grammar_matcher.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace webgguf {
namespace {

using webgguf::testing::read_file_bytes;
using webgguf::testing::shared_path;
using webgguf::testing::source_path;

std::shared_ptr<const GrammarVocabulary> load_vocabulary(const std::string& gguf) {
  const std::vector<uint8_t> bytes = read_file_bytes(gguf);
  EXPECT_FALSE(bytes.empty()) << gguf;
  Result<GgufFile> file = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  EXPECT_TRUE(file.is_ok()) << file.status().message();
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file.value());
  EXPECT_TRUE(tokenizer.is_ok()) << tokenizer.status().message();
  const Tokenizer& t = *tokenizer.value();
  std::vector<std::string> pieces;
  std::vector<bool> eog;
  for (int32_t id = 0; id < t.n_vocab(); ++id) {
    pieces.push_back(t.token_to_piece(id, true));
    eog.push_back(t.is_end_of_generation(id));
  }
  return std::make_shared<const GrammarVocabulary>(std::move(pieces), std::move(eog));
}

std::string read_text(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  EXPECT_FALSE(bytes.empty()) << path;
  return std::string(bytes.begin(), bytes.end());
}

// Random walks: at each step the full pass must equal per-token checks; the walk takes a random
// allowed token.
void expect_mask_equals_single_checks(const std::shared_ptr<const GrammarVocabulary>& vocab,
                                      const std::string& grammar_name, int steps, uint32_t seed) {
  Result<Grammar> grammar =
      Grammar::compile(read_text(source_path("node_modules/node-llama-cpp/llama/grammars/" + grammar_name)), {});
  ASSERT_TRUE(grammar.is_ok()) << grammar.status().message();
  GrammarMatcher matcher(std::make_shared<const Grammar>(grammar.take()), vocab);
  std::mt19937 rng(seed);
  for (int step = 0; step < steps; ++step) {
    CandidateList all;
    for (size_t i = 0; i < vocab->size(); ++i) all.items.push_back({static_cast<int32_t>(i), 0.0f, 0.0f});
    size_t n_allowed = 0;
    ASSERT_TRUE(matcher.apply(all, &n_allowed).is_ok());
    std::vector<int32_t> allowed;
    for (const TokenCandidate& c : all.items) {
      Result<bool> single = matcher.allows(c.id);
      ASSERT_TRUE(single.is_ok());
      ASSERT_EQ(single.value(), std::isfinite(c.logit))
          << grammar_name << " step " << step << " token " << c.id << " \"" << vocab->piece(c.id) << "\"";
      if (single.value() && !vocab->is_end_of_generation(c.id)) allowed.push_back(c.id);
    }
    if (allowed.empty()) break;
    const int32_t next = allowed[rng() % allowed.size()];
    ASSERT_TRUE(matcher.accept(next).is_ok());
  }
}

TEST(GrammarVocabulary, FullPassEqualsSingleChecksLexi) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  auto vocab = load_vocabulary(shared_path("models/lexi-28m-f16.gguf"));
  for (const char* g : {"arithmetic.gbnf", "json.gbnf", "c.gbnf", "chess.gbnf", "english.gbnf", "japanese.gbnf",
                        "json_arr.gbnf", "list.gbnf"}) {
    expect_mask_equals_single_checks(vocab, g, 40, 1);
  }
}

TEST(GrammarVocabulary, FullPassEqualsSingleChecksQwen2) {
  auto vocab = load_vocabulary(shared_path("fixtures/tokenizers/ggml-vocab-qwen2.gguf"));
  ASSERT_GT(vocab->size(), 150000u);
  for (const char* g : {"json.gbnf", "japanese.gbnf", "c.gbnf"}) expect_mask_equals_single_checks(vocab, g, 12, 2);
}

}  // namespace
}  // namespace webgguf
