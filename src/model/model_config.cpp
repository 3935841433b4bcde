#include "model/model_config.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace webgguf {
namespace {

constexpr uint32_t kDefaultMaxContext = 4096;

Status out_of_range(const std::string& key, long long v) {
  return Status::error(format("model metadata '%s' = %lld is out of range", key.c_str(), v));
}

// Reads "<arch>.<suffix>" as a positive int32; an array is refused (see read_per_layer).
Status read_count(const GgufFile& file, const std::string& key, bool required, int32_t fallback, int32_t* out) {
  const GgufValue* value = file.find(key);
  if (value == nullptr) {
    if (required) return Status::error(format("model metadata is missing '%s'", key.c_str()));
    *out = fallback;
    return Status::ok();
  }
  if (!value->is_integer()) return Status::error(format("model metadata '%s' is not an integer", key.c_str()));
  const int64_t v = file.get_int(key, -1);
  if (v <= 0 || v > std::numeric_limits<int32_t>::max()) return out_of_range(key, v);
  *out = static_cast<int32_t>(v);
  return Status::ok();
}

// A value that llama.cpp reads with get_key_or_arr: one integer for every layer, or an array of
// n_layer integers (any of them may differ). Entries must be >= min_value.
Status read_per_layer(const GgufFile& file, const std::string& key, bool required, int32_t n_layer,
                      const std::vector<int32_t>& fallback, int32_t min_value, std::vector<int32_t>* out) {
  const GgufValue* value = file.find(key);
  if (value == nullptr) {
    if (required) return Status::error(format("model metadata is missing '%s'", key.c_str()));
    *out = fallback;
    return Status::ok();
  }
  out->assign(n_layer, 0);
  if (value->is_integer()) {
    const int64_t v = file.get_int(key, -1);
    if (v < min_value || v > std::numeric_limits<int32_t>::max()) return out_of_range(key, v);
    std::fill(out->begin(), out->end(), static_cast<int32_t>(v));
    return Status::ok();
  }
  if (value->type != GgufValueType::ARRAY || value->array_type == GgufValueType::STRING ||
      value->array_type == GgufValueType::ARRAY || value->array_type == GgufValueType::FLOAT32 ||
      value->array_type == GgufValueType::FLOAT64) {
    return Status::error(format("model metadata '%s' is not an integer or an array of integers", key.c_str()));
  }
  if (value->array_count != static_cast<uint64_t>(n_layer)) {
    return Status::error(format("model metadata '%s' has %llu entries for %d layers", key.c_str(),
                                static_cast<unsigned long long>(value->array_count), n_layer));
  }
  for (int32_t il = 0; il < n_layer; ++il) {
    const int64_t v = value->array_integer(il);
    if (v < min_value || v > std::numeric_limits<int32_t>::max()) {
      return Status::error(
          format("model metadata '%s'[%d] = %lld is out of range", key.c_str(), il, static_cast<long long>(v)));
    }
    (*out)[il] = static_cast<int32_t>(v);
  }
  return Status::ok();
}

// A float key that must be finite and positive when present; `*out` keeps its default otherwise.
Status read_positive_float(const GgufFile& file, const std::string& key, bool required, float* out) {
  const GgufValue* value = file.find(key);
  if (value == nullptr) {
    return required ? Status::error(format("model metadata is missing '%s'", key.c_str())) : Status::ok();
  }
  if (value->type != GgufValueType::FLOAT32 && value->type != GgufValueType::FLOAT64) {
    return Status::error(format("model metadata '%s' is not a float", key.c_str()));
  }
  const double v = value->float_value;
  if (!std::isfinite(v) || v <= 0.0) {
    return Status::error(format("model metadata '%s' = %g must be a finite positive number", key.c_str(), v));
  }
  *out = static_cast<float>(v);
  return Status::ok();
}

// attention.sliding_window and which layers use it, as each family's load_arch_hparams does:
// gemma2 always (default window 4096, period 2), gemma3 and olmo2 when the key is positive
// (period 6 / 4). Layer il is local when il % period < period - 1 (llama_hparams::set_swa_pattern).
Status read_sliding_window(const GgufFile& file, const std::string& p, ModelConfig* c) {
  const ArchitectureTraits& t = *c->traits;
  if (t.sliding_window_period == 0) return Status::ok();
  const std::string key = p + "attention.sliding_window";
  int32_t n_swa = t.sliding_window_default_on ? 4096 : 0;
  const GgufValue* value = file.find(key);
  if (value != nullptr) {
    if (!value->is_integer()) return Status::error(format("model metadata '%s' is not an integer", key.c_str()));
    const int64_t v = file.get_int(key, -1);
    if (v < 0 || v > c->n_ctx_train || (v == 0 && t.sliding_window_default_on)) {
      return Status::error(format("model metadata '%s' = %lld must be between 1 and the training context (%d)",
                                  key.c_str(), static_cast<long long>(v), c->n_ctx_train));
    }
    n_swa = static_cast<int32_t>(v);
  }
  if (n_swa == 0) return Status::ok();
  n_swa = std::min(n_swa, c->n_ctx_train);
  c->n_swa = n_swa;
  // llama.cpp reads the period with get_key_or_arr into a scalar: an array leaves the default.
  int64_t period = t.sliding_window_period;
  const GgufValue* pattern = file.find(p + "attention.sliding_window_pattern");
  if (pattern != nullptr && pattern->is_integer()) period = file.get_int(p + "attention.sliding_window_pattern", 0);
  if (period < 0 || period > c->n_layer + 1) return out_of_range(p + "attention.sliding_window_pattern", period);
  for (int32_t il = 0; il < c->n_layer; ++il) {
    c->layers[il].sliding = period == 0 || (il % period < period - 1);
  }
  return Status::ok();
}

// Query scale, soft-caps and the granite scales (each family's load_arch_hparams and graph).
Status read_scales(const GgufFile& file, const std::string& p, ModelConfig* c) {
  const Architecture a = c->arch;
  c->attention_scale = 1.0f / std::sqrt(static_cast<float>(c->head_dim));
  if (a == Architecture::kGemma2 || a == Architecture::kGemma3) {
    // gemma_pytorch: the 27B models scale queries by 1/sqrt(n_embd / n_head) (46 / 62 layers).
    const bool is_27b =
        (a == Architecture::kGemma2 && c->n_layer == 46) || (a == Architecture::kGemma3 && c->n_layer == 62);
    if (is_27b) c->attention_scale = 1.0f / std::sqrt(static_cast<float>(c->n_embd / c->layers[0].n_head));
    c->embedding_scale = std::sqrt(static_cast<float>(c->n_embd));
  }
  if (a == Architecture::kGemma2) {
    c->attn_softcap = 50.0f;
    c->final_softcap = 30.0f;
    WEBGGUF_RETURN_IF_ERROR(read_positive_float(file, p + "attn_logit_softcapping", false, &c->attn_softcap));
    WEBGGUF_RETURN_IF_ERROR(read_positive_float(file, p + "final_logit_softcapping", false, &c->final_softcap));
  }
  if (a == Architecture::kGemma3) {  // optional final soft-cap; 0 means off as in llama.cpp
    const GgufValue* cap = file.find(p + "final_logit_softcapping");
    if (cap != nullptr &&
        !(cap->float_value == 0.0 && (cap->type == GgufValueType::FLOAT32 || cap->type == GgufValueType::FLOAT64))) {
      WEBGGUF_RETURN_IF_ERROR(read_positive_float(file, p + "final_logit_softcapping", true, &c->final_softcap));
    }
  }
  if (c->traits->granite_scales) {
    WEBGGUF_RETURN_IF_ERROR(read_positive_float(file, p + "logit_scale", true, &c->logit_scale));
    WEBGGUF_RETURN_IF_ERROR(read_positive_float(file, p + "residual_scale", false, &c->residual_scale));
    WEBGGUF_RETURN_IF_ERROR(read_positive_float(file, p + "embedding_scale", false, &c->embedding_scale));
    WEBGGUF_RETURN_IF_ERROR(read_positive_float(file, p + "attention.scale", false, &c->attention_scale));
  }
  return Status::ok();
}

Status read_rope(const GgufFile& file, const std::string& p, ModelConfig* c) {
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "rope.dimension_count", false, c->head_dim, &c->n_rot));
  if (c->n_rot > c->head_dim || c->n_rot % 2 != 0) {
    return Status::error(format("rope.dimension_count %d does not fit head size %d", c->n_rot, c->head_dim));
  }
  c->rope_freq_base = static_cast<float>(file.get_float(p + "rope.freq_base", 10000.0));
  const std::string scaling = file.get_string(p + "rope.scaling.type", "linear");
  if (scaling == "longrope") {
    c->rope_longrope = true;
  } else if (scaling != "none" && scaling != "linear") {
    return Status::error(format("rope scaling '%s' is not supported", scaling.c_str()));
  }
  double factor = file.get_float(p + "rope.scaling.factor", 0.0);
  if (factor == 0.0) factor = file.get_float(p + "rope.scale_linear", 0.0);
  c->rope_freq_scale = factor == 0.0 ? 1.0f : static_cast<float>(1.0 / factor);
  c->rope_attn_factor = static_cast<float>(file.get_float(p + "rope.scaling.attn_factor", 1.0));
  WEBGGUF_RETURN_IF_ERROR(
      read_count(file, p + "rope.scaling.original_context_length", false, c->n_ctx_train, &c->n_ctx_orig));
  if (c->arch == Architecture::kGemma2) {  // local layers default to the global RoPE
    c->rope_freq_base_swa = c->rope_freq_base;
    c->rope_freq_scale_swa = c->rope_freq_scale;
  }
  c->rope_attn_factor_swa = c->rope_attn_factor;
  if (c->arch == Architecture::kOlmo2) {  // olmo2.cpp: the global base, no scaling, attn_factor 1
    c->rope_freq_base_swa = c->rope_freq_base;
    c->rope_attn_factor_swa = 1.0f;
  }
  if (c->arch == Architecture::kGemma2 || c->arch == Architecture::kGemma3 || c->arch == Architecture::kOlmo2) {
    WEBGGUF_RETURN_IF_ERROR(read_positive_float(file, p + "rope.freq_base_swa", false, &c->rope_freq_base_swa));
  }
  // Which layers rotate: smollm3 skips every 4th (llama.cpp's fixed rule); granite uses
  // rope.scaling.finetuned as an on/off switch for every layer (default on).
  for (int32_t il = 0; il < c->n_layer; ++il) {
    const int step = c->traits->no_rope_layer_step;
    c->layers[il].rope = step == 0 || (il + 1) % step != 0;
    if (c->traits->granite_scales) c->layers[il].rope = file.get_bool(p + "rope.scaling.finetuned", true);
  }
  return Status::ok();
}

