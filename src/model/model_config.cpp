#include "model/model_config.h"

#include <algorithm>
#include <limits>

namespace webgguf {
namespace {

constexpr uint32_t kDefaultMaxContext = 4096;

struct ArchitectureEntry {
  const char* name;
  Architecture arch;
  bool rope_neox;
};
constexpr ArchitectureEntry kArchitectures[] = {
    {"llama", Architecture::kLlama, false},
    {"qwen2", Architecture::kQwen2, true},
    {"qwen3", Architecture::kQwen3, true},
    {"phi3", Architecture::kPhi3, true},
};

// Reads "<arch>.<suffix>" as a positive int32. A per-layer array is accepted when all its
// entries are equal (some converters write arrays even for uniform models).
Status read_count(const GgufFile& file, const std::string& key, bool required, int32_t fallback,
                  int32_t* out) {
  const GgufValue* value = file.find(key);
  if (value == nullptr) {
    if (required) return Status::error(format("model metadata is missing '%s'", key.c_str()));
    *out = fallback;
    return Status::ok();
  }
  int64_t v = 0;
  if (value->is_integer()) {
    v = file.get_int(key, -1);
  } else if (value->type == GgufValueType::ARRAY && value->array_count > 0 &&
             value->array_type != GgufValueType::STRING && value->array_type != GgufValueType::ARRAY) {
    v = value->array_integer(0);
    for (uint64_t i = 1; i < value->array_count; ++i) {
      if (value->array_integer(i) != v) {
        return Status::error(format("'%s' varies across layers; per-layer shapes are not supported",
                                    key.c_str()));
      }
    }
  } else {
    return Status::error(format("model metadata '%s' is not an integer", key.c_str()));
  }
  if (v <= 0 || v > std::numeric_limits<int32_t>::max()) {
    return Status::error(format("model metadata '%s' = %lld is out of range", key.c_str(),
                                static_cast<long long>(v)));
  }
  *out = static_cast<int32_t>(v);
  return Status::ok();
}

std::string supported_list() {
  std::string list;
  for (const auto& entry : kArchitectures) list += (list.empty() ? "" : ", ") + std::string(entry.name);
  return list;
}

}  // namespace

Result<ModelConfig> parse_model_config(const GgufFile& file) {
  ModelConfig c;
  c.arch_name = file.get_string("general.architecture", "");
  if (c.arch_name.empty()) return Status::error("GGUF has no general.architecture");
  const ArchitectureEntry* entry = nullptr;
  for (const auto& e : kArchitectures) {
    if (c.arch_name == e.name) entry = &e;
  }
  if (entry == nullptr) {
    return Status::error(format("unsupported model architecture '%s' (supported: %s)",
                                c.arch_name.c_str(), supported_list().c_str()));
  }
  c.arch = entry->arch;
  c.rope_neox = entry->rope_neox;
  c.name = file.get_string("general.name", "");
  c.file_type = static_cast<uint32_t>(file.get_uint("general.file_type", 0));
  const std::string p = c.arch_name + ".";

  if (file.get_uint(p + "expert_count", 0) > 0) {
    return Status::error(format("'%s' is a mixture-of-experts model, which is not supported",
                                c.arch_name.c_str()));
  }
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "context_length", true, 0, &c.n_ctx_train));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "embedding_length", true, 0, &c.n_embd));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "block_count", true, 0, &c.n_layer));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "feed_forward_length", true, 0, &c.n_ff));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "attention.head_count", true, 0, &c.n_head));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "attention.head_count_kv", false, c.n_head, &c.n_head_kv));
  if (c.n_head % c.n_head_kv != 0) {
    return Status::error(format("attention.head_count %d is not a multiple of head_count_kv %d",
                                c.n_head, c.n_head_kv));
  }
  if (c.n_embd % c.n_head != 0 && file.find(p + "attention.key_length") == nullptr) {
    return Status::error(format("embedding_length %d is not a multiple of head_count %d", c.n_embd, c.n_head));
  }
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "attention.key_length", false, c.n_embd / c.n_head, &c.head_dim));
  int32_t value_length = 0;
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "attention.value_length", false, c.head_dim, &value_length));
  if (value_length != c.head_dim) {
    return Status::error(format("attention.key_length %d != value_length %d is not supported",
                                c.head_dim, value_length));
  }
  const GgufValue* eps = file.find(p + "attention.layer_norm_rms_epsilon");
  if (eps == nullptr || (eps->type != GgufValueType::FLOAT32 && eps->type != GgufValueType::FLOAT64)) {
    return Status::error(format("model metadata is missing '%sattention.layer_norm_rms_epsilon'", p.c_str()));
  }
  c.rms_eps = static_cast<float>(eps->float_value);

  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "rope.dimension_count", false, c.head_dim, &c.n_rot));
  if (c.n_rot > c.head_dim || c.n_rot % 2 != 0) {
    return Status::error(format("rope.dimension_count %d does not fit head size %d", c.n_rot, c.head_dim));
  }
  c.rope_freq_base = static_cast<float>(file.get_float(p + "rope.freq_base", 10000.0));
  const std::string scaling = file.get_string(p + "rope.scaling.type", "linear");
  if (scaling == "longrope") {
    c.rope_longrope = true;
  } else if (scaling != "none" && scaling != "linear") {
    return Status::error(format("rope scaling '%s' is not supported", scaling.c_str()));
  }
  double factor = file.get_float(p + "rope.scaling.factor", 0.0);
  if (factor == 0.0) factor = file.get_float(p + "rope.scale_linear", 0.0);
  c.rope_freq_scale = factor == 0.0 ? 1.0f : static_cast<float>(1.0 / factor);
  c.rope_attn_factor = static_cast<float>(file.get_float(p + "rope.scaling.attn_factor", 1.0));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "rope.scaling.original_context_length", false,
                                     c.n_ctx_train, &c.n_ctx_orig));

  // Vocabulary size: explicit key, else the tokenizer's list (the embedding shape is checked later).
  int32_t n_vocab = 0;
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "vocab_size", false, 0, &n_vocab));
  if (n_vocab == 0) {
    const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
    if (tokens != nullptr && tokens->type == GgufValueType::ARRAY) n_vocab = static_cast<int32_t>(tokens->array_count);
  }
  if (n_vocab == 0) {
    const GgufTensorInfo* embd = file.find_tensor("token_embd.weight");
    if (embd != nullptr) n_vocab = static_cast<int32_t>(embd->ne[1]);
  }
  if (n_vocab <= 0) return Status::error("cannot tell the vocabulary size (no vocab_size, tokens or token_embd)");
  c.n_vocab = n_vocab;
  return c;
}

uint32_t effective_context(const ModelConfig& config, uint32_t requested) {
  if (requested != 0) return requested;
  return std::min<uint32_t>(static_cast<uint32_t>(config.n_ctx_train), kDefaultMaxContext);
}

}  // namespace webgguf
