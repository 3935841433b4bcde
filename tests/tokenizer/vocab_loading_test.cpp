// Vocabulary metadata handling on small in-memory GGUF headers and on the fixture vocabularies:
// refusals, special ids, byte fallback, Phi-3's rstrip, BOS/EOS and decode's space clean-up.
#include <gtest/gtest.h>

#include "tokenizer_fixtures.h"

namespace webgguf {
namespace {

using testing::shared_tokenizer;

const std::string kSpace = "\xE2\x96\x81";  // ▁

struct TokenSpec {
  std::string text;
  int32_t type;
  float score;
};

GgufFile make_file(const std::string& model, const std::vector<TokenSpec>& tokens,
                   std::vector<std::pair<std::string, GgufValue>> extra = {}) {
  GgufFile file;
  std::vector<std::string> texts;
  std::vector<int32_t> types;
  std::vector<float> scores;
  for (const TokenSpec& t : tokens) {
    texts.push_back(t.text);
    types.push_back(t.type);
    scores.push_back(t.score);
  }
  file.metadata.push_back({"tokenizer.ggml.model", GgufValue::of_string(model)});
  file.metadata.push_back({"tokenizer.ggml.tokens", GgufValue::of_strings(texts)});
  file.metadata.push_back({"tokenizer.ggml.token_type", GgufValue::of_i32_array(types)});
  file.metadata.push_back({"tokenizer.ggml.scores", GgufValue::of_f32_array(scores)});
  for (auto& kv : extra) file.metadata.push_back(std::move(kv));
  file.reindex();
  return file;
}

// <unk> <s> </s>, then the given tokens.
std::vector<TokenSpec> spm_tokens(std::vector<TokenSpec> more) {
  std::vector<TokenSpec> tokens = {{"<unk>", 2, 0}, {"<s>", 3, 0}, {"</s>", 3, 0}};
  tokens.insert(tokens.end(), more.begin(), more.end());
  return tokens;
}

std::string error_of(const GgufFile& file) {
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file);
  return tokenizer.is_ok() ? "" : tokenizer.status().message();
}

TEST(VocabLoadingTest, RefusesUnknownModelsAndPreTokenizers) {
  const std::string unknown_model = error_of(make_file("bert", spm_tokens({})));
  EXPECT_NE(unknown_model.find("'bert'"), std::string::npos) << unknown_model;
  EXPECT_NE(unknown_model.find("tokenizer.ggml.model"), std::string::npos) << unknown_model;

  const std::string unknown_pre = error_of(make_file("gpt2", {{"a", 1, 0}},
                                                     {{"tokenizer.ggml.pre", GgufValue::of_string("no-such-pre")},
                                                      {"tokenizer.ggml.merges", GgufValue::of_strings({})}}));
  EXPECT_NE(unknown_pre.find("'no-such-pre'"), std::string::npos) << unknown_pre;

  const std::string no_merges = error_of(make_file("gpt2", {{"a", 1, 0}}));
  EXPECT_NE(no_merges.find("tokenizer.ggml.merges"), std::string::npos) << no_merges;

  GgufFile no_tokens;
  no_tokens.metadata.push_back({"tokenizer.ggml.model", GgufValue::of_string("llama")});
  no_tokens.reindex();
  EXPECT_NE(error_of(no_tokens).find("tokenizer.ggml.tokens"), std::string::npos);

  GgufFile short_scores = make_file("llama", spm_tokens({{"a", 1, 0}}));
  short_scores.metadata[3].second = GgufValue::of_f32_array({0.0f});
  short_scores.reindex();
  EXPECT_NE(error_of(short_scores).find("tokenizer.ggml.scores"), std::string::npos);
}

// Highest score merges first; characters no token covers become <0xXX> tokens, or <unk> when
// the vocabulary lacks that byte.
TEST(VocabLoadingTest, SentencePieceMergesByScoreWithByteFallback) {
  const GgufFile file = make_file("llama", spm_tokens({
                                               {kSpace + "a", 1, -1.0f},   // 3
                                               {kSpace + "ab", 1, -0.5f},  // 4
                                               {"b", 1, -2.0f},            // 5
                                               {"ab", 1, -3.0f},           // 6
                                               {"<0x63>", 6, 0.0f},        // 7: 'c'
                                           }));
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file);
  ASSERT_TRUE(tokenizer.is_ok()) << tokenizer.status().message();
  const Tokenizer& tok = *tokenizer.value();
  EXPECT_TRUE(tok.adds_bos());
  EXPECT_EQ(tok.bos(), 1);
  EXPECT_EQ(tok.eos(), 2);
  EXPECT_EQ(tok.eot(), -1);
  // "ab c" -> "▁ab▁c": ▁a (-1) before ab (-3), then ▁ab; "▁" has no token nor byte tokens.
  EXPECT_EQ(tok.encode("ab c", false, false), (std::vector<int32_t>{4, 0, 0, 0, 7}));
  EXPECT_EQ(tok.encode("ab c", true, false), (std::vector<int32_t>{1, 4, 0, 0, 0, 7}));
  EXPECT_EQ(tok.decode({4, 0, 7}, false), "abc");
  EXPECT_EQ(tok.decode({4, 0, 7}, true), "ab<unk>c");
  EXPECT_EQ(tok.token_to_piece(7, false), "c");
  EXPECT_EQ(tok.token_to_piece(1, false), "");
  EXPECT_TRUE(tok.is_end_of_generation(2));
}