Status read_layers(const GgufFile& file, const std::string& p, ModelConfig* c) {
  const int32_t n = c->n_layer;
  std::vector<int32_t> n_head, n_head_kv, n_ff;
  WEBGGUF_RETURN_IF_ERROR(read_per_layer(file, p + "attention.head_count", true, n, {}, 1, &n_head));
  WEBGGUF_RETURN_IF_ERROR(read_per_layer(file, p + "attention.head_count_kv", false, n, n_head, 0, &n_head_kv));
  WEBGGUF_RETURN_IF_ERROR(read_per_layer(file, p + "feed_forward_length", true, n, {}, 1, &n_ff));
  c->layers.assign(n, LayerConfig{});
  for (int32_t il = 0; il < n; ++il) {
    LayerConfig& l = c->layers[il];
    l.n_head = n_head[il];
    l.n_head_kv = n_head_kv[il];
    l.n_ff = n_ff[il];
    c->n_head = std::max(c->n_head, l.n_head);
    c->n_ff = std::max(c->n_ff, l.n_ff);
    if (l.n_head_kv == 0) {  // lfm2 marks its recurrent layers so; qwen35 in read_recurrent
      if (c->traits->recurrent != RecurrentLayer::kShortConv) {
        return Status::error(
            format("layer %d has no attention (head_count_kv 0: a recurrent layer), which '%s' "
                   "models do not have",
                   il, c->arch_name.c_str()));
      }
      l.recurrent = true;
      continue;
    }
    if (l.n_head % l.n_head_kv != 0) {
      return Status::error(
          format("layer %d: attention.head_count %d is not a multiple of head_count_kv %d", il, l.n_head, l.n_head_kv));
    }
    c->n_head_kv = std::max(c->n_head_kv, l.n_head_kv);
  }
  return Status::ok();
}

