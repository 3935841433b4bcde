// The lexi-28m models' byte-level BPE (gpt-2 pre-tokenizer, ChatML specials 0..2) against the
// PyTorch reference files, plus special-token parsing, EOG ids and bad-input behaviour.
#include <gtest/gtest.h>

#include <algorithm>

#include "reference_json.h"
#include "tokenizer/unicode.h"
#include "tokenizer_fixtures.h"

namespace webgguf {
namespace {

using testing::parse_reference_prompts;
using testing::read_file_bytes;
using testing::shared_path;
using testing::shared_tokenizer;

const Tokenizer& lexi() {
  std::string error;
  const Tokenizer* tokenizer = shared_tokenizer("models/lexi-28m-f16.gguf", &error);
  if (!tokenizer) ADD_FAILURE() << error;
  return *tokenizer;
}

std::string read_text(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

class LexiReferenceTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LexiReferenceTest, PromptsTokenizeAndGreedyIdsDecodeAsReference) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::string error;
  const Tokenizer* tok = shared_tokenizer(std::string("models/") + GetParam() + "-f16.gguf", &error);
  ASSERT_NE(tok, nullptr) << error;
  const auto prompts =
      parse_reference_prompts(read_text(shared_path(std::string("models/") + GetParam() + ".reference.json")));
  ASSERT_EQ(prompts.size(), 3u);
  for (const auto& prompt : prompts) {
    ASSERT_FALSE(prompt.ids.empty()) << prompt.name;
    // No BOS is added (add_bos_token = false) and ChatML markers are parsed.
    EXPECT_EQ(tok->encode(prompt.text, true, true), prompt.ids) << prompt.name;
    EXPECT_EQ(tok->decode(prompt.ids, true), prompt.text) << prompt.name;
    EXPECT_EQ(tok->decode(prompt.greedy_ids, true), prompt.greedy_text) << prompt.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, LexiReferenceTest, ::testing::Values("lexi-28m", "lexi-28m-chat"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param) == "lexi-28m" ? "base" : "chat";
                         });

TEST(LexiTokenizerTest, SpecialTokensParsedOnlyWhenAsked) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const Tokenizer& tok = lexi();
  const std::string text = "<|im_start|>user\nhi<|im_end|>";
  const std::vector<int32_t> parsed = tok.encode(text, false, true);
  ASSERT_GE(parsed.size(), 3u);
  EXPECT_EQ(parsed.front(), 1);
  EXPECT_EQ(parsed.back(), 2);
  EXPECT_EQ(std::count(parsed.begin(), parsed.end(), 1), 1);
  EXPECT_EQ(std::count(parsed.begin(), parsed.end(), 2), 1);
  // The middle is ordinary text.
  const std::vector<int32_t> middle(parsed.begin() + 1, parsed.end() - 1);
  EXPECT_EQ(middle, tok.encode("user\nhi", false, false));

  const std::vector<int32_t> literal = tok.encode(text, false, false);
  for (int32_t id : literal) EXPECT_GT(id, 2);
  EXPECT_EQ(tok.decode(literal, false), text);
  // Control tokens render only when asked.
  EXPECT_EQ(tok.decode(parsed, false), "user\nhi");
  EXPECT_EQ(tok.decode(parsed, true), text);
  EXPECT_EQ(tok.token_to_piece(1, false), "");
  EXPECT_EQ(tok.token_to_piece(1, true), "<|im_start|>");
}

TEST(LexiTokenizerTest, SpecialIdsAndEndOfGeneration) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const Tokenizer& tok = lexi();
  EXPECT_EQ(tok.n_vocab(), 4096);
  EXPECT_EQ(tok.bos(), 0);
  EXPECT_EQ(tok.eos(), 2);
  EXPECT_EQ(tok.eot(), 2);
  EXPECT_FALSE(tok.adds_bos());
  EXPECT_TRUE(tok.is_end_of_generation(2));  // <|im_end|>
  EXPECT_TRUE(tok.is_end_of_generation(0));  // <|endoftext|>
  EXPECT_FALSE(tok.is_end_of_generation(1));
  EXPECT_FALSE(tok.is_end_of_generation(-1));
  EXPECT_FALSE(tok.is_end_of_generation(100));
  EXPECT_EQ(tok.token_type(0), TokenType::Control);
  EXPECT_EQ(tok.token_type(100), TokenType::Normal);
  EXPECT_EQ(tok.token_text(1), "<|im_start|>");
}

TEST(LexiTokenizerTest, InvalidIdsGiveEmptyPieces) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const Tokenizer& tok = lexi();
  for (int32_t id : {-1, -1000, 4096, 1 << 30}) {
    EXPECT_EQ(tok.token_to_piece(id, true), "") << id;
    EXPECT_EQ(tok.token_text(id), "") << id;
    EXPECT_EQ(tok.token_type(id), TokenType::Unused) << id;
  }
  const std::vector<int32_t> hello = tok.encode("hello", false, false);
  std::vector<int32_t> ids = {-7, 99999};
  ids.insert(ids.end(), hello.begin(), hello.end());
  EXPECT_EQ(tok.decode(ids, true), "hello");
}

// Invalid UTF-8 is read as llama.cpp reads it: each bad byte is U+FFFD.
TEST(LexiTokenizerTest, InvalidUtf8EncodesAsReplacementCharacters) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const Tokenizer& tok = lexi();
  const std::string replacement = "\xEF\xBF\xBD";
  const struct {
    std::string invalid;
    std::string as_read;
  } cases[] = {
      {"\xFF", replacement},
      {"a\xC3", "a" + replacement},
      {"\xE2\x82 x", replacement + replacement + " x"},
      {"\xF4\x90\x80\x80", replacement + replacement + replacement + replacement},
      {"ok \x80\x80 done\xF0", "ok " + replacement + replacement + " done" + replacement},
  };
  for (const auto& c : cases) {
    const std::vector<int32_t> ids = tok.encode(c.invalid, false, false);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(ids, tok.encode(c.as_read, false, false));
    EXPECT_EQ(tok.decode(ids, false), c.as_read);
  }
}

// Generated text streamed token by token, and inside that byte by byte, never shows a broken
// character, and adds up to the text.
TEST(LexiTokenizerTest, StreamingDecodeNeverEmitsBrokenCharacters) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const Tokenizer& tok = lexi();
  const std::string text = "Emoji 😀👍🏽🇫🇷 and CJK 你好世界, ĉu vi? ∑ ≈ 𝄞 done";
  const std::vector<int32_t> ids = tok.encode(text, false, false);
  Utf8StreamDecoder by_token;
  Utf8StreamDecoder by_byte;
  std::string streamed_by_token;
  std::string streamed_by_byte;
  for (int32_t id : ids) {
    const std::string piece = tok.token_to_piece(id, false);
    const std::string chunk = by_token.push(piece);
    EXPECT_EQ(chunk.find("\xEF\xBF\xBD"), std::string::npos);
    streamed_by_token += chunk;
    for (char byte : piece) {
      const std::string out = by_byte.push(std::string(1, byte));
      // Each chunk is whole characters: empty or exactly one complete code point here.
      if (!out.empty()) {
        const size_t expected_length = unicode::utf8_sequence_length(static_cast<uint8_t>(out[0]));
        EXPECT_EQ(out.size(), expected_length) << "chunk after token " << id;
      }
      streamed_by_byte += out;
    }
  }
  streamed_by_token += by_token.flush();
  streamed_by_byte += by_byte.flush();
  EXPECT_EQ(streamed_by_token, text);
  EXPECT_EQ(streamed_by_byte, text);
}

}  // namespace
}  // namespace webgguf
