// Every pre-tokenizer name against llama.cpp itself: GPT-2's vocabulary relabelled with each
// tokenizer.ggml.pre name, tokenized by node-llama-cpp 3.21.1 (llama.cpp 80fb11a) in
// data/pre_tokenizer_oracle.out (make_pre_tokenizer_oracle.mjs). This reaches the regexes no
// test vocabulary uses, quirks of llama.cpp's std::regex fallback included.
#include <gtest/gtest.h>

#include <map>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer_fixtures.h"

namespace webgguf {
namespace {

using testing::read_file_bytes;
using testing::read_gguf_header;
using testing::source_path;

// "NAME\t ids" lines, grouped by name in file order.
std::map<std::string, std::vector<std::vector<int32_t>>> read_oracle(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::string text(bytes.begin(), bytes.end());
  std::map<std::string, std::vector<std::vector<int32_t>>> by_name;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::vector<int32_t> ids;
    for (size_t i = tab + 1; i < line.size();) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i == line.size()) break;
      size_t j = line.find(' ', i);
      if (j == std::string::npos) j = line.size();
      ids.push_back(static_cast<int32_t>(std::stol(line.substr(i, j - i))));
      i = j;
    }
    by_name[line.substr(0, tab)].push_back(std::move(ids));
  }
  return by_name;
}

TEST(PreTokenizerOracleTest, EveryNameTokenizesAsLlamaCpp) {
  const std::string data = source_path("tests/tokenizer/data/pre_tokenizer_oracle");
  const std::vector<uint8_t> inp = read_file_bytes(data + ".inp");
  std::vector<std::string> strings;
  {
    const std::string all(inp.begin(), inp.end());
    const std::string separator = "\n__ggml_vocab_test__\n";
    for (size_t pos = 0;;) {
      const size_t next = all.find(separator, pos);
      strings.push_back(all.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
      if (next == std::string::npos) break;
      pos = next + separator.size();
    }
  }
  ASSERT_EQ(strings.size(), 16u);
  const auto oracle = read_oracle(data + ".out");
  // All names but "whitespace", which llama.cpp aborts on with a gpt2 model (see the script).
  ASSERT_EQ(oracle.size() + 1, pre_tokenizer_names().size());

  Result<GgufFile> gpt2 = read_gguf_header(std::string(WEBGGUF_LLAMA_CPP_DIR) + "/models/ggml-vocab-gpt-2.gguf");
  ASSERT_TRUE(gpt2.is_ok()) << gpt2.status().message();
  size_t total = 0, matched = 0;
  for (const auto& [name, expected] : oracle) {
    ASSERT_EQ(expected.size(), strings.size()) << name;
    GgufFile file = gpt2.value();
    for (auto& [key, value] : file.metadata) {
      if (key == "tokenizer.ggml.pre") value = GgufValue::of_string(name);
    }
    file.reindex();
    Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file);
    ASSERT_TRUE(tokenizer.is_ok()) << name << ": " << tokenizer.status().message();
    size_t name_matched = 0;
    for (size_t i = 0; i < strings.size(); ++i) {
      const std::vector<int32_t> ids = tokenizer.value()->encode(strings[i], false, false);
      name_matched += ids == expected[i];
      EXPECT_EQ(ids, expected[i]) << "pre-tokenizer " << name << ", string #" << i << ": '" << strings[i] << "'";
    }
    total += strings.size();
    matched += name_matched;
  }
  std::printf("pre-tokenizer oracle: %zu/%zu strings match over %zu names\n", matched, total, oracle.size());
}

}  // namespace
}  // namespace webgguf
