// Our quantize / dequantize / dot against ggml's own output for 24 rows x 512 values
// (../shared/fixtures/quants): bytes and floats bit-exact, dots within float rounding.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/ggml_type.h"
#include "quant/traits.h"
#include "quant_fixtures.h"

namespace webgguf {
namespace {

using testing::quant_fixture_path;
using testing::QuantFixtureType;
using testing::read_f32_file;
using testing::read_file_bytes;

constexpr int kFirstEdgeRow = 16;  // rows 16-23: zeros, constant, outliers, tiny, huge, ...

const testing::QuantFixtureIndex& fixture_index() {
  static const testing::QuantFixtureIndex index = testing::load_quant_fixture_index();
  return index;
}

std::vector<QuantFixtureType> fixture_types() {
  return fixture_index().types;
}

bool same_bits(float a, float b) {
  uint32_t ua, ub;
  std::memcpy(&ua, &a, 4);
  std::memcpy(&ub, &b, 4);
  return ua == ub;
}

// The whole fixture of one type, loaded once per test.
class QuantFixtureTest : public ::testing::TestWithParam<QuantFixtureType> {
 protected:
  void SetUp() override {
    const QuantFixtureType& t = GetParam();
    traits_ = quant_traits(static_cast<GgmlType>(t.ggml_type));
    // Every type of the fixtures has a traits row: a row dropped from the table fails here.
    ASSERT_NE(traits_, nullptr) << t.name << " (ggml type " << t.ggml_type << ") has no row in the traits table";
    rows_ = fixture_index().rows;
    n_ = fixture_index().n_per_row;
    input_ = read_f32_file(quant_fixture_path("rows.f32"));
    quantized_ = read_file_bytes(quant_fixture_path(t.name + ".bin"));
    dequantized_ = read_f32_file(quant_fixture_path(t.name + ".deq.f32"));
    dots_ = read_f32_file(quant_fixture_path(t.name + ".dot.f32"));
    ASSERT_EQ(input_.size(), static_cast<size_t>(rows_) * n_);
    ASSERT_EQ(quantized_.size(), static_cast<size_t>(rows_) * t.row_bytes);
    ASSERT_EQ(dequantized_.size(), input_.size());
    ASSERT_EQ(dots_.size(), static_cast<size_t>(rows_));
  }

  const float* input_row(int r) const { return input_.data() + static_cast<size_t>(r) * n_; }
  const uint8_t* quantized_row(int r) const {
    return quantized_.data() + static_cast<size_t>(r) * GetParam().row_bytes;
  }
  const float* dequantized_row(int r) const { return dequantized_.data() + static_cast<size_t>(r) * n_; }

