#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sampler/sampler.h"

namespace webgguf {
namespace {

std::vector<std::string> names(const Sampler& s) {
  std::vector<std::string> out;
  for (const char* n : s.stage_names()) out.emplace_back(n);
  return out;
}

TEST(Sampler, ChainOrderFollowsLlamaCpp) {
  SamplerParams p;
  EXPECT_EQ(names(Sampler(p)),
            (std::vector<std::string>{"penalties", "top-k", "top-p", "min-p", "temperature", "dist"}));
  p.temperature = 0.0f;
  EXPECT_EQ(names(Sampler(p)), (std::vector<std::string>{"penalties", "greedy"}));
}

TEST(Sampler, GreedyPicksArgmaxAndPenaltiesMoveIt) {
  SamplerParams p;
  p.temperature = 0.0f;
  p.repeat_penalty = 4.0f;
  Sampler s(p);
  const std::vector<float> l = {1.0f, 4.0f, 3.0f, 0.5f};
  EXPECT_EQ(s.sample(l.data(), l.size()), 1);
  s.accept(1);  // 4 / 4 = 1 < 3
  EXPECT_EQ(s.sample(l.data(), l.size()), 2);
  s.reset();
  EXPECT_EQ(s.sample(l.data(), l.size()), 1);
}

TEST(Sampler, TopKOneIsDeterministicWhateverTheSeed) {
  SamplerParams p;
  p.top_k = 1;
  const std::vector<float> l = {1.0f, 2.0f, 5.0f, 0.5f, 4.9f};
  for (uint32_t seed : {1u, 2u, 3u}) {
    p.seed = seed;
    Sampler s(p);
    EXPECT_EQ(s.sample(l.data(), l.size()), 2);
  }
}

TEST(Sampler, MinPRemovesTheTailBeforeDrawing) {
  SamplerParams p;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.5f;  // keeps tokens 1 and 4 (logit within log(2) of the best)
  p.temperature = 1.0f;
  p.seed = 99;
  Sampler s(p);
  const std::vector<float> l = {0.0f, 3.0f, 1.0f, 2.0f, 2.5f};
  for (int i = 0; i < 200; ++i) {
    const int32_t t = s.sample(l.data(), l.size());
    EXPECT_TRUE(t == 1 || t == 4) << t;
  }
}

TEST(Sampler, SeededSequencesRepeat) {
  SamplerParams p;
  p.seed = 2024;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.temperature = 1.0f;
  const std::vector<float> l = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
  Sampler a(p), b(p);
  std::vector<int32_t> sa, sb;
  for (int i = 0; i < 32; ++i) {
    sa.push_back(a.sample(l.data(), l.size()));
    sb.push_back(b.sample(l.data(), l.size()));
  }
  EXPECT_EQ(sa, sb);
  a.reset();
  for (int i = 0; i < 32; ++i) EXPECT_EQ(a.sample(l.data(), l.size()), sa[i]);
}

TEST(Sampler, RejectsOutOfRangeParams) {
  SamplerParams p;
  p.top_p = 1.5f;
  EXPECT_EQ(Sampler::create(p).status().message(), "top_p must be in (0, 1], got 1.5");
  p = SamplerParams{};
  p.min_p = -0.1f;
  EXPECT_FALSE(Sampler::create(p).is_ok());
  p = SamplerParams{};
  p.repeat_penalty = 0.0f;
  EXPECT_FALSE(Sampler::create(p).is_ok());
  p = SamplerParams{};
  p.repeat_last_n = -2;
  EXPECT_FALSE(Sampler::create(p).is_ok());
  EXPECT_TRUE(Sampler::create(SamplerParams{}).is_ok());
}

TEST(Sampler, EmptyVocabularyGivesMinusOne) {
  Sampler s;
  EXPECT_EQ(s.sample(nullptr, 0), -1);
}

}  // namespace
}  // namespace webgguf
