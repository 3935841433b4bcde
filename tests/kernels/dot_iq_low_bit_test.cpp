// SIMD dot products of the low-bit I-quants against ggml's fixtures and against the scalar
// references (bit-identical by construction: exact integer block sums, same float steps).
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "test_paths.h"
#include "kernels/dot_iq_low_bit.h"
#include "quant/blocks_iq.h"
#include "quant/i_quants_low_bit.h"
#include "quant/traits.h"

namespace webgguf {
namespace {

using testing::ActMode;
using testing::make_activation_row;
using testing::OffsetCopy;
using testing::read_file_bytes;
using testing::sum_abs_products;

struct LowBitKernel {
  GgmlType type;
  const char* name;
  VecDotFn simd;
};

void PrintTo(const LowBitKernel& k, std::ostream* os) {
  *os << k.name;
}

const LowBitKernel kKernels[] = {
    {GgmlType::IQ2_XXS, "iq2_xxs", vec_dot_iq2_xxs_q8_K_simd},
    {GgmlType::IQ2_XS, "iq2_xs", vec_dot_iq2_xs_q8_K_simd},
    {GgmlType::IQ2_S, "iq2_s", vec_dot_iq2_s_q8_K_simd},
    {GgmlType::IQ3_XXS, "iq3_xxs", vec_dot_iq3_xxs_q8_K_simd},
    {GgmlType::IQ3_S, "iq3_s", vec_dot_iq3_s_q8_K_simd},
    {GgmlType::IQ1_S, "iq1_s", vec_dot_iq1_s_q8_K_simd},
    {GgmlType::IQ1_M, "iq1_m", vec_dot_iq1_m_q8_K_simd},
};

std::string fixture(const std::string& file) {
  return testing::shared_path("fixtures/quants/" + file);
}

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Writes the fp16 super-scale of one block: the leading `d` field, except IQ1_M, which spreads it
// over the top nibbles of its four scale words.
void set_super_scale(GgmlType type, uint8_t* block, uint16_t half) {
  if (type != GgmlType::IQ1_M) {
    std::memcpy(block, &half, 2);
    return;
  }
  uint8_t* scales = block + offsetof(BlockIQ1_M, scales);
  uint16_t words[4];
  std::memcpy(words, scales, sizeof(words));
  for (int k = 0; k < 4; ++k) words[k] = static_cast<uint16_t>((words[k] & 0x0fff) | (((half >> (4 * k)) & 0xf) << 12));
  std::memcpy(scales, words, sizeof(words));
}

// Random block bytes (every index, sign and sub-scale pattern is valid) with a chosen super-scale.
std::vector<uint8_t> make_weights(GgmlType type, int blocks, testing::ScaleMode mode, std::mt19937& rng) {
  const size_t block_bytes = quant_traits(type)->type_size;
  std::vector<uint8_t> row = testing::random_bytes(blocks * block_bytes, rng);
  for (int b = 0; b < blocks; ++b) set_super_scale(type, row.data() + b * block_bytes, testing::half_for(mode, rng));
  return row;
}

class IQLowBitKernelTest : public ::testing::TestWithParam<LowBitKernel> {
 protected:
  GgmlType type() const { return GetParam().type; }
  float reference(int64_t n, const void* w, const void* a) const {
    return quant_traits(type())->vec_dot_reference(n, w, a);
  }
};

TEST_P(IQLowBitKernelTest, TraitsTableDispatchesToKernel) {
  EXPECT_EQ(quant_traits(type())->vec_dot, GetParam().simd);
}

TEST_P(IQLowBitKernelTest, MatchesGgmlOnFixtureRows) {
  constexpr int kRows = 24, kPerRow = 512;
  const std::string stem = GetParam().name;
  const std::vector<uint8_t> weights = read_file_bytes(fixture(stem + ".bin"));
  const std::vector<uint8_t> acts = read_file_bytes(fixture("act.q8_K.bin"));
  const std::vector<uint8_t> dot_bytes = read_file_bytes(fixture(stem + ".dot.f32"));
  const size_t row_bytes = ggml_row_bytes(type(), kPerRow);
  ASSERT_EQ(weights.size(), kRows * row_bytes);
  ASSERT_EQ(dot_bytes.size(), kRows * sizeof(float));
  std::vector<float> dots(kRows);
  std::memcpy(dots.data(), dot_bytes.data(), dot_bytes.size());
  for (int r = 0; r < kRows; ++r) {
    const uint8_t* w = weights.data() + r * row_bytes;
    const double magnitude = sum_abs_products(type(), w, GgmlType::Q8_K, acts.data(), kPerRow);
    const float simd = GetParam().simd(kPerRow, w, acts.data());
    EXPECT_NEAR(simd, dots[r], 1e-6 * magnitude) << stem << " row " << r;
    EXPECT_EQ(bits_of(simd), bits_of(reference(kPerRow, w, acts.data()))) << stem << " row " << r;
  }
}

// 1..4 blocks exercise the block loop's start and end; 16 blocks is a 4096-wide row.
TEST_P(IQLowBitKernelTest, BitIdenticalToReferenceOnRandomRows) {
  std::mt19937 rng(1234);
  for (int blocks : {1, 2, 3, 4, 16}) {
    for (int trial = 0; trial < 8; ++trial) {
      const int64_t n = int64_t{blocks} * kQK_K;
      const std::vector<uint8_t> w = make_weights(type(), blocks, testing::ScaleMode::kRandom, rng);
      const std::vector<uint8_t> a = make_activation_row(GgmlType::Q8_K, n, ActMode::kRandom, false, rng);
      // Weights 2 bytes and activations 4 bytes past a 64-byte boundary: the blocks' own alignment only.
      const OffsetCopy w_copy(w, 2), a_copy(a, 4);
      const float simd = GetParam().simd(n, w_copy.data(), a_copy.data());
      EXPECT_EQ(bits_of(simd), bits_of(reference(n, w.data(), a.data())))
          << GetParam().name << " blocks " << blocks << " trial " << trial;
    }
  }
}

// Integer part exact: unit scales, small activations -> the dot is an exact small multiple of 1/8.
TEST_P(IQLowBitKernelTest, MatchesDequantizedDotWithUnitScales) {
  std::mt19937 rng(77);
  const int64_t n = 4 * kQK_K;
  const std::vector<uint8_t> w = make_weights(type(), 4, testing::ScaleMode::kUnit, rng);
  const std::vector<uint8_t> a = make_activation_row(GgmlType::Q8_K, n, ActMode::kSmall, true, rng);
  double exact = 0.0;
  sum_abs_products(type(), w.data(), GgmlType::Q8_K, a.data(), n, &exact);
  EXPECT_EQ(GetParam().simd(n, w.data(), a.data()), static_cast<float>(exact));
}

TEST_P(IQLowBitKernelTest, EdgeScalesAndSaturatingActivationsStayFinite) {
  std::mt19937 rng(99);
  const int64_t n = 2 * kQK_K;
  for (auto scale : {testing::ScaleMode::kMax, testing::ScaleMode::kTiny, testing::ScaleMode::kZero}) {
    for (auto act : {ActMode::kMaxPos, ActMode::kMinNeg, ActMode::kAlternate, ActMode::kRandom}) {
      const std::vector<uint8_t> w = make_weights(type(), 2, scale, rng);
      const std::vector<uint8_t> a = make_activation_row(GgmlType::Q8_K, n, act, false, rng);
      const float simd = GetParam().simd(n, w.data(), a.data());
      EXPECT_TRUE(std::isfinite(simd)) << GetParam().name;
      EXPECT_EQ(bits_of(simd), bits_of(reference(n, w.data(), a.data()))) << GetParam().name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LowBit, IQLowBitKernelTest, ::testing::ValuesIn(kKernels),
                         [](const ::testing::TestParamInfo<LowBitKernel>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace webgguf
