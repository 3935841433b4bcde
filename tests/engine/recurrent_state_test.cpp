// The hybrid families in the engine (lfm2's short convolutions, qwen35's Gated DeltaNet), on
// random-weight models written by `webgguf synth --arch A --shape tiny-deep` (6 layers: recurrent
// on 0, 1, 3, 4, attention on 2 and 5). The recurrent state cannot be truncated like the KV cache, so the engine rolls
// back to its checkpoints: a multi-turn chat with an abandoned prefill, an aborted reply, a regenerate and an edited
// earlier turn must end exactly as evaluating the final conversation from scratch, and evaluate only from the nearest
// checkpoint. Hostile metadata gets a specific error and the engine loads the next model. Native only (the test runs
// the CLI's synth).
#if !defined(__EMSCRIPTEN__) && defined(WEBGGUF_CLI_PATH)
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "hybrid_engine.h"

namespace webgguf {
namespace {

using namespace webgguf::testing::hybrid;  // NOLINT: the helpers this file is written with

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

class RecurrentState : public ::testing::TestWithParam<std::string> {};

TEST_P(RecurrentState, MultiTurnChatEqualsTheFinalConversationFromScratch) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = hybrid_engine(GetParam());
  ASSERT_TRUE(engine->has_model());
  // The state of the 4 recurrent layers, 6 copies (live, 4 turn boundaries, 1 abort point), f32:
  // lfm2 2 x 256 conv inputs; qwen35 3 x 256 conv inputs (q | k | v = 2 x 2 x 32 + 4 x 32) and
  // 4 value heads of 32 x 32.
  const uint64_t layer_floats = GetParam() == "lfm2" ? 2 * 256 : 3 * 256 + 4 * 32 * 32;
  const MemoryEstimate& memory = engine->summary().model.memory;
  EXPECT_EQ(memory.recurrent_bytes, 4 * layer_floats * 6 * sizeof(float));
  EXPECT_EQ(memory.total_bytes, memory.weights_bytes + memory.kv_bytes + memory.recurrent_bytes + memory.scratch_bytes);
  Conversation chat{*engine, {}};

  // Turn 1.
  chat.user("What is a river?");
  EXPECT_EQ(prefill_all(*engine, chat.ids, 16).n_reused, 0);
  chat.reply(reply(*engine, kReplyTokens));

  // Turn 2: only the new tokens are evaluated (the live state goes on).
  chat.user("And a lake?");
  size_t history = engine->context_tokens().size();
  EXPECT_EQ(static_cast<size_t>(prefill_all(*engine, chat.ids, 16).n_reused), history);
  const std::vector<int32_t> turn2_prompt = chat.ids;
  const std::vector<int32_t> reply2 = reply(*engine, kReplyTokens);

  // Regenerate: back to the checkpoint before the prompt's last token, one token evaluated.
  PromptResult p = prefill_all(*engine, turn2_prompt, 16);
  EXPECT_EQ(static_cast<size_t>(p.n_reused), turn2_prompt.size() - 1);
  EXPECT_EQ(p.n_evaluated, 1);
  EXPECT_EQ(reply(*engine, kReplyTokens), reply2);
  chat.reply(reply2);

  // Turn 3 abandoned after one chunk of its prefill (an abort point), then sent edited before that
  // point: back to turn 2's checkpoint, the nearest before the edit.
  Conversation abandoned = chat;
  abandoned.user("Tell me everything about the sea and its long voyages.");
  PromptResult partial;
  ASSERT_TRUE(engine->prefill(abandoned.ids, 8, &partial).ok());
  EXPECT_FALSE(partial.done);
  chat.user("Tell me about the sea.");
  ASSERT_LT(common_prefix(chat.ids, abandoned.ids), static_cast<size_t>(partial.n_past));
  EXPECT_EQ(static_cast<size_t>(prefill_all(*engine, chat.ids, 16).n_reused), turn2_prompt.size() - 1);

  // Its reply is aborted after three tokens; the next turn carries the partial reply.
  chat.reply(reply(*engine, 3));
  chat.user("Go on.");
  history = engine->context_tokens().size();
  EXPECT_EQ(static_cast<size_t>(prefill_all(*engine, chat.ids, 16).n_reused), history);
  chat.reply(reply(*engine, kReplyTokens));

