// Vectors we derived from llama.cpp itself (node-llama-cpp 3.21.1, vocab-only load of llama.cpp's
// test vocabularies in build/llama.cpp/models): chat-template markup with special tokens parsed
// and not, and random soups of
// scripts, marks, emoji, digits, contractions and whitespace. data/llama_cpp_oracle.inp holds the
// strings; data/llama_cpp_oracle.NAME.{plain,special}.out the ids (no BOS/EOS added).
#include <gtest/gtest.h>

#include "tokenizer_fixtures.h"

namespace webgguf {
namespace {

using testing::read_vocab_vectors;
using testing::load_tokenizer;
using testing::source_path;

class LlamaCppOracleTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LlamaCppOracleTest, MatchesWithAndWithoutSpecialParsing) {
  std::string error;
  const Tokenizer* tok = load_tokenizer(
      std::string(WEBGGUF_LLAMA_CPP_DIR) + "/models/ggml-vocab-" + GetParam() + ".gguf", &error);
  ASSERT_NE(tok, nullptr) << error;
  const std::string data = source_path("tests/tokenizer/data/llama_cpp_oracle");
  for (const bool parse_special : {false, true}) {
    const auto vectors = read_vocab_vectors(
        data + ".inp", data + "." + GetParam() + (parse_special ? ".special.out" : ".plain.out"));
    ASSERT_EQ(vectors.size(), 10u);
    for (const auto& vector : vectors) {
      EXPECT_EQ(tok->encode(vector.text, false, parse_special), vector.ids)
          << "parse_special " << parse_special << " text: '" << vector.text << "'";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LlamaCppOracleTest,
                         ::testing::Values("llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2",
                                           "command-r", "deepseek-coder", "deepseek-llm", "falcon",
                                           "gemma-4", "mpt", "qwen35", "refact", "starcoder"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace webgguf
