// The per-tensor type rules of llama-quantize on small synthetic models: the cases lexi-28m does
// not reach (shape fallbacks, tied embeddings, MoE, 70B, few KV heads).
#include "quantizer/tensor_types.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace webgguf {
namespace {

using T = GgmlType;

struct TensorSpec {
  std::string name;
  std::vector<uint64_t> ne;
  GgmlType type = T::F16;
};

GgufFile make_model(const std::vector<TensorSpec>& specs, uint32_t n_layer, uint32_t n_head = 8, uint32_t n_head_kv = 2,
                    uint32_t n_expert = 0, const std::string& arch = "llama") {
  GgufFile file;
  file.metadata.emplace_back("general.architecture", GgufValue::of_string(arch));
  file.metadata.emplace_back(arch + ".block_count", GgufValue::of_u32(n_layer));
  file.metadata.emplace_back(arch + ".attention.head_count", GgufValue::of_u32(n_head));
  file.metadata.emplace_back(arch + ".attention.head_count_kv", GgufValue::of_u32(n_head_kv));
  if (n_expert > 0) file.metadata.emplace_back(arch + ".expert_count", GgufValue::of_u32(n_expert));
  for (const TensorSpec& spec : specs) {
    GgufTensorInfo t;
    t.name = spec.name;
    t.n_dims = static_cast<uint32_t>(spec.ne.size());
    for (size_t d = 0; d < spec.ne.size(); ++d) t.ne[d] = spec.ne[d];
    t.type = spec.type;
    file.tensors.push_back(t);
  }
  file.reindex();
  return file;
}

// A llama-shaped model: per layer attn_q/k/v/output, ffn_gate/up/down and two norms.
std::vector<TensorSpec> llama_tensors(uint32_t n_layer, uint64_t n_embd, uint64_t n_kv, uint64_t n_ff,
                                      bool with_output) {
  std::vector<TensorSpec> specs = {{"token_embd.weight", {n_embd, 1000}}, {"output_norm.weight", {n_embd}, T::F32}};
  if (with_output) specs.push_back({"output.weight", {n_embd, 1000}});
  for (uint32_t i = 0; i < n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    specs.push_back({p + "attn_norm.weight", {n_embd}, T::F32});
    specs.push_back({p + "attn_q.weight", {n_embd, n_embd}});
    specs.push_back({p + "attn_k.weight", {n_embd, n_kv}});
    specs.push_back({p + "attn_v.weight", {n_embd, n_kv}});
    specs.push_back({p + "attn_output.weight", {n_embd, n_embd}});
    specs.push_back({p + "ffn_norm.weight", {n_embd}, T::F32});
    specs.push_back({p + "ffn_gate.weight", {n_embd, n_ff}});
    specs.push_back({p + "ffn_up.weight", {n_embd, n_ff}});
    specs.push_back({p + "ffn_down.weight", {n_ff, n_embd}});
  }
  return specs;
}

// Types by tensor name for a model under a preset.
std::map<std::string, GgmlType> types_for(const GgufFile& file, const char* preset_name, bool pure = false) {
  const QuantPreset* preset = find_quant_preset(preset_name);
  EXPECT_NE(preset, nullptr);
  Result<QuantModelInfo> info = read_quant_model_info(file);
  EXPECT_TRUE(info.is_ok()) << info.status().message();
  TensorTypeOptions options;
  options.pure = pure;
  Result<std::vector<GgmlType>> types =
      choose_tensor_types(file, llama_quantize_tensor_order(file), *preset, info.value(), options);
  EXPECT_TRUE(types.is_ok()) << types.status().message();
  std::map<std::string, GgmlType> by_name;
  for (size_t i = 0; i < file.tensors.size(); ++i) by_name[file.tensors[i].name] = types.value()[i];
  return by_name;
}

std::vector<GgmlType> per_layer(const std::map<std::string, GgmlType>& types, const std::string& suffix,
                                uint32_t n_layer) {
  std::vector<GgmlType> out;
  for (uint32_t i = 0; i < n_layer; ++i) out.push_back(types.at("blk." + std::to_string(i) + "." + suffix));
  return out;
}

TEST(QuantPresets, TableHasEveryLlamaPresetOnce) {
  std::set<std::string> names;
  for (const QuantPreset& p : quant_presets()) EXPECT_TRUE(names.insert(p.name).second) << p.name;
  EXPECT_EQ(names.size(), 30u);
  EXPECT_EQ(find_quant_preset("q4_k_m")->file_type, LlamaFileType::MOSTLY_Q4_K_M);
  EXPECT_EQ(find_quant_preset("Q4_K")->file_type, LlamaFileType::MOSTLY_Q4_K_M);  // llama-quantize alias
  EXPECT_EQ(static_cast<uint32_t>(find_quant_preset("IQ4_XS")->file_type), 30u);
  EXPECT_EQ(static_cast<uint32_t>(find_quant_preset("BF16")->file_type), 32u);
  EXPECT_EQ(find_quant_preset("Q3_K_S")->default_type, T::Q3_K);
  EXPECT_EQ(find_quant_preset("Q4_2"), nullptr);
  EXPECT_EQ(static_cast<uint32_t>(find_quant_preset("IQ2_XXS")->file_type), 19u);
  EXPECT_EQ(static_cast<uint32_t>(find_quant_preset("Q2_K_S")->file_type), 21u);
  EXPECT_EQ(static_cast<uint32_t>(find_quant_preset("IQ1_M")->file_type), 31u);
  // The mixes whose default type is another preset's: llama_ftype_get_default_type.
  EXPECT_EQ(find_quant_preset("IQ2_S")->default_type, T::IQ2_XS);
  EXPECT_EQ(find_quant_preset("IQ2_M")->default_type, T::IQ2_S);
  EXPECT_EQ(find_quant_preset("IQ3_XS")->default_type, T::IQ3_S);
  EXPECT_EQ(find_quant_preset("IQ3_M")->default_type, T::IQ3_S);
}

TEST(TensorTypes, OrderIsOutsideBlocksFirstThenByBlockNumber) {
  const GgufFile file = make_model({{"token_embd.weight", {64, 10}},
                                    {"blk.10.attn_q.weight", {64, 64}},
                                    {"blk.2.ffn_up.weight", {64, 64}},
                                    {"output_norm.weight", {64}},
                                    {"blk.2.attn_k.weight", {64, 64}},
                                    {"output.weight", {64, 10}}},
                                   11);
  std::vector<std::string> names;
  for (size_t i : llama_quantize_tensor_order(file)) names.push_back(file.tensors[i].name);
  EXPECT_EQ(names, (std::vector<std::string>{"output.weight", "output_norm.weight", "token_embd.weight",
                                             "blk.2.attn_k.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight"}));
}

TEST(TensorTypes, OnlyWeightMatricesAreQuantized) {
  auto tensor = [](const std::string& name, std::vector<uint64_t> ne) {
    GgufTensorInfo t;
    t.name = name;
    t.n_dims = static_cast<uint32_t>(ne.size());
    for (size_t d = 0; d < ne.size(); ++d) t.ne[d] = ne[d];
    return t;
  };
  EXPECT_TRUE(tensor_allows_quantization(tensor("blk.0.attn_q.weight", {512, 512})));
  EXPECT_TRUE(tensor_allows_quantization(tensor("blk.0.ffn_down_exps.weight", {256, 512, 8})));
  EXPECT_FALSE(tensor_allows_quantization(tensor("blk.0.attn_norm.weight", {512})));
  EXPECT_FALSE(tensor_allows_quantization(tensor("blk.0.attn_q_norm.weight", {64, 8})));
  EXPECT_FALSE(tensor_allows_quantization(tensor("blk.0.attn_q.weight", {512, 1})));  // really 1-D
  EXPECT_FALSE(tensor_allows_quantization(tensor("blk.0.attn_q.bias", {512, 512})));
  EXPECT_FALSE(tensor_allows_quantization(tensor("blk.0.ffn_gate_inp.weight", {512, 8})));
  EXPECT_FALSE(tensor_allows_quantization(tensor("position_embd.weight", {512, 1024})));
  EXPECT_EQ(effective_n_dims(tensor("x", {512, 1, 1})), 1u);
  EXPECT_EQ(effective_n_dims(tensor("x", {512, 1, 3})), 3u);
}

TEST(TensorTypes, RowLengthsOffTheBlockFallBack) {
  // Rows of 96 (not a multiple of 256) and of 48 (not even of 32).
  const GgufFile file = make_model({{"output.weight", {96, 100}},
                                    {"token_embd.weight", {96, 100}},
                                    {"blk.0.attn_q.weight", {96, 96}},
                                    {"blk.0.attn_k.weight", {48, 96}}},
                                   1);
  EXPECT_EQ(types_for(file, "Q4_K_M").at("blk.0.attn_q.weight"), T::Q5_0);
  EXPECT_EQ(types_for(file, "Q4_K_M").at("blk.0.attn_k.weight"), T::F16);
  EXPECT_EQ(types_for(file, "Q5_K_S").at("blk.0.attn_q.weight"), T::Q5_1);
  EXPECT_EQ(types_for(file, "Q6_K").at("blk.0.attn_q.weight"), T::Q8_0);
  EXPECT_EQ(types_for(file, "Q3_K_S").at("blk.0.attn_q.weight"), T::Q4_0);
  EXPECT_EQ(types_for(file, "Q2_K").at("blk.0.attn_q.weight"), T::Q4_0);
  EXPECT_EQ(types_for(file, "IQ4_XS").at("blk.0.attn_q.weight"), T::IQ4_NL);
  EXPECT_EQ(types_for(file, "Q4_0").at("blk.0.attn_k.weight"), T::F16);  // 32-blocks, 48 columns
  // The output matrix falls back to Q8_0 when its rows do not fit the default's blocks.
  EXPECT_EQ(types_for(file, "Q4_K_M").at("output.weight"), T::Q8_0);
  // Q4_0 moves it to Q6_K (96 fits 32-blocks), and the shape fallback then to Q8_0.
  EXPECT_EQ(types_for(file, "Q4_0").at("output.weight"), T::Q8_0);
  EXPECT_EQ(types_for(file, "Q4_K_M").at("token_embd.weight"), T::Q5_0);  // untied: default, fallback
}

TEST(TensorTypes, TiedEmbeddingsTakeTheOutputRule) {
  const GgufFile untied = make_model(llama_tensors(2, 256, 64, 512, true), 2);
  const GgufFile tied = make_model(llama_tensors(2, 256, 64, 512, false), 2);
  EXPECT_EQ(types_for(untied, "Q4_K_M").at("token_embd.weight"), T::Q4_K);
  EXPECT_EQ(types_for(untied, "Q4_K_M").at("output.weight"), T::Q6_K);
  EXPECT_EQ(types_for(tied, "Q4_K_M").at("token_embd.weight"), T::Q6_K);
  EXPECT_EQ(types_for(tied, "Q8_0").at("token_embd.weight"), T::Q8_0);
  EXPECT_EQ(types_for(tied, "F16").at("token_embd.weight"), T::F16);
  EXPECT_EQ(types_for(tied, "F32").at("blk.0.attn_norm.weight"), T::F32);
  EXPECT_EQ(types_for(tied, "BF16").at("blk.0.attn_q.weight"), T::BF16);
}

TEST(TensorTypes, LayerRulesFollowUseMoreBits) {
  // 16 layers: use_more_bits = i < 2 || i >= 14 || (i - 2) % 3 == 2.
  const GgufFile file = make_model(llama_tensors(16, 256, 64, 512, true), 16, 8, 8);
  const auto q4km = types_for(file, "Q4_K_M");
  const std::vector<GgmlType> expected = {T::Q6_K, T::Q6_K, T::Q4_K, T::Q4_K, T::Q6_K, T::Q4_K, T::Q4_K, T::Q6_K,
                                          T::Q4_K, T::Q4_K, T::Q6_K, T::Q4_K, T::Q4_K, T::Q6_K, T::Q6_K, T::Q6_K};
  EXPECT_EQ(per_layer(q4km, "attn_v.weight", 16), expected);
  EXPECT_EQ(per_layer(q4km, "ffn_down.weight", 16), expected);
  // Q3_K_M: the first two attn_v get Q5_K; ffn_down Q5_K for the first 16th, then Q4_K.
  const auto q3km = types_for(file, "Q3_K_M");
  EXPECT_EQ(per_layer(q3km, "attn_v.weight", 16)[1], T::Q5_K);
  EXPECT_EQ(per_layer(q3km, "attn_v.weight", 16)[2], T::Q4_K);
  EXPECT_EQ(per_layer(q3km, "ffn_down.weight", 16)[0], T::Q5_K);
  EXPECT_EQ(per_layer(q3km, "ffn_down.weight", 16)[1], T::Q4_K);
  EXPECT_EQ(q3km.at("blk.3.attn_output.weight"), T::Q4_K);
  // Q4_K_S: attn_v Q5_K for the first 4, ffn_down for the first 8th.
  const auto q4ks = types_for(file, "Q4_K_S");
  EXPECT_EQ(per_layer(q4ks, "attn_v.weight", 16)[3], T::Q5_K);
  EXPECT_EQ(per_layer(q4ks, "attn_v.weight", 16)[4], T::Q4_K);
  EXPECT_EQ(per_layer(q4ks, "ffn_down.weight", 16)[1], T::Q5_K);
  EXPECT_EQ(per_layer(q4ks, "ffn_down.weight", 16)[2], T::Q4_K);
}

TEST(TensorTypes, GroupedQueryAttentionChangesAttentionV) {
  const GgufFile mha = make_model(llama_tensors(2, 256, 256, 512, true), 2, 8, 8);  // n_gqa 1
  const GgufFile gqa = make_model(llama_tensors(2, 256, 64, 512, true), 2, 8, 2);   // n_gqa 4
  EXPECT_EQ(types_for(mha, "Q2_K").at("blk.0.attn_v.weight"), T::Q3_K);
  EXPECT_EQ(types_for(gqa, "Q2_K").at("blk.0.attn_v.weight"), T::Q4_K);
  EXPECT_EQ(types_for(mha, "IQ4_NL").at("blk.0.attn_v.weight"), T::IQ4_NL);
  EXPECT_EQ(types_for(gqa, "IQ4_NL").at("blk.0.attn_v.weight"), T::Q5_K);
}

TEST(TensorTypes, MixtureOfExpertsAndSeventyB) {
  // Expert tensors take their layer from the name: blk.0 is in the first eighth, blk.2 is not.
  std::vector<TensorSpec> moe = llama_tensors(8, 256, 64, 512, true);
  moe.push_back({"blk.2.ffn_down_exps.weight", {512, 256, 8}});
  moe.push_back({"blk.0.ffn_down_exps.weight", {512, 256, 8}});
  const auto types = types_for(make_model(moe, 8, 8, 2, 8), "Q4_K_M");
  EXPECT_EQ(types.at("blk.0.attn_v.weight"), T::Q8_0);
  EXPECT_EQ(types.at("blk.1.attn_k.weight"), T::Q8_0);
  EXPECT_EQ(types.at("blk.1.attn_output.weight"), T::Q5_K);
  EXPECT_EQ(types.at("blk.0.ffn_down_exps.weight"), T::Q6_K);
  EXPECT_EQ(types.at("blk.2.ffn_down_exps.weight"), T::Q4_K);

  // Llama with 80 layers and grouped KV heads is llama.cpp's 70B: attn_v gets Q5_K not Q4_K.
  const GgufFile big = make_model(llama_tensors(80, 256, 64, 256, true), 80, 64, 8);
  EXPECT_EQ(types_for(big, "Q3_K_M").at("blk.40.attn_v.weight"), T::Q5_K);
  const GgufFile big_mha = make_model(llama_tensors(80, 256, 64, 256, true), 80, 64, 64);
  EXPECT_EQ(types_for(big_mha, "Q3_K_M").at("blk.40.attn_v.weight"), T::Q4_K);
}

TEST(TensorTypes, FalconKeepsItsOwnRules) {
  const GgufFile file = make_model(llama_tensors(16, 256, 64, 512, true), 16, 8, 8, 0, "falcon");
  const auto types = types_for(file, "Q4_K_M");
  EXPECT_EQ(types.at("output.weight"), T::Q8_0);
  EXPECT_EQ(types.at("blk.0.ffn_down.weight"), T::Q6_K);  // first 16th of the layers
  EXPECT_EQ(types.at("blk.1.ffn_down.weight"), T::Q5_K);  // use_more_bits
  EXPECT_EQ(types.at("blk.2.ffn_down.weight"), T::Q4_K);
}

TEST(TensorTypes, PureGivesEveryMatrixTheOneType) {
  // llama-quantize --pure: no output/embedding, attention-V or FFN-down rules; 1-D stays F32.
  const GgufFile tied = make_model(llama_tensors(16, 256, 64, 512, false), 16, 8, 2);
  for (const char* name : {"Q4_K", "Q2_K", "Q3_K", "Q6_K", "IQ4_XS", "Q4_0"}) {
    const GgmlType want = find_quant_preset(name)->default_type;
    for (const auto& [tensor, type] : types_for(tied, name, true)) {
      const bool norm = tensor.find("_norm.") != std::string::npos;
      EXPECT_EQ(type, norm ? T::F32 : want) << name << " " << tensor;
    }
  }
  // The row-length fallbacks still apply: 96 columns fit 32-blocks only, 48 columns none.
  const GgufFile odd = make_model(
      {{"output.weight", {96, 100}}, {"blk.0.attn_q.weight", {96, 96}}, {"blk.0.attn_k.weight", {48, 96}}}, 1);
  const auto q4k = types_for(odd, "Q4_K", true);
  EXPECT_EQ(q4k.at("output.weight"), T::Q5_0);  // not the Q8_0 of the output rule
  EXPECT_EQ(q4k.at("blk.0.attn_q.weight"), T::Q5_0);
  EXPECT_EQ(q4k.at("blk.0.attn_k.weight"), T::F16);
  EXPECT_EQ(types_for(odd, "IQ4_XS", true).at("blk.0.attn_q.weight"), T::IQ4_NL);
  // Float presets are the same with or without it.
  EXPECT_EQ(types_for(tied, "F16", true), types_for(tied, "F16"));
}

TEST(TensorTypes, RefusesFilesThatAreNotModels) {
  GgufFile file;
  EXPECT_FALSE(read_quant_model_info(file).is_ok());
  file.metadata.emplace_back("general.architecture", GgufValue::of_string("llama"));
  file.reindex();
  const Result<QuantModelInfo> info = read_quant_model_info(file);
  ASSERT_FALSE(info.is_ok());
  EXPECT_NE(info.status().message().find("block_count"), std::string::npos);
}

}  // namespace
}  // namespace webgguf
