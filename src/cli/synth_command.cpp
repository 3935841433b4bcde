// `webgguf synth OUT --shape NAME --vocab-from GGUF [--seed S] [--arch A] [--stddev S]`: writes a
// random-weight model (F16) with a real model's shape, for benchmarks at sizes the fixtures do not
// cover and for comparing every architecture of the table (src/model/architectures.cpp) with
// llama.cpp: the tensors each family has (biases, Q/K norms, post-norms, fused QKV...) follow the
// table, and the metadata sets what the family reads (sliding window, soft-caps, granite scales,
// lfm2's per-layer head_count_kv with 0 on its short-conv layers and shortconv.l_cache).
// --layers N overrides the shape's block count (a small model of a real model's width).
// --stddev scales the weights (default 0.02, a trained model's scale; larger gives peaked
// next-token distributions). The tokenizer metadata is copied from another GGUF (e.g. lexi's),
// padded with control tokens to --vocab-size when given (a real model's vocabulary size).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/fp16.h"
#include "gguf/gguf.h"
#include "model/architectures.h"

namespace webgguf {
namespace {

struct SynthShape {
  const char* name;
  uint32_t n_embd, n_layer, n_head, n_head_kv, n_ff;
  bool tied_output;   // SmolLM2, Llama 3.2 1B and Gemma reuse token_embd as the output matrix
  uint32_t head_dim;  // 0: n_embd / n_head; otherwise attention.key_length (Gemma's 256)
  uint32_t n_swa;     // sliding window of the families that have one
  // Families with recurrent layers (lfm2): bit il set = layer il has attention, the others are
  // recurrent; 0: attention on every third layer from layer 2.
  uint64_t attention_layers;
};

constexpr SynthShape kShapes[] = {
    {"smollm2-360m", 960, 32, 15, 5, 2560, true, 0, 4096, 0},
    {"llama3.2-1b", 2048, 16, 32, 8, 8192, true, 0, 4096, 0},
    {"gemma3-270m", 640, 18, 4, 1, 2048, true, 256, 512, 0},
    // LFM2-350M: 16 layers, attention on 2, 5, 8, 10, 12, 14 (its full_attn_idxs), short convs elsewhere.
    {"lfm2-350m", 1024, 16, 16, 8, 4608, true, 0, 0,
     (1u << 2) | (1u << 5) | (1u << 8) | (1u << 10) | (1u << 12) | (1u << 14)},
    {"tiny", 64, 2, 4, 2, 128, false, 0, 128, 0},
    // Six layers: gemma3's period-6 pattern has 5 local layers and a global one, smollm3 skips RoPE
    // on layer 3, gemma2 alternates; head 32 != 256 / 4 as in Gemma; a window of 96 positions;
    // 256-wide rows so that K-quants apply where the row length allows.
    {"tiny-deep", 256, 6, 4, 2, 512, false, 32, 96, 0},
};

// xorshift64* with a sum-of-uniforms normal approximation: fast, and the same on every build.
class RandomWeights {
 public:
  explicit RandomWeights(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  float normal(float stddev) {
    float sum = 0;
    for (int i = 0; i < 4; ++i) sum += uniform();
    return (sum - 2.0f) * 1.7320508f * stddev;  // variance of a sum of 4 U(0,1) is 1/3
  }

 private:
  float uniform() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<float>((state_ * 0x2545F4914F6CDD1Dull) >> 40) / 16777216.0f;
  }
  uint64_t state_;
};

// What a synthetic tensor holds: F16 weights, or F32 norm weights (1) / biases / Q-K norm weights
// (random around 1, so that a missing or misapplied one shows) / conv taps (F32 as in real lfm2
// files: llama.cpp's ssm_conv reads f32 only, and its quantizer keeps them so).
// / qwen35's decay rates ssm_a = -exp(A_log) (negative, F32).
enum class TensorFill { kWeight, kNormOne, kBias, kNormRandom, kConvTaps, kDecayRate };

// lfm2's conv taps (shortconv.l_cache) and qwen35's (ssm.conv_kernel), as the released models have them.
constexpr uint32_t kShortConvTaps = 3;
constexpr uint32_t kDeltaNetConvTaps = 4;

// qwen35's Gated DeltaNet sizes from a shape: value heads as the attention heads, key heads as its
// KV heads, heads as wide as the attention's.
struct DeltaNetSizes {
  uint64_t head_dim, n_v_heads, n_k_heads, d_inner, channels;
};

bool layer_has_attention(const SynthShape& s, const ArchitectureTraits& arch, uint32_t il) {
  if (arch.recurrent == RecurrentLayer::kNone) return true;
  return s.attention_layers != 0 ? (s.attention_layers >> il) & 1 : il % 3 == 2;
}

struct PlannedTensor {
  std::string name;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the row length
  TensorFill fill;
};

// llama.cpp sizes olmo2's and lfm2's projections by n_embd, so their heads are always n_embd / n_head wide.
uint32_t head_dim_of(const SynthShape& s, const ArchitectureTraits& arch) {
  const bool by_n_embd = arch.arch == Architecture::kOlmo2 || arch.arch == Architecture::kLfm2;
  return s.head_dim != 0 && !by_n_embd ? s.head_dim : s.n_embd / s.n_head;
}

DeltaNetSizes delta_net_sizes(const SynthShape& s, const ArchitectureTraits& arch) {
  const uint64_t hd = head_dim_of(s, arch);
  return {hd, s.n_head, s.n_head_kv, hd * s.n_head, 2 * hd * s.n_head_kv + hd * s.n_head};
}

// qwen35's Gated DeltaNet layer.
void plan_delta_net(const SynthShape& s, const ArchitectureTraits& arch, const std::string& b,
                    std::vector<PlannedTensor>* out) {
  using F = TensorFill;
  const DeltaNetSizes d = delta_net_sizes(s, arch);
  out->push_back({b + "attn_qkv.weight", {s.n_embd, d.channels}, F::kWeight});
  out->push_back({b + "attn_gate.weight", {s.n_embd, d.d_inner}, F::kWeight});
  out->push_back({b + "ssm_conv1d.weight", {kDeltaNetConvTaps, d.channels}, F::kConvTaps});
  out->push_back({b + "ssm_dt.bias", {d.n_v_heads}, F::kBias});
  out->push_back({b + "ssm_a", {d.n_v_heads}, F::kDecayRate});
  out->push_back({b + "ssm_beta.weight", {s.n_embd, d.n_v_heads}, F::kWeight});
  out->push_back({b + "ssm_alpha.weight", {s.n_embd, d.n_v_heads}, F::kWeight});
  out->push_back({b + "ssm_norm.weight", {d.head_dim}, F::kNormRandom});
  out->push_back({b + "ssm_out.weight", {d.d_inner, s.n_embd}, F::kWeight});
}

std::vector<PlannedTensor> plan_tensors(const SynthShape& s, const ArchitectureTraits& arch, uint64_t n_vocab) {
  const uint64_t head_dim = head_dim_of(s, arch);
  const uint64_t q_width = head_dim * s.n_head, kv_width = head_dim * s.n_head_kv;
  using F = TensorFill;
  std::vector<PlannedTensor> out;
  out.push_back({"token_embd.weight", {s.n_embd, n_vocab}, F::kWeight});
  for (uint32_t i = 0; i < s.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    // Norm weights random around 1 on the families whose norms would otherwise hide a mistake.
    const F norm = arch.post_norms || arch.embedding_scale_sqrt || arch.recurrent != RecurrentLayer::kNone
                       ? F::kNormRandom
                       : F::kNormOne;
    if (arch.pre_norms) out.push_back({b + "attn_norm.weight", {s.n_embd}, norm});
    if (!layer_has_attention(s, arch, i) && arch.recurrent == RecurrentLayer::kGatedDeltaNet) {
      plan_delta_net(s, arch, b, &out);
    } else if (!layer_has_attention(s, arch, i)) {  // lfm2's short convolution
      out.push_back({b + "shortconv.in_proj.weight", {s.n_embd, 3 * uint64_t{s.n_embd}}, F::kWeight});
      out.push_back({b + "shortconv.conv.weight", {kShortConvTaps, s.n_embd}, F::kConvTaps});
      out.push_back({b + "shortconv.out_proj.weight", {s.n_embd, s.n_embd}, F::kWeight});
    } else if (arch.fused_qkv_ffn) {
      out.push_back({b + "attn_qkv.weight", {s.n_embd, q_width + 2 * kv_width}, F::kWeight});
    } else {  // with an output gate (qwen35) attn_q holds [q | gate] per head
      out.push_back({b + "attn_q.weight", {s.n_embd, (arch.attention_output_gate ? 2 : 1) * q_width}, F::kWeight});
      out.push_back({b + "attn_k.weight", {s.n_embd, kv_width}, F::kWeight});
      out.push_back({b + "attn_v.weight", {s.n_embd, kv_width}, F::kWeight});
    }
    const bool attention = layer_has_attention(s, arch, i);
    if (attention && arch.qkv_bias) {
      out.push_back({b + "attn_q.bias", {q_width}, F::kBias});
      out.push_back({b + "attn_k.bias", {kv_width}, F::kBias});
      out.push_back({b + "attn_v.bias", {kv_width}, F::kBias});
    }
    if (attention && arch.qk_norm != QkNorm::kNone) {
      const bool per_head = arch.qk_norm == QkNorm::kPerHead;
      out.push_back({b + "attn_q_norm.weight", {per_head ? head_dim : q_width}, F::kNormRandom});
      out.push_back({b + "attn_k_norm.weight", {per_head ? head_dim : kv_width}, F::kNormRandom});
    }
    if (attention) out.push_back({b + "attn_output.weight", {q_width, s.n_embd}, F::kWeight});
    if (attention && arch.post_norms) out.push_back({b + "post_attention_norm.weight", {s.n_embd}, F::kNormRandom});
    if (arch.pre_norms) out.push_back({b + arch.ffn_norm, {s.n_embd}, norm});
    if (arch.fused_qkv_ffn) {
      out.push_back({b + "ffn_up.weight", {s.n_embd, 2 * s.n_ff}, F::kWeight});  // [gate | up]
    } else {
      out.push_back({b + "ffn_gate.weight", {s.n_embd, s.n_ff}, F::kWeight});
      out.push_back({b + "ffn_up.weight", {s.n_embd, s.n_ff}, F::kWeight});
    }
    out.push_back({b + "ffn_down.weight", {s.n_ff, s.n_embd}, F::kWeight});
    if (arch.post_norms) out.push_back({b + "post_ffw_norm.weight", {s.n_embd}, F::kNormRandom});
  }
  out.push_back({arch.output_norm, {s.n_embd}, F::kNormOne});
  // olmo2 always has its own output matrix; gemma2 always ties it.
  const bool tied = arch.arch == Architecture::kOlmo2 ? false : arch.arch == Architecture::kGemma2 || s.tied_output;
  if (!tied) out.push_back({"output.weight", {s.n_embd, n_vocab}, F::kWeight});
  return out;
}

// What each family reads beyond the common hyper-parameters, set to values a real model of the
// family uses (the window from the shape, so tests can run contexts longer than it).
void add_family_metadata(const SynthShape& s, const ArchitectureTraits& arch, GgufFile& file) {
  auto set = [&](const std::string& key, GgufValue value) { file.metadata.emplace_back(key, std::move(value)); };
  const std::string k = std::string(arch.name) + ".";
  if (arch.sliding_window_period != 0) set(k + "attention.sliding_window", GgufValue::of_u32(s.n_swa));
  if (arch.arch == Architecture::kGemma2) {
    set(k + "attn_logit_softcapping", GgufValue::of_f32(50.0f));
    set(k + "final_logit_softcapping", GgufValue::of_f32(30.0f));
  }
  if (arch.arch == Architecture::kGemma3) set(k + "rope.freq_base_swa", GgufValue::of_f32(10000.0f));
  if (arch.recurrent == RecurrentLayer::kShortConv) set(k + "shortconv.l_cache", GgufValue::of_u32(kShortConvTaps));
  if (arch.recurrent == RecurrentLayer::kGatedDeltaNet) {
    const DeltaNetSizes d = delta_net_sizes(s, arch);
    set(k + "ssm.conv_kernel", GgufValue::of_u32(kDeltaNetConvTaps));
    set(k + "ssm.state_size", GgufValue::of_u32(static_cast<uint32_t>(d.head_dim)));
    set(k + "ssm.group_count", GgufValue::of_u32(static_cast<uint32_t>(d.n_k_heads)));
    set(k + "ssm.time_step_rank", GgufValue::of_u32(static_cast<uint32_t>(d.n_v_heads)));
    set(k + "ssm.inner_size", GgufValue::of_u32(static_cast<uint32_t>(d.d_inner)));
    set(k + "full_attention_interval", GgufValue::of_u32(3));  // attention on layers 2, 5, ... as layer_has_attention
    // IMROPE sections that text positions fill (rope.dimension_count is a quarter of each head, as
    // Qwen3.5's partial rotary): Qwen3.5's [11, 11, 10, 0] for 32 rotated pairs, [2, 1, 1, 0] for 4.
    const int32_t pairs = static_cast<int32_t>(head_dim_of(s, arch) / 8);
    const int32_t s0 = (pairs + 2) / 3, s1 = (pairs + 1) / 3;
    set(k + "rope.dimension_sections", GgufValue::of_i32_array({s0, s1, pairs - s0 - s1, 0}));
  }
  if (arch.granite_scales) {
    set(k + "logit_scale", GgufValue::of_f32(8.0f));
    set(k + "residual_scale", GgufValue::of_f32(0.22f));
    set(k + "embedding_scale", GgufValue::of_f32(12.0f));
    set(k + "attention.scale", GgufValue::of_f32(0.0078125f));
  }
}

Result<GgufFile> read_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("cannot open " + path);
  std::vector<uint8_t> bytes(1 << 20);
  for (;;) {
    in.clear();
    in.seekg(0);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    const size_t got = static_cast<size_t>(in.gcount());
    Result<GgufFile> header = parse_gguf(bytes.data(), got, kUnknownFileSize);
    if (header.is_ok() || !header.status().needs_more() || got < bytes.size()) return header;
    bytes.resize(std::max(bytes.size() * 2, header.status().bytes_needed()));
  }
}

int usage() {
  std::string shapes;
  for (const SynthShape& s : kShapes) shapes += (shapes.empty() ? "" : "|") + std::string(s.name);
  std::string archs;
  for (const ArchitectureTraits* a = architectures_begin(); a != architectures_end(); ++a) {
    archs += (archs.empty() ? "" : "|") + std::string(a->name);
  }
  std::fprintf(stderr,
               "usage: webgguf synth OUT --shape {%s} --vocab-from GGUF [--vocab-size N] [--layers N] [--seed S] "
               "[--arch {%s}] [--stddev S]\n",
               shapes.c_str(), archs.c_str());
  return 1;
}

// Grows the copied vocabulary to n_vocab tokens with control tokens "<unusedN>" (as Gemma's
// vocabulary has thousands), so a model can have a real model's vocabulary size (262,144 for
// Gemma 3) while every tokenizer, ours and llama.cpp's of any version, still reads it.
void pad_vocabulary(GgufFile& file, uint64_t n_vocab) {
  constexpr int32_t kControlTokenType = 3;
  for (auto& [key, value] : file.metadata) {
    if (value.type != GgufValueType::ARRAY) continue;
    const uint64_t have = value.array_count;
    if (key == "tokenizer.ggml.tokens") {
      for (uint64_t i = have; i < n_vocab; ++i)
        value.array_strings.push_back(format("<unused%llu>", (unsigned long long)(i - have)));
    } else if (key == "tokenizer.ggml.token_type" || key == "tokenizer.ggml.scores") {
      const bool types = key == "tokenizer.ggml.token_type";
      for (uint64_t i = have; i < n_vocab; ++i) {
        uint8_t bytes[4];
        const float zero = 0.0f;
        std::memcpy(bytes, types ? static_cast<const void*>(&kControlTokenType) : static_cast<const void*>(&zero), 4);
        value.array_bytes.insert(value.array_bytes.end(), bytes, bytes + 4);
      }
    } else {
      continue;
    }
    value.array_count = n_vocab;
  }
}

}  // namespace