  // Turn 5, its text re-tokenized as a UI sending text back would (the live state, or the nearest
  // checkpoint when the re-tokenized reply differs).
  std::string text;
  ASSERT_TRUE(engine->detokenize(chat.ids, true, &text).ok());
  chat.ids = tokens_of(*engine, text);
  chat.user("Thanks, and a mountain?");
  history = engine->context_tokens().size();
  p = prefill_all(*engine, chat.ids, 16);
  EXPECT_GT(p.n_reused, 0);
  EXPECT_LE(static_cast<size_t>(p.n_reused), common_prefix(chat.ids, engine->context_tokens()));
  const std::vector<float> reused_logits = current_logits(*engine);
  const std::vector<int32_t> reused_reply = reply(*engine, kReplyTokens);

  // The same final conversation in a fresh engine, in one prefill.
  std::unique_ptr<Engine> fresh = hybrid_engine(GetParam());
  PromptResult whole;
  ASSERT_TRUE(fresh->set_prompt(chat.ids, &whole).ok());
  EXPECT_EQ(whole.n_reused, 0);
  EXPECT_EQ(reused_logits, current_logits(*fresh)) << "logits after the chat differ from a fresh evaluation";
  EXPECT_EQ(reused_reply, reply(*fresh, kReplyTokens));
}

// A long message prefilled in chunks leaves an abort-point checkpoint at its last chunk boundary:
// an edit of the message's end goes back there, not to the start of the message.
TEST_P(RecurrentState, AnEditedLongMessageResumesFromTheNearestCheckpoint) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = hybrid_engine(GetParam());
  ASSERT_TRUE(engine->has_model());
  const std::string words = "the river runs to the sea and the sea runs to the sky and ";
  Conversation chat{*engine, {}};
  chat.text("<|im_start|>user\n" + words + words + words + words);
  const size_t body = chat.ids.size();
  Conversation sent = chat, edited = chat;
  sent.text("north.<|im_end|>\n<|im_start|>assistant\n");
  edited.text("south.<|im_end|>\n<|im_start|>assistant\n");
  prefill_all(*engine, sent.ids, 16);
  reply(*engine, kReplyTokens);

  const size_t last_chunk_end = (sent.ids.size() - 1) / 16 * 16;  // the newest unfinished chunk's end
  ASSERT_LE(last_chunk_end, body);
  const PromptResult p = prefill_all(*engine, edited.ids, 64);
  EXPECT_EQ(static_cast<size_t>(p.n_reused), last_chunk_end);
  const std::vector<float> logits = current_logits(*engine);
  std::unique_ptr<Engine> fresh = hybrid_engine(GetParam());
  PromptResult whole;
  ASSERT_TRUE(fresh->set_prompt(edited.ids, &whole).ok());
  EXPECT_EQ(logits, current_logits(*fresh));
}

// The synthetic file with its header rewritten by `edit` (the data section is kept as it is).
std::vector<uint8_t> rewritten(const std::string& arch, void (*edit)(GgufFile&)) {
  const std::vector<uint8_t>& bytes = model_bytes(arch);
  Result<GgufFile> parsed = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  EXPECT_TRUE(parsed.is_ok());
  GgufFile file = parsed.take();
  const uint64_t data_offset = file.data_offset;
  edit(file);
  file.reindex();
  Result<std::vector<uint8_t>> header = serialize_gguf_header(file);
  EXPECT_TRUE(header.is_ok()) << header.status().message();
  std::vector<uint8_t> out = header.take();
  out.resize(file.data_offset);
  out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(data_offset), bytes.end());
  return out;
}

void set_value(GgufFile& file, const std::string& key, GgufValue value) {
  for (auto& [k, v] : file.metadata) {
    if (k == key) v = std::move(value);
  }
}

struct HostileCase {
  const char* what;
  void (*edit)(GgufFile&);
  const char* message;
};

void remove_tensor(GgufFile& f, const std::string& name) {
  for (auto it = f.tensors.begin(); it != f.tensors.end(); ++it) {
    if (it->name == name) {
      f.tensors.erase(it);
      return;
    }
  }
  ADD_FAILURE() << "no tensor " << name;
}

