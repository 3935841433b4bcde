// Quantization with an importance matrix (QuantizationChoices): the files llama-quantize
// --imatrix writes for lexi-28m-f16 with llama-imatrix's vendored matrix, its refusals (the 1-2 bit
// and Q2_K_S presets without a matrix, another model's matrix), its quantize.imatrix.* keys, and
// the rules that change with a matrix or with --output-tensor-type / --token-embedding-type.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "quantize_helpers.h"
#include "quantizer/importance_matrix.h"
#include "quantizer/tensor_types.h"

namespace webgguf {
namespace {

using testing::lexi_f16_bytes;
using testing::quantize_to_memory;

// The name both tools were given for the vendored file, written into quantize.imatrix.file.
constexpr char kImatrixName[] = "lexi-28m-f16.imatrix.gguf";

const QuantizationWeights& vendored_weights() {
  static const QuantizationWeights weights = [] {
    const std::vector<uint8_t> bytes =
        testing::read_file_bytes(testing::source_path("tests/fixtures/imatrix/lexi-28m-f16.imatrix.gguf"));
    Result<ImportanceMatrix> m = parse_importance_matrix(bytes.data(), bytes.size());
    EXPECT_TRUE(m.is_ok()) << m.status().message();
    Result<QuantizationWeights> w = m.is_ok() ? quantization_weights(m.value()) : m.status();
    return w.is_ok() ? w.take() : QuantizationWeights();
  }();
  return weights;
}

QuantizeOptions with_imatrix(const QuantizationWeights* weights = &vendored_weights()) {
  QuantizeOptions options;
  options.n_threads = static_cast<int>(std::max(1u, std::min(4u, std::thread::hardware_concurrency())));
  options.choices.importance = weights;
  options.choices.imatrix_file = kImatrixName;
  return options;
}

GgufFile parsed(const std::vector<uint8_t>& bytes) {
  Result<GgufFile> file = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  EXPECT_TRUE(file.is_ok()) << file.status().message();
  return file.is_ok() ? file.take() : GgufFile();
}

struct PresetCase {
  const char* name;
  const char* file_sha256;  // llama-quantize --imatrix lexi-28m-f16.imatrix.gguf lexi-28m-f16.gguf OUT PRESET
};

void PrintTo(const PresetCase& c, std::ostream* os) {
  *os << c.name;
}

// Under wasm a subset runs (one K-quant mix, one IQ3, one IQ2 and one IQ1 type).
constexpr PresetCase kCases[] = {
#include "imatrix_quantize_hashes.inc"
};

std::vector<PresetCase> cases_for_this_build() {
  std::vector<PresetCase> cases;
  for (const PresetCase& c : kCases) {
#if defined(__EMSCRIPTEN__)
    const std::string name = c.name;
    if (name != "Q4_K_M" && name != "IQ3_XXS" && name != "IQ2_XXS" && name != "IQ1_M") continue;
#endif
    cases.push_back(c);
  }
  return cases;
}

class LexiImatrixPreset : public ::testing::TestWithParam<PresetCase> {};

TEST_P(LexiImatrixPreset, MatchesLlamaQuantize) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  ASSERT_FALSE(vendored_weights().by_name.empty());
  Result<std::vector<uint8_t>> out = quantize_to_memory(lexi_f16_bytes(), GetParam().name, with_imatrix());
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(testing::sha256_hex(out.value().data(), out.value().size()), GetParam().file_sha256);
}

INSTANTIATE_TEST_SUITE_P(Presets, LexiImatrixPreset, ::testing::ValuesIn(cases_for_this_build()),
                         [](const ::testing::TestParamInfo<PresetCase>& info) { return std::string(info.param.name); });

TEST(ImatrixQuantize, KeysFollowTheFileTypeInLlamaQuantizesOrder) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  Result<GgufFile> input = parse_gguf(lexi_f16_bytes().data(), lexi_f16_bytes().size(), lexi_f16_bytes().size());
  ASSERT_TRUE(input.is_ok());
  Result<QuantizationPlan> plan = plan_quantization(input.value(), *find_quant_preset("IQ3_S"), with_imatrix().choices);
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  const auto& kv = plan.value().output.metadata;
  ASSERT_GE(kv.size(), 5u);
  const size_t n = kv.size();
  EXPECT_EQ(kv[n - 5].first, "general.file_type");
  EXPECT_EQ(kv[n - 4].first, "quantize.imatrix.file");
  EXPECT_EQ(kv[n - 4].second.string_value, kImatrixName);
  EXPECT_EQ(kv[n - 3].first, "quantize.imatrix.dataset");
  EXPECT_EQ(kv[n - 3].second.string_value, "eval.txt");
  EXPECT_EQ(kv[n - 2].first, "quantize.imatrix.entries_count");
  EXPECT_EQ(kv[n - 2].second.uint_value, 56u);
  EXPECT_EQ(kv[n - 1].first, "quantize.imatrix.chunks_count");
  EXPECT_EQ(kv[n - 1].second.uint_value, 2u);
}

