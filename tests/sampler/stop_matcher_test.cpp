#include <gtest/gtest.h>

#include "sampler/stop_matcher.h"

namespace webgguf {
namespace {

TEST(StopStringMatcher, HoldsBackAPossibleStartThenStops) {
  StopStringMatcher m({"<|user|>"});
  auto out = m.push("Hello <|");
  EXPECT_EQ(out.text, "Hello ");
  EXPECT_FALSE(out.stopped);
  out = m.push("us");
  EXPECT_EQ(out.text, "");
  out = m.push("er|> ignored");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, "");
  EXPECT_EQ(out.matched, "<|user|>");
}

TEST(StopStringMatcher, ReleasesHeldTextWhenItStopsMatching) {
  StopStringMatcher m({"<|user|>"});
  EXPECT_EQ(m.push("a<|u").text, "a");
  EXPECT_EQ(m.push("x").text, "<|ux");
  EXPECT_EQ(m.push("b<").text, "b");
  EXPECT_EQ(m.flush(), "<");
}

TEST(StopStringMatcher, StopInsideOnePieceCutsBeforeIt) {
  StopStringMatcher m({"\n\n", "END"});
  auto out = m.push("one\ntwoEND three\n\n");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, "one\ntwo");
  EXPECT_EQ(out.matched, "END");
}

TEST(StopStringMatcher, EarliestStopWinsAndOverlappingPrefixesAreHeld) {
  StopStringMatcher m({"abc", "bcd"});
  EXPECT_EQ(m.push("xab").text, "x");  // "ab" could start "abc"
  auto out = m.push("cd");
  EXPECT_TRUE(out.stopped);
  EXPECT_EQ(out.text, "");  // "x" was already released
  EXPECT_EQ(out.matched, "abc");
}

TEST(StopStringMatcher, NoStopsPassesEverythingThrough) {
  StopStringMatcher m({"", ""});
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.push("<|anything").text, "<|anything");
  EXPECT_EQ(m.flush(), "");
}

}  // namespace
}  // namespace webgguf