TEST(VocabLoadingTest, AddSpacePrefixCanBeTurnedOff) {
  const GgufFile file = make_file("llama", spm_tokens({{kSpace + "a", 1, -1.0f}, {"a", 1, -2.0f}}),
                                  {{"tokenizer.ggml.add_space_prefix", GgufValue::of_bool(false)}});
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file);
  ASSERT_TRUE(tokenizer.is_ok());
  EXPECT_EQ(tokenizer.value()->encode("a a", false, false), (std::vector<int32_t>{4, 3}));
}

// llama.cpp gives every special token of a model named Phi-3 "rstrip": when parsed, it swallows
// the whitespace after it.
TEST(VocabLoadingTest, Phi3SpecialTokensSwallowFollowingWhitespace) {
  const std::vector<TokenSpec> tokens = spm_tokens({
      {"<|user|>", 3, 0},      // 3
      {kSpace + "hi", 1, -1},  // 4
      {"<0x0A>", 6, 0},        // 5
      {kSpace, 1, -2},         // 6
      {"hi", 1, -3},           // 7
  });
  auto tokenizer_named = [&](const std::string& name) {
    return Tokenizer::from_gguf(make_file("llama", tokens, {{"general.name", GgufValue::of_string(name)}}));
  };
  Result<std::unique_ptr<Tokenizer>> phi3 = tokenizer_named("Phi3");
  Result<std::unique_ptr<Tokenizer>> other = tokenizer_named("Other");
  ASSERT_TRUE(phi3.is_ok() && other.is_ok());
  EXPECT_EQ(phi3.value()->encode("<|user|>\nhi", false, true), (std::vector<int32_t>{3, 4}));
  EXPECT_EQ(other.value()->encode("<|user|>\nhi", false, true), (std::vector<int32_t>{3, 6, 5, 7}));
  // Not parsed: the control token's text is ordinary text.
  EXPECT_EQ(phi3.value()->encode("<|user|>", false, false).front(), 6);
}

// As llama.cpp: turn and FIM markers are found by text (or named by key), forced to control
// type, and end generation; "</s>" style texts end it too.
TEST(VocabLoadingTest, EndOfGenerationMarkersByTextAndKey) {
  const GgufFile file = make_file("llama",
                                  spm_tokens({
                                      {"<|im_end|>", 1, 0},    // 3
                                      {"<|file_sep|>", 1, 0},  // 4
                                      {"<my_pad>", 4, 0},      // 5
                                      {"word", 1, 0},          // 6
                                  }),
                                  {{"tokenizer.ggml.fim_pad_token_id", GgufValue::of_u32(5)}});
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file);
  ASSERT_TRUE(tokenizer.is_ok()) << tokenizer.status().message();
  const Tokenizer& tok = *tokenizer.value();
  EXPECT_EQ(tok.eot(), 3);
  EXPECT_EQ(tok.token_type(3), TokenType::Control);
  EXPECT_EQ(tok.token_type(4), TokenType::Control);
  EXPECT_EQ(tok.token_type(5), TokenType::UserDefined);
  for (int32_t id : {2, 3, 4, 5}) EXPECT_TRUE(tok.is_end_of_generation(id)) << id;
  for (int32_t id : {0, 1, 6}) EXPECT_FALSE(tok.is_end_of_generation(id)) << id;
}

