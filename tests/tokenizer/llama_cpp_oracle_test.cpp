// Vectors we derived from llama.cpp itself (node-llama-cpp 3.21.1, vocab-only load of llama.cpp's
// test vocabularies in build/llama.cpp/models): chat-template markup with special tokens parsed
// and not, and random soups of
// scripts, marks, emoji, digits, contractions and whitespace. data/llama_cpp_oracle.inp holds the
// strings; data/llama_cpp_oracle.NAME.{plain,special}.out the ids (no BOS/EOS added).
#include <gtest/gtest.h>

#include "tokenizer_fixtures.h"

namespace webgguf {
namespace {

using testing::load_tokenizer;
using testing::read_gguf_header;
using testing::read_vocab_vectors;
using testing::source_path;

class LlamaCppOracleTest : public ::testing::TestWithParam<const char*> {};

// "llama-spm-no-space-prefix" is llama-spm with tokenizer.ggml.add_space_prefix = false, as
// Gemma 1-3 ship their SentencePiece vocabularies.
const Tokenizer* oracle_tokenizer(const std::string& name, std::string* error) {
  const std::string models = std::string(WEBGGUF_LLAMA_CPP_DIR) + "/models/ggml-vocab-";
  const std::string variant = "-no-space-prefix";
  if (name.size() <= variant.size() || name.compare(name.size() - variant.size(), variant.size(), variant) != 0) {
    return load_tokenizer(models + name + ".gguf", error);
  }
  static std::unique_ptr<Tokenizer> edited;
  if (edited) return edited.get();
  Result<GgufFile> file = read_gguf_header(models + name.substr(0, name.size() - variant.size()) + ".gguf");
  if (!file.is_ok()) {
    *error = file.status().message();
    return nullptr;
  }
  file.value().metadata.push_back({"tokenizer.ggml.add_space_prefix", GgufValue::of_bool(false)});
  file.value().reindex();
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file.value());
  if (!tokenizer.is_ok()) {
    *error = tokenizer.status().message();
    return nullptr;
  }
  return (edited = tokenizer.take()).get();
}

TEST_P(LlamaCppOracleTest, MatchesWithAndWithoutSpecialParsing) {
  std::string error;
  const Tokenizer* tok = oracle_tokenizer(GetParam(), &error);
  ASSERT_NE(tok, nullptr) << error;
  const std::string data = source_path("tests/tokenizer/data/llama_cpp_oracle");
  for (const bool parse_special : {false, true}) {
    const auto vectors =
        read_vocab_vectors(data + ".inp", data + "." + GetParam() + (parse_special ? ".special.out" : ".plain.out"));
    ASSERT_EQ(vectors.size(), 10u);
    for (const auto& vector : vectors) {
      EXPECT_EQ(tok->encode(vector.text, false, parse_special), vector.ids)
          << "parse_special " << parse_special << " text: '" << vector.text << "'";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LlamaCppOracleTest,
                         ::testing::Values("llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2", "command-r",
                                           "deepseek-coder", "deepseek-llm", "falcon", "gemma-4", "mpt", "qwen35",
                                           "refact", "starcoder", "llama-spm-no-space-prefix"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace webgguf
