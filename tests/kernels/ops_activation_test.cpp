#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "kernels/ops_activation.h"
#include "ops_kernel_test_util.h"

namespace webgguf {
namespace {
using testing::close_relative;
using testing::random_floats;

TEST(OpsActivation, SiluMulMatchesReferenceOverLengths) {
  for (int n : testing::sweep_lengths()) {
    std::vector<float> g = random_floats(n, 10 + n, 4.0f), u = random_floats(n, 20 + n);
    std::vector<float> out(n + 1, NAN), ref(n);
    silu_mul(g.data(), u.data(), n, out.data());
    silu_mul_ref(g.data(), u.data(), n, ref.data());
    for (int i = 0; i < n; ++i) EXPECT_TRUE(close_relative(out[i], ref[i], 1e-5f)) << n << " " << i;
    EXPECT_TRUE(std::isnan(out[n]));
  }
}

TEST(OpsActivation, SiluMulEdgeValues) {
  // Large negative gates give -0 (exp overflows to inf in the reference), large positive give x.
  const std::vector<float> g = {-1000.0f, -100.0f, -88.0f, -20.0f, 0.0f, 20.0f, 88.0f, 100.0f};
  const std::vector<float> u(g.size(), 2.0f);
  std::vector<float> out(g.size()), ref(g.size());
  silu_mul(g.data(), u.data(), g.size(), out.data());
  silu_mul_ref(g.data(), u.data(), g.size(), ref.data());
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_TRUE(std::isfinite(out[i])) << g[i];
    EXPECT_NEAR(out[i], ref[i], 1e-5f * std::fabs(ref[i]) + 1e-30f) << g[i];
  }
}

TEST(OpsActivation, SoftmaxMatchesReferenceAndSumsToOne) {
  for (int n : testing::sweep_lengths()) {
    std::vector<float> x = random_floats(n, 30 + n, 5.0f), ref = x;
    softmax(x.data(), n);
    softmax_ref(ref.data(), n);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(close_relative(x[i], ref[i], 1e-5f)) << n << " " << i;
      sum += x[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST(OpsActivation, SoftmaxIsShiftInvariantAndHandlesHugeInputs) {
  std::vector<float> a = {1.0f, 2.0f, 3.0f, -50.0f, 0.5f}, b = a;
  for (auto& v : b) v += 1e4f;
  softmax(a.data(), a.size());
  softmax(b.data(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6f);
  std::vector<float> one = {42.0f};
  softmax(one.data(), 1);
  EXPECT_EQ(one[0], 1.0f);
}

}  // namespace
}  // namespace webgguf
