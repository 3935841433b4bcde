// The SIMD dot products (src/kernels/vec_dot.h) against the scalar references of src/quant and
// against ggml's own dot products of the fixture rows (../shared/fixtures/quants):
//   - integer parts exact: with unit float scales the dot is an integer below 2^24, and the
//     kernel must return it exactly;
//   - otherwise within 1e-6 of the sum of |products| (float rounding of the final sums);
//   - row lengths 1..7 blocks and 4096 elements, unaligned rows, edge scales and saturating
//     activations.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "kernels/vec_dot.h"
#include "quant/traits.h"
#include "test_paths.h"

namespace webgguf {
namespace {

using testing::ActMode;
using testing::ScaleMode;

struct KernelCase {
  GgmlType type;
  VecDotFn simd;
};

std::ostream& operator<<(std::ostream& os, const KernelCase& c) {
  return os << ggml_type_name(c.type);
}

const KernelCase kCases[] = {
    {GgmlType::F32, vec_dot_f32_f32_simd},        {GgmlType::F16, vec_dot_f16_f16_simd},
    {GgmlType::BF16, vec_dot_bf16_bf16_simd},     {GgmlType::Q4_0, vec_dot_q4_0_q8_0_simd},
    {GgmlType::Q4_1, vec_dot_q4_1_q8_1_simd},     {GgmlType::Q5_0, vec_dot_q5_0_q8_0_simd},
    {GgmlType::Q5_1, vec_dot_q5_1_q8_1_simd},     {GgmlType::Q8_0, vec_dot_q8_0_q8_0_simd},
    {GgmlType::Q2_K, vec_dot_q2_K_q8_K_simd},     {GgmlType::Q3_K, vec_dot_q3_K_q8_K_simd},
    {GgmlType::Q4_K, vec_dot_q4_K_q8_K_simd},     {GgmlType::Q5_K, vec_dot_q5_K_q8_K_simd},
    {GgmlType::Q6_K, vec_dot_q6_K_q8_K_simd},     {GgmlType::IQ4_NL, vec_dot_iq4_nl_q8_0_simd},
    {GgmlType::IQ4_XS, vec_dot_iq4_xs_q8_K_simd}, {GgmlType::TQ1_0, vec_dot_tq1_0_q8_K_simd},
    {GgmlType::TQ2_0, vec_dot_tq2_0_q8_K_simd},   {GgmlType::MXFP4, vec_dot_mxfp4_q8_0_simd},
};

class VecDotTest : public ::testing::TestWithParam<KernelCase> {
 protected:
  const QuantTraits& traits() const { return *quant_traits(GetParam().type); }
  GgmlType act_type() const { return traits().vec_dot_type; }
  int block() const { return static_cast<int>(traits().block_size); }

  // Row lengths: 1..7 blocks (odd counts included) and 4096 elements; float types also get
  // lengths that leave a tail after the 16-, 8- and 4-lane loops.
  std::vector<int64_t> lengths() const {
    if (block() == 1) return {1, 3, 4, 7, 8, 15, 16, 17, 33, 100, 4096};
    std::vector<int64_t> out;
    for (int blocks = 1; blocks <= 7; ++blocks) out.push_back(int64_t{blocks} * block());
    out.push_back(4096);
    return out;
  }