// The recurrent layers' own hyper-parameters. lfm2 (lfm2.cpp): shortconv.l_cache taps, of which
// the last l_cache - 1 inputs are the state (llama.cpp asserts l_cache > 1; real models use 3).
// Its optional sliding window on the attention layers is refused rather than ignored.
Status read_recurrent(const GgufFile& file, const std::string& p, ModelConfig* c);

// qwen35 (qwen35.cpp load_arch_hparams): which layers are Gated DeltaNet layers (every layer but
// each full_attention_interval-th, default 4, or attention.recurrent_layers per layer), their ssm.*
// sizes, and the rope sections, which for text positions must reduce to one NeoX rotation.
Status read_delta_net(const GgufFile& file, const std::string& p, ModelConfig* c) {
  ModelConfig::DeltaNet& d = c->delta_net;
  constexpr int32_t kMaxConvTaps = 256;
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "ssm.conv_kernel", true, 0, &d.d_conv));
  if (d.d_conv < 2 || d.d_conv > kMaxConvTaps) {
    return Status::error(
        format("model metadata '%sssm.conv_kernel' = %d must be between 2 and %d", p.c_str(), d.d_conv, kMaxConvTaps));
  }
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "ssm.inner_size", true, 0, &d.d_inner));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "ssm.state_size", true, 0, &d.head_dim));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "ssm.time_step_rank", true, 0, &d.n_v_heads));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "ssm.group_count", true, 0, &d.n_k_heads));
  if (d.n_v_heads % d.n_k_heads != 0 || int64_t{d.n_v_heads} * d.head_dim != d.d_inner || d.head_dim > 1024) {
    return Status::error(
        format("model metadata ssm.inner_size %d, state_size %d, time_step_rank %d and group_count "
               "%d do not describe value heads of state_size values grouped over the key heads",
               d.d_inner, d.head_dim, d.n_v_heads, d.n_k_heads));
  }
  std::vector<int32_t> recurrent;
  const GgufValue* listed = file.find(p + "attention.recurrent_layers");
  if (listed != nullptr) {
    WEBGGUF_RETURN_IF_ERROR(
        read_per_layer(file, p + "attention.recurrent_layers", true, c->n_layer, {}, 0, &recurrent));
  } else {
    int32_t interval = 4;
    WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "full_attention_interval", false, 4, &interval));
    recurrent.resize(c->n_layer);
    for (int32_t il = 0; il < c->n_layer; ++il) recurrent[il] = (il + 1) % interval != 0;
  }
  for (int32_t il = 0; il < c->n_layer; ++il) c->layers[il].recurrent = recurrent[il] != 0;
  // IMROPE with a text position in its first three sections and 0 in the fourth: every rotated
  // pair whose sector falls in the fourth section would not rotate. Those are refused.
  const std::string key = p + "rope.dimension_sections";
  const GgufValue* sections = file.find(key);
  if (sections == nullptr || sections->type != GgufValueType::ARRAY || sections->array_count < 3) {
    return Status::error(format("model metadata is missing '%s' (or it has fewer than 3 entries)", key.c_str()));
  }
  int64_t s[4] = {0, 0, 0, 0}, total = 0;
  for (uint64_t i = 0; i < std::min<uint64_t>(4, sections->array_count); ++i) {
    s[i] = sections->array_integer(i);
    if (s[i] < 0 || s[i] > 4096)
      return Status::error(format("model metadata '%s'[%d] is out of range", key.c_str(), (int)i));
    total += s[i];
  }
  for (int32_t pair = 0; pair < c->n_rot / 2; ++pair) {
    const int64_t sector = total > 0 ? pair % total : 0;
    const bool text = (sector % 3 == 0 && sector < 3 * s[0]) || (sector % 3 == 1 && sector < 3 * s[1]) ||
                      (sector % 3 == 2 && sector < 3 * s[2]);
    if (!text) {
      return Status::error(
          format("model metadata '%s' leaves rotary pair %d to the fourth (vision) position, "
                 "which text-only qwen35 does not run",
                 key.c_str(), pair));
    }
  }
  return Status::ok();
}

