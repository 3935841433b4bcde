// qwen2 / phi3 / rope_freqs bindings, checked against each other on variants of lexi-28m built in
// memory (same weights, renamed or fused tensors). Their numerics were also compared once with
// llama.cpp on the same files (see the model notes); these tests keep the bindings honest.
#include <gtest/gtest.h>

#include <cstring>

#include "lexi_fixture.h"

namespace webgguf {
namespace {

struct Variant {
  std::string arch = "llama";
  bool fuse = false;             // phi3 layout: attn_qkv and ffn_up = [gate | up]
  bool unit_rope_freqs = false;  // add rope_freqs.weight = 1
};

// lexi-28m-f16 rewritten as `v` (a complete GGUF in memory).
std::vector<uint8_t> build_variant(const Variant& v) {
  const auto& lexi = testing::lexi_file("lexi-28m-f16.gguf");
  const GgufFile& src = lexi.header;
  GgufFile file;
  file.alignment = src.alignment;
  for (auto [key, value] : src.metadata) {
    if (key.rfind("llama.", 0) == 0) key = v.arch + key.substr(5);
    if (key == "general.architecture") value = GgufValue::of_string(v.arch);
    file.metadata.emplace_back(key, value);
  }
  struct Piece {
    GgufTensorInfo info;
    std::vector<std::pair<const uint8_t*, uint64_t>> parts;
    std::vector<float> owned;
  };
  std::vector<Piece> pieces;
  auto bytes_of = [&](const std::string& name) {
    const GgufTensorInfo* t = src.find_tensor(name);
    return std::make_pair(lexi.bytes.data() + src.data_offset + t->offset, t->size_bytes);
  };
  auto fused = [&](const std::string& name, const std::vector<std::string>& parts) {
    Piece p{*src.find_tensor(parts[0]), {}, {}};
    p.info.name = name;
    p.info.ne[1] = 0;
    for (const auto& part : parts) {
      p.info.ne[1] += src.find_tensor(part)->ne[1];
      p.parts.push_back(bytes_of(part));
    }
    return p;
  };
  for (const auto& t : src.tensors) {
    const size_t blk_end = t.name.find('.', 4) + 1;  // "blk.N."
    const std::string prefix = t.name.substr(0, blk_end), rest = t.name.substr(blk_end);
    if (v.fuse && (rest == "attn_k.weight" || rest == "attn_v.weight" || rest == "ffn_gate.weight")) continue;
    if (v.fuse && rest == "attn_q.weight") {
      pieces.push_back(fused(prefix + "attn_qkv.weight",
                             {prefix + "attn_q.weight", prefix + "attn_k.weight", prefix + "attn_v.weight"}));
    } else if (v.fuse && rest == "ffn_up.weight") {
      pieces.push_back(fused(prefix + "ffn_up.weight", {prefix + "ffn_gate.weight", prefix + "ffn_up.weight"}));
    } else {
      pieces.push_back({t, {bytes_of(t.name)}, {}});
    }
  }
  if (v.unit_rope_freqs) {
    Piece p;
    p.info.name = "rope_freqs.weight";
    p.info.n_dims = 1;
    p.info.ne[0] = 32;
    p.info.type = GgmlType::F32;
    p.owned.assign(32, 1.0f);
    pieces.push_back(p);
  }
  for (auto& p : pieces) {
    if (!p.owned.empty()) p.parts = {{reinterpret_cast<const uint8_t*>(p.owned.data()), p.owned.size() * 4}};
    file.tensors.push_back(p.info);
  }
  Result<std::vector<uint8_t>> header = serialize_gguf_header(file);
  EXPECT_TRUE(header.is_ok()) << header.status().message();
  std::vector<uint8_t> out = header.take();
  out.resize(file.data_offset + file.data_size);
  for (size_t i = 0; i < pieces.size(); ++i) {
    uint8_t* dst = out.data() + file.data_offset + file.tensors[i].offset;
    for (const auto& [data, size] : pieces[i].parts) {
      std::memcpy(dst, data, size);
      dst += size;
    }
  }
  return out;
}

// Logits of the first tokens of the chat prompt, all positions.
std::vector<float> variant_logits(const Variant& v) {
  const std::vector<uint8_t> bytes = build_variant(v);
  Result<GgufFile> header = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  EXPECT_TRUE(header.is_ok()) << header.status().message();
  ModelOptions options;
  options.n_ctx = 8;
  auto model = Model::load(header.value(), bytes.data(), bytes.size(), options);
  EXPECT_TRUE(model.is_ok()) << model.status().message();
  if (!model.is_ok()) return {};
  EXPECT_EQ(model.value()->info().architecture, v.arch);
  const int32_t tokens[] = {1, 288, 201, 315};
  std::vector<float> logits(4 * 4096);
  EXPECT_TRUE(model.value()->forward(tokens, 4, 0, true, logits.data()).is_ok());
  return logits;
}

TEST(ModelArchitectures, Phi3FusedProjectionsEqualSplitOnes) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  // qwen2 and phi3 both use NeoX RoPE; with no biases they are the same network, so fusing
  // Q/K/V and gate/up must not change a single bit.
  Variant split{"qwen2", false, false}, fused{"phi3", true, false};
  const std::vector<float> a = variant_logits(split), b = variant_logits(fused);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
}

TEST(ModelArchitectures, UnitRopeFrequencyFactorsChangeNothing) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<float> plain = variant_logits({"llama", false, false});
  const std::vector<float> factors = variant_logits({"llama", false, true});
  ASSERT_EQ(plain.size(), factors.size());
  EXPECT_EQ(0, std::memcmp(plain.data(), factors.data(), plain.size() * sizeof(float)));
}

TEST(ModelArchitectures, RopeLayoutFollowsTheArchitecture) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  // The same weights read with NeoX pairs (qwen2) instead of adjacent pairs (llama) differ
  // from position 1 on; position 0 has no rotation.
  const std::vector<float> llama = variant_logits({"llama", false, false});
  const std::vector<float> qwen2 = variant_logits({"qwen2", false, false});
  ASSERT_EQ(llama.size(), qwen2.size());
  EXPECT_EQ(0, std::memcmp(llama.data(), qwen2.data(), 4096 * sizeof(float)));
  EXPECT_NE(0, std::memcmp(llama.data() + 4096, qwen2.data() + 4096, 4096 * sizeof(float)));
}

TEST(ModelArchitectures, Qwen3RequiresItsQueryKeyNorms) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<uint8_t> bytes = build_variant({"qwen3", false, false});
  Result<GgufFile> header = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  ASSERT_TRUE(header.is_ok());
  const Status status = Model::load(header.value(), bytes.data(), bytes.size(), ModelOptions()).status();
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("attn_q_norm.weight"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace webgguf
