// Context shift on lexi-28m (F16) with a 96-token context: a reply longer than the context keeps
// going (its oldest tokens after n_keep dropped, keys re-rotated in place); a conversation longer
// than the context is shortened the same way and its next turn evaluates only the new tokens;
// without shift both are kContextFull; n_keep past half the context is refused.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/shifted_conversation.h"
#include "lexi_engine.h"
#include "test_paths.h"

namespace webgguf {
namespace {

constexpr uint32_t kContext = 96;

std::unique_ptr<Engine> load_lexi(const char* file = "lexi-28m-f16.gguf", uint32_t n_ctx = kContext) {
  return testing::load_lexi_engine(file, n_ctx);
}

std::vector<int32_t> text_tokens(Engine& engine, size_t n) {
  const std::vector<uint8_t> bytes = testing::read_file_bytes(testing::shared_path("data/eval.txt"));
  std::vector<int32_t> ids;
  EXPECT_TRUE(engine.tokenize(std::string(bytes.begin(), bytes.begin() + 4000), true, false, &ids).ok());
  ids.resize(n);
  return ids;
}

TEST(ShiftedConversation, MapsTheConversationOntoTheShiftedCacheAndForgetsOnEdits) {
  ShiftedConversation shifted;
  EXPECT_FALSE(shifted.active());
  std::vector<int32_t> visible = {1, 2, 3, 4, 5, 6, 7, 8};
  shifted.drop(visible, 2, 3);  // drops 3 4 5
  EXPECT_TRUE(shifted.active());
  std::vector<int32_t> mapped;
  ASSERT_TRUE(shifted.map({1, 2, 3, 4, 5, 6, 7, 8, 9}, &mapped));
  EXPECT_EQ(mapped, (std::vector<int32_t>{1, 2, 6, 7, 8, 9}));
  // A second shift of the visible tokens extends the same range: 6 7 are conversation's 6 7.
  shifted.drop(mapped, 2, 2);
  ASSERT_TRUE(shifted.map({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, &mapped));
  EXPECT_EQ(mapped, (std::vector<int32_t>{1, 2, 8, 9, 10}));
  EXPECT_EQ(shifted.dropped(), 5u);
  // An edit inside the dropped range or before it no longer maps; nor does a shorter conversation.
  EXPECT_FALSE(shifted.map({1, 2, 3, 0, 5, 6, 7, 8, 9}, &mapped));
  EXPECT_FALSE(shifted.map({9, 2, 3, 4, 5, 6, 7, 8}, &mapped));
  EXPECT_FALSE(shifted.map({1, 2, 3}, &mapped));
  shifted.forget();
  EXPECT_FALSE(shifted.map({1, 2, 3, 4, 5, 6, 7, 8}, &mapped));
}

TEST(ContextShift, AReplyLongerThanTheContextKeepsGoingOnlyWhenEnabled) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  // The chat model's greedy answer to its question is longer than a 32-token context leaves it.
  auto engine = load_lexi("lexi-28m-chat-f16.gguf", 32);
  std::vector<int32_t> prompt;
  ASSERT_TRUE(
      engine->tokenize("<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n", true, true, &prompt)
          .ok());
  PromptResult p;
  ASSERT_TRUE(engine->set_prompt(prompt, &p).ok());
  int steps = 0;
  EngineError e;
  for (StepResult r; (e = engine->step(&r)).ok() && !r.end_of_generation;) ++steps;
  EXPECT_EQ(e.code, ErrorCode::kContextFull) << e.message;
  EXPECT_EQ(steps, 32 - static_cast<int>(prompt.size()));

  ASSERT_TRUE(engine->set_context_shift(true, 8).ok());
  ASSERT_TRUE(engine->set_prompt(prompt, &p).ok());
  int shifts = 0, after_shift = 0;
  for (int i = 0; i < 300; ++i) {
    StepResult r;
    e = engine->step(&r);
    ASSERT_TRUE(e.ok()) << i << ": " << e.message;
    shifts += r.context_shifted;
    after_shift += shifts > 0;
    EXPECT_LE(r.n_past, 32);
    if (r.end_of_generation) break;
  }
  EXPECT_GE(shifts, 1);
  EXPECT_GE(after_shift, 2);  // it generated on after the shift
  // The kept prefix is still the prompt's first 8 tokens.
  const std::vector<int32_t>& cached = engine->context_tokens();
  EXPECT_TRUE(std::equal(prompt.begin(), prompt.begin() + 8, cached.begin()));
}

TEST(ContextShift, ALongConversationIsShortenedAndItsNextTurnEvaluatesOnlyNewTokens) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  auto engine = load_lexi();
  const std::vector<int32_t> conversation = text_tokens(*engine, 200);
  std::vector<int32_t> turn1(conversation.begin(), conversation.begin() + 150);
  PromptResult p;
  EXPECT_EQ(engine->set_prompt(turn1, &p).code, ErrorCode::kContextFull);

  ASSERT_TRUE(engine->set_context_shift(true, 8).ok());
  ASSERT_TRUE(engine->set_prompt(turn1, &p).ok());
  EXPECT_EQ(p.n_shifted, 150 - 8 - (96 - 8) / 2);
  EXPECT_EQ(p.n_past, 8 + (96 - 8) / 2);
  // The next turn: the whole conversation again, 10 tokens longer; only those are evaluated.
  std::vector<int32_t> turn2(conversation.begin(), conversation.begin() + 160);
  ASSERT_TRUE(engine->set_prompt(turn2, &p).ok());
  EXPECT_EQ(p.n_shifted, 0);
  EXPECT_EQ(p.n_evaluated, 10);
  EXPECT_EQ(p.n_past, 8 + (96 - 8) / 2 + 10);
  // A turn that overflows again shifts in place: the cached tail is kept, not re-evaluated.
  ASSERT_TRUE(engine->set_prompt(conversation, &p).ok());
  EXPECT_GT(p.n_shifted, 0);
  EXPECT_EQ(p.n_evaluated, 40);
  StepResult r;
  EXPECT_TRUE(engine->step(&r).ok());
  // An edited history does not map onto the shifted cache: it is shortened from scratch.
  std::vector<int32_t> edited = conversation;
  edited[20] = edited[21];
  ASSERT_TRUE(engine->set_prompt(edited, &p).ok());
  EXPECT_GT(p.n_evaluated, 40);
}

TEST(ContextShift, NKeepPastHalfTheContextIsRefused) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  auto engine = load_lexi();
  const EngineError e = engine->set_context_shift(true, 49);
  EXPECT_EQ(e.code, ErrorCode::kBadRequest);
  EXPECT_NE(e.message.find("n_keep 49 must be between 0 and half the context (48 tokens)"), std::string::npos)
      << e.message;
  EXPECT_TRUE(engine->set_context_shift(true, 48).ok());
}

}  // namespace
}  // namespace webgguf
