// The low-bit I-quants (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S) against ggml's own
// output (../shared/fixtures/quants, 24 rows x 512): dequantize bit-identical, reference dot
// within float rounding of ggml's kernel, finite on the edge rows, and their traits rows.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "quant/blocks_iq.h"
#include "quant/i_quants_low_bit.h"
#include "quant/iq_grids.h"
#include "quant/traits.h"
#include "quant_fixtures.h"

namespace webgguf {
namespace {

using testing::quant_fixture_path;
using testing::read_f32_file;
using testing::read_file_bytes;

constexpr int kRows = 24;
constexpr int kPerRow = 512;
constexpr int kFirstEdgeRow = 16;  // zeros, constant, outliers, tiny, alternating, huge, sparse, negative

struct LowBitType {
  GgmlType type;
  const char* name;  // fixture file stem
  size_t block_bytes;
};

void PrintTo(const LowBitType& t, std::ostream* os) {
  *os << t.name;
}

const LowBitType kTypes[] = {
    {GgmlType::IQ2_XXS, "iq2_xxs", sizeof(BlockIQ2_XXS)}, {GgmlType::IQ2_XS, "iq2_xs", sizeof(BlockIQ2_XS)},
    {GgmlType::IQ2_S, "iq2_s", sizeof(BlockIQ2_S)},       {GgmlType::IQ3_XXS, "iq3_xxs", sizeof(BlockIQ3_XXS)},
    {GgmlType::IQ3_S, "iq3_s", sizeof(BlockIQ3_S)},       {GgmlType::IQ1_S, "iq1_s", sizeof(BlockIQ1_S)},
    {GgmlType::IQ1_M, "iq1_m", sizeof(BlockIQ1_M)},
};

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

class IQLowBitTest : public ::testing::TestWithParam<LowBitType> {
 protected:
  void SetUp() override {
    traits_ = quant_traits(GetParam().type);
    ASSERT_NE(traits_, nullptr);
    row_bytes_ = kPerRow / kQK_K * GetParam().block_bytes;
    const std::string stem = GetParam().name;
    quantized_ = read_file_bytes(quant_fixture_path(stem + ".bin"));
    dequantized_ = read_f32_file(quant_fixture_path(stem + ".deq.f32"));
    dots_ = read_f32_file(quant_fixture_path(stem + ".dot.f32"));
    activation_ = read_file_bytes(quant_fixture_path("act.q8_K.bin"));
    ASSERT_EQ(quantized_.size(), kRows * row_bytes_);
    ASSERT_EQ(dequantized_.size(), static_cast<size_t>(kRows * kPerRow));
    ASSERT_EQ(dots_.size(), static_cast<size_t>(kRows));
    ASSERT_EQ(activation_.size(), kPerRow / kQK_K * sizeof(BlockQ8_K));
    activation_values_.resize(kPerRow);
    quant_traits(GgmlType::Q8_K)->dequantize(activation_.data(), activation_values_.data(), kPerRow);
  }

  const uint8_t* row(int r) const { return quantized_.data() + r * row_bytes_; }
  const float* dequantized_row(int r) const { return dequantized_.data() + r * kPerRow; }

  // Sum of |w_i * a_i| over the row: the size float rounding of the dot is measured against.
  double magnitude(int r) const {
    double sum = 0.0;
    for (int i = 0; i < kPerRow; ++i) sum += std::fabs(double{dequantized_row(r)[i]} * activation_values_[i]);
    return sum;
  }