TEST(ImatrixQuantize, LowBitPresetsRefuseWithoutAMatrixAndTheOthersDoNot) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  Result<GgufFile> input = parse_gguf(lexi_f16_bytes().data(), lexi_f16_bytes().size(), lexi_f16_bytes().size());
  ASSERT_TRUE(input.is_ok());
  for (const char* name : {"IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ1_S", "IQ1_M", "IQ3_XXS", "IQ3_XS", "Q2_K_S"}) {
    Result<QuantizationPlan> plan = plan_quantization(input.value(), *find_quant_preset(name));
    ASSERT_FALSE(plan.is_ok()) << name;
    EXPECT_NE(plan.status().message().find("needs an importance matrix"), std::string::npos) << plan.status().message();
  }
  for (const char* name : {"IQ3_S", "IQ3_M", "Q2_K", "Q4_K_M"}) {
    EXPECT_TRUE(plan_quantization(input.value(), *find_quant_preset(name)).is_ok()) << name;
  }
}

TEST(ImatrixQuantize, AnotherModelsMatrixIsRefusedByNameOrSize) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  Result<GgufFile> input = parse_gguf(lexi_f16_bytes().data(), lexi_f16_bytes().size(), lexi_f16_bytes().size());
  ASSERT_TRUE(input.is_ok());
  // Same names, another width (a 960-wide model's matrix).
  QuantizationWeights wider = vendored_weights();
  for (auto& entry : wider.by_name) entry.second.resize(960, 1.0f);
  Result<QuantizationPlan> sized =
      plan_quantization(input.value(), *find_quant_preset("Q4_K_M"), with_imatrix(&wider).choices);
  ASSERT_FALSE(sized.is_ok());
  EXPECT_NE(sized.status().message().find("made for another model"), std::string::npos) << sized.status().message();
  // Names of another architecture.
  QuantizationWeights renamed;
  renamed.by_name["model.layers.0.self_attn.q_proj.weight"] = std::vector<float>(512, 1.0f);
  Result<QuantizationPlan> named =
      plan_quantization(input.value(), *find_quant_preset("Q4_K_M"), with_imatrix(&renamed).choices);
  ASSERT_FALSE(named.is_ok());
  EXPECT_NE(named.status().message().find("names none of this model's tensors"), std::string::npos)
      << named.status().message();
  // A matrix lacking one tensor a 2-bit type needs.
  QuantizationWeights partial = vendored_weights();
  partial.by_name.erase("blk.3.attn_q.weight");
  Result<QuantizationPlan> missing =
      plan_quantization(input.value(), *find_quant_preset("IQ2_XXS"), with_imatrix(&partial).choices);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("no entry for tensor 'blk.3.attn_q.weight'"), std::string::npos)
      << missing.status().message();
}

TEST(ImatrixQuantize, RulesThatDependOnTheMatrixAndTheTypeOverrides) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  Result<GgufFile> input = parse_gguf(lexi_f16_bytes().data(), lexi_f16_bytes().size(), lexi_f16_bytes().size());
  ASSERT_TRUE(input.is_ok());
  auto type_of = [&](const char* preset, const QuantizationChoices& choices, const char* tensor) {
    Result<QuantizationPlan> plan = plan_quantization(input.value(), *find_quant_preset(preset), choices);
    EXPECT_TRUE(plan.is_ok()) << plan.status().message();
    const GgufTensorInfo* t = plan.is_ok() ? plan.value().output.find_tensor(tensor) : nullptr;
    return t ? t->type : GgmlType::COUNT;
  };
  const QuantizationChoices none;
  const QuantizationChoices imatrix = with_imatrix().choices;
  // Q4_0's first ffn_down layers become Q4_1 only with a matrix; IQ4_XS's become Q5_K only without.
  EXPECT_EQ(type_of("Q4_0", none, "blk.0.ffn_down.weight"), GgmlType::Q4_0);
  EXPECT_EQ(type_of("Q4_0", imatrix, "blk.0.ffn_down.weight"), GgmlType::Q4_1);
  EXPECT_EQ(type_of("IQ4_XS", none, "blk.0.ffn_down.weight"), GgmlType::Q5_K);
  EXPECT_EQ(type_of("IQ4_XS", imatrix, "blk.0.ffn_down.weight"), GgmlType::IQ4_XS);
  // The I-quant mixes: IQ3_XXS puts q/k at IQ2_S, IQ2_M keeps attn_output at IQ3_S, IQ1_S at IQ2_XXS.
  EXPECT_EQ(type_of("IQ3_XXS", imatrix, "blk.4.attn_q.weight"), GgmlType::IQ2_S);
  EXPECT_EQ(type_of("IQ2_M", imatrix, "blk.4.attn_output.weight"), GgmlType::IQ3_S);
  EXPECT_EQ(type_of("IQ1_S", imatrix, "blk.4.attn_output.weight"), GgmlType::IQ2_XXS);
  EXPECT_EQ(type_of("IQ2_XXS", imatrix, "output.weight"), GgmlType::Q5_K);
  QuantizationChoices overrides = imatrix;
  overrides.output_tensor_type = GgmlType::Q8_0;
  overrides.token_embedding_type = GgmlType::Q4_K;
  EXPECT_EQ(type_of("IQ2_XXS", overrides, "output.weight"), GgmlType::Q8_0);
  EXPECT_EQ(type_of("IQ2_XXS", overrides, "token_embd.weight"), GgmlType::Q4_K);
}

}  // namespace
}  // namespace webgguf
