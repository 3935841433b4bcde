#include <gtest/gtest.h>

#include "kernels/ops_norm.h"
#include "ops_kernel_test_util.h"

namespace webgguf {
namespace {
using testing::close_relative;
using testing::random_floats;

TEST(OpsNorm, RmsnormMatchesReferenceOverLengths) {
  for (int n : testing::sweep_lengths()) {
    // One element past the end is poisoned: the kernel must not read or write it.
    std::vector<float> x = random_floats(n + 1, 1 + n, 3.0f), w = random_floats(n + 1, 100 + n);
    x[n] = NAN;
    w[n] = NAN;
    std::vector<float> out(n + 1, NAN), ref(n + 1, NAN);
    rmsnorm(x.data(), w.data(), n, 1e-5f, out.data());
    rmsnorm_ref(x.data(), w.data(), n, 1e-5f, ref.data());
    for (int i = 0; i < n; ++i) EXPECT_TRUE(close_relative(out[i], ref[i], 1e-5f)) << n << " " << i;
    EXPECT_TRUE(std::isnan(out[n]));
  }
}

TEST(OpsNorm, RmsnormOfConstantRowIsTheWeight) {
  // mean(x^2) = 4, so x / sqrt(4 + 0) = 1 and the output is the weight exactly.
  std::vector<float> x(10, -2.0f), w = random_floats(10, 7), out(10);
  rmsnorm(x.data(), w.data(), 10, 0.0f, out.data());
  for (int i = 0; i < 10; ++i) EXPECT_FLOAT_EQ(out[i], -w[i]);
}

TEST(OpsNorm, RmsnormInPlace) {
  std::vector<float> x = random_floats(37, 3), w = random_floats(37, 4), ref(37);
  rmsnorm_ref(x.data(), w.data(), 37, 1e-6f, ref.data());
  rmsnorm(x.data(), w.data(), 37, 1e-6f, x.data());
  for (int i = 0; i < 37; ++i) EXPECT_TRUE(close_relative(x[i], ref[i], 1e-5f));
}

TEST(OpsNorm, EpsilonKeepsZeroRowFinite) {
  std::vector<float> x(8, 0.0f), w(8, 1.0f), out(8);
  rmsnorm(x.data(), w.data(), 8, 1e-5f, out.data());
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace webgguf
