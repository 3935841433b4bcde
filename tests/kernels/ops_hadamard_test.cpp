#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/ops_hadamard.h"
#include "ops_kernel_test_util.h"

namespace webgguf {
namespace {
using testing::random_floats;

TEST(OpsHadamard, MatchesTheMatrixAndIsItsOwnInverse) {
  for (int n : {1, 2, 8, 64, 128, 256}) {
    const std::vector<float> x = random_floats(3 * n, n, 4.0f);
    std::vector<float> fast = x, ref = x;
    hadamard_rows(fast.data(), fast.size(), n);
    hadamard_rows_ref(ref.data(), ref.size(), n);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(fast[i], ref[i], 1e-5 * (1 + std::fabs(ref[i]))) << n << " " << i;
    hadamard_rows(fast.data(), fast.size(), n);  // H H = I
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(fast[i], x[i], 1e-5 * (1 + std::fabs(x[i]))) << n << " " << i;
  }
  // A tail shorter than a chunk is left alone.
  std::vector<float> partial = {1, 2, 3};
  hadamard_rows(partial.data(), partial.size(), 4);
  EXPECT_EQ(partial, (std::vector<float>{1, 2, 3}));
}

TEST(OpsHadamard, ChunksFollowLlamaCpp) {
  EXPECT_EQ(hadamard_key_chunk(64), 64);
  EXPECT_EQ(hadamard_key_chunk(128), 128);
  EXPECT_EQ(hadamard_key_chunk(192), 64);
  EXPECT_EQ(hadamard_key_chunk(256), 256);
  EXPECT_EQ(hadamard_key_chunk(96), 0);
  EXPECT_EQ(hadamard_value_chunk(256), 64);
  EXPECT_EQ(hadamard_value_chunk(32), 0);
}

}  // namespace
}  // namespace webgguf
