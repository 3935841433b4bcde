// Each pre-tokenizer regex on strings that exercise its alternatives, as tables.
#include <gtest/gtest.h>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode.h"

namespace webgguf {
namespace {

std::vector<std::string> split(PreTokenizerKind kind, const std::string& text) {
  const std::vector<uint32_t> cpts = unicode::decode_utf8_lenient(text);
  std::vector<std::string> words;
  size_t start = 0;
  for (size_t length : pre_tokenize(kind, cpts)) {
    std::string word;
    for (size_t i = start; i < start + length; ++i) unicode::append_utf8(cpts[i], word);
    words.push_back(word);
    start += length;
  }
  EXPECT_EQ(start, cpts.size());
  return words;
}

struct SplitCase {
  PreTokenizerKind kind;
  std::string text;
  std::vector<std::string> words;
};

TEST(PreTokenizerTest, SplitsLikeTheRegexes) {
  using K = PreTokenizerKind;
  const SplitCase cases[] = {
      {K::Gpt2, "", {}},
      {K::Gpt2, "Hello world's 123  x\n\n", {"Hello", " world", "'s", " 123", " ", " x", "\n\n"}},
      {K::Gpt2, "I'LL we've 'd", {"I", "'", "LL", " we", "'ve", " '", "d"}},
      {K::Gpt2, "a!!? b", {"a", "!!?", " b"}},
      {K::Gpt2, "héllo wörld ٣٤", {"héllo", " wörld", " ٣٤"}},
      {K::Gpt2, "x \t\ny", {"x", " \t", "\n", "y"}},
      {K::Gpt2, "end ", {"end", " "}},
      {K::Gpt2, "你好 世界", {"你好", " 世界"}},
      {K::Llama3, "I'LL don't", {"I", "'LL", " don", "'t"}},
      {K::Llama3, "1234567 x", {"123", "456", "7", " x"}},
      {K::Llama3, "a ???\n\nb", {"a", " ???\n\n", "b"}},
      {K::Llama3, "x  \n  y", {"x", "  \n", " ", " y"}},
      {K::Llama3, "$hello (world)", {"$hello", " (", "world", ")"}},
      {K::Llama3, "\n\nword", {"\n\n", "word"}},
      {K::Llama3, "tabs\t\t", {"tabs", "\t\t"}},
      {K::Qwen2, "1234 ab12", {"1", "2", "3", "4", " ab", "1", "2"}},
      {K::Qwen2, "I'M", {"I", "'M"}},
      {K::Default, "a+b=12345", {"a", "+", "b", "=", "123", "45"}},
      {K::Default, "hi, there!! 1234567", {"hi", ",", " there", "!!", " ", "123", "456", "7"}},
      {K::Default, "x`y", {"x", "`", "y"}},
      {K::DigitsThenGpt2, "ab12 c", {"ab", "1", "2", " c"}},
      {K::Falcon, "x`y 12345", {"x", "`", "y", " ", "123", "45"}},
  };
  for (const SplitCase& c : cases) {
    EXPECT_EQ(split(c.kind, c.text), c.words) << "text: '" << c.text << "' kind "
                                              << static_cast<int>(c.kind);
  }
}

TEST(PreTokenizerTest, NamesMapToTheirRegexAndSettings) {
  PreTokenizerSpec spec;
  ASSERT_TRUE(find_pre_tokenizer("llama-bpe", &spec));
  EXPECT_EQ(spec.kind, PreTokenizerKind::Llama3);
  EXPECT_TRUE(spec.ignore_merges);
  EXPECT_TRUE(spec.add_bos);
  ASSERT_TRUE(find_pre_tokenizer("qwen2", &spec));
  EXPECT_EQ(spec.kind, PreTokenizerKind::Qwen2);
  EXPECT_FALSE(spec.clean_spaces);
  ASSERT_TRUE(find_pre_tokenizer("gpt-2", &spec));
  EXPECT_EQ(spec.kind, PreTokenizerKind::Gpt2);
  EXPECT_TRUE(spec.clean_spaces);
  ASSERT_TRUE(find_pre_tokenizer("smollm", &spec));
  EXPECT_EQ(spec.kind, PreTokenizerKind::DigitsThenGpt2);
  ASSERT_TRUE(find_pre_tokenizer("default", &spec));
  EXPECT_EQ(spec.kind, PreTokenizerKind::Default);
  EXPECT_FALSE(find_pre_tokenizer("deepseek-llm", &spec));
  EXPECT_FALSE(find_pre_tokenizer("", &spec));
}

}  // namespace
}  // namespace webgguf
