// Each pre-tokenizer on strings that exercise its regexes, as tables; the table of names against
// the names llama.cpp's source knows.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "test_paths.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode.h"

namespace webgguf {
namespace {

std::vector<std::string> split(const std::string& name, const std::string& text) {
  Result<const PreTokenizerSpec*> spec = find_pre_tokenizer(name);
  EXPECT_TRUE(spec.is_ok()) << spec.status().message();
  if (!spec.is_ok()) return {};
  Result<std::shared_ptr<const PreTokenizer>> pre = PreTokenizer::create(*spec.value());
  EXPECT_TRUE(pre.is_ok()) << pre.status().message();
  if (!pre.is_ok()) return {};
  const std::vector<uint32_t> cpts = unicode::decode_utf8_lenient(text);
  std::vector<std::string> words;
  size_t start = 0;
  for (size_t length : pre.value()->split(cpts)) {
    EXPECT_GT(length, 0u);
    std::string word;
    for (size_t i = start; i < start + length; ++i) unicode::append_utf8(cpts[i], word);
    words.push_back(word);
    start += length;
  }
  EXPECT_EQ(start, cpts.size());
  return words;
}

struct SplitCase {
  const char* name;
  std::string text;
  std::vector<std::string> words;
};

TEST(PreTokenizerTest, SplitsLikeLlamaCpp) {
  const SplitCase cases[] = {
      {"gpt-2", "", {}},
      {"gpt-2", "Hello world's 123  x\n\n", {"Hello", " world", "'s", " 123", " ", " x", "\n\n"}},
      {"gpt-2", "I'LL we've 'd", {"I", "'", "LL", " we", "'ve", " '", "d"}},
      {"gpt-2", "a!!? b", {"a", "!!?", " b"}},
      {"gpt-2", "héllo wörld ٣٤", {"héllo", " wörld", " ٣٤"}},
      {"gpt-2", "x \t\ny", {"x", " \t", "\n", "y"}},
      {"gpt-2", "end ", {"end", " "}},
      {"gpt-2", "你好 世界", {"你好", " 世界"}},
      {"llama3", "I'LL don't", {"I", "'LL", " don", "'t"}},
      {"llama3", "1234567 x", {"123", "456", "7", " x"}},
      {"llama3", "a ???\n\nb", {"a", " ???\n\n", "b"}},
      {"llama3", "x  \n  y", {"x", "  \n", " ", " y"}},
      {"llama3", "$hello (world)", {"$hello", " (", "world", ")"}},
      {"llama3", "\n\nword", {"\n\n", "word"}},
      {"llama3", "tabs\t\t", {"tabs", "\t\t"}},
      {"qwen2", "1234 ab12", {"1", "2", "3", "4", " ab", "1", "2"}},
      {"qwen2", "I'M", {"I", "'M"}},
      // Qwen3.5: combining marks stay with their letters (U+0301 after 'e').
      {"qwen35", "cafe\xCC\x81 x\xCC\x81!", {"cafe\xCC\x81", " x\xCC\x81", "!"}},
      {"qwen2", "cafe\xCC\x81 x", {"cafe", "\xCC\x81", " x"}},
      {"default", "a+b=12345", {"a", "+", "b", "=", "123", "45"}},
      {"default", "hi, there!! 1234567", {"hi", ",", " there", "!!", " ", "123", "456", "7"}},
      {"default", "x`y", {"x", "`", "y"}},
      {"starcoder", "ab12 c", {"ab", "1", "2", " c"}},
      {"falcon", "x`y 12345", {"x", "`", "y", " ", "123", "45"}},
      // DeepSeek Coder: line breaks alone, \s?\p{L}+, \s?\p{P}+, CJK runs, single digits.
      {"deepseek-coder", "Hi there\n\n(x) 12", {"Hi", " there", "\n", "\n", "(", "x", ")", " ", "1", "2"}},
      {"deepseek-coder", "中文 abc", {"中文", " abc"}},
      // DeepSeek LLM: an ideographic space (U+3000) reaches std::regex as the U+000B stand-in, so
      // the CJK run U+0800-U+4E00 of the fifth regex does not take it (U+3002 it does).
      {"deepseek-llm", "Hello, 世界!  ", {"Hello", ",", " ", "世界", "!", "  "}},
      {"deepseek-llm", "a\xE3\x80\x80\xE3\x80\x82", {"a", "\xE3\x80\x80", "\xE3\x80\x82"}},
      {"deepseek-v3", "abc 1234 $x", {"abc", " ", "123", "4", " $", "x"}},
      // GPT-4o: a capitalised word splits before the next capital; contractions stay attached.
      {"gpt-4o", "HelloWorld I'm 12345", {"Hello", "World", " I'm", " ", "123", "45"}},
      {"tekken", "HelloWorld 12", {"Hello", "World", " ", "1", "2"}},
      // Kimi-K2: Han runs on their own, then the GPT-4o-like splitter.
      {"kimi-k2", "abc中文def", {"abc", "中文", "def"}},
      // AFMoE: the first digit group keeps the text before it (llama.cpp's splitter).
      {"afmoe", "ab1234", {"ab", "1", "234"}},
      // SuperBPE: groups of three digits counted from the right, by an empty-match lookahead.
      {"superbpe", "1234567", {"1", "234", "567"}},
      {"bloom", "Hello, world.", {"Hello", ",", " world", "."}},
      {"gemma4", "a b\n\nc", {"a b", "\n\n", "c"}},
      {"chameleon", "<sentinel:12>IMGIMGABZ", {"<", "sentinel", ":", "1", "2", ">", "IMGIMGABZ"}},
      {"jais-2", "a     b", {"a", "    ", " b"}},
      {"exaone-moe", "New York 12", {"New York", " ", "1", "2"}},
  };
  for (const SplitCase& c : cases) {
    EXPECT_EQ(split(c.name, c.text), c.words) << "text: '" << c.text << "' pre " << c.name;
  }
}

TEST(PreTokenizerTest, NamesMapToTheirSettings) {
  Result<const PreTokenizerSpec*> spec = find_pre_tokenizer("llama-bpe");
  ASSERT_TRUE(spec.is_ok());
  EXPECT_TRUE(spec.value()->ignore_merges);
  EXPECT_TRUE(spec.value()->add_bos);
  spec = find_pre_tokenizer("qwen2");
  ASSERT_TRUE(spec.is_ok());
  EXPECT_FALSE(spec.value()->clean_spaces);
  spec = find_pre_tokenizer("gemma4");
  ASSERT_TRUE(spec.is_ok());
  EXPECT_TRUE(spec.value()->escape_whitespaces);
  EXPECT_FALSE(spec.value()->byte_encode);
  EXPECT_TRUE(spec.value()->clean_spaces);
  spec = find_pre_tokenizer("tekken");
  ASSERT_TRUE(spec.is_ok());
  EXPECT_TRUE(spec.value()->ignore_merges && spec.value()->add_bos && !spec.value()->clean_spaces);

  for (const char* unknown : {"", "deepseek", "bert-bge"}) {
    spec = find_pre_tokenizer(unknown);
    ASSERT_FALSE(spec.is_ok());
    EXPECT_NE(spec.status().message().find(std::string("'") + unknown + "'"), std::string::npos);
  }
}

// Every regex of every name compiles (the matcher supports all the syntax they use).
TEST(PreTokenizerTest, EveryNameCompiles) {
  for (const std::string& name : pre_tokenizer_names()) {
    Result<const PreTokenizerSpec*> spec = find_pre_tokenizer(name);
    ASSERT_TRUE(spec.is_ok()) << name;
    Result<std::shared_ptr<const PreTokenizer>> pre = PreTokenizer::create(*spec.value());
    EXPECT_TRUE(pre.is_ok()) << name << ": " << pre.status().message();
  }
}

// The table holds exactly the names llama.cpp's load chain compares tokenizer.ggml.pre with.
TEST(PreTokenizerTest, TableHoldsEveryNameLlamaCppKnows) {
  const std::vector<uint8_t> bytes =
      testing::read_file_bytes(std::string(WEBGGUF_LLAMA_CPP_DIR) + "/src/llama-vocab.cpp");
  ASSERT_FALSE(bytes.empty()) << "cannot read llama.cpp's src/llama-vocab.cpp under " << WEBGGUF_LLAMA_CPP_DIR
                              << " (run scripts/llama_cpp_source.sh)";
  const std::string source(bytes.begin(), bytes.end());
  std::set<std::string> llama_names;
  const std::regex pattern("tokenizer_pre == \"([^\"]+)\"");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), pattern); it != std::sregex_iterator(); ++it) {
    llama_names.insert((*it)[1]);
  }
  const std::vector<std::string> ours = pre_tokenizer_names();
  const std::set<std::string> our_names(ours.begin(), ours.end());
  EXPECT_EQ(our_names.size(), ours.size()) << "a name appears twice in the table";
  EXPECT_EQ(our_names, llama_names);
  std::printf("pre-tokenizer names: %zu of llama.cpp's %zu\n", our_names.size(), llama_names.size());
}

}  // namespace
}  // namespace webgguf