  const QuantTraits* traits_ = nullptr;
  int rows_ = 0;
  int n_ = 0;
  std::vector<float> input_;
  std::vector<uint8_t> quantized_;
  std::vector<float> dequantized_;
  std::vector<float> dots_;
};

TEST_P(QuantFixtureTest, TraitsAgreeWithFixtureGeometry) {
  const QuantFixtureType& t = GetParam();
  EXPECT_STREQ(traits_->name, t.name.c_str());
  EXPECT_EQ(traits_->block_size, t.block_size);
  EXPECT_EQ(traits_->type_size, t.type_size);
  EXPECT_EQ(ggml_row_bytes(traits_->type, n_), t.row_bytes);
  EXPECT_STREQ(ggml_type_name(traits_->vec_dot_type), t.vec_dot_type.c_str());
}

TEST_P(QuantFixtureTest, QuantizeIsByteIdenticalToGgml) {
  const QuantFixtureType& t = GetParam();
  if (!traits_->quantize) GTEST_SKIP() << t.name << " has no quantizer";
  // Types whose ggml quantizer requires an importance matrix were quantized with all ones.
  const std::vector<float> unit_importance(n_, 1.0f);
  const float* importance = t.quantized_with_unit_imatrix ? unit_importance.data() : nullptr;
  std::vector<uint8_t> ours(t.row_bytes);
  for (int r = 0; r < rows_; ++r) {
    ASSERT_TRUE(traits_->quantize(input_row(r), ours.data(), n_, importance));
    int first_diff = -1;
    for (size_t i = 0; i < ours.size() && first_diff < 0; ++i) {
      if (ours[i] != quantized_row(r)[i]) first_diff = static_cast<int>(i);
    }
    EXPECT_EQ(first_diff, -1) << t.name << " row " << r << " differs from byte " << first_diff;
  }
}

TEST_P(QuantFixtureTest, DequantizeIsBitIdenticalToGgml) {
  std::vector<float> ours(n_);
  for (int r = 0; r < rows_; ++r) {
    traits_->dequantize(quantized_row(r), ours.data(), n_);
    int mismatches = 0;
    for (int i = 0; i < n_; ++i) mismatches += same_bits(ours[i], dequantized_row(r)[i]) ? 0 : 1;
    EXPECT_EQ(mismatches, 0) << GetParam().name << " row " << r;
  }
}

TEST_P(QuantFixtureTest, DotMatchesGgmlWithinRounding) {
  const QuantFixtureType& t = GetParam();
  const QuantTraits* activation_traits = quant_traits(traits_->vec_dot_type);
  ASSERT_NE(activation_traits, nullptr);
  const std::vector<uint8_t> activation = read_file_bytes(quant_fixture_path("act." + t.vec_dot_type + ".bin"));
  ASSERT_EQ(activation.size(), ggml_row_bytes(traits_->vec_dot_type, n_));
  std::vector<float> activation_values(n_);
  activation_traits->dequantize(activation.data(), activation_values.data(), n_);
  // ggml's x86 TQ1_0/TQ2_0 kernels sum (trit + 1) * a in float lanes and subtract sum(a), so
  // their rounding error scales with d * sum|a| rather than sum|w * a| (it exceeds 1e-6 of the
  // latter on row 18, where almost every trit is 0). Ours is held to the exact dot instead.
  const bool ternary = traits_->type == GgmlType::TQ1_0 || traits_->type == GgmlType::TQ2_0;
  for (int r = 0; r < rows_; ++r) {
    const float* w = dequantized_row(r);
    double magnitude = 0;  // sum |w * a|: the scale of the rounding error of any summation order
    double exact = 0;
    for (int i = 0; i < n_; ++i) {
      magnitude += std::fabs(static_cast<double>(w[i]) * activation_values[i]);
      exact += static_cast<double>(w[i]) * activation_values[i];
    }
    const float reference = traits_->vec_dot_reference(n_, quantized_row(r), activation.data());
    double fixture_magnitude = magnitude;
    if (ternary) {
      fixture_magnitude = 0;
      for (int b = 0; b < n_; b += 256) {
        float d = 0;  // every weight of a ternary block is -d, 0 or d
        for (int i = b; i < b + 256; ++i) d = std::max(d, std::fabs(w[i]));
        for (int i = b; i < b + 256; ++i) fixture_magnitude += static_cast<double>(d) * std::fabs(activation_values[i]);
      }
      EXPECT_NEAR(reference, exact, 1e-6 * magnitude) << t.name << " row " << r;
    }
    const float fast = traits_->vec_dot(n_, quantized_row(r), activation.data());
    EXPECT_NEAR(reference, dots_[r], 1e-6 * fixture_magnitude) << t.name << " row " << r;
    EXPECT_NEAR(fast, reference, 1e-6 * magnitude) << t.name << " row " << r;
  }
}

TEST_P(QuantFixtureTest, EdgeRowsStayFinite) {
  const QuantTraits* activation_traits = quant_traits(traits_->vec_dot_type);
  ASSERT_NE(activation_traits, nullptr);
  const std::vector<float> act = read_f32_file(quant_fixture_path("act.f32"));
  ASSERT_EQ(act.size(), static_cast<size_t>(n_));
  std::vector<uint8_t> activation(ggml_row_bytes(traits_->vec_dot_type, n_));
  ASSERT_TRUE(activation_traits->quantize(act.data(), activation.data(), n_, nullptr));
  std::vector<float> values(n_);
  for (int r = kFirstEdgeRow; r < rows_; ++r) {
    traits_->dequantize(quantized_row(r), values.data(), n_);
    for (int i = 0; i < n_; ++i)
      ASSERT_TRUE(std::isfinite(values[i])) << GetParam().name << " row " << r << " [" << i << "]";
    EXPECT_TRUE(std::isfinite(traits_->vec_dot_reference(n_, quantized_row(r), activation.data()))) << "row " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(AllFixtureTypes, QuantFixtureTest, ::testing::ValuesIn(fixture_types()),
                         [](const ::testing::TestParamInfo<QuantFixtureType>& info) { return info.param.name; });

// The activation formats: our quantization of act.f32 must reproduce ggml's bytes.
class ActivationFixtureTest : public ::testing::TestWithParam<GgmlType> {};

TEST_P(ActivationFixtureTest, QuantizeIsByteIdenticalToGgml) {
  const QuantTraits* traits = quant_traits(GetParam());
  ASSERT_NE(traits, nullptr);
  const std::vector<float> act = read_f32_file(quant_fixture_path("act.f32"));
  const std::vector<uint8_t> expected =
      read_file_bytes(quant_fixture_path(std::string("act.") + traits->name + ".bin"));
  const int64_t n = static_cast<int64_t>(act.size());
  ASSERT_GT(n, 0);
  ASSERT_EQ(expected.size(), ggml_row_bytes(GetParam(), n));
  std::vector<uint8_t> ours(expected.size());
  ASSERT_TRUE(traits->quantize(act.data(), ours.data(), n, nullptr));
  EXPECT_EQ(ours, expected);
}

INSTANTIATE_TEST_SUITE_P(AllActivationTypes, ActivationFixtureTest,
                         ::testing::Values(GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K, GgmlType::F16,
                                           GgmlType::BF16),
                         [](const ::testing::TestParamInfo<GgmlType>& info) {
                           return std::string(ggml_type_name(info.param));
                         });

// The importance-matrix path has no fixture files; these digests (FNV-1a 64 of the 24 fixture rows
// quantized back to back) come from ggml's quantize_<type>(rows, dst, 24, 512, importance), built
// from llama.cpp's ggml-quants.c out of tree, with the importance vector below. The same build
// reproduces every <type>.bin of the fixtures without importance.
struct ImportanceDigest {
  GgmlType type;
  uint64_t fnv1a;
};

void PrintTo(const ImportanceDigest& digest, std::ostream* os) {
  *os << ggml_type_name(digest.type);
}

class ImportanceFixtureTest : public ::testing::TestWithParam<ImportanceDigest> {};

uint64_t fnv1a_64(const std::vector<uint8_t>& bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ULL;
  }
  return h;
}

TEST_P(ImportanceFixtureTest, QuantizeIsByteIdenticalToGgml) {
  const QuantTraits* traits = quant_traits(GetParam().type);
  ASSERT_NE(traits, nullptr);
  const int rows = fixture_index().rows;
  const int n = fixture_index().n_per_row;
  const std::vector<float> input = read_f32_file(quant_fixture_path("rows.f32"));
  ASSERT_EQ(input.size(), static_cast<size_t>(rows) * n);
  std::vector<float> importance(n);
  for (int i = 0; i < n; ++i) {
    importance[i] = 0.25f + static_cast<float>((i * 37) % 11) * 0.5f + (i % 64 == 5 ? 40.f : 0.f);
  }
  const size_t row_bytes = ggml_row_bytes(traits->type, n);
  std::vector<uint8_t> quantized(row_bytes * rows);
  for (int r = 0; r < rows; ++r) {
    ASSERT_TRUE(traits->quantize(input.data() + static_cast<size_t>(r) * n, quantized.data() + r * row_bytes, n,
                                 importance.data()));
  }
  EXPECT_EQ(fnv1a_64(quantized), GetParam().fnv1a) << traits->name;
}

INSTANTIATE_TEST_SUITE_P(ImportanceQuantizers, ImportanceFixtureTest,
                         ::testing::Values(ImportanceDigest{GgmlType::Q4_0, 0xefdfd1a4968dbdbeULL},
                                           ImportanceDigest{GgmlType::Q4_1, 0x83efc037f917cb77ULL},
                                           ImportanceDigest{GgmlType::Q5_0, 0xbdea01cd5c360bfbULL},
                                           ImportanceDigest{GgmlType::Q5_1, 0xa59ef8f70a74e8a4ULL},
                                           ImportanceDigest{GgmlType::Q2_K, 0x606dfbcf7c9cd617ULL},
                                           ImportanceDigest{GgmlType::Q3_K, 0x4d35fad2c4fbfbaaULL},
                                           ImportanceDigest{GgmlType::Q4_K, 0x11447355ba161ddeULL},
                                           ImportanceDigest{GgmlType::Q5_K, 0xd9efa7f10b94fda5ULL},
                                           ImportanceDigest{GgmlType::Q6_K, 0xf44e64c9e0ed342cULL},
                                           ImportanceDigest{GgmlType::IQ4_NL, 0x4f0038875d35f959ULL},
                                           ImportanceDigest{GgmlType::IQ4_XS, 0x30a1c7eecc1da37dULL},
                                           // ggml_quantize_chunk row by row, from llama.cpp 80fb11a's
                                           // libggml-base (scripts/build_llama_tools.sh).
                                           ImportanceDigest{GgmlType::IQ2_XXS, 0x46c08248189cc9caULL},
                                           ImportanceDigest{GgmlType::IQ2_XS, 0xf95a464674d85a0eULL},
                                           ImportanceDigest{GgmlType::IQ2_S, 0xda88be093b4fab54ULL},
                                           ImportanceDigest{GgmlType::IQ3_XXS, 0x4820e06538f0b40eULL},
                                           ImportanceDigest{GgmlType::IQ3_S, 0x6d34d612853aa388ULL},
                                           ImportanceDigest{GgmlType::IQ1_S, 0xd0654a6970dcf9dcULL},
                                           ImportanceDigest{GgmlType::IQ1_M, 0xdbedfab4354b2986ULL}),
                         [](const ::testing::TestParamInfo<ImportanceDigest>& info) {
                           return std::string(ggml_type_name(info.param.type));
                         });

TEST(QuantTraits, CoverEveryComputableTypeButTheIq1To3Families) {
  for (uint32_t id = 0; id < static_cast<uint32_t>(GgmlType::COUNT); ++id) {
    const GgmlTypeInfo* info = ggml_type_info(id);
    const QuantTraits* traits = quant_traits(static_cast<GgmlType>(id));
    if (!info) {
      EXPECT_EQ(traits, nullptr) << id;
      continue;
    }
    const GgmlType type = static_cast<GgmlType>(id);
    const bool integer_or_f64 = type == GgmlType::I8 || type == GgmlType::I16 || type == GgmlType::I32 ||
                                type == GgmlType::I64 || type == GgmlType::F64;
    const bool iq1_to_iq3 = type == GgmlType::IQ1_S || type == GgmlType::IQ1_M || type == GgmlType::IQ2_XXS ||
                            type == GgmlType::IQ2_XS || type == GgmlType::IQ2_S || type == GgmlType::IQ3_XXS ||
                            type == GgmlType::IQ3_S;
    if (integer_or_f64) {
      EXPECT_EQ(traits, nullptr) << info->name;
    } else if (!iq1_to_iq3) {
      ASSERT_NE(traits, nullptr) << info->name;
    }
    if (!traits) continue;
    EXPECT_EQ(traits->type, type);
    EXPECT_STREQ(traits->name, info->name);
    EXPECT_EQ(traits->block_size, info->block_size);
    EXPECT_EQ(traits->type_size, info->type_size);
    EXPECT_NE(traits->dequantize, nullptr) << info->name;
    EXPECT_NE(traits->vec_dot_reference, nullptr) << info->name;
    EXPECT_NE(traits->vec_dot, nullptr) << info->name;
    EXPECT_NE(quant_traits(traits->vec_dot_type), nullptr) << info->name;
  }
}

}  // namespace
}  // namespace webgguf
