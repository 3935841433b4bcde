// `webgguf synth OUT --shape NAME --vocab-from GGUF [--seed S] [--arch A] [--stddev S]`: writes a
// random-weight model (F16) with a real model's shape, for benchmarks at sizes the fixtures do not
// cover and for comparing other architectures with llama.cpp: --arch qwen2 adds Q/K/V biases,
// qwen3 Q/K RMS norms, phi3 fuses QKV and gate/up (default llama). --stddev scales the weights
// (default 0.02, a trained model's scale; larger gives peaked next-token distributions).
// The tokenizer metadata is copied from another GGUF (e.g. lexi's) so prompts tokenize.
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

namespace webgguf {
namespace {

struct SynthShape {
  const char* name;
  uint32_t n_embd, n_layer, n_head, n_head_kv, n_ff;
  bool tied_output;  // SmolLM2 and Llama 3.2 1B reuse token_embd as the output matrix
};

constexpr SynthShape kShapes[] = {
    {"smollm2-360m", 960, 32, 15, 5, 2560, true},
    {"llama3.2-1b", 2048, 16, 32, 8, 8192, true},
    {"tiny", 64, 2, 4, 2, 128, false},
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
// (random around 1, so that a missing or misapplied one shows).
enum class TensorFill { kWeight, kNormOne, kBias, kNormRandom };

struct PlannedTensor {
  std::string name;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the row length
  TensorFill fill;
};

constexpr const char* kArchitectures[] = {"llama", "qwen2", "qwen3", "phi3"};

std::vector<PlannedTensor> plan_tensors(const SynthShape& s, const std::string& arch, uint64_t n_vocab) {
  const uint64_t head_dim = s.n_embd / s.n_head;
  const uint64_t kv_width = head_dim * s.n_head_kv;
  using F = TensorFill;
  std::vector<PlannedTensor> out;
  out.push_back({"token_embd.weight", {s.n_embd, n_vocab}, F::kWeight});
  for (uint32_t i = 0; i < s.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    out.push_back({b + "attn_norm.weight", {s.n_embd}, F::kNormOne});
    if (arch == "phi3") {
      out.push_back({b + "attn_qkv.weight", {s.n_embd, s.n_embd + 2 * kv_width}, F::kWeight});
    } else {
      out.push_back({b + "attn_q.weight", {s.n_embd, s.n_embd}, F::kWeight});
      out.push_back({b + "attn_k.weight", {s.n_embd, kv_width}, F::kWeight});
      out.push_back({b + "attn_v.weight", {s.n_embd, kv_width}, F::kWeight});
    }
    if (arch == "qwen2") {
      out.push_back({b + "attn_q.bias", {s.n_embd}, F::kBias});
      out.push_back({b + "attn_k.bias", {kv_width}, F::kBias});
      out.push_back({b + "attn_v.bias", {kv_width}, F::kBias});
    }
    if (arch == "qwen3") {
      out.push_back({b + "attn_q_norm.weight", {head_dim}, F::kNormRandom});
      out.push_back({b + "attn_k_norm.weight", {head_dim}, F::kNormRandom});
    }
    out.push_back({b + "attn_output.weight", {s.n_embd, s.n_embd}, F::kWeight});
    out.push_back({b + "ffn_norm.weight", {s.n_embd}, F::kNormOne});
    if (arch == "phi3") {
      out.push_back({b + "ffn_up.weight", {s.n_embd, 2 * s.n_ff}, F::kWeight});  // [gate | up]
    } else {
      out.push_back({b + "ffn_gate.weight", {s.n_embd, s.n_ff}, F::kWeight});
      out.push_back({b + "ffn_up.weight", {s.n_embd, s.n_ff}, F::kWeight});
    }
    out.push_back({b + "ffn_down.weight", {s.n_ff, s.n_embd}, F::kWeight});
  }
  out.push_back({"output_norm.weight", {s.n_embd}, F::kNormOne});
  if (!s.tied_output) out.push_back({"output.weight", {s.n_embd, n_vocab}, F::kWeight});
  return out;
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
  std::fprintf(stderr, "usage: webgguf synth OUT --shape {smollm2-360m|llama3.2-1b|tiny} "
                       "--vocab-from GGUF [--seed S] [--arch {llama|qwen2|qwen3|phi3}] [--stddev S]\n");
  return 1;
}

}  // namespace

int command_synth(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string out_path = argv[1];
  std::string shape_name, vocab_path;
  std::string arch = "llama";
  uint64_t seed = 42;
  float stddev = 0.02f;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--shape")) shape_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--vocab-from")) vocab_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seed")) seed = std::stoull(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--arch")) arch = argv[i + 1];
    else if (!std::strcmp(argv[i], "--stddev")) stddev = std::strtof(argv[i + 1], nullptr);
    else return usage();
  }
  const SynthShape* shape = nullptr;
  for (const SynthShape& s : kShapes) if (shape_name == s.name) shape = &s;
  bool known_arch = false;
  for (const char* a : kArchitectures) known_arch = known_arch || arch == a;
  if (shape == nullptr || vocab_path.empty() || !known_arch || !(stddev > 0.0f)) return usage();

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
  const uint64_t n_vocab = tokens->array_count;

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
  set(k + "attention.head_count_kv", GgufValue::of_u32(shape->n_head_kv));
  set(k + "rope.dimension_count", GgufValue::of_u32(shape->n_embd / shape->n_head));
  set(k + "rope.freq_base", GgufValue::of_f32(10000.0f));
  set(k + "attention.layer_norm_rms_epsilon", GgufValue::of_f32(1e-5f));
  set(k + "vocab_size", GgufValue::of_u32(static_cast<uint32_t>(n_vocab)));
  for (const auto& [key, value] : vocab.value().metadata) {
    if (key.rfind("tokenizer.", 0) == 0) set(key, value);
  }

  const std::vector<PlannedTensor> plan = plan_tensors(*shape, arch, n_vocab);
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
          const float value = fill == TensorFill::kNormOne ? 1.0f
                              : fill == TensorFill::kBias  ? random.normal(0.5f)
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
