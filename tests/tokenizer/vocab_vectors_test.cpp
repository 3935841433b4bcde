// llama.cpp's tokenizer vectors (test-tokenizer-0) and round trips (test-tokenizer-1-bpe/-spm)
// for every vocabulary in ../shared/fixtures/tokenizers.
#include <gtest/gtest.h>

#include "tokenizer/unicode.h"
#include "tokenizer_fixtures.h"

namespace webgguf {
namespace {

using testing::read_vocab_vectors;
using testing::shared_path;
using testing::shared_tokenizer;

const char* const kVocabs[] = {"llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2"};

std::string vocab_file(const std::string& name) {
  return "fixtures/tokenizers/ggml-vocab-" + name + ".gguf";
}

class VocabVectorsTest : public ::testing::TestWithParam<const char*> {
 protected:
  const Tokenizer& tokenizer() {
    std::string error;
    const Tokenizer* tokenizer = shared_tokenizer(vocab_file(GetParam()), &error);
    if (!tokenizer) ADD_FAILURE() << error;
    return *tokenizer;
  }
  bool is_sentencepiece() const {
    const std::string name = GetParam();
    return name == "llama-spm" || name == "phi-3";
  }
};

std::string describe(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

TEST_P(VocabVectorsTest, EveryVectorMatches) {
  const Tokenizer& tok = tokenizer();
  const std::string base = shared_path(vocab_file(GetParam()));
  const auto vectors = read_vocab_vectors(base + ".inp", base + ".out");
  ASSERT_EQ(vectors.size(), 46u);
  for (const auto& vector : vectors) {
    const std::vector<int32_t> ids = tok.encode(vector.text, false, false);
    EXPECT_EQ(ids, vector.ids) << "text: '" << vector.text << "'\n got:      " << describe(ids)
                               << "\n expected: " << describe(vector.ids);
  }
}

// The pieces of the ids spell the text again. decode() equals the text too, except for
// vocabularies whose decode tidies spaces ("you 😁 ?" -> "you 😁?"; see CleansSpacesAsLlamaCpp).
TEST_P(VocabVectorsTest, VectorTextsRoundTrip) {
  const Tokenizer& tok = tokenizer();
  const std::string name = GetParam();
  const bool cleans_spaces = name == "llama-bpe" || name == "gpt-2";
  const std::string base = shared_path(vocab_file(name));
  for (const auto& vector : read_vocab_vectors(base + ".inp", base + ".out")) {
    if (!cleans_spaces) {
      EXPECT_EQ(tok.decode(vector.ids, false), vector.text);
    }
    if (!is_sentencepiece()) {
      std::string pieces;
      for (int32_t id : vector.ids) pieces += tok.token_to_piece(id, false);
      EXPECT_EQ(pieces, vector.text);
    }
  }
}

// test-tokenizer-1: a token's text tokenizes (specials parsed) back to the same text. Tokens
// whose text is not valid UTF-8 (lone bytes) are skipped as llama.cpp's test intends.
TEST_P(VocabVectorsTest, TokenTextsRoundTrip) {
  const Tokenizer& tok = tokenizer();
  const int32_t n_vocab = tok.n_vocab();
  const int32_t stride = std::max(1, n_vocab / 6000);
  const bool ignore_merges = std::string(GetParam()) == "llama-bpe";
  for (int32_t id = 0; id < n_vocab; id += (tok.token_type(id) == TokenType::Normal ? stride : 1)) {
    const std::string text = tok.decode({id}, true);
    if (!is_sentencepiece()) {
      std::string valid;
      for (uint32_t cpt : unicode::decode_utf8_lenient(text)) unicode::append_utf8(cpt, valid);
      if (valid != text) continue;
    }
    const std::vector<int32_t> ids = tok.encode(text, false, true);
    EXPECT_EQ(tok.decode(ids, true), text) << "token " << id;
    // With merges ignored a whole token is one word, unless decoding tidied its spaces.
    if (ignore_merges && text == tok.token_to_piece(id, true)) {
      EXPECT_EQ(ids.size(), 1u) << "token " << id;
    }
  }
}

// test-tokenizer-1: every code point survives encode + decode (U+2581 excepted: SentencePiece's
// space). All of the BMP's first 12k code points, then a stride over the rest.
TEST_P(VocabVectorsTest, CodepointsRoundTrip) {
  const Tokenizer& tok = tokenizer();
  for (uint32_t cp = 1; cp < 0x110000; cp += (cp < 0x3000 ? 1 : 37)) {
    if ((cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x40000 && cp <= 0xE0000) || cp == 0x2581) continue;
    std::string text;
    unicode::append_utf8(cp, text);
    const std::vector<int32_t> ids = tok.encode(text, false, is_sentencepiece());
    ASSERT_EQ(tok.decode(ids, true), text) << "code point " << std::hex << cp;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, VocabVectorsTest, ::testing::ValuesIn(kVocabs),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace webgguf
