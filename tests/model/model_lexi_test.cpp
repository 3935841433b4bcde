// lexi-28m (llama architecture, F16) against the PyTorch reference outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "lexi_fixture.h"

namespace webgguf {
namespace {
using testing::argmax;
using testing::load_lexi;
using testing::reference_ids;

constexpr const char* kBase = "lexi-28m-f16.gguf";
constexpr const char* kChat = "lexi-28m-chat-f16.gguf";

std::vector<float> all_logits(Model& model, const std::vector<int32_t>& ids) {
  std::vector<float> logits(ids.size() * model.info().n_vocab);
  const Status status = model.forward(ids.data(), static_cast<int32_t>(ids.size()), 0, true, logits.data());
  EXPECT_TRUE(status.is_ok()) << status.message();
  return logits;
}

TEST(ModelLexi, InfoDescribesTheModel) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  auto model = load_lexi(kBase, 0);
  ASSERT_TRUE(model);
  const ModelInfo& info = model->info();
  EXPECT_EQ(info.architecture, "llama");
  EXPECT_EQ(info.n_params, 28320256u);
  EXPECT_EQ(info.n_vocab, 4096);
  EXPECT_EQ(info.n_ctx_train, 1024);
  EXPECT_EQ(info.n_ctx, 1024);  // min(training context, 4096)
  EXPECT_EQ(info.n_embd, 512);
  EXPECT_EQ(info.n_layer, 8);
  EXPECT_EQ(info.n_head, 8);
  EXPECT_EQ(info.n_head_kv, 2);
  EXPECT_EQ(info.n_ff, 1536);
  // f16 K and V: 2 x 8 layers x 2 kv heads x 64 x 1024 positions x 2 bytes.
  EXPECT_EQ(info.memory.kv_bytes, 2ull * 8 * 2 * 64 * 1024 * 2);
  EXPECT_EQ(info.memory.total_bytes, info.memory.weights_bytes + info.memory.kv_bytes + info.memory.scratch_bytes);

  Result<MemoryEstimate> estimate = Model::estimate_memory(testing::lexi_file(kBase).header, 0);
  ASSERT_TRUE(estimate.is_ok()) << estimate.status().message();
  EXPECT_EQ(estimate.value().weights_bytes, info.memory.weights_bytes);
  EXPECT_EQ(estimate.value().kv_bytes, info.memory.kv_bytes);
  EXPECT_GE(estimate.value().scratch_bytes, info.memory.scratch_bytes);  // assumes 8 threads
  EXPECT_LT(estimate.value().weights_bytes, testing::lexi_file(kBase).bytes.size());
}

TEST(ModelLexi, ChatLogitsMatchReferenceAtEveryPosition) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<int32_t> ids = reference_ids("lexi-28m.reference.json", "chat", "ids");
  ASSERT_EQ(ids.size(), 13u);
  const std::vector<uint8_t> raw = testing::read_file_bytes(testing::shared_path("models/lexi-28m.chat-logits.f32"));
  const int32_t n_vocab = 4096;
  ASSERT_EQ(raw.size(), ids.size() * n_vocab * sizeof(float));
  std::vector<float> reference(raw.size() / sizeof(float));
  std::memcpy(reference.data(), raw.data(), raw.size());

  auto model = load_lexi(kBase, 64);
  ASSERT_TRUE(model);
  const std::vector<float> logits = all_logits(*model, ids);
  float max_abs = 0.0f;
  for (size_t i = 0; i < logits.size(); ++i) max_abs = std::max(max_abs, std::fabs(logits[i] - reference[i]));
  for (size_t t = 0; t < ids.size(); ++t) {
    EXPECT_EQ(argmax(&logits[t * n_vocab], n_vocab), argmax(&reference[t * n_vocab], n_vocab)) << "position " << t;
  }
  std::printf("chat logits max-abs difference vs PyTorch: %.6f\n", max_abs);
  EXPECT_LT(max_abs, 2e-2f);
}

// Greedy decoding: prefill the prompt, then feed back the argmax one token at a time.
std::vector<int32_t> greedy(Model& model, const std::vector<int32_t>& prompt, size_t n_new) {
  const int32_t n_vocab = model.info().n_vocab;
  std::vector<float> logits(n_vocab);
  std::vector<int32_t> out;
  Status status = model.forward(prompt.data(), static_cast<int32_t>(prompt.size()), 0, false, logits.data());
  EXPECT_TRUE(status.is_ok()) << status.message();
  int32_t pos = static_cast<int32_t>(prompt.size());
  while (out.size() < n_new && status.is_ok()) {
    const int32_t next = argmax(logits.data(), n_vocab);
    out.push_back(next);
    status = model.forward(&next, 1, pos++, false, logits.data());
  }
  return out;
}

