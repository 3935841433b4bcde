// Chunked prefill (Engine::prefill): the same logits as a one-call set_prompt whatever the chunk
// size, and a prefill abandoned half-way leaves a KV cache the next prompt reuses correctly.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_json.h"
#include "test_paths.h"

namespace webgguf {
namespace {

using webgguf::testing::read_file_bytes;
using webgguf::testing::shared_path;

const char kChatPrompt[] = "<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n";
// lexi-28m-chat.reference.json, prompts.chat.greedy_text
const char kChatAnswer[] =
    "A river is a large natural stream of water (larger than a creek). For example: \"the river "
    "was navigable for 50 miles\".";

std::unique_ptr<Engine> load_chat_engine() {
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path("models/lexi-28m-chat-f16.gguf"));
  if (bytes.empty()) return nullptr;
  auto engine = std::make_unique<Engine>();
  uint8_t* buffer = engine->allocate_model(bytes.size());
  if (buffer == nullptr) return nullptr;
  std::memcpy(buffer, bytes.data(), bytes.size());
  LoadOptions options;
  options.n_ctx = 128;
  if (!engine->load_model(options).ok()) return nullptr;
  return engine;
}

std::vector<int32_t> chat_tokens(const Engine& engine) {
  std::vector<int32_t> ids;
  EXPECT_TRUE(engine.tokenize(kChatPrompt, false, true, &ids).ok());
  return ids;
}

std::string greedy_answer(Engine& engine) {
  SamplerParams greedy;
  greedy.temperature = 0.0f;
  EXPECT_TRUE(engine.set_sampler(greedy, {}).ok());
  std::string text;
  for (int i = 0; i < 64; ++i) {
    StepResult r;
    EngineError e = engine.step(&r);
    if (!e.ok()) {
      ADD_FAILURE() << e.message;
      break;
    }
    text += r.text;
    if (r.end_of_generation) break;
  }
  return text;
}

TEST(EnginePrefill, ChunksGiveTheLogitsOfOneCall) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_chat_engine();
  ASSERT_NE(engine, nullptr);
  const std::vector<int32_t> ids = chat_tokens(*engine);
  ASSERT_EQ(ids.size(), 13u);
  const int32_t n_vocab = engine->summary().model.n_vocab;
  PromptResult r;
  ASSERT_TRUE(engine->set_prompt(ids, &r).ok());
  EXPECT_TRUE(r.done);
  const std::vector<float> whole(engine->logits(), engine->logits() + n_vocab);

  engine->reset_context();
  std::vector<int32_t> evaluated;
  do {
    ASSERT_TRUE(engine->prefill(ids, 5, &r).ok());
    evaluated.push_back(r.n_evaluated);
    if (!r.done) {
      EXPECT_EQ(engine->logits(), nullptr) << "no logits to sample before the prompt is complete";
    }
  } while (!r.done);
  EXPECT_EQ(evaluated, (std::vector<int32_t>{5, 5, 3}));
  EXPECT_EQ(r.n_past, 13);
  ASSERT_NE(engine->logits(), nullptr);
  // Each position is computed by the same per-token kernels whatever the batch split: exact.
  EXPECT_EQ(std::memcmp(engine->logits(), whole.data(), whole.size() * sizeof(float)), 0);
  EXPECT_EQ(greedy_answer(*engine), kChatAnswer);
}

TEST(EnginePrefill, AnAbandonedPrefillIsReusedByTheNextPrompt) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_chat_engine();
  ASSERT_NE(engine, nullptr);
  const std::vector<int32_t> ids = chat_tokens(*engine);
  PromptResult r;
  ASSERT_TRUE(engine->prefill(ids, 4, &r).ok());
  EXPECT_FALSE(r.done);
  EXPECT_EQ(engine->context_tokens(), std::vector<int32_t>(ids.begin(), ids.begin() + 4));
  StepResult s;
  EXPECT_EQ(engine->step(&s).code, ErrorCode::kBadRequest) << "step() needs a finished prompt";

  // The caller gave up (an abort); the next request evaluates only what the cache lacks.
  ASSERT_TRUE(engine->set_prompt(ids, &r).ok());
  EXPECT_EQ(r.n_reused, 4);
  EXPECT_EQ(r.n_evaluated, 9);
  EXPECT_EQ(greedy_answer(*engine), kChatAnswer);

  // A different prompt after an abandoned one keeps only the shared prefix.
  std::vector<int32_t> other = ids;
  other[3] = ids[3] == 100 ? 101 : 100;
  ASSERT_TRUE(engine->prefill(other, 8, &r).ok());
  EXPECT_EQ(r.n_reused, 3);
  ASSERT_TRUE(engine->set_prompt(ids, &r).ok());
  EXPECT_EQ(r.n_reused, 3);
  EXPECT_EQ(greedy_answer(*engine), kChatAnswer);
}

TEST(EnginePrefill, JsonReportsDoneAndRefusesAnEmptyStep) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  EngineJsonApi api;
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path("models/lexi-28m-chat-f16.gguf"));
  ASSERT_FALSE(bytes.empty());
  std::memcpy(api.allocate_model(bytes.size()), bytes.data(), bytes.size());
  ASSERT_NE(api.load_model(R"({"n_ctx":64})").find(R"("ok":true)"), std::string::npos);
  const std::vector<int32_t> ids = api.tokenize(kChatPrompt, false, true);
  const std::string partial = api.prefill(ids, 10);
  EXPECT_NE(partial.find(R"("n_evaluated":10)"), std::string::npos) << partial;
  EXPECT_NE(partial.find(R"("done":false)"), std::string::npos) << partial;
  const std::string rest = api.prefill(ids, 10);
  EXPECT_NE(rest.find(R"("n_reused":10)"), std::string::npos) << rest;
  EXPECT_NE(rest.find(R"("done":true)"), std::string::npos) << rest;
  EXPECT_NE(api.prefill(ids, 0).find(R"("code":"bad_request")"), std::string::npos);
}

}  // namespace
}  // namespace webgguf
