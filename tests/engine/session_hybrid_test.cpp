// Saved sessions of the hybrid families (lfm2, qwen35: synthetic models, tests/engine/hybrid_engine.h):
// the session holds the recurrent layers' state at its end and the newest turn-boundary
// checkpoint, so a restored engine continues token for token (and logit for logit) as the one
// that saved it, evaluating only the new tokens, and a regenerate evaluates one token as it does
// without the reload. Sessions across kinds (a model without recurrent layers and a hybrid one,
// or another hybrid shape) and a cut recurrent section are refused by name. Native only (the
// models come from the CLI's synth).
#if !defined(__EMSCRIPTEN__) && defined(WEBGGUF_CLI_PATH)
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/session_file.h"
#include "hybrid_engine.h"
#include "lexi_engine.h"
#include "session_helpers.h"

namespace webgguf {
namespace {

using namespace webgguf::testing::hybrid;  // NOLINT: the helpers this file is written with
using testing::expect_refused;
using testing::save_session_bytes;

// Two turns with their replies; `turn2_prompt` and `turn2_logits` what regenerating turn 2 needs.
struct TwoTurns {
  std::vector<int32_t> turn2_prompt, reply2;
  std::vector<float> turn2_logits;
  std::vector<int32_t> history;  // what the engine holds at the end
};

TwoTurns chat_two_turns(Engine& engine) {
  TwoTurns t;
  Conversation chat{engine, {}};
  chat.user("What is a river?");
  prefill_all(engine, chat.ids, 16);
  chat.reply(reply(engine, kReplyTokens));
  chat.user("And a lake?");
  prefill_all(engine, chat.ids, 16);
  t.turn2_prompt = chat.ids;
  t.turn2_logits = current_logits(engine);
  t.reply2 = reply(engine, kReplyTokens);
  t.history = engine.context_tokens();
  return t;
}

std::unique_ptr<Engine> restored_engine(const std::string& arch, const std::vector<uint8_t>& bytes) {
  std::unique_ptr<Engine> engine = hybrid_engine(arch);
  // A conversation of its own first: the session replaces its state and checkpoints.
  Conversation other{*engine, {}};
  prefill_all(*engine, other.user("Something else: the mountains, their snow and their long winters.").ids, 16);
  reply(*engine, 3);
  int32_t n_tokens = 0;
  const EngineError e = engine->load_session(bytes.data(), bytes.size(), &n_tokens);
  EXPECT_TRUE(e.ok()) << e.message;
  EXPECT_EQ(static_cast<size_t>(n_tokens), engine->context_tokens().size());
  return engine;
}

// Greedy tokens with the logits each was sampled from.
std::vector<int32_t> generate(Engine& engine, std::vector<float>* logits) {
  std::vector<int32_t> out;
  for (int i = 0; i < 2 * kReplyTokens; ++i) {
    logits->insert(logits->end(), engine.logits(), engine.logits() + engine.summary().model.n_vocab);
    StepResult r;
    EXPECT_TRUE(engine.step(&r).ok());
    if (r.end_of_generation) break;
    out.push_back(r.token);
  }
  return out;
}

class HybridSession : public ::testing::TestWithParam<std::string> {};

TEST_P(HybridSession, HoldsTheStateAtItsEndAndTheNewestTurnBoundary) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = hybrid_engine(GetParam());
  const TwoTurns t = chat_two_turns(*engine);
  const std::vector<uint8_t> bytes = save_session_bytes(*engine);
  Result<Session> parsed = parse_session(bytes.data(), bytes.size());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  const Session& s = parsed.value();
  // Per recurrent layer (0, 1, 3, 4), f32: lfm2 2 x 256 conv inputs; qwen35 3 x 256 conv inputs
  // and 4 value heads of 32 x 32 (as recurrent_state_test counts them).
  const uint32_t floats = GetParam() == "lfm2" ? 2 * 256 : 3 * 256 + 4 * 32 * 32;
  EXPECT_EQ(s.recurrent_floats, (std::vector<uint32_t>{floats, floats, 0, floats, floats, 0}));
  ASSERT_EQ(s.recurrent.size(), 2u);
  EXPECT_EQ(s.recurrent[0].position, t.history.size());
  EXPECT_EQ(s.recurrent[1].position, t.turn2_prompt.size() - 1);
  std::vector<float> end_state(4 * floats);
  std::memcpy(end_state.data(), s.recurrent[0].state, end_state.size() * sizeof(float));
  bool any_nonzero = false;
  for (float v : end_state) any_nonzero = any_nonzero || v != 0.0f;
  EXPECT_TRUE(any_nonzero) << "the saved end state is all zeros";
  // The section: header, n_layer, n_copies, 6 layer counts, then 2 x (position + state).
  const size_t section = testing::find_session_section(bytes, "RCST");
  ASSERT_NE(section, 0u);
  uint64_t payload = 0;
  std::memcpy(&payload, bytes.data() + section + 8, 8);
  EXPECT_EQ(payload, 8 + 6 * 4 + 2 * (4 + 4 * floats * sizeof(float)));
}

TEST_P(HybridSession, RestoredContinuesExactlyAndEvaluatesOnlyNewTokens) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> original = hybrid_engine(GetParam());
  const TwoTurns t = chat_two_turns(*original);
  const std::vector<uint8_t> bytes = save_session_bytes(*original);