void expect_greedy_matches(const char* model_file, const char* json) {
  auto model = load_lexi(model_file, 128);
  ASSERT_TRUE(model);
  for (const char* prompt : {"chat", "chat2", "text"}) {
    const std::vector<int32_t> ids = reference_ids(json, prompt, "ids");
    const std::vector<int32_t> expected = reference_ids(json, prompt, "greedy_ids");
    ASSERT_FALSE(ids.empty());
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(greedy(*model, ids, expected.size()), expected) << model_file << " prompt " << prompt;
  }
}

TEST(ModelLexi, GreedyContinuationsMatchReference) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  expect_greedy_matches(kBase, "lexi-28m.reference.json");
}

TEST(ModelLexi, ChatModelGreedyContinuationsMatchReference) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  expect_greedy_matches(kChat, "lexi-28m-chat.reference.json");
}

TEST(ModelLexi, ChunkedForwardEqualsOnePrefill) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::vector<int32_t> ids = reference_ids("lexi-28m.reference.json", "chat2", "ids");
  ASSERT_EQ(ids.size(), 16u);
  auto model = load_lexi(kBase, 32);
  ASSERT_TRUE(model);
  const int32_t n_vocab = model->info().n_vocab;
  const std::vector<float> whole = all_logits(*model, ids);

  // The same model continues after a stale cache: positions >= pos are overwritten.
  std::vector<float> chunked(whole.size());
  ASSERT_TRUE(model->forward(ids.data(), 5, 0, true, chunked.data()).is_ok());
  for (int32_t pos = 5; pos < static_cast<int32_t>(ids.size()); ++pos) {
    ASSERT_TRUE(model->forward(&ids[pos], 1, pos, true, chunked.data() + pos * n_vocab).is_ok());
  }
  // Every dot product sees the same inputs in the same order, so results are bit-identical.
  EXPECT_EQ(0, std::memcmp(whole.data(), chunked.data(), whole.size() * sizeof(float)));

  // all_logits = false returns the last row only.
  std::vector<float> last(n_vocab);
  ASSERT_TRUE(model->forward(ids.data(), 16, 0, false, last.data()).is_ok());
  EXPECT_EQ(0, std::memcmp(last.data(), whole.data() + 15 * n_vocab, n_vocab * sizeof(float)));
}

TEST(ModelLexi, LongInputRunsInMicroBatchesLikeShortCalls) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  // 66 tokens in one call cross the micro-batch boundary (64); the same tokens as a 60-token
  // prefill and 6 single steps must give the same last logits.
  std::vector<int32_t> ids;
  for (int i = 0; i < 66; ++i) ids.push_back((i * 37 + 11) % 4096);
  auto model = load_lexi(kBase, 80);
  ASSERT_TRUE(model);
  const int32_t n_vocab = model->info().n_vocab;
  std::vector<float> whole(n_vocab), step(n_vocab);
  ASSERT_TRUE(model->forward(ids.data(), 66, 0, false, whole.data()).is_ok());
  ASSERT_TRUE(model->forward(ids.data(), 60, 0, false, step.data()).is_ok());
  for (int32_t pos = 60; pos < 66; ++pos) ASSERT_TRUE(model->forward(&ids[pos], 1, pos, false, step.data()).is_ok());
  EXPECT_EQ(0, std::memcmp(step.data(), whole.data(), n_vocab * sizeof(float)));
}

TEST(ModelLexi, ContextOverflowAndBadTokensAreErrors) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  auto model = load_lexi(kBase, 16);
  ASSERT_TRUE(model);
  std::vector<int32_t> ids(17, 5);
  std::vector<float> logits(17 * 4096);
  Status status = model->forward(ids.data(), 17, 0, true, logits.data());
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("context"), std::string::npos) << status.message();
  EXPECT_FALSE(model->forward(ids.data(), 7, 10, false, logits.data()).is_ok());
  EXPECT_FALSE(model->forward(ids.data(), 1, -1, false, logits.data()).is_ok());
  EXPECT_TRUE(model->forward(ids.data(), 6, 10, false, logits.data()).is_ok());  // exactly fills it

  ids[2] = 4096;
  status = model->forward(ids.data(), 3, 0, false, logits.data());
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("4096"), std::string::npos) << status.message();
}

TEST(ModelLexi, OneAndTwoThreadsGiveIdenticalLogits) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<int32_t> ids = reference_ids("lexi-28m.reference.json", "chat", "ids");
  auto model = load_lexi(kBase, 32, 1);
  ASSERT_TRUE(model);
  const std::vector<float> one = all_logits(*model, ids);
  model->set_threads(2);
  const std::vector<float> two = all_logits(*model, ids);
  EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * sizeof(float)));
  // Decode steps too (the GEMV path).
  std::vector<float> a(4096), b(4096);
  ASSERT_TRUE(model->forward(&ids[0], 1, 13, false, b.data()).is_ok());
  model->set_threads(1);
  ASSERT_TRUE(model->forward(ids.data(), 13, 0, false, a.data()).is_ok());
  ASSERT_TRUE(model->forward(&ids[0], 1, 13, false, a.data()).is_ok());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
}

}  // namespace
}  // namespace webgguf
