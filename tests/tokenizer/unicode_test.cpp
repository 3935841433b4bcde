// The generated Unicode tables and the UTF-8 / GPT-2 byte helpers.
#include <gtest/gtest.h>

#include "tokenizer/unicode.h"

namespace webgguf {
namespace {

using unicode::Category;

TEST(UnicodeTest, CategoriesFromTheGeneratedTable) {
  const struct {
    uint32_t cpt;
    Category category;
  } cases[] = {
      {0x0000, Category::Control},     {'\n', Category::Control},
      {' ', Category::Separator},      {'!', Category::Punctuation},
      {'$', Category::Symbol},         {'+', Category::Symbol},
      {'0', Category::Number},         {'9', Category::Number},
      {'A', Category::Letter},         {'z', Category::Letter},
      {'_', Category::Punctuation},    {'`', Category::Symbol},
      {0x00A0, Category::Separator},   {0x00AD, Category::Control},  // soft hyphen: Cf
      {0x00B2, Category::Number},      {0x00E9, Category::Letter},   // ² é
      {0x0301, Category::Mark},        {0x0663, Category::Number},   // combining acute, ٣
      {0x2028, Category::Separator},   {0x20AC, Category::Symbol},   // €
      {0x3000, Category::Separator},   {0x3001, Category::Punctuation},
      {0x4E00, Category::Letter},      {0x9FFF, Category::Letter},   // CJK (a First/Last range)
      {0xAC00, Category::Letter},      {0xD7A3, Category::Letter},   // Hangul syllables
      {0xD800, Category::Control},     {0xE000, Category::Control},  // surrogate, private use
      {0xFFFD, Category::Symbol},      {0x1F600, Category::Symbol},  // 😀
      {0x1D11E, Category::Symbol},     {0x20000, Category::Letter},  // 𝄞, CJK ext. B
      {0x0378, Category::Undefined},   {0x10FFFF, Category::Undefined},
      {0x110000, Category::Undefined}, {0xFFFFFFFF, Category::Undefined},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(static_cast<int>(unicode::category(c.cpt)), static_cast<int>(c.category))
        << std::hex << c.cpt;
  }
}

TEST(UnicodeTest, WhitespaceIsThePropListProperty) {
  for (uint32_t cpt : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u,
                       0x200Au, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) {
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
      {'A', 'a'},         {'Z', 'z'},         {'a', 'a'},         {'1', '1'},
      {0x00C0, 0x00E0},   {0x00D7, 0x00D7},   {0x00DE, 0x00FE},   {0x0100, 0x0101},
      {0x0101, 0x0101},   {0x012E, 0x012F},   {0x0130, 0x0069},   {0x0178, 0x00FF},
      {0x03A3, 0x03C3},   {0x0410, 0x0430},   {0x1E9E, 0x00DF},   {0x2C00, 0x2C30},
      {0xFF21, 0xFF41},   {0x10400, 0x10428}, {0x1E921, 0x1E943}, {0x110000, 0x110000},
  };
  for (const auto& c : cases) EXPECT_EQ(unicode::to_lower(c.cpt), c.lower) << std::hex << c.cpt;
}

TEST(UnicodeTest, LenientDecodingReplacesEachInvalidByte) {
  using V = std::vector<uint32_t>;
  const uint32_t R = unicode::kReplacementCharacter;
  EXPECT_EQ(unicode::decode_utf8_lenient(""), V{});
  EXPECT_EQ(unicode::decode_utf8_lenient("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            (V{'a', 0xE9, 0x20AC, 0x1F600}));
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
