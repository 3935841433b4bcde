#include <gtest/gtest.h>

#include <cmath>

#include "kernels/ops_rope.h"
#include "ops_kernel_test_util.h"

namespace webgguf {
namespace {
using testing::random_floats;

void expect_matches_reference(const RopeParams& params, int32_t pos, int n_heads, int head_dim, float tol) {
  std::vector<float> x = random_floats(static_cast<size_t>(n_heads) * head_dim, pos + 5), ref = x;
  std::vector<float> cos_sin(params.n_rot);
  rope_cos_sin(params, pos, cos_sin.data());
  rope_apply(params, cos_sin.data(), x.data(), n_heads, head_dim);
  rope_ref(params, pos, ref.data(), n_heads, head_dim);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], ref[i], tol) << "pos " << pos << " i " << i;
}

TEST(OpsRope, NormalLayoutMatchesDefinition) {
  RopeParams p;
  p.n_rot = 64;
  for (int32_t pos : {0, 1, 7, 100, 1023}) expect_matches_reference(p, pos, 3, 64, 1e-3f);
}

TEST(OpsRope, NeoxLayoutWithPartialRotationAndScaling) {
  RopeParams p;
  p.n_rot = 32;  // only the first 32 of 48 dims rotate; the rest pass through untouched
  p.neox = true;
  p.freq_base = 1e6f;
  p.freq_scale = 0.25f;
  p.attn_factor = 1.5f;
  for (int32_t pos : {0, 3, 500}) expect_matches_reference(p, pos, 2, 48, 1e-3f);
}

TEST(OpsRope, FrequencyFactorsDivideTheAngle) {
  std::vector<float> factors(32);
  for (int i = 0; i < 32; ++i) factors[i] = 1.0f + i * 0.5f;
  RopeParams p;
  p.n_rot = 64;
  p.freq_base = 500000.0f;
  p.freq_factors = factors.data();
  for (int32_t pos : {1, 77, 2000}) expect_matches_reference(p, pos, 2, 64, 1e-3f);
}

TEST(OpsRope, PositionZeroIsIdentityAndPairsKeepTheirNorm) {
  RopeParams p;
  p.n_rot = 8;
  std::vector<float> x = random_floats(8, 1), y = x;
  std::vector<float> cs(8);
  rope_cos_sin(p, 0, cs.data());
  rope_apply(p, cs.data(), y.data(), 1, 8);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(x[i], y[i]);
  rope_cos_sin(p, 12345, cs.data());
  rope_apply(p, cs.data(), y.data(), 1, 8);
  for (int i = 0; i < 8; i += 2) {
    EXPECT_NEAR(std::hypot(x[i], x[i + 1]), std::hypot(y[i], y[i + 1]), 1e-5f);
  }
}

}  // namespace
}  // namespace webgguf
