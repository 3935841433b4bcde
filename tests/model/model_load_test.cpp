// Load-time refusals: unsupported architectures, missing / mis-shaped / unsupported tensors.
#include <gtest/gtest.h>

#include <cmath>

#include "lexi_fixture.h"

namespace webgguf {
namespace {

Status load_status(const GgufFile& header, const std::vector<uint8_t>& bytes) {
  ModelOptions options;
  options.n_ctx = 16;
  return Model::load(header, bytes.data(), bytes.size(), options).status();
}

void expect_refused_naming(const GgufFile& header, const std::vector<uint8_t>& bytes, const std::string& name) {
  const Status status = load_status(header, bytes);
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find(name), std::string::npos) << status.message();
}

TEST(ModelLoad, UnsupportedArchitectureIsRefusedByName) {
  GgufFile file;
  file.metadata.emplace_back("general.architecture", GgufValue::of_string("mamba"));
  file.metadata.emplace_back("mamba.block_count", GgufValue::of_u32(2));
  file.reindex();
  expect_refused_naming(file, {}, "mamba");
  Result<MemoryEstimate> estimate = Model::estimate_memory(file, 0);
  EXPECT_FALSE(estimate.is_ok());
  EXPECT_NE(estimate.status().message().find("mamba"), std::string::npos);
}

TEST(ModelLoad, MissingMetadataIsNamed) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  GgufFile file = testing::lexi_file("lexi-28m-f16.gguf").header;
  for (auto& entry : file.metadata) {
    if (entry.first == "llama.embedding_length") entry.first = "llama.embedding_length_renamed";
  }
  file.reindex();
  expect_refused_naming(file, testing::lexi_file("lexi-28m-f16.gguf").bytes, "llama.embedding_length");
}

TEST(ModelLoad, MissingTensorIsNamed) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const auto& lexi = testing::lexi_file("lexi-28m-f16.gguf");
  GgufFile file = lexi.header;
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    if (file.tensors[i].name == "blk.3.ffn_up.weight") file.tensors.erase(file.tensors.begin() + i);
  }
  file.reindex();
  expect_refused_naming(file, lexi.bytes, "blk.3.ffn_up.weight");
}

TEST(ModelLoad, MisShapedTensorIsNamed) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const auto& lexi = testing::lexi_file("lexi-28m-f16.gguf");
  GgufFile file = lexi.header;
  for (auto& t : file.tensors) {
    if (t.name == "blk.5.attn_k.weight") t.ne[1] = 256;
  }
  file.reindex();
  expect_refused_naming(file, lexi.bytes, "blk.5.attn_k.weight");
}

TEST(ModelLoad, UnsupportedTensorTypeIsNamed) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const auto& lexi = testing::lexi_file("lexi-28m-f16.gguf");
  GgufFile file = lexi.header;
  for (auto& t : file.tensors) {
    if (t.name == "blk.0.ffn_down.weight") t.type = GgmlType::I32;
  }
  file.reindex();
  const Status status = load_status(file, lexi.bytes);
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("blk.0.ffn_down.weight"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("i32"), std::string::npos) << status.message();
}

TEST(ModelLoad, TruncatedDataIsRefused) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const auto& lexi = testing::lexi_file("lexi-28m-f16.gguf");
  const std::vector<uint8_t> truncated(lexi.bytes.begin(), lexi.bytes.begin() + lexi.bytes.size() / 2);
  expect_refused_naming(lexi.header, truncated, "outside the file");
}

TEST(ModelLoad, MissingOutputMatrixMeansTiedEmbeddings) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const auto& lexi = testing::lexi_file("lexi-28m-f16.gguf");
  GgufFile file = lexi.header;
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    if (file.tensors[i].name == "output.weight") file.tensors.erase(file.tensors.begin() + i);
  }
  file.reindex();
  ModelOptions options;
  options.n_ctx = 8;
  auto model = Model::load(file, lexi.bytes.data(), lexi.bytes.size(), options);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  // With the output tied to token_embd, logit i is the dot of the final state with embedding row i.
  std::vector<float> logits(4096);
  const int32_t token = 42;
  ASSERT_TRUE(model.value()->forward(&token, 1, 0, false, logits.data()).is_ok());
  for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

}  // namespace
}  // namespace webgguf