  std::unique_ptr<Engine> restored = restored_engine(GetParam(), bytes);
  EXPECT_EQ(restored->context_tokens(), t.history);
  Conversation next{*original, t.history};
  next.text("<|im_end|>\n").user("Tell me about the sea.");
  PromptResult a, b;
  ASSERT_TRUE(original->set_prompt(next.ids, &a).ok());
  ASSERT_TRUE(restored->set_prompt(next.ids, &b).ok());
  EXPECT_EQ(static_cast<size_t>(b.n_reused), t.history.size());
  EXPECT_EQ(static_cast<size_t>(b.n_evaluated), next.ids.size() - t.history.size());
  EXPECT_EQ(b.n_evaluated, a.n_evaluated);
  std::vector<float> logits_a, logits_b;
  EXPECT_EQ(generate(*original, &logits_a), generate(*restored, &logits_b));
  EXPECT_EQ(logits_a, logits_b);  // bit for bit: the same state, the same arithmetic

  // Regenerate turn 2 in another restored engine: back to the saved turn-boundary checkpoint, one
  // token evaluated, the reply and its logits as the original's.
  std::unique_ptr<Engine> regenerated = restored_engine(GetParam(), bytes);
  PromptResult r;
  ASSERT_TRUE(regenerated->set_prompt(t.turn2_prompt, &r).ok());
  EXPECT_EQ(static_cast<size_t>(r.n_reused), t.turn2_prompt.size() - 1);
  EXPECT_EQ(r.n_evaluated, 1);
  EXPECT_EQ(current_logits(*regenerated), t.turn2_logits);
  EXPECT_EQ(reply(*regenerated, kReplyTokens), t.reply2);
}

TEST_P(HybridSession, SessionsOfOtherKindsAndACutRecurrentSectionAreRefusedByName) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> hybrid = hybrid_engine(GetParam());
  chat_two_turns(*hybrid);
  const std::vector<uint8_t> hybrid_bytes = save_session_bytes(*hybrid);
  std::unique_ptr<Engine> lexi = testing::load_lexi_engine("lexi-28m-f16.gguf", 256);
  Conversation plain{*lexi, {}};
  PromptResult p;
  ASSERT_TRUE(lexi->set_prompt(plain.user("What is a river?").ids, &p).ok());
  const std::vector<uint8_t> lexi_bytes = save_session_bytes(*lexi);

  expect_refused(*hybrid, lexi_bytes, "saved with another model");
  expect_refused(*lexi, hybrid_bytes, "saved with another model");
  // Files crafted to carry the loaded model's identity reach the checks behind it.
  const uint64_t hybrid_identity = testing::session_model_identity(hybrid_bytes);
  const uint64_t lexi_identity = testing::session_model_identity(lexi_bytes);
  expect_refused(*hybrid, testing::with_model_identity(lexi_bytes, hybrid_identity),
                 "the session holds no recurrent state ('RCST' section) but this model has recurrent layers");
  expect_refused(*lexi, testing::with_model_identity(hybrid_bytes, lexi_identity),
                 "the session holds a recurrent state ('RCST' section) but this model has no recurrent layers");

  // The other hybrid family: the same layer pattern, another state per layer.
  const std::string other_arch = GetParam() == "lfm2" ? "qwen35" : "lfm2";
  std::unique_ptr<Engine> other = hybrid_engine(other_arch);
  chat_two_turns(*other);
  const std::vector<uint8_t> other_bytes = save_session_bytes(*other);
  const uint32_t lfm2_floats = 2 * 256, qwen35_floats = 3 * 256 + 4 * 32 * 32;
  const bool lfm2 = GetParam() == "lfm2";
  expect_refused(*hybrid, testing::with_model_identity(other_bytes, hybrid_identity),
                 format("layer 0 of the session's recurrent state ('RCST' section) has %u values, this model's has %u",
                        lfm2 ? qwen35_floats : lfm2_floats, lfm2 ? lfm2_floats : qwen35_floats));

  // The recurrent section cut by 4 bytes (its framing made to match).
  std::vector<uint8_t> cut = hybrid_bytes;
  const size_t section = testing::find_session_section(cut, "RCST");
  ASSERT_NE(section, 0u);
  uint64_t payload = 0;
  std::memcpy(&payload, cut.data() + section + 8, 8);
  const size_t payload_end = section + kSectionHeaderBytes + payload;
  cut.erase(cut.begin() + static_cast<std::ptrdiff_t>(payload_end - 4),
            cut.begin() + static_cast<std::ptrdiff_t>(payload_end));
  payload -= 4;
  std::memcpy(cut.data() + section + 8, &payload, 8);
  testing::reframe_session(&cut);
  expect_refused(*hybrid, cut, "the session's 'RCST' section is cut short");
  // Its end state at another position than the tokens' end.
  std::vector<uint8_t> moved = hybrid_bytes;
  uint32_t n_layer = 0;
  std::memcpy(&n_layer, moved.data() + section + kSectionHeaderBytes, 4);
  const size_t end_position = section + kSectionHeaderBytes + 8 + 4 * size_t{n_layer};
  uint32_t position = 0;
  std::memcpy(&position, moved.data() + end_position, 4);
  --position;
  std::memcpy(moved.data() + end_position, &position, 4);
  testing::reframe_session(&moved);
  expect_refused(*hybrid, moved, format("the session's recurrent state ('RCST') is at position %u", position));
}

INSTANTIATE_TEST_SUITE_P(HybridFamilies, HybridSession, ::testing::Values("lfm2", "qwen35"));

}  // namespace
}  // namespace webgguf
#endif
