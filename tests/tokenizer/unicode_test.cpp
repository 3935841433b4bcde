// The generated Unicode tables and the UTF-8 / GPT-2 byte helpers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_paths.h"
#include "tokenizer/unicode.h"

namespace webgguf {
namespace {

using unicode::Category;

// The {0x..., 0x...} pairs of the C++ initializer list that follows `name` in `source`.
std::vector<std::pair<uint32_t, uint32_t>> hex_pairs_after(const std::string& source, const std::string& name) {
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  size_t pos = source.find(name);
  if (pos == std::string::npos) return pairs;
  const size_t end = source.find("};", pos);
  while ((pos = source.find("{0x", pos)) != std::string::npos && pos < end) {
    size_t after = 0;
    const uint32_t first = static_cast<uint32_t>(std::stoul(source.substr(pos + 1, 10), &after, 16));
    const size_t second_at = source.find("0x", pos + 1 + after);
    pairs.push_back({first, static_cast<uint32_t>(std::stoul(source.substr(second_at, 10), nullptr, 16))});
    pos = second_at;
  }
  return pairs;
}

// Our tables against llama.cpp's own (src/unicode-data.cpp), for every code point: the
// category group behind \p{..}, White_Space behind \s, and the lowercase mapping of (?i:...).
TEST(UnicodeTest, TablesEqualLlamaCppsForEveryCodepoint) {
  const std::vector<uint8_t> bytes =
      testing::read_file_bytes(std::string(WEBGGUF_LLAMA_CPP_DIR) + "/src/unicode-data.cpp");
  ASSERT_FALSE(bytes.empty()) << "run scripts/llama_cpp_source.sh";
  const std::string source(bytes.begin(), bytes.end());

  // llama.cpp's flags: 0x01 undefined, 0x02 number, 0x04 letter, 0x08 separator, 0x10 mark,
  // 0x20 punctuation, 0x40 symbol, 0x80 control: bit i is our group i.
  const auto ranges = hex_pairs_after(source, "unicode_ranges_flags = {");
  ASSERT_GT(ranges.size(), 2000u);
  size_t categories_differ = 0;
  for (size_t i = 0; i + 1 < ranges.size(); ++i) {
    int group = 0;
    while (group < 8 && !((ranges[i].second & 0xFF) & (1u << group))) ++group;
    for (uint32_t cpt = ranges[i].first; cpt < ranges[i + 1].first && cpt <= unicode::kMaxCodepoint; ++cpt) {
      categories_differ += static_cast<int>(unicode::category(cpt)) != group;
    }
  }
  EXPECT_EQ(categories_differ, 0u);

  const size_t ws_begin = source.find("unicode_set_whitespace = {");
  ASSERT_NE(ws_begin, std::string::npos);
  std::vector<bool> whitespace(unicode::kMaxCodepoint + 1, false);
  for (size_t pos = source.find("0x", ws_begin); pos < source.find("};", ws_begin); pos = source.find("0x", pos + 2)) {
    whitespace[std::stoul(source.substr(pos, 10), nullptr, 16)] = true;
  }
  size_t whitespace_differs = 0;
  for (uint32_t cpt = 0; cpt <= unicode::kMaxCodepoint; ++cpt) {
    whitespace_differs += unicode::is_whitespace(cpt) != whitespace[cpt];
  }
  EXPECT_EQ(whitespace_differs, 0u);

  const auto lower = hex_pairs_after(source, "unicode_map_lowercase = {");
  ASSERT_GT(lower.size(), 1000u);
  std::vector<uint32_t> lowercase(unicode::kMaxCodepoint + 1);
  for (uint32_t cpt = 0; cpt <= unicode::kMaxCodepoint; ++cpt) lowercase[cpt] = cpt;
  for (const auto& [upper, low] : lower) lowercase[upper] = low;
  size_t lowercase_differs = 0;
  for (uint32_t cpt = 0; cpt <= unicode::kMaxCodepoint; ++cpt) {
    lowercase_differs += unicode::to_lower(cpt) != lowercase[cpt];
  }
  EXPECT_EQ(lowercase_differs, 0u);
}

TEST(UnicodeTest, CategoriesFromTheGeneratedTable) {
  const struct {
    uint32_t cpt;
    Category category;
  } cases[] = {
      {0x0000, Category::Control},       {'\n', Category::Control},       {' ', Category::Separator},
      {'!', Category::Punctuation},      {'$', Category::Symbol},         {'+', Category::Symbol},
      {'0', Category::Number},           {'9', Category::Number},         {'A', Category::Letter},
      {'z', Category::Letter},           {'_', Category::Punctuation},    {'`', Category::Symbol},
      {0x00A0, Category::Separator},     {0x00AD, Category::Control},  // soft hyphen: Cf
      {0x00B2, Category::Number},        {0x00E9, Category::Letter},   // ² é
      {0x0301, Category::Mark},          {0x0663, Category::Number},   // combining acute, ٣
      {0x2028, Category::Separator},     {0x20AC, Category::Symbol},   // €
      {0x3000, Category::Separator},     {0x3001, Category::Punctuation}, {0x4E00, Category::Letter},
      {0x9FFF, Category::Letter},                                      // CJK (a First/Last range)
      {0xAC00, Category::Letter},        {0xD7A3, Category::Letter},   // Hangul syllables
      {0xD800, Category::Control},       {0xE000, Category::Control},  // surrogate, private use
      {0xFFFD, Category::Symbol},        {0x1F600, Category::Symbol},  // 😀
      {0x1D11E, Category::Symbol},       {0x20000, Category::Letter},  // 𝄞, CJK ext. B
      {0x0378, Category::Undefined},     {0x10FFFF, Category::Undefined}, {0x110000, Category::Undefined},
      {0xFFFFFFFF, Category::Undefined},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(static_cast<int>(unicode::category(c.cpt)), static_cast<int>(c.category)) << std::hex << c.cpt;
  }
}

TEST(UnicodeTest, WhitespaceIsThePropListProperty) {
  for (uint32_t cpt : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u,
                       0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) {
    EXPECT_TRUE(unicode::is_whitespace(cpt)) << std::hex << cpt;
  }
  for (uint32_t cpt : {0x00u, 0x08u, 0x0Eu, 0x1Fu, 0x61u, 0x200Bu, 0x2581u, 0xFEFFu, 0x10FFFFu}) {
    EXPECT_FALSE(unicode::is_whitespace(cpt)) << std::hex << cpt;
  }
}

TEST(UnicodeTest, SimpleLowercaseMapping) {
  const struct {
    uint32_t cpt, lower;
  } cases[] = {
      {'A', 'a'},       {'Z', 'z'},       {'a', 'a'},         {'1', '1'},         {0x00C0, 0x00E0},
      {0x00D7, 0x00D7}, {0x00DE, 0x00FE}, {0x0100, 0x0101},   {0x0101, 0x0101},   {0x012E, 0x012F},
      {0x0130, 0x0069}, {0x0178, 0x00FF}, {0x03A3, 0x03C3},   {0x0410, 0x0430},   {0x1E9E, 0x00DF},
      {0x2C00, 0x2C30}, {0xFF21, 0xFF41}, {0x10400, 0x10428}, {0x1E921, 0x1E943}, {0x110000, 0x110000},
  };
  for (const auto& c : cases) EXPECT_EQ(unicode::to_lower(c.cpt), c.lower) << std::hex << c.cpt;
}

TEST(UnicodeTest, LenientDecodingReplacesEachInvalidByte) {
  using V = std::vector<uint32_t>;
  const uint32_t R = unicode::kReplacementCharacter;
  EXPECT_EQ(unicode::decode_utf8_lenient(""), V{});
  EXPECT_EQ(unicode::decode_utf8_lenient("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), (V{'a', 0xE9, 0x20AC, 0x1F600}));
  EXPECT_EQ(unicode::decode_utf8_lenient("a\xC3"), (V{'a', R}));
  EXPECT_EQ(unicode::decode_utf8_lenient("\xE2\x82x"), (V{R, R, 'x'}));
  EXPECT_EQ(unicode::decode_utf8_lenient("\x80\xBF"), (V{R, R}));
  EXPECT_EQ(unicode::decode_utf8_lenient("\xF8\x88\x80\x80\x80"), (V{R, R, R, R, R}));
  EXPECT_EQ(unicode::decode_utf8_lenient("\xF4\x90\x80\x80"), (V{R, R, R, R}));
}

TEST(UnicodeTest, EncodingRoundTripsEveryCodepoint) {
  for (uint32_t cpt = 0; cpt <= unicode::kMaxCodepoint; cpt += (cpt < 0x800 ? 1 : 97)) {
    std::string utf8;
    unicode::append_utf8(cpt, utf8);
    EXPECT_EQ(utf8.size(), unicode::utf8_sequence_length(static_cast<uint8_t>(utf8[0])));
    ASSERT_EQ(unicode::decode_utf8_lenient(utf8), std::vector<uint32_t>{cpt}) << std::hex << cpt;
  }
}

TEST(UnicodeTest, Gpt2ByteAlphabet) {
  EXPECT_EQ(unicode::gpt2_byte_to_text('a'), "a");
  EXPECT_EQ(unicode::gpt2_byte_to_text(' '), "\xC4\xA0");   // Ġ (U+0120)
  EXPECT_EQ(unicode::gpt2_byte_to_text('\n'), "\xC4\x8A");  // Ċ (U+010A)
  EXPECT_EQ(unicode::gpt2_byte_to_text(0x00), "\xC4\x80");  // U+0100
  EXPECT_EQ(unicode::gpt2_byte_to_text(0xAD), "\xC5\x83");  // the last remapped byte: U+0143
  for (int b = 0; b < 256; ++b) {
    const std::vector<uint32_t> cpts = unicode::decode_utf8_lenient(unicode::gpt2_byte_to_text(b));
    ASSERT_EQ(cpts.size(), 1u);
    EXPECT_EQ(unicode::gpt2_codepoint_to_byte(cpts[0]), b);
  }
  EXPECT_EQ(unicode::gpt2_codepoint_to_byte(0x20), -1);  // space is remapped, not itself
  EXPECT_EQ(unicode::gpt2_codepoint_to_byte(0x144), -1);
  EXPECT_EQ(unicode::gpt2_codepoint_to_byte(0x4E00), -1);
}

}  // namespace
}  // namespace webgguf
