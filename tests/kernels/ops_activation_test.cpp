#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "core/fp16.h"
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

// GEGLU on ggml's f16 grid: the table lookup equals the definition bit for bit, for every f16
// gate value (each bit pattern as a float), over swept lengths, and at the +-10 short-cuts.
TEST(OpsActivation, GeluMulTableEqualsDefinitionBitForBit) {
  std::vector<float> gates;
  for (uint32_t h = 0; h < (1u << 16); ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    if (std::isfinite(f)) gates.push_back(f);
  }
  for (float edge : {-10.0f, -9.999f, 9.999f, 10.0f, 1e6f, -1e6f, 0.0f, -0.0f, 1e-8f}) gates.push_back(edge);
  const std::vector<float> up = random_floats(gates.size(), 5, 3.0f);
  std::vector<float> out(gates.size()), ref(gates.size());
  gelu_mul(gates.data(), up.data(), gates.size(), out.data());
  gelu_mul_ref(gates.data(), up.data(), gates.size(), ref.data());
  for (size_t i = 0; i < gates.size(); ++i) EXPECT_EQ(out[i], ref[i]) << gates[i];
  for (int n : testing::sweep_lengths()) {
    std::vector<float> g = random_floats(n, 40 + n, 12.0f), u = random_floats(n, 50 + n);
    std::vector<float> o(n + 1, NAN), r(n);
    gelu_mul(g.data(), u.data(), n, o.data());
    gelu_mul_ref(g.data(), u.data(), n, r.data());
    for (int i = 0; i < n; ++i) EXPECT_EQ(o[i], r[i]) << n << " " << i;
    EXPECT_TRUE(std::isnan(o[n]));
  }
  const float minus_ten = -10.0f, ten = 10.0f, two = 2.0f;
  float y = 0;
  gelu_mul(&minus_ten, &two, 1, &y);
  EXPECT_EQ(y, 0.0f);
  gelu_mul(&ten, &two, 1, &y);
  EXPECT_EQ(y, 20.0f);
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