TEST(VocabLoadingTest, FixtureSpecialIds) {
  std::string error;
  const Tokenizer* llama3 = shared_tokenizer("fixtures/tokenizers/ggml-vocab-llama-bpe.gguf", &error);
  ASSERT_NE(llama3, nullptr) << error;
  EXPECT_EQ(llama3->bos(), 128000);
  EXPECT_EQ(llama3->eos(), 128001);
  EXPECT_EQ(llama3->eot(), 128009);  // <|eot_id|>, found by its text
  EXPECT_TRUE(llama3->adds_bos());
  EXPECT_TRUE(llama3->is_end_of_generation(128001));
  EXPECT_TRUE(llama3->is_end_of_generation(128009));
  EXPECT_FALSE(llama3->is_end_of_generation(128006));
  const std::vector<int32_t> ids = llama3->encode("Hello", true, false);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], 128000);
  EXPECT_EQ(llama3->encode("<|start_header_id|>user<|end_header_id|>", false, true).front(), 128006);

  const Tokenizer* qwen2 = shared_tokenizer("fixtures/tokenizers/ggml-vocab-qwen2.gguf", &error);
  ASSERT_NE(qwen2, nullptr) << error;
  EXPECT_FALSE(qwen2->adds_bos());
  EXPECT_EQ(qwen2->eos(), 151643);
  EXPECT_EQ(qwen2->eot(), 151645);  // <|im_end|>
  EXPECT_TRUE(qwen2->is_end_of_generation(151643));
  EXPECT_TRUE(qwen2->is_end_of_generation(151645));
  EXPECT_EQ(qwen2->token_type(151646), TokenType::UserDefined);
  // User-defined tokens are split off even when specials are not parsed (as llama.cpp).
  EXPECT_EQ(qwen2->encode("[PAD151646]", false, false), std::vector<int32_t>{151646});
  EXPECT_EQ(qwen2->token_to_piece(151646, false), "[PAD151646]");

  const Tokenizer* spm = shared_tokenizer("fixtures/tokenizers/ggml-vocab-llama-spm.gguf", &error);
  ASSERT_NE(spm, nullptr) << error;
  // Raw bytes survive SentencePiece's byte fallback, even when they are not UTF-8. (A stray
  // lead byte swallows the bytes its length announces, as in llama.cpp, so they sit where no
  // character follows.)
  EXPECT_EQ(spm->decode(spm->encode("a\x80 b\xFF", false, false), false), "a\x80 b\xFF");
}

// decode() tidies spaces the way llama_detokenize does for vocabularies that ask for it.
TEST(VocabLoadingTest, DecodeCleansSpacesAsLlamaCpp) {
  std::string error;
  const Tokenizer* gpt2 = shared_tokenizer("fixtures/tokenizers/ggml-vocab-gpt-2.gguf", &error);
  ASSERT_NE(gpt2, nullptr) << error;
  const std::string text = "Hello , world ! I 'm here . ' ok, you 're 't";
  EXPECT_EQ(gpt2->decode(gpt2->encode(text, false, false), false), "Hello, world! I'm here.'ok, you're 't");
  const Tokenizer* qwen2 = shared_tokenizer("fixtures/tokenizers/ggml-vocab-qwen2.gguf", &error);
  ASSERT_NE(qwen2, nullptr) << error;
  EXPECT_EQ(qwen2->decode(qwen2->encode(text, false, false), false), text);
}

}  // namespace
}  // namespace webgguf