  const QuantTraits* traits_ = nullptr;
  size_t row_bytes_ = 0;
  std::vector<uint8_t> quantized_;
  std::vector<float> dequantized_;
  std::vector<float> dots_;
  std::vector<uint8_t> activation_;
  std::vector<float> activation_values_;
};

TEST_P(IQLowBitTest, TraitsRowQuantizesAndDotsWithQ8K) {
  EXPECT_STREQ(traits_->name, GetParam().name);
  EXPECT_EQ(traits_->block_size, static_cast<uint32_t>(kQK_K));
  EXPECT_EQ(traits_->type_size, GetParam().block_bytes);
  EXPECT_EQ(ggml_row_bytes(traits_->type, kPerRow), row_bytes_);
  ASSERT_NE(traits_->quantize, nullptr);
  // ggml_quantize_requires_imatrix: IQ2_XXS, IQ2_XS and IQ1_S only; those refuse a row without one.
  const GgmlType t = traits_->type;
  const bool requires = t == GgmlType::IQ2_XXS || t == GgmlType::IQ2_XS || t == GgmlType::IQ1_S;
  EXPECT_EQ(traits_->needs_importance, requires);
  std::vector<float> row(kPerRow, 0.5f);
  std::vector<uint8_t> out(row_bytes_);
  EXPECT_EQ(traits_->quantize(row.data(), out.data(), kPerRow, nullptr), !requires);
  EXPECT_EQ(traits_->vec_dot_type, GgmlType::Q8_K);
  EXPECT_NE(traits_->vec_dot_reference, nullptr);
  EXPECT_NE(traits_->vec_dot, nullptr);
}

TEST_P(IQLowBitTest, DequantizeIsBitIdenticalToGgml) {
  std::vector<float> ours(kPerRow);
  for (int r = 0; r < kRows; ++r) {
    traits_->dequantize(row(r), ours.data(), kPerRow);
    int mismatches = 0, first = -1;
    for (int i = 0; i < kPerRow; ++i) {
      if (bits_of(ours[i]) != bits_of(dequantized_row(r)[i])) {
        if (first < 0) first = i;
        ++mismatches;
      }
    }
    EXPECT_EQ(mismatches, 0) << GetParam().name << " row " << r << " first at " << first;
  }
}

TEST_P(IQLowBitTest, ReferenceDotMatchesGgmlKernel) {
  for (int r = 0; r < kRows; ++r) {
    const float ours = traits_->vec_dot_reference(kPerRow, row(r), activation_.data());
    EXPECT_NEAR(ours, dots_[r], 1e-6 * magnitude(r)) << GetParam().name << " row " << r;
  }
}

// The reference dot equals the dot of the dequantized rows up to float rounding (checks the dot
// and the dequantizer against each other on all rows, not only through the fixture).
TEST_P(IQLowBitTest, ReferenceDotAgreesWithDequantizedRow) {
  std::vector<float> weights(kPerRow);
  for (int r = 0; r < kRows; ++r) {
    traits_->dequantize(row(r), weights.data(), kPerRow);
    double exact = 0.0;
    for (int i = 0; i < kPerRow; ++i) exact += double{weights[i]} * activation_values_[i];
    const float ours = traits_->vec_dot_reference(kPerRow, row(r), activation_.data());
    EXPECT_NEAR(ours, exact, 1e-5 * magnitude(r) + 1e-30) << GetParam().name << " row " << r;
  }
}

TEST_P(IQLowBitTest, EdgeRowsStayFinite) {
  std::vector<float> values(kPerRow);
  for (int r = kFirstEdgeRow; r < kRows; ++r) {
    traits_->dequantize(row(r), values.data(), kPerRow);
    for (int i = 0; i < kPerRow; ++i) ASSERT_TRUE(std::isfinite(values[i])) << "row " << r << " element " << i;
    EXPECT_TRUE(std::isfinite(traits_->vec_dot_reference(kPerRow, row(r), activation_.data()))) << "row " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(LowBit, IQLowBitTest, ::testing::ValuesIn(kTypes),
                         [](const ::testing::TestParamInfo<LowBitType>& info) { return std::string(info.param.name); });

// Hand-built blocks whose value is known without ggml: they pin the bit layout (which field
// holds the scale, the index high bits, the sign bits) independently of the fixtures.
TEST(IQLowBitLayout, IQ2XXSDecodesScaleIndexAndSigns) {
  BlockIQ2_XXS block{};
  block.d = fp32_to_fp16(1.0f);
  // Sub-block 0: group 0 uses grid point 1, its signs come from ksigns[1] (element 0 and 7
  // negative); scale nibble 3 -> (0.5 + 3) / 4 = 0.875.
  const uint32_t words[2] = {1u, 1u | (3u << 28)};
  std::memcpy(block.qs, words, sizeof(words));
  std::vector<float> out(kQK_K);
  dequantize_row_iq2_xxs(&block, out.data(), kQK_K);
  for (int j = 0; j < 8; ++j) {
    const float magnitude = static_cast<float>((kGridIQ2XXS[1] >> (8 * j)) & 0xff);
    const float sign = (kSignsIQ2XS[1] >> j) & 1 ? -1.0f : 1.0f;
    EXPECT_EQ(out[j], 0.875f * magnitude * sign) << j;
  }
  // Grid point 1 is 0x080808080808082b: element 0 (low byte) is 43, the others 8.
  EXPECT_EQ(out[0], -0.875f * 43);
  EXPECT_EQ(out[7], -0.875f * 8);
}

TEST(IQLowBitLayout, IQ1MSuperScaleIsSpreadOverScaleNibbles) {
  BlockIQ1_M block{};
  const uint16_t half = fp32_to_fp16(0.5f);  // 0x3800
  uint16_t words[4];
  for (int k = 0; k < 4; ++k) words[k] = static_cast<uint16_t>(((half >> (4 * k)) & 0xf) << 12);
  std::memcpy(block.scales, words, sizeof(words));
  uint16_t read_back[4];
  iq1m_scale_words(block, read_back);
  EXPECT_EQ(iq1m_super_scale(read_back), half);
  // All indices 0 (grid point 0 is all -1), all sub-scales 0 (-> 1), deltas positive:
  // x = 0.5 * (-1 + 0.125).
  std::vector<float> out(kQK_K);
  dequantize_row_iq1_m(&block, out.data(), kQK_K);
  for (float v : out) ASSERT_EQ(v, 0.5f * (-1.0f + 0.125f));
}

}  // namespace
}  // namespace webgguf
