// Every supported type over row lengths of 1..4 blocks and 4096: quantize -> dequantize error
// stays within the type's bound, and the reference dot product equals the dot of the dequantized
// values within float rounding. Also the importance-matrix path of the quantizers that take one.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/fp16.h"
#include "gguf/ggml_type.h"
#include "quant/blocks.h"
#include "quant/traits.h"

namespace webgguf {
namespace {

// Deterministic across compilers (std distributions are not): xorshift64* and a sum of four
// uniforms as a roughly normal value.
class TestRng {
 public:
  explicit TestRng(uint64_t seed) : state_(seed) {}
  float uniform() {  // [0, 1)
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<float>((state_ * 0x2545F4914F6CDD1DULL) >> 40) / 16777216.0f;
  }
  float normal() { return (uniform() + uniform() + uniform() + uniform() - 2.0f) * 1.7320508f; }

 private:
  uint64_t state_;
};

std::vector<float> weight_like_row(int64_t n, uint64_t seed) {
  TestRng rng(seed);
  std::vector<float> row(n);
  for (float& v : row) v = 0.02f * rng.normal();
  return row;
}

struct TypeBound {
  GgmlType type;
  double max_relative_rms_error;  // sqrt(sum (x - q)^2 / sum x^2) for near-normal data
};

// Bounds sit ~1.4x above the worst error measured over the lengths below (F32 is lossless).
// Ternary types only fit ternary weights: on normal data they keep about the signs of the
// largest values, hence the loose bound.
const TypeBound kTypeBounds[] = {
    {GgmlType::F32, 0.0},    {GgmlType::F16, 0.0004}, {GgmlType::BF16, 0.004}, {GgmlType::Q4_0, 0.12},
    {GgmlType::Q4_1, 0.11},  {GgmlType::Q5_0, 0.06},  {GgmlType::Q5_1, 0.055}, {GgmlType::Q8_0, 0.008},
    {GgmlType::Q8_1, 0.008}, {GgmlType::Q2_K, 0.4},   {GgmlType::Q3_K, 0.2},   {GgmlType::Q4_K, 0.1},
    {GgmlType::Q5_K, 0.05},  {GgmlType::Q6_K, 0.025}, {GgmlType::Q8_K, 0.01},  {GgmlType::IQ4_NL, 0.1},
    {GgmlType::IQ4_XS, 0.1}, {GgmlType::TQ1_0, 0.9},  {GgmlType::TQ2_0, 0.9},  {GgmlType::MXFP4, 0.17},
};

void PrintTo(const TypeBound& bound, std::ostream* os) {
  *os << ggml_type_name(bound.type);
}

std::vector<int64_t> row_lengths(uint32_t block_size) {
  return {block_size, 2 * int64_t{block_size}, 3 * int64_t{block_size}, 4 * int64_t{block_size}, 4096};
}

double relative_rms_error(const std::vector<float>& x, const std::vector<float>& q, const float* weight = nullptr) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double w = weight ? weight[i] : 1.0;
    err += w * (static_cast<double>(x[i]) - q[i]) * (static_cast<double>(x[i]) - q[i]);
    ref += w * static_cast<double>(x[i]) * x[i];
  }
  return std::sqrt(err / ref);
}

// Q4_1/Q5_1 x Q8_1 use the activation block's stored s = fp16(d * sum(q)) for the min term, so
// their exact target is the dequantized dot plus m * (s - sum(a)) per block.
double q8_1_min_term_correction(GgmlType type, const void* weights, const void* activations,
                                const std::vector<float>& a) {
  if (type != GgmlType::Q4_1 && type != GgmlType::Q5_1) return 0;
  const auto* y = static_cast<const BlockQ8_1*>(activations);
  const size_t weight_block_bytes = type == GgmlType::Q4_1 ? sizeof(BlockQ4_1) : sizeof(BlockQ5_1);
  double correction = 0;
  for (size_t b = 0; b < a.size() / kQK8_1; ++b) {
    uint16_t m_bits;  // the min follows the fp16 scale in both block layouts
    std::memcpy(&m_bits, static_cast<const uint8_t*>(weights) + b * weight_block_bytes + 2, 2);
    double sum_a = 0;
    for (int i = 0; i < kQK8_1; ++i) sum_a += a[b * kQK8_1 + i];
    correction += static_cast<double>(fp16_to_fp32(m_bits)) * (fp16_to_fp32(y[b].s) - sum_a);
  }
  return correction;
}

class RowLengthTest : public ::testing::TestWithParam<TypeBound> {};

TEST_P(RowLengthTest, QuantizeDequantizeErrorIsBounded) {
  const QuantTraits* traits = quant_traits(GetParam().type);
  ASSERT_NE(traits, nullptr);
  for (int64_t n : row_lengths(traits->block_size)) {
    const std::vector<float> x = weight_like_row(n, 1234 + n);
    std::vector<uint8_t> q(ggml_row_bytes(traits->type, n));
    ASSERT_FALSE(q.empty());
    ASSERT_TRUE(traits->quantize(x.data(), q.data(), n, nullptr));
    std::vector<float> back(n);
    traits->dequantize(q.data(), back.data(), n);
    EXPECT_LE(relative_rms_error(x, back), GetParam().max_relative_rms_error) << traits->name << " n=" << n;
  }
}

