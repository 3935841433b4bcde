// The fast activation quantizers must give the very bytes of the scalar references (src/quant)
// and of ggml (fixtures act.q8_*.bin), including exact rounding ties: Q8_0/Q8_1 round half away
// from zero, Q8_K half to even.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/quantize_activations.h"
#include "quant/k_quants.h"
#include "quant/legacy_quants.h"
#include "quant/traits.h"
#include "test_paths.h"

namespace webgguf {
namespace {

using FastQuantizer = void (*)(const float*, void*, int64_t);

struct QuantizerCase {
  GgmlType type;
  FastQuantizer fast;
  // The scalar reference itself: the traits table's quantize refuses rows above 1e9 (block
  // quantizers), but activations are quantized whatever their size.
  QuantizeRowFn reference;
};

std::ostream& operator<<(std::ostream& os, const QuantizerCase& c) {
  return os << ggml_type_name(c.type);
}

const QuantizerCase kQuantizers[] = {
    {GgmlType::Q8_0, quantize_row_q8_0_fast, quantize_row_q8_0},
    {GgmlType::Q8_1, quantize_row_q8_1_fast, quantize_row_q8_1},
    {GgmlType::Q8_K, quantize_row_q8_K_fast, quantize_row_q8_k},
};

class QuantizeActivationsTest : public ::testing::TestWithParam<QuantizerCase> {
 protected:
  const QuantTraits& traits() const { return *quant_traits(GetParam().type); }

  // Fast and reference bytes of `values`, also with the source misaligned by one float.
  void ExpectSameBytes(const std::vector<float>& values, const std::string& what) {
    const int64_t n = static_cast<int64_t>(values.size());
    const size_t bytes = n / traits().block_size * traits().type_size;
    std::vector<uint8_t> expected(bytes, 0xAA), got(bytes, 0x55);
    ASSERT_TRUE(GetParam().reference(values.data(), expected.data(), n, nullptr));
    std::vector<float> shifted(values.size() + 1);
    std::memcpy(shifted.data() + 1, values.data(), values.size() * sizeof(float));
    GetParam().fast(shifted.data() + 1, got.data(), n);
    EXPECT_EQ(got, expected) << what;
  }
};

TEST_P(QuantizeActivationsTest, MatchesReferenceOnRandomRows) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t n : {int64_t{256}, int64_t{512}, int64_t{4096}}) {
    std::vector<float> values(n);
    for (auto& v : values) v = normal(rng);
    ExpectSameBytes(values, "normal n=" + std::to_string(n));
    for (auto& v : values) v = normal(rng) * 1e4f;
    ExpectSameBytes(values, "large n=" + std::to_string(n));
  }
}

TEST_P(QuantizeActivationsTest, MatchesReferenceOnEdgeRows) {
  const int n = 512;
  std::vector<float> zeros(n, 0.0f), constant(n, 0.25f), tiny(n), alternating(n), spikes(n, 0.0f);
  for (int i = 0; i < n; ++i) {
    tiny[i] = 1e-30f * static_cast<float>(i % 7 - 3);
    alternating[i] = i % 2 ? -1.0f : 1.0f;
  }
  for (int i = 0; i < n; i += 37) spikes[i] = (i % 2 ? -1e30f : 3e30f);
  ExpectSameBytes(zeros, "zeros");
  ExpectSameBytes(constant, "constant");
  ExpectSameBytes(tiny, "tiny");
  ExpectSameBytes(alternating, "alternating");
  ExpectSameBytes(spikes, "spikes");
}

// Scale 1 exactly (max |x| = 127): x * (1/d) lands on k + 0.5, where the rounding rules differ.
TEST_P(QuantizeActivationsTest, RoundsTiesLikeReference) {
  const int n = 256;
  std::vector<float> values(n);
  for (int i = 0; i < n; ++i) values[i] = static_cast<float>(i % 64 - 32) + 0.5f;
  for (int block = 0; block < n; block += 32) values[block + 5] = (block / 32) % 2 ? -127.0f : 127.0f;
  ExpectSameBytes(values, "ties");
}

// Q8_K keeps the sign of the first element of largest magnitude.
TEST_P(QuantizeActivationsTest, FirstLargestMagnitudeWins) {
  std::vector<float> values(256, 0.5f);
  values[10] = -3.0f;
  values[200] = 3.0f;
  ExpectSameBytes(values, "negative first");
  values[10] = 3.0f;
  values[200] = -3.0f;
  ExpectSameBytes(values, "positive first");
}

TEST_P(QuantizeActivationsTest, MatchesGgmlFixture) {
  const auto input = testing::read_file_bytes(testing::shared_path("fixtures/quants/act.f32"));
  const auto expected =
      testing::read_file_bytes(testing::shared_path(std::string("fixtures/quants/act.") + traits().name + ".bin"));
  ASSERT_EQ(input.size(), 512 * sizeof(float));
  std::vector<float> values(512);
  std::memcpy(values.data(), input.data(), input.size());
  std::vector<uint8_t> got(expected.size());
  GetParam().fast(values.data(), got.data(), 512);
  EXPECT_EQ(got, expected);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantizeActivationsTest, ::testing::ValuesIn(kQuantizers),
                         [](const ::testing::TestParamInfo<QuantizerCase>& info) {
                           return std::string(ggml_type_name(info.param.type));
                         });

}  // namespace
}  // namespace webgguf
