// Every preset applied to lexi-28m-f16 gives the file llama.cpp's llama-quantize gives:
// each tensor's type and data hash from ../shared/fixtures/quantized-manifests, and the SHA-256 of
// the whole file (header included) as llama.cpp v0.4.0 (commit 80fb11a) writes it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "manifest.h"
#include "quantize_helpers.h"

namespace webgguf {
namespace {

using testing::lexi_f16_bytes;

struct PresetCase {
  const char* name;
  bool has_manifest;        // F16/BF16/F32 have none: the whole-file hash covers them
  const char* file_sha256;  // llama-quantize's output, whole file
};

void PrintTo(const PresetCase& c, std::ostream* os) {
  *os << c.name;
}

constexpr PresetCase kCases[] = {
    {"Q8_0", true, "a37064dc0eb36bbbaa56d5052e7f690ebcb2ad5e7e49d0a853085ee4be54b1ec"},
    {"Q6_K", true, "2d13dabd62dd365de083222cfeae7628d4482fe89a3c8bc2f55501a3ba5f4329"},
    {"Q5_K_M", true, "3568e86892126b4ea026972a83bffcc00f6551731ff08a4d6e9d67f3a5f5e744"},
    {"Q5_K_S", true, "f1a02466c979f403c513b63e31115d43acb414762c17164384781eb395299f49"},
    {"Q5_0", true, "fc1a4ae5d31ef4533aeb48340d669fe2a26e566e545c9fcd13d78fbac79385fc"},
    {"Q5_1", true, "6a1d77c6041333f4e19df364c49399582bb3eeeb147fa8cefad00da851d64c94"},
    {"Q4_K_M", true, "25acb5181fd67ab1f0f444478132bdc4e208242e45549668d46478d311bb8859"},
    {"Q4_K_S", true, "74040a3fe95c7816a73c46f008d40ba45c7950b5b86f93e6e2f8052a15cc4ee1"},
    {"Q4_0", true, "a1a281f7319e3785a2ba5ee2e34d8cb83ef27c1e671a87bd4aab22327d72bc49"},
    {"Q4_1", true, "5b25c01ad6d3f24996f4cd521fb073abcc5675f1fd912c7b4c1437dce89a18e6"},
    {"Q3_K_L", true, "9a84df2fb388c8e1667a0849c6fec92a5a055ad2755a9eb7c50a91ecfb4d6252"},
    {"Q3_K_M", true, "f41791dea10cba8e6221cd27a76523ef70daf9339100d35a8e150cd4d0438dd0"},
    {"Q3_K_S", true, "0579fed791605ebabb0b7c4990b0bfd308b4719ea4b82632457015447685e2fa"},
    {"Q2_K", true, "88da32a80d786b3957ba28d2fb40f341e6b7a5aeeb4f0a5cf5772d39b4fbaa80"},
    {"IQ4_NL", true, "0bf5d294d90ccf4fba69e6f39d565f4dacb41cded89ca3677d35362c7bec07a1"},
    {"IQ4_XS", true, "bcd20dddc07cd88fde93190406c5c474cb2b0a8ba0623df5ba7b905256a992b1"},
    {"F16", false, "c3a2784a0c341683f3f256669b132bb1ce81f3e2be0013f513e3c88858cb8f26"},
    {"BF16", false, "9d8a3a9a5b33c7a7a9f352723595b2a2377f1f05a0a162b5d85618bcf1896c44"},
    {"F32", false, "58f7ef7aa903beee48a7161e11ee3cd35627ae35326eddc461c01965f954b2d4"},
};

// Under wasm (2-4x slower, single-threaded) a representative subset runs: one legacy, one K-quant
// mix, the smallest K-quant and one I-quant. The native build runs every preset.
std::vector<PresetCase> cases_for_this_build() {
  std::vector<PresetCase> cases;
  for (const PresetCase& c : kCases) {
#if defined(__EMSCRIPTEN__)
    const std::string name = c.name;
    if (name != "Q8_0" && name != "Q4_K_M" && name != "Q2_K" && name != "IQ4_XS") continue;
#endif
    cases.push_back(c);
  }
  return cases;
}

testing::Manifest load_manifest(const std::string& preset) {
  std::ifstream in(testing::shared_path("fixtures/quantized-manifests/lexi-28m-" + preset + ".json"));
  std::stringstream text;
  text << in.rdbuf();
  testing::Manifest manifest;
  const std::string json = text.str();
  EXPECT_TRUE(testing::ManifestParser(json).parse(&manifest)) << preset;
  return manifest;
}

class LexiPreset : public ::testing::TestWithParam<PresetCase> {};

TEST_P(LexiPreset, MatchesLlamaQuantize) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const PresetCase& c = GetParam();
  const std::vector<uint8_t>& input = lexi_f16_bytes();
  ASSERT_FALSE(input.empty()) << "missing lexi-28m-f16.gguf";

  QuantizeOptions options;
  options.n_threads = static_cast<int>(std::max(1u, std::min(4u, std::thread::hardware_concurrency())));
  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<uint8_t>> out = testing::quantize_to_memory(input, c.name, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  const std::vector<uint8_t>& bytes = out.value();
  std::printf("[ %-6s ] %zu bytes in %.2f s (%d threads)\n", c.name, bytes.size(), seconds, options.n_threads);

  Result<GgufFile> parsed = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  const GgufFile& file = parsed.value();
  EXPECT_EQ(file.get_uint("general.quantization_version", 0), 2u);
  EXPECT_EQ(file.metadata.back().first, "general.file_type");
  EXPECT_EQ(file.get_uint("general.file_type", 999), static_cast<uint32_t>(find_quant_preset(c.name)->file_type));

  if (c.has_manifest) {
    const testing::Manifest manifest = load_manifest(c.name);
    EXPECT_EQ(file.get_uint("general.file_type", 999), manifest.file_type);
    ASSERT_EQ(file.tensors.size(), manifest.tensors.size());
    for (const GgufTensorInfo& t : file.tensors) {
      const auto expected = manifest.tensors.find(t.name);
      ASSERT_NE(expected, manifest.tensors.end()) << t.name;
      EXPECT_EQ(static_cast<uint32_t>(t.type), expected->second.type) << t.name;
      EXPECT_EQ(std::vector<uint64_t>(t.ne, t.ne + t.n_dims), expected->second.dims) << t.name;
      const std::string hash = testing::sha256_hex(bytes.data() + file.data_offset + t.offset, t.size_bytes);
      EXPECT_EQ(hash.substr(0, 16), expected->second.sha256_prefix) << t.name;
    }
  }
  EXPECT_EQ(testing::sha256_hex(bytes.data(), bytes.size()), c.file_sha256);
}

INSTANTIATE_TEST_SUITE_P(AllPresets, LexiPreset, ::testing::ValuesIn(cases_for_this_build()),
                         [](const ::testing::TestParamInfo<PresetCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace webgguf
