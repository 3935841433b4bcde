#include "engine/quant_advisor.h"

#include <gtest/gtest.h>

#include <map>

#include "test_paths.h"

namespace webgguf {
namespace {

GgufFile lexi_header() {
  const std::vector<uint8_t> bytes = testing::read_file_bytes(testing::shared_path("models/lexi-28m-f16.gguf"));
  Result<GgufFile> header = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  EXPECT_TRUE(header.is_ok()) << header.status().message();
  return header.take();
}

TEST(QuantAdvisor, PresetSizesAreTheFilesLlamaQuantizeWrites) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  Result<QuantizationSizes> sizes = plan_preset_sizes(lexi_header(), 1024);
  ASSERT_TRUE(sizes.is_ok()) << sizes.status().message();
  std::map<std::string, uint64_t> by_name;
  for (const PresetSize& p : sizes.value().presets) by_name[p.preset] = p.file_bytes;
  // llama-quantize's files of lexi-28m-f16 (../shared/models/README.md).
  EXPECT_EQ(by_name["Q8_0"], 30246528u);
  EXPECT_EQ(by_name["Q6_K"], 23389824u);
  EXPECT_EQ(by_name["Q5_K_M"], 20360832u);
  EXPECT_EQ(by_name["Q4_K_M"], 17510016u);
  EXPECT_EQ(by_name["IQ4_XS"], 16017024u);
  EXPECT_EQ(by_name["Q4_0"], 16631424u);
  EXPECT_EQ(by_name["Q3_K_M"], 14349952u);
  EXPECT_EQ(by_name["Q2_K"], 11462272u);
  EXPECT_EQ(sizes.value().original_bytes, 56788544u);
  // 8 layers x 2 (K and V) x 1024 positions x 128 (2 KV heads x 64) x 2 bytes (f16 cache).
  EXPECT_GE(sizes.value().context_bytes, 8u * 2 * 1024 * 128 * 2);
}

TEST(QuantAdvisor, ContextCostGrowsWithTheContext) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const GgufFile header = lexi_header();
  Result<QuantizationSizes> small = plan_preset_sizes(header, 256);
  Result<QuantizationSizes> large = plan_preset_sizes(header, 1024);
  ASSERT_TRUE(small.is_ok() && large.is_ok());
  EXPECT_GT(large.value().context_bytes, small.value().context_bytes);
  // Each KV cache type's cost: f16 first, as the request's context_bytes; per token the KV rows
  // (8 layers x 2 kv heads x keys and values of 64 dims: 4096 bytes f16, 2 x 34 bytes a row q8_0,
  // 2 x 18 bytes q4_0) and attention scratch: the memory estimate's 8 threads x 4 query heads per
  // kv head x one f32 score.
  const std::vector<CacheTypeCost>& costs = small.value().cache_types;
  ASSERT_EQ(costs.size(), 3u);
  EXPECT_EQ(costs[0].cache_type, "f16");
  EXPECT_EQ(costs[0].context_bytes, small.value().context_bytes);
  EXPECT_EQ(small.value().n_ctx, 256u);
  EXPECT_EQ(small.value().n_ctx_train, 1024);
  const double kv_rows[] = {4096, 8 * 2 * 2 * 68, 8 * 2 * 2 * 36};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(costs[i].bytes_per_token, kv_rows[i] + 8 * 4 * 4) << costs[i].cache_type;
  }
}

TEST(QuantAdvisor, RefusesAnUnsupportedArchitecture) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  GgufFile header = lexi_header();
  for (auto& [key, value] : header.metadata) {
    if (key == "general.architecture") value = GgufValue::of_string("mamba");
  }
  header.reindex();
  Result<QuantizationSizes> sizes = plan_preset_sizes(header, 512);
  ASSERT_FALSE(sizes.is_ok());
  EXPECT_NE(sizes.status().message().find("mamba"), std::string::npos) << sizes.status().message();
}

}  // namespace
}  // namespace webgguf
