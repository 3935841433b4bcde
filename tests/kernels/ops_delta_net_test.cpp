// gated_delta_rule against its scalar reference over head sizes around the vector width (tails
// included) and several tokens in a row (the state carried), and the reference against the delta
// rule written as ggml's four passes over the matrix.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/ops_delta_net.h"
#include "ops_kernel_test_util.h"

namespace webgguf {
namespace {
using testing::close_relative;
using testing::random_floats;

std::vector<float> unit(std::vector<float> x) {
  double sum = 0.0;
  for (float v : x) sum += double{v} * v;
  for (float& v : x) v /= static_cast<float>(std::sqrt(sum));
  return x;
}

TEST(OpsDeltaNet, MatchesReferenceOverLengthsAndTokens) {
  for (int n : testing::sweep_lengths()) {
    std::vector<float> state = random_floats(static_cast<size_t>(n) * n, 1 + n, 0.3f), state_ref = state;
    for (int t = 0; t < 5; ++t) {
      const uint32_t seed = static_cast<uint32_t>(100 * n + t);
      const std::vector<float> q = unit(random_floats(n, seed)), k = unit(random_floats(n, seed + 1));
      const std::vector<float> v = random_floats(n, seed + 2);
      const float decay = 0.5f + 0.1f * t, beta = 0.9f - 0.1f * t, scale = 1.0f / std::sqrt(float(n));
      std::vector<float> out(n + 1, NAN), ref(n);
      gated_delta_rule(state.data(), q.data(), k.data(), v.data(), decay, beta, scale, n, out.data());
      gated_delta_rule_ref(state_ref.data(), q.data(), k.data(), v.data(), decay, beta, scale, n, ref.data());
      for (int j = 0; j < n; ++j) ASSERT_TRUE(close_relative(out[j], ref[j], 1e-5f)) << n << " " << t << " " << j;
      EXPECT_TRUE(std::isnan(out[n])) << "wrote past the output";
      for (size_t i = 0; i < state.size(); ++i) ASSERT_TRUE(close_relative(state[i], state_ref[i], 1e-5f)) << n;
    }
  }
}

// ggml_gated_delta_net: M *= exp(g); delta = (v - M k) * beta; M += delta k^T; out = (M q) * scale.
TEST(OpsDeltaNet, ReferenceIsGgmlsDeltaRule) {
  const int n = 6;
  std::vector<float> state = random_floats(n * n, 3), expected = state;
  const std::vector<float> q = unit(random_floats(n, 4)), k = unit(random_floats(n, 5)), v = random_floats(n, 6);
  const float decay = 0.7f, beta = 0.4f, scale = 0.5f;
  for (float& m : expected) m *= decay;
  std::vector<float> delta(n), want(n), out(n);
  for (int j = 0; j < n; ++j) {
    float sum = 0.0f;
    for (int i = 0; i < n; ++i) sum += expected[j * n + i] * k[i];
    delta[j] = (v[j] - sum) * beta;
  }
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) expected[j * n + i] += delta[j] * k[i];
  }
  for (int j = 0; j < n; ++j) {
    float sum = 0.0f;
    for (int i = 0; i < n; ++i) sum += expected[j * n + i] * q[i];
    want[j] = sum * scale;
  }
  gated_delta_rule_ref(state.data(), q.data(), k.data(), v.data(), decay, beta, scale, n, out.data());
  for (int j = 0; j < n; ++j) EXPECT_TRUE(close_relative(out[j], want[j], 1e-6f)) << j;
  for (int i = 0; i < n * n; ++i) EXPECT_TRUE(close_relative(state[i], expected[i], 1e-6f)) << i;
}

}  // namespace
}  // namespace webgguf
