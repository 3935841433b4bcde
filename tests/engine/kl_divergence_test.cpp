// KL divergence as llama-perplexity --kl-divergence: the 16-bit log-probability encoding and the
// per-position sum on hand-checkable vectors, then two engines on lexi-28m end to end.
#include "engine/kl_divergence.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "test_paths.h"

namespace webgguf {
namespace {

using webgguf::testing::read_file_bytes;
using webgguf::testing::shared_path;

std::vector<double> softmax(const std::vector<float>& logits) {
  double max = logits[0];
  for (float v : logits) max = std::max<double>(max, v);
  double sum = 0.0;
  for (float v : logits) sum += std::exp(v - max);
  std::vector<double> p;
  for (float v : logits) p.push_back(std::exp(v - max) / sum);
  return p;
}

double exact_kl(const std::vector<float>& base, const std::vector<float>& model) {
  const std::vector<double> p = softmax(base), q = softmax(model);
  double kl = 0.0;
  for (size_t i = 0; i < p.size(); ++i) kl += p[i] * std::log(p[i] / q[i]);
  return kl;
}

TEST(KlDivergence, EncodingKeepsSixteenNatsInSixteenBits) {
  const std::vector<float> logits = {2.0f, 1.0f, -30.0f, 2.0f, 0.5f};
  std::vector<uint16_t> steps(logits.size());
  const QuantizedLogProbs h = encode_log_probs(logits.data(), 5, steps.data());
  EXPECT_FLOAT_EQ(h.scale, 16.0f / 65535.0f);
  const std::vector<double> p = softmax(logits);
  EXPECT_NEAR(h.min_log_prob, std::log(p[0]) - 16.0, 1e-5);
  EXPECT_EQ(steps[0], 65535);
  EXPECT_EQ(steps[3], 65535);
  EXPECT_EQ(steps[2], 0);  // more than 16 nats below the top: clamped, and skipped by the sum
  for (int i : {0, 1, 4}) {
    EXPECT_NEAR(h.scale * steps[i] + h.min_log_prob, std::log(p[i]), 2e-4) << i;
  }
  // All equal logits: scale 0, every step 0, the log-prob in the header.
  const std::vector<float> flat(4, 3.0f);
  const QuantizedLogProbs f = encode_log_probs(flat.data(), 4, steps.data());
  EXPECT_EQ(f.scale, 0.0f);
  EXPECT_NEAR(f.min_log_prob, -std::log(4.0), 1e-6);
}

TEST(KlDivergence, PerPositionSumMatchesTheDefinition) {
  const std::vector<float> base = {1.0f, 0.2f, -0.5f, 3.0f, 2.5f, -2.0f};
  const std::vector<float> close = {1.1f, 0.1f, -0.4f, 2.9f, 2.6f, -2.2f};
  const std::vector<float> swapped = {1.0f, 0.2f, -0.5f, 2.5f, 3.0f, -2.0f};
  std::vector<uint16_t> steps(base.size());
  const QuantizedLogProbs h = encode_log_probs(base.data(), 6, steps.data());
  bool same_top = false;
  // Against itself only the 16-bit steps (here 5/65535 nats) separate the two: |KL| ~ 1e-5.
  EXPECT_NEAR(kl_divergence_at(h, steps.data(), base.data(), 6, &same_top), 0.0, 5e-5);
  EXPECT_TRUE(same_top);
  const double kl_close = kl_divergence_at(h, steps.data(), close.data(), 6, &same_top);
  EXPECT_NEAR(kl_close, exact_kl(base, close), 2e-4);
  EXPECT_GT(kl_close, 0.0);
  EXPECT_TRUE(same_top);
  const double kl_swapped = kl_divergence_at(h, steps.data(), swapped.data(), 6, &same_top);
  EXPECT_NEAR(kl_swapped, exact_kl(base, swapped), 2e-4);
  EXPECT_FALSE(same_top);
}

TEST(KlDivergence, TotalsUseLlamaCppStatistics) {
  KlDivergenceTotals t;
  EXPECT_EQ(t.kl_divergence().mean, 0.0);
  for (int i = 0; i < 20; ++i) {
    const double kl = i % 2 ? 0.3 : 0.1;
    t.kl_sum += kl;
    t.kl_squared_sum += kl * kl;
    t.same_top += i < 15;
    ++t.count;
  }
  EXPECT_NEAR(t.kl_divergence().mean, 0.2, 1e-12);
  EXPECT_NEAR(t.kl_divergence().error, std::sqrt(0.01 / 19), 1e-12);
  EXPECT_DOUBLE_EQ(t.same_top_fraction().mean, 0.75);
  EXPECT_NEAR(t.same_top_fraction().error, std::sqrt(0.75 * 0.25 / 19), 1e-12);
}

std::unique_ptr<Engine> load_lexi(uint32_t n_ctx) {
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path("models/lexi-28m-f16.gguf"));
  auto engine = std::make_unique<Engine>();
  uint8_t* buffer = bytes.empty() ? nullptr : engine->allocate_model(bytes.size());
  if (buffer == nullptr) return nullptr;
  std::memcpy(buffer, bytes.data(), bytes.size());
  LoadOptions options;
  options.n_ctx = n_ctx;
  return engine->load_model(options).ok() ? std::move(engine) : nullptr;
}

TEST(KlDivergence, LexiAgainstItselfIsZeroAndMatchesPerplexity) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  constexpr int32_t kCtx = 64;
  std::unique_ptr<Engine> base = load_lexi(kCtx), model = load_lexi(kCtx);
  ASSERT_TRUE(base && model);
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path("data/eval.txt"));
  const std::string text(bytes.begin(), bytes.begin() + 1000);  // ~250 tokens: a few chunks

  KlDivergenceProgress kl;
  ASSERT_TRUE(model->kl_divergence_begin(*base, text, kCtx, &kl).ok());
  PerplexityProgress ppl;
  ASSERT_TRUE(base->perplexity_begin(text, kCtx, &ppl).ok());
  ASSERT_EQ(kl.n_chunks, ppl.n_chunks);
  ASSERT_GE(kl.n_chunks, 2);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(model->kl_divergence_next(*base, &kl).ok());
    ASSERT_TRUE(base->perplexity_next(&ppl).ok());
  }
  EXPECT_EQ(kl.chunk, 2);
  EXPECT_EQ(kl.totals.count, 2 * (kCtx - 1 - kCtx / 2));
  // Same weights, same code: identical logits, so only the 16-bit encoding separates them.
  EXPECT_DOUBLE_EQ(kl.totals.model.perplexity(), kl.totals.base.perplexity());
  EXPECT_DOUBLE_EQ(kl.totals.base.perplexity(), ppl.ppl);
  EXPECT_LT(kl.totals.kl_divergence().mean, 1e-5);  // native < 1e-6, wasm 1.5e-6
  EXPECT_GE(kl.totals.same_top_fraction().mean, 0.99);

  // Refusals: the engine itself as base, a base without a model.
  Engine empty;
  EXPECT_EQ(model->kl_divergence_begin(*model, text, kCtx, &kl).code, ErrorCode::kBadRequest);
  EXPECT_EQ(model->kl_divergence_begin(empty, text, kCtx, &kl).code, ErrorCode::kNoModel);
  EXPECT_EQ(model->kl_divergence_begin(*base, text, 4 * kCtx, &kl).code, ErrorCode::kBadRequest);
  EXPECT_EQ(model->kl_divergence_begin(*base, "short", kCtx, &kl).code, ErrorCode::kBadRequest);
}

}  // namespace
}  // namespace webgguf