Status read_recurrent(const GgufFile& file, const std::string& p, ModelConfig* c) {
  if (c->traits->recurrent == RecurrentLayer::kGatedDeltaNet) return read_delta_net(file, p, c);
  if (c->traits->recurrent != RecurrentLayer::kShortConv) return Status::ok();
  constexpr int32_t kMaxShortConvTaps = 256;
  const std::string key = p + "shortconv.l_cache";
  const GgufValue* value = file.find(key);
  if (value == nullptr) return Status::error(format("model metadata is missing '%s'", key.c_str()));
  if (!value->is_integer()) return Status::error(format("model metadata '%s' is not an integer", key.c_str()));
  const int64_t v = file.get_int(key, -1);
  if (v < 2 || v > kMaxShortConvTaps) {
    return Status::error(format("model metadata '%s' = %lld must be between 2 and %d", key.c_str(),
                                static_cast<long long>(v), kMaxShortConvTaps));
  }
  c->shortconv_l_cache = static_cast<int32_t>(v);
  if (file.get_int(p + "attention.sliding_window", 0) > 0) {
    return Status::error(format("a sliding window on '%s' attention layers is not supported", c->arch_name.c_str()));
  }
  return Status::ok();
}

}  // namespace

Result<ModelConfig> parse_model_config(const GgufFile& file) {
  ModelConfig c;
  c.arch_name = file.get_string("general.architecture", "");
  if (c.arch_name.empty()) return Status::error("GGUF has no general.architecture");
  c.traits = find_architecture(c.arch_name);
  if (c.traits == nullptr) {
    return Status::error(format("unsupported model architecture '%s' (supported: %s)", c.arch_name.c_str(),
                                supported_architecture_names().c_str()));
  }
  c.arch = c.traits->arch;
  c.rope_neox = c.traits->rope_neox;
  c.name = file.get_string("general.name", "");
  c.file_type = static_cast<uint32_t>(file.get_uint("general.file_type", 0));
  const std::string p = c.arch_name + ".";

  if (file.get_uint(p + "expert_count", 0) > 0) {
    return Status::error(format("'%s' is a mixture-of-experts model, which is not supported", c.arch_name.c_str()));
  }
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "context_length", true, 0, &c.n_ctx_train));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "embedding_length", true, 0, &c.n_embd));
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "block_count", true, 0, &c.n_layer));
  if (c.n_layer > 4096) return out_of_range(p + "block_count", c.n_layer);
  WEBGGUF_RETURN_IF_ERROR(read_layers(file, p, &c));
  const int32_t n_head0 = c.layers[0].n_head;
  if (c.n_embd % n_head0 != 0 && file.find(p + "attention.key_length") == nullptr) {
    return Status::error(format("embedding_length %d is not a multiple of head_count %d", c.n_embd, n_head0));
  }
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "attention.key_length", false, c.n_embd / n_head0, &c.head_dim));
  int32_t value_length = 0;
  WEBGGUF_RETURN_IF_ERROR(read_count(file, p + "attention.value_length", false, c.head_dim, &value_length));
  if (value_length != c.head_dim) {
    return Status::error(
        format("attention.key_length %d != value_length %d is not supported", c.head_dim, value_length));
  }
  const GgufValue* eps = file.find(p + "attention.layer_norm_rms_epsilon");
  if (eps == nullptr || (eps->type != GgufValueType::FLOAT32 && eps->type != GgufValueType::FLOAT64)) {
    return Status::error(format("model metadata is missing '%sattention.layer_norm_rms_epsilon'", p.c_str()));
  }
  c.rms_eps = static_cast<float>(eps->float_value);

  WEBGGUF_RETURN_IF_ERROR(read_rope(file, p, &c));
  WEBGGUF_RETURN_IF_ERROR(read_sliding_window(file, p, &c));
  WEBGGUF_RETURN_IF_ERROR(read_scales(file, p, &c));
  WEBGGUF_RETURN_IF_ERROR(read_recurrent(file, p, &c));

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
