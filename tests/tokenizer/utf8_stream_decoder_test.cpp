#include <gtest/gtest.h>

#include "tokenizer/tokenizer.h"

namespace webgguf {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(Utf8StreamDecoderTest, HoldsIncompleteCharactersBack) {
  Utf8StreamDecoder decoder;
  EXPECT_EQ(decoder.push("a\xE2\x82"), "a");
  EXPECT_EQ(decoder.push("\xAC"), "\xE2\x82\xAC");
  EXPECT_EQ(decoder.push("\xF0"), "");
  EXPECT_EQ(decoder.push("\x9F"), "");
  EXPECT_EQ(decoder.push("\x98"), "");
  EXPECT_EQ(decoder.push("\x80!"), "\xF0\x9F\x98\x80!");
  EXPECT_EQ(decoder.flush(), "");
}

TEST(Utf8StreamDecoderTest, ReplacesInvalidSequences) {
  const struct {
    std::string input;
    std::string output;
  } cases[] = {
      {"\xFF", kReplacement},
      {"\x80x", kReplacement + "x"},
      {"\xE2\x82x", kReplacement + "x"},                             // truncated, then ASCII
      {"\xED\xA0\x80", kReplacement + kReplacement + kReplacement},  // surrogate
      {"\xC0\xAF", kReplacement + kReplacement},                     // overlong
      {"\xF4\x90\x80\x80", kReplacement + kReplacement + kReplacement + kReplacement},
      {"\xE0\x80", kReplacement + kReplacement},  // overlong 3-byte lead
  };
  for (const auto& c : cases) {
    Utf8StreamDecoder decoder;
    EXPECT_EQ(decoder.push(c.input) + decoder.flush(), c.output);
  }
}

TEST(Utf8StreamDecoderTest, FlushReplacesAnIncompleteTailAndResets) {
  Utf8StreamDecoder decoder;
  EXPECT_EQ(decoder.push("ok\xF0\x9F\x98"), "ok");
  EXPECT_EQ(decoder.flush(), kReplacement);
  EXPECT_EQ(decoder.flush(), "");
  EXPECT_EQ(decoder.push("\x80"), kReplacement);  // the old tail is gone
}

TEST(Utf8StreamDecoderTest, ByteByByteEmitsWholeCharactersOnly) {
  const std::string text = "日本語 😀👍🏽 Ω≈ç√ 𝄞";
  Utf8StreamDecoder decoder;
  std::string out;
  for (char c : text) {
    const std::string chunk = decoder.push(std::string(1, c));
    EXPECT_EQ(chunk.find(kReplacement), std::string::npos);
    out += chunk;
    EXPECT_EQ(text.compare(0, out.size(), out), 0);  // always a prefix ending on a boundary
  }
  EXPECT_EQ(out + decoder.flush(), text);
}

}  // namespace
}  // namespace webgguf