TEST_P(RowLengthTest, DotEqualsDotOfDequantizedValues) {
  const QuantTraits* traits = quant_traits(GetParam().type);
  ASSERT_NE(traits, nullptr);
  const QuantTraits* activation_traits = quant_traits(traits->vec_dot_type);
  ASSERT_NE(activation_traits, nullptr);
  for (int64_t n : row_lengths(traits->block_size)) {
    const std::vector<float> x = weight_like_row(n, 99 + n);
    std::vector<float> act = weight_like_row(n, 7 + n);
    for (float& v : act) v *= 50.0f;  // activations are O(1)
    std::vector<uint8_t> q(ggml_row_bytes(traits->type, n));
    std::vector<uint8_t> qa(ggml_row_bytes(traits->vec_dot_type, n));
    ASSERT_TRUE(traits->quantize(x.data(), q.data(), n, nullptr));
    ASSERT_TRUE(activation_traits->quantize(act.data(), qa.data(), n, nullptr));
    std::vector<float> w(n), a(n);
    traits->dequantize(q.data(), w.data(), n);
    activation_traits->dequantize(qa.data(), a.data(), n);
    double exact = 0, magnitude = 0;
    for (int64_t i = 0; i < n; ++i) {
      exact += static_cast<double>(w[i]) * a[i];
      magnitude += std::fabs(static_cast<double>(w[i]) * a[i]);
    }
    exact += q8_1_min_term_correction(traits->type, q.data(), qa.data(), a);
    const float reference = traits->vec_dot_reference(n, q.data(), qa.data());
    EXPECT_NEAR(reference, exact, 1e-6 * magnitude) << traits->name << " n=" << n;
    EXPECT_NEAR(traits->vec_dot(n, q.data(), qa.data()), reference, 1e-6 * magnitude) << traits->name << " n=" << n;
  }
}

INSTANTIATE_TEST_SUITE_P(AllSupportedTypes, RowLengthTest, ::testing::ValuesIn(kTypeBounds),
                         [](const ::testing::TestParamInfo<TypeBound>& info) {
                           return std::string(ggml_type_name(info.param.type));
                         });

// ggml's quantize_row_q8_K_ref leaves bsums unwritten for an all-zero block; ours writes their
// true value, so a zero activation is all zero bytes in every activation format.
TEST(ActivationQuantization, ZeroRowsGiveZeroBytes) {
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K}) {
    const QuantTraits* traits = quant_traits(type);
    ASSERT_NE(traits, nullptr);
    const std::vector<float> zeros(512, 0.0f);
    std::vector<uint8_t> q(ggml_row_bytes(type, 512), 0xAB);
    ASSERT_TRUE(traits->quantize(zeros.data(), q.data(), 512, nullptr));
    EXPECT_EQ(q, std::vector<uint8_t>(q.size(), 0)) << traits->name;
  }
}

// The importance-matrix quantizers: still accurate, and they spend precision where the
// importance is: the importance-weighted error beats the plain reference quantizer's.
class ImportanceTest : public ::testing::TestWithParam<GgmlType> {};

TEST_P(ImportanceTest, WeightedQuantizationFavoursImportantColumns) {
  const QuantTraits* traits = quant_traits(GetParam());
  ASSERT_NE(traits, nullptr);
  const int64_t n = 4096;
  const std::vector<float> x = weight_like_row(n, 4242);
  TestRng rng(77);
  std::vector<float> importance(n);
  // A few very important columns among ordinary ones, as real activation statistics have.
  for (float& v : importance) v = rng.uniform() < 0.05f ? 100.0f : 0.5f + rng.uniform();
  std::vector<uint8_t> plain(ggml_row_bytes(traits->type, n)), weighted(plain.size());
  ASSERT_TRUE(traits->quantize(x.data(), plain.data(), n, nullptr));
  ASSERT_TRUE(traits->quantize(x.data(), weighted.data(), n, importance.data()));
  std::vector<float> plain_back(n), weighted_back(n);
  traits->dequantize(plain.data(), plain_back.data(), n);
  traits->dequantize(weighted.data(), weighted_back.data(), n);
  const double weighted_error = relative_rms_error(x, weighted_back, importance.data());
  EXPECT_LT(weighted_error, relative_rms_error(x, plain_back, importance.data())) << traits->name;
  const TypeBound* bound = std::find_if(std::begin(kTypeBounds), std::end(kTypeBounds),
                                        [&](const TypeBound& b) { return b.type == GetParam(); });
  ASSERT_NE(bound, std::end(kTypeBounds));
  EXPECT_LE(relative_rms_error(x, weighted_back), bound->max_relative_rms_error) << traits->name;
}

INSTANTIATE_TEST_SUITE_P(ImportanceQuantizers, ImportanceTest,
                         ::testing::Values(GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1,
                                           GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
                                           GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS),
                         [](const ::testing::TestParamInfo<GgmlType>& info) {
                           return std::string(ggml_type_name(info.param));
                         });

}  // namespace
}  // namespace webgguf