int command_synth(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string out_path = argv[1];
  std::string shape_name, vocab_path;
  std::string arch = "llama";
  uint64_t seed = 42;
  float stddev = 0.02f;
  uint64_t vocab_size = 0;  // --vocab-size: pad the copied vocabulary to this many tokens
  uint32_t n_layer = 0;     // --layers: fewer (or more) blocks than the shape's
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--shape"))
      shape_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--vocab-from"))
      vocab_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seed"))
      seed = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--arch"))
      arch = argv[i + 1];
    else if (!std::strcmp(argv[i], "--stddev"))
      stddev = std::strtof(argv[i + 1], nullptr);
    else if (!std::strcmp(argv[i], "--vocab-size"))
      vocab_size = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--layers"))
      n_layer = static_cast<uint32_t>(std::min<unsigned long long>(std::stoull(argv[i + 1]), 4096));
    else
      return usage();
  }
  SynthShape chosen{};
  const SynthShape* shape = nullptr;
  for (const SynthShape& s : kShapes) {
    if (shape_name == s.name) {
      chosen = s;
      if (n_layer > 0) chosen.n_layer = n_layer;
      shape = &chosen;
    }
  }
  const ArchitectureTraits* traits = find_architecture(arch);
  if (shape == nullptr || vocab_path.empty() || traits == nullptr || !(stddev > 0.0f)) return usage();

  Result<GgufFile> vocab = read_header(vocab_path);
  if (!vocab.is_ok()) {
    std::fprintf(stderr, "webgguf: %s: %s\n", vocab_path.c_str(), vocab.status().message().c_str());
    return 1;
  }
  const GgufValue* tokens = vocab.value().find("tokenizer.ggml.tokens");
  if (tokens == nullptr) {
    std::fprintf(stderr, "webgguf: %s has no tokenizer\n", vocab_path.c_str());
    return 1;
  }
  if (vocab_size != 0 && (vocab_size < tokens->array_count || vocab_size > (1u << 24))) return usage();
  const uint64_t n_vocab = std::max<uint64_t>(vocab_size, tokens->array_count);

  GgufFile file;
  auto set = [&](const std::string& key, GgufValue value) { file.metadata.emplace_back(key, std::move(value)); };
  const std::string k = arch + ".";
  set("general.architecture", GgufValue::of_string(arch));
  set("general.name", GgufValue::of_string(std::string("synthetic ") + shape->name));
  set("general.file_type", GgufValue::of_u32(1));  // MOSTLY_F16
  set(k + "context_length", GgufValue::of_u32(2048));
  set(k + "embedding_length", GgufValue::of_u32(shape->n_embd));
  set(k + "block_count", GgufValue::of_u32(shape->n_layer));
  set(k + "feed_forward_length", GgufValue::of_u32(shape->n_ff));
  set(k + "attention.head_count", GgufValue::of_u32(shape->n_head));
  if (traits->granite_scales || traits->recurrent == RecurrentLayer::kShortConv) {
    // Per-layer arrays, as some converters write them (granite) and lfm2's always does: 0 on the
    // recurrent layers.
    std::vector<int32_t> n_head_kv(shape->n_layer);
    for (uint32_t il = 0; il < shape->n_layer; ++il) {
      n_head_kv[il] = layer_has_attention(*shape, *traits, il) ? static_cast<int32_t>(shape->n_head_kv) : 0;
    }
    set(k + "attention.head_count_kv", GgufValue::of_i32_array(n_head_kv));
  } else {
    set(k + "attention.head_count_kv", GgufValue::of_u32(shape->n_head_kv));
  }
  const uint32_t head_dim = head_dim_of(*shape, *traits);
  if (head_dim != shape->n_embd / shape->n_head) {
    set(k + "attention.key_length", GgufValue::of_u32(head_dim));
    set(k + "attention.value_length", GgufValue::of_u32(head_dim));
  }
  const bool partial_rotary = traits->recurrent == RecurrentLayer::kGatedDeltaNet;  // a quarter of each head
  set(k + "rope.dimension_count", GgufValue::of_u32(partial_rotary ? head_dim / 4 : head_dim));
  const bool long_rope_base = traits->sliding_window_period != 0 || traits->recurrent != RecurrentLayer::kNone;
  set(k + "rope.freq_base", GgufValue::of_f32(long_rope_base ? 1000000.0f : 10000.0f));
  set(k + "attention.layer_norm_rms_epsilon", GgufValue::of_f32(1e-5f));
  set(k + "vocab_size", GgufValue::of_u32(static_cast<uint32_t>(n_vocab)));
  add_family_metadata(*shape, *traits, file);
  for (const auto& [key, value] : vocab.value().metadata) {
    if (key.rfind("tokenizer.", 0) == 0) set(key, value);
  }
  pad_vocabulary(file, n_vocab);

  const std::vector<PlannedTensor> plan = plan_tensors(*shape, *traits, n_vocab);
  for (const PlannedTensor& t : plan) {
    GgufTensorInfo info;
    info.name = t.name;
    info.n_dims = static_cast<uint32_t>(t.dims.size());
    for (size_t d = 0; d < t.dims.size(); ++d) info.ne[d] = t.dims[d];
    info.type = t.fill == TensorFill::kWeight ? GgmlType::F16 : GgmlType::F32;
    info.size_bytes = ggml_row_bytes(info.type, info.ne[0]) * info.n_rows();
    file.tensors.push_back(info);
  }
  Result<std::vector<uint8_t>> header = serialize_gguf_header(file);
  if (!header.is_ok()) {
    std::fprintf(stderr, "webgguf: %s\n", header.status().message().c_str());
    return 1;
  }
  std::ofstream out(out_path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(header.value().data()), static_cast<std::streamsize>(header.value().size()));

  RandomWeights random(seed);
  const std::vector<char> zeros(file.alignment, 0);
  for (size_t index = 0; index < file.tensors.size(); ++index) {
    const GgufTensorInfo& t = file.tensors[index];
    const TensorFill fill = plan[index].fill;
    std::vector<uint8_t> row(static_cast<size_t>(ggml_row_bytes(t.type, t.ne[0])));
    for (uint64_t r = 0; r < t.n_rows(); ++r) {
      for (uint64_t i = 0; i < t.ne[0]; ++i) {
        if (t.type == GgmlType::F32) {
          const float value = fill == TensorFill::kNormOne                                 ? 1.0f
                              : fill == TensorFill::kBias || fill == TensorFill::kConvTaps ? random.normal(0.5f)
                              : fill == TensorFill::kDecayRate ? -std::exp(random.normal(0.5f))
                                                               : 1.0f + random.normal(0.2f);
          std::memcpy(&row[i * 4], &value, 4);
        } else {
          const uint16_t h = fp32_to_fp16(random.normal(stddev));
          std::memcpy(&row[i * 2], &h, 2);
        }
      }
      out.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(row.size()));
    }
    out.write(zeros.data(), static_cast<std::streamsize>(gguf_padding(t.size_bytes, file.alignment)));
  }
  if (!out) {
    std::fprintf(stderr, "webgguf: writing %s failed\n", out_path.c_str());
    return 1;
  }
  std::printf("wrote %s (%s %s, %zu tensors)\n", out_path.c_str(), arch.c_str(), shape->name, file.tensors.size());
  return 0;
}

}  // namespace webgguf