  // SIMD vs scalar reference within 1e-6 of the sum of |products|, at two misalignments.
  void ExpectMatchesReference(const std::vector<uint8_t>& w, const std::vector<uint8_t>& a, int64_t n,
                              const std::string& what) {
    const double scale = testing::sum_abs_products(GetParam().type, w.data(), act_type(), a.data(), n);
    const float expected = traits().vec_dot_reference(n, w.data(), a.data());
    ASSERT_TRUE(std::isfinite(expected)) << what;
    for (size_t offset : {size_t{0}, size_t{4}}) {
      const testing::OffsetCopy wc(w, offset), ac(a, offset);
      const float got = GetParam().simd(n, wc.data(), ac.data());
      EXPECT_NEAR(got, expected, 1e-6 * scale + 1e-30) << what << " n=" << n << " offset=" << offset;
    }
  }
};

TEST_P(VecDotTest, MatchesReferenceOnRandomRows) {
  std::mt19937 rng(1234);
  for (int64_t n : lengths()) {
    for (int rep = 0; rep < 3; ++rep) {
      const auto w = testing::make_weight_row(GetParam().type, n, ScaleMode::kRandom, rng);
      const auto a = testing::make_activation_row(act_type(), n, ActMode::kRandom, false, rng);
      ExpectMatchesReference(w, a, n, "random");
    }
  }
}

TEST_P(VecDotTest, IntegerPartIsExactWithUnitScales) {
  if (block() == 1) GTEST_SKIP() << "float types have no integer part";
  std::mt19937 rng(99);
  for (int blocks = 1; blocks <= 4; ++blocks) {
    const int64_t n = int64_t{blocks} * block();
    for (int rep = 0; rep < 8; ++rep) {
      const auto w = testing::make_weight_row(GetParam().type, n, ScaleMode::kUnit, rng);
      const auto a = testing::make_activation_row(act_type(), n, ActMode::kSmall, true, rng);
      double exact = 0.0;
      const double sum_abs = testing::sum_abs_products(GetParam().type, w.data(), act_type(), a.data(), n, &exact);
      ASSERT_LT(sum_abs, 16777216.0) << "every partial sum must be exact in float";
      EXPECT_EQ(GetParam().simd(n, w.data(), a.data()), static_cast<float>(exact)) << "n=" << n;
      EXPECT_EQ(traits().vec_dot_reference(n, w.data(), a.data()), static_cast<float>(exact)) << "n=" << n;
    }
  }
}

TEST_P(VecDotTest, EdgeScalesAndSaturatingActivations) {
  if (block() == 1) GTEST_SKIP() << "float types: covered by random rows";
  std::mt19937 rng(7);
  const ScaleMode scale_modes[] = {ScaleMode::kRandom, ScaleMode::kMax, ScaleMode::kTiny, ScaleMode::kZero};
  const ActMode act_modes[] = {ActMode::kMaxPos, ActMode::kMinNeg, ActMode::kAlternate, ActMode::kRandom};
  for (int64_t n : {int64_t{block()}, int64_t{3} * block(), int64_t{4096}}) {
    for (ScaleMode sm : scale_modes) {
      for (ActMode am : act_modes) {
        const auto w = testing::make_weight_row(GetParam().type, n, sm, rng);
        const auto a = testing::make_activation_row(act_type(), n, am, false, rng);
        ExpectMatchesReference(
            w, a, n,
            "scale mode " + std::to_string(static_cast<int>(sm)) + " act mode " + std::to_string(static_cast<int>(am)));
      }
    }
  }
}

// ggml's dot of each fixture row with the fixture activation (24 rows x 512).
TEST_P(VecDotTest, MatchesGgmlOnFixtureRows) {
  if (GetParam().type == GgmlType::F32) GTEST_SKIP() << "no f32 weight fixture";
  const std::string dir = "fixtures/quants/";
  const std::string name = traits().name;
  const std::string act_name = quant_traits(act_type())->name;
  const auto w = testing::read_file_bytes(testing::shared_path(dir + name + ".bin"));
  const auto a = testing::read_file_bytes(testing::shared_path(dir + "act." + act_name + ".bin"));
  const auto dots = testing::read_file_bytes(testing::shared_path(dir + name + ".dot.f32"));
  constexpr int kRows = 24, kCols = 512;
  const size_t row_bytes = kCols / traits().block_size * traits().type_size;
  ASSERT_EQ(w.size(), kRows * row_bytes);
  ASSERT_EQ(dots.size(), kRows * sizeof(float));
  // ggml's x86 TQ1_0/TQ2_0 kernels sum (trit + 1) * a in float lanes and subtract sum(a), so
  // their own rounding error scales with d * sum|a|, not sum|w * a| (row 18 is almost all zero
  // trits). Ours is exact before the scale (held to the reference above); the fixture is
  // compared at the scale of its own error.
  const bool ternary = GetParam().type == GgmlType::TQ1_0 || GetParam().type == GgmlType::TQ2_0;
  const auto ternary_fixture_scale = [&](const uint8_t* row, const void* acts) {
    std::vector<float> wf(kCols), af(kCols);
    traits().dequantize(row, wf.data(), kCols);
    quant_traits(act_type())->dequantize(acts, af.data(), kCols);
    double scale = 0.0;
    for (int b = 0; b < kCols; b += 256) {
      float d = 0.0f;  // every weight of a ternary block is -d, 0 or d
      for (int i = b; i < b + 256; ++i) d = std::max(d, std::fabs(wf[i]));
      for (int i = b; i < b + 256; ++i) scale += static_cast<double>(d) * std::fabs(af[i]);
    }
    return scale;
  };
  for (int r = 0; r < kRows; ++r) {
    const uint8_t* row = w.data() + r * row_bytes;
    float expected;
    std::memcpy(&expected, dots.data() + r * sizeof(float), sizeof(float));
    double scale = testing::sum_abs_products(GetParam().type, row, act_type(), a.data(), kCols);
    if (ternary) scale = ternary_fixture_scale(row, a.data());
    const float got = GetParam().simd(kCols, row, a.data());
    ASSERT_TRUE(std::isfinite(got)) << "row " << r;
    EXPECT_NEAR(got, expected, 1e-6 * scale) << "row " << r;
  }
}

// Once src/quant/traits.cpp points at the kernels, the table's vec_dot is this kernel.
TEST_P(VecDotTest, TraitsTableDispatchesToKernel) {
  EXPECT_EQ(traits().vec_dot, GetParam().simd);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, VecDotTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<KernelCase>& info) {
                           return std::string(ggml_type_name(info.param.type));
                         });

}  // namespace
}  // namespace webgguf
