#include <gtest/gtest.h>

#include <random>

#include "sampler/rng.h"

namespace webgguf {
namespace {

TEST(Mt19937, MatchesTheStandardEngine) {
  for (uint32_t seed : {0u, 1u, 42u, 5489u, 0xffffffffu}) {
    Mt19937 ours(seed);
    std::mt19937 standard(seed);
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(ours.next_u32(), standard()) << "seed " << seed;
  }
}

TEST(Mt19937, TenThousandthOutputOfDefaultSeed) {
  // The value the C++ standard requires of std::mt19937 ([rand.predef]).
  Mt19937 rng;
  uint32_t v = 0;
  for (int i = 0; i < 10000; ++i) v = rng.next_u32();
  EXPECT_EQ(v, 4123659995u);
}

TEST(Mt19937, UnitDoubleCombinesTwoDrawsLowWordFirst) {
  Mt19937 rng(42), raw(42);
  for (int i = 0; i < 100; ++i) {
    const double low = raw.next_u32();
    const double high = raw.next_u32();
    const double u = rng.next_unit_double();
    EXPECT_EQ(u, (low + high * 4294967296.0) / 18446744073709551616.0);
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

#if defined(__GLIBCXX__)
TEST(Mt19937, UnitDoubleEqualsLibstdcxxUniformRealDistribution) {
  // What llama.cpp's dist sampler draws when built with GCC.
  Mt19937 ours(1234);
  std::mt19937 standard(1234);
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(ours.next_unit_double(), dist(standard));
}
#endif

}  // namespace
}  // namespace webgguf