const std::vector<HostileCase>& hostile_cases(const std::string& arch) {
  static const std::vector<HostileCase> lfm2 = {
      {"missing conv taps", [](GgufFile& f) { remove_tensor(f, "blk.3.shortconv.conv.weight"); },
       "model is missing tensor 'blk.3.shortconv.conv.weight'"},
      {"l_cache 0", [](GgufFile& f) { set_value(f, "lfm2.shortconv.l_cache", GgufValue::of_u32(0)); },
       "'lfm2.shortconv.l_cache' = 0 must be between 2 and 256"},
      {"l_cache huge", [](GgufFile& f) { set_value(f, "lfm2.shortconv.l_cache", GgufValue::of_u32(1u << 30)); },
       "'lfm2.shortconv.l_cache' = 1073741824 must be between 2 and 256"},
      {"l_cache 4 against 3-tap tensors",
       [](GgufFile& f) { set_value(f, "lfm2.shortconv.l_cache", GgufValue::of_u32(4)); },
       "tensor 'blk.0.shortconv.conv.weight' has shape [3, 256, 1, 1], expected [4, 256]"},
      {"head_count_kv array too short",
       [](GgufFile& f) {
         set_value(f, "lfm2.attention.head_count_kv", GgufValue::of_i32_array({0, 0, 2, 0, 0}));
       },
       "'lfm2.attention.head_count_kv' has 5 entries for 6 layers"},
  };
  static const std::vector<HostileCase> qwen35 = {
      {"missing conv taps", [](GgufFile& f) { remove_tensor(f, "blk.1.ssm_conv1d.weight"); },
       "model is missing tensor 'blk.1.ssm_conv1d.weight'"},
      {"missing decay rates", [](GgufFile& f) { remove_tensor(f, "blk.4.ssm_a"); },
       "model is missing tensor 'blk.4.ssm_a'"},
      {"conv_kernel 0", [](GgufFile& f) { set_value(f, "qwen35.ssm.conv_kernel", GgufValue::of_u32(0)); },
       "'qwen35.ssm.conv_kernel' = 0 is out of range"},
      {"conv_kernel huge", [](GgufFile& f) { set_value(f, "qwen35.ssm.conv_kernel", GgufValue::of_u32(1u << 30)); },
       "'qwen35.ssm.conv_kernel' = 1073741824 must be between 2 and 256"},
      {"inner size not heads x state",
       [](GgufFile& f) { set_value(f, "qwen35.ssm.inner_size", GgufValue::of_u32(100)); },
       "ssm.inner_size 100, state_size 32, time_step_rank 4 and group_count 2 do not describe"},
      {"recurrent_layers array too long",
       [](GgufFile& f) {
         f.metadata.emplace_back("qwen35.attention.recurrent_layers", GgufValue::of_i32_array({1, 1, 0, 1, 1, 0, 1}));
       },
       "'qwen35.attention.recurrent_layers' has 7 entries for 6 layers"},
      {"rope sections leaving pairs to the vision position",
       [](GgufFile& f) {
         set_value(f, "qwen35.rope.dimension_sections", GgufValue::of_i32_array({1, 1, 1, 1}));
       },
       "leaves rotary pair 3 to the fourth (vision) position"},
  };
  return arch == "lfm2" ? lfm2 : qwen35;
}

TEST_P(RecurrentState, HostileMetadataIsRefusedByNameAndTheEngineStaysUsable) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  Engine engine;
  for (const HostileCase& c : hostile_cases(GetParam())) {
    const EngineError e = load_bytes(engine, rewritten(GetParam(), c.edit));
    EXPECT_FALSE(e.ok()) << c.what;
    EXPECT_NE(e.message.find(c.message), std::string::npos) << c.what << ": " << e.message;
    EXPECT_FALSE(engine.has_model()) << c.what;
  }
  ASSERT_TRUE(load_bytes(engine, model_bytes(GetParam())).ok());
  PromptResult r;
  Conversation chat{engine, {}};
  EXPECT_TRUE(engine.set_prompt(chat.user("Still here?").ids, &r).ok());
  StepResult step;
  EXPECT_TRUE(engine.step(&step).ok());
}

INSTANTIATE_TEST_SUITE_P(HybridFamilies, RecurrentState, ::testing::Values("lfm2", "qwen35"));

}  // namespace
}  // namespace webgguf
#endif
