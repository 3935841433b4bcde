// The scoring arithmetic of perplexity on hand-checkable numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/perplexity.h"

namespace webgguf {
namespace {

TEST(TokenNll, IsMinusLogSoftmax) {
  const std::vector<float> logits = {1.0f, 2.0f, 3.0f, 4.0f};
  double z = 0;
  for (float l : logits) z += std::exp(double(l) - 4.0);
  for (int t = 0; t < 4; ++t) {
    EXPECT_NEAR(token_nll(logits.data(), 4, t), -(logits[t] - 4.0 - std::log(z)), 1e-6);
  }
  const std::vector<float> uniform = {0.5f, 0.5f, 0.5f, 0.5f};
  EXPECT_NEAR(token_nll(uniform.data(), 4, 2), std::log(4.0), 1e-7);
}

TEST(PerplexityTotals, FinalEstimateAsLlamaCpp) {
  PerplexityTotals totals;
  const double nlls[] = {1.0, 2.0, 3.0, 4.0};
  for (double v : nlls) totals.add(v);
  // mean 2.5, mean of squares 7.5, variance 1.25, sqrt(1.25 / 3) * e^2.5
  EXPECT_DOUBLE_EQ(totals.perplexity(), std::exp(2.5));
  EXPECT_DOUBLE_EQ(totals.uncertainty(), std::sqrt(1.25 / 3.0) * std::exp(2.5));
  PerplexityTotals one;
  one.add(2.0);
  EXPECT_EQ(one.uncertainty(), 0.0);
}

TEST(PerplexityRun, NeedsTwoContextsOfTokens) {
  EXPECT_FALSE(PerplexityRun::plan(std::vector<int32_t>(1023, 5), 512, -1).is_ok());
  Result<PerplexityRun> run = PerplexityRun::plan(std::vector<int32_t>(1600, 5), 512, -1);
  ASSERT_TRUE(run.is_ok());
  EXPECT_EQ(run.value().n_chunks(), 3);
  EXPECT_FALSE(run.value().done());
}

}  // namespace
}  // namespace webgguf
