// The multi-token kernels (src/kernels/vec_dot_tokens.h) against the single-row SIMD vec_dot of
// the same type: bit-identical results for every token count 1..kMaxDotTokens, row lengths of
// 1..7 blocks and 4096 elements (float types: lengths with 8-, 4- and scalar tails), random and
// extreme scales and activations, misaligned activation strides; and matmul with the kernels
// against matmul_ref with vec_dot for 1..9 tokens.
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "kernels/matmul.h"
#include "kernels/vec_dot_tokens.h"
#include "quant/traits.h"

namespace webgguf {
namespace {

using testing::ActMode;
using testing::ScaleMode;

const GgmlType kTypes[] = {GgmlType::F16,  GgmlType::BF16,   GgmlType::Q4_0,   GgmlType::Q5_0,
                           GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::Q2_K,
                           GgmlType::Q3_K, GgmlType::Q4_K,   GgmlType::Q5_K,   GgmlType::Q6_K};

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

std::vector<int64_t> lengths_for(GgmlType type) {
  const int64_t block = quant_traits(type)->block_size;
  if (block == 1) return {1, 3, 4, 7, 8, 12, 15, 17, 33, 100, 4096};
  std::vector<int64_t> out;
  for (int64_t blocks = 1; blocks <= 7; ++blocks) out.push_back(blocks * block);
  out.push_back(4096);
  return out;
}

// kTokens activation rows of n elements, row t at t * row_stride (the stride adds `pad` bytes,
// which misaligns every row after the first).
struct ActivationRows {
  std::vector<uint8_t> bytes;
  size_t row_stride;
  ActivationRows(GgmlType act_type, int64_t n, int rows, size_t pad, ActMode mode, std::mt19937& rng) {
    const size_t row_bytes = ggml_row_bytes(act_type, n);
    row_stride = row_bytes + pad;
    bytes.assign(rows * row_stride, 0xCD);
    for (int t = 0; t < rows; ++t) {
      const std::vector<uint8_t> row = testing::make_activation_row(act_type, n, mode, false, rng);
      std::memcpy(bytes.data() + t * row_stride, row.data(), row_bytes);
    }
  }
  const uint8_t* row(int t) const { return bytes.data() + t * row_stride; }
};

class DotTokensTest : public ::testing::TestWithParam<GgmlType> {};

TEST_P(DotTokensTest, EqualsSingleRowDotForEveryTokenCount) {
  const GgmlType type = GetParam();
  const QuantTraits& traits = *quant_traits(type);
  const TokensDotFn dot_tokens = tokens_dot_for(type);
  ASSERT_NE(dot_tokens, nullptr);
  std::mt19937 rng(static_cast<uint32_t>(type) * 7919u);
  const struct {
    ScaleMode scales;
    ActMode acts;
  } modes[] = {{ScaleMode::kRandom, ActMode::kRandom},
               {ScaleMode::kMax, ActMode::kMinNeg},
               {ScaleMode::kUnit, ActMode::kAlternate},
               {ScaleMode::kTiny, ActMode::kMaxPos}};
  for (int64_t n : lengths_for(type)) {
    for (const auto& mode : modes) {
      const std::vector<uint8_t> weights = testing::make_weight_row(type, n, mode.scales, rng);
      for (size_t pad : {size_t{0}, size_t{2}}) {
        const ActivationRows acts(traits.vec_dot_type, n, kMaxDotTokens, pad, mode.acts, rng);
        for (int n_tokens = 1; n_tokens <= kMaxDotTokens; ++n_tokens) {
          constexpr int64_t kOutStride = 3;
          std::vector<float> out(kMaxDotTokens * kOutStride, -7.0f);
          dot_tokens(n, weights.data(), acts.row(0), acts.row_stride, n_tokens, out.data(), kOutStride);
          for (int t = 0; t < kMaxDotTokens; ++t) {
            const float expected = t < n_tokens ? traits.vec_dot(n, weights.data(), acts.row(t)) : -7.0f;
            EXPECT_EQ(bits_of(out[t * kOutStride]), bits_of(expected))
                << ggml_type_name(type) << " n=" << n << " tokens=" << n_tokens << " t=" << t << " pad=" << pad
                << " got " << out[t * kOutStride] << " want " << expected;
            EXPECT_EQ(out[t * kOutStride + 1], -7.0f);  // nothing written between outputs
          }
        }
      }
    }
  }
}

// matmul tiles tokens into groups of kMaxDotTokens; every tail size must match vec_dot per token.
TEST_P(DotTokensTest, MatmulWithTokenKernelEqualsReference) {
  const GgmlType type = GetParam();
  const QuantTraits& traits = *quant_traits(type);
  std::mt19937 rng(static_cast<uint32_t>(type) + 11u);
  const int64_t n_cols = traits.block_size == 1 ? 72 : 2 * 256;
  const int64_t n_rows = 21;
  std::vector<uint8_t> weight_bytes;
  for (int64_t r = 0; r < n_rows; ++r) {
    const std::vector<uint8_t> row = testing::make_weight_row(type, n_cols, ScaleMode::kRandom, rng);
    weight_bytes.insert(weight_bytes.end(), row.begin(), row.end());
  }
  MatmulWeights plain{weight_bytes.data(), static_cast<size_t>(ggml_row_bytes(type, n_cols)), n_rows, n_cols,
                      traits.vec_dot};
  MatmulWeights tiled = plain;
  tiled.dot_tokens = tokens_dot_for(type);
  const int kMaxTokens = 9;
  const ActivationRows acts(traits.vec_dot_type, n_cols, kMaxTokens, 0, ActMode::kRandom, rng);
  ThreadPool pool(2);
  for (int n_tokens = 1; n_tokens <= kMaxTokens; ++n_tokens) {
    const int64_t stride = n_rows + 1;
    std::vector<float> ref(n_tokens * stride, -1.0f), out(n_tokens * stride, -1.0f);
    const MatmulTask ref_task{&plain, acts.row(0), acts.row_stride, ref.data(), stride};
    const MatmulTask task{&tiled, acts.row(0), acts.row_stride, out.data(), stride};
    matmul_ref(&ref_task, 1, n_tokens);
    matmul(pool, &task, 1, n_tokens);
    EXPECT_EQ(0, std::memcmp(out.data(), ref.data(), out.size() * sizeof(float)))
        << ggml_type_name(type) << " tokens=" << n_tokens;
  }
}

INSTANTIATE_TEST_SUITE_P(Types, DotTokensTest, ::testing::ValuesIn(kTypes),
                         [](const ::testing::TestParamInfo<GgmlType>& info) {
                           return std::string(ggml_type_name(info.param));
                         });

TEST(DotTokens, TypesWithoutKernelFallBack) {
  for (GgmlType type : {GgmlType::F32, GgmlType::Q4_1, GgmlType::MXFP4, GgmlType::IQ2_XXS, GgmlType::TQ1_0}) {
    EXPECT_EQ(tokens_dot_for(type), nullptr) << ggml_type_name(type);
  }
}

}  // namespace
}  // namespace webgguf
