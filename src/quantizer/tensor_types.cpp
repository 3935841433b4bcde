#include "quantizer/tensor_types.h"

#include <algorithm>
#include <climits>
#include <initializer_list>
#include <cstdlib>

namespace webgguf {
namespace {

using T = GgmlType;
using F = LlamaFileType;

// llama-quant.cpp's tensor_category: broad roles recognised by name.
enum class TensorRole {
  TOKEN_EMBD,
  ATTENTION_Q,
  ATTENTION_V,
  ATTENTION_K,
  ATTENTION_QKV,
  ATTENTION_KV_B,
  ATTENTION_OUTPUT,
  FFN_UP,
  FFN_GATE,
  FFN_DOWN,
  OUTPUT,
  OTHER,
};

bool contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

TensorRole tensor_role(const std::string& name) {
  if (name == "output.weight") return TensorRole::OUTPUT;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return TensorRole::TOKEN_EMBD;
  if (contains(name, "attn_qkv.weight")) return TensorRole::ATTENTION_QKV;
  if (contains(name, "attn_kv_b.weight")) return TensorRole::ATTENTION_KV_B;
  if (contains(name, "attn_v.weight")) return TensorRole::ATTENTION_V;
  if (contains(name, "attn_k.weight")) return TensorRole::ATTENTION_K;
  if (contains(name, "attn_q.weight")) return TensorRole::ATTENTION_Q;
  if (contains(name, "attn_output.weight")) return TensorRole::ATTENTION_OUTPUT;
  if (contains(name, "ffn_up")) return TensorRole::FFN_UP;
  if (contains(name, "ffn_gate")) return TensorRole::FFN_GATE;
  if (contains(name, "ffn_down")) return TensorRole::FFN_DOWN;
  return TensorRole::OTHER;
}

// Attention-V-like tensors are the most sensitive to quantization and share one counter.
bool is_attention_v_like(TensorRole role) {
  return role == TensorRole::ATTENTION_V || role == TensorRole::ATTENTION_QKV || role == TensorRole::ATTENTION_KV_B;
}

// The block index of "blk.N.*" as sscanf(name, "blk.%d.") reads it; -1 when there is none.
int block_index(const std::string& name) {
  if (name.compare(0, 4, "blk.") != 0) return -1;
  const char* digits = name.c_str() + 4;
  char* end = nullptr;
  const long value = std::strtol(digits, &end, 10);
  if (end == digits) return -1;
  return value > INT_MAX ? INT_MAX : value < INT_MIN ? INT_MIN : static_cast<int>(value);
}

uint32_t block_size(GgmlType type) {
  const GgmlTypeInfo* info = ggml_type_info(type);
  return info ? info->block_size : 1;
}

bool is_quantized(GgmlType type) {
  return type != T::F32 && type != T::F16 && type != T::BF16 && block_size(type) > 1;
}

// llama.cpp's use_more_bits: the first and last eighth of the layers and every third in between.
bool use_more_bits(int i_layer, int n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

// Running counters of llama-quant.cpp's quantize_state_impl.
struct RuleState {
  int n_attention_v = 0;
  int i_attention_v = 0;
  int n_ffn_down = 0;
  int i_ffn_down = 0;
  int n_ffn_gate = 0;
  int i_ffn_gate = 0;
  int n_ffn_up = 0;
  int i_ffn_up = 0;
  bool has_tied_embeddings = true;  // until an output.weight is seen
};

bool is_one_of(F ftype, std::initializer_list<F> ftypes) {
  return std::find(ftypes.begin(), ftypes.end(), ftype) != ftypes.end();
}

// The 1-2 bit I-quant presets, which share one set of rules.
bool is_iq1_iq2_mix(F ftype) {
  return is_one_of(
      ftype, {F::MOSTLY_IQ2_XXS, F::MOSTLY_IQ2_XS, F::MOSTLY_IQ1_S, F::MOSTLY_IQ2_S, F::MOSTLY_IQ2_M, F::MOSTLY_IQ1_M});
}

// layer_info: the running index, or for MoE models (whose expert tensors are not in layer order)
// the block index from the name.
Result<int> layer_of(const QuantModelInfo& model, const GgufTensorInfo& tensor, int running_index, int n_layer) {
  if (model.n_expert <= 1) return running_index;
  const int i_layer = block_index(tensor.name);
  if (i_layer < 0 || i_layer >= n_layer) {
    return Status::error(
        format("cannot tell the layer of tensor '%s' (expected blk.N. with N < %d)", tensor.name.c_str(), n_layer));
  }
  return i_layer;
}

// llama_tensor_get_type_impl: starts from the preset's default type and moves sensitive tensors
// to more bits (or, for the 3-bit I-quant mixes, some to fewer).
Result<GgmlType> mixed_type(RuleState& state, const QuantModelInfo& model, F ftype, const GgufTensorInfo& tensor,
                            TensorRole role, GgmlType type, const TensorTypeOptions& options) {
  const bool falcon = model.architecture == "falcon";
  const uint32_t n_gqa = model.n_gqa();
  if (role == TensorRole::OUTPUT || (state.has_tied_embeddings && role == TensorRole::TOKEN_EMBD)) {
    if (options.output_tensor_type != T::COUNT) return options.output_tensor_type;
    if (falcon || tensor.ne[0] % block_size(type) != 0) return T::Q8_0;
    if (is_iq1_iq2_mix(ftype) || ftype == F::MOSTLY_IQ3_XXS) return T::Q5_K;
    return type == T::Q8_0 ? T::Q8_0 : T::Q6_K;
  }
  if (role == TensorRole::TOKEN_EMBD) {  // untied embeddings
    if (options.token_embedding_type != T::COUNT) return options.token_embedding_type;
    if (is_one_of(ftype, {F::MOSTLY_IQ2_XXS, F::MOSTLY_IQ2_XS, F::MOSTLY_IQ1_S, F::MOSTLY_IQ1_M})) return T::Q2_K;
    if (is_one_of(ftype, {F::MOSTLY_IQ2_S, F::MOSTLY_IQ2_M, F::MOSTLY_IQ3_XXS})) return T::IQ3_S;
    return type;
  }
  const bool iq2s_or_m = ftype == F::MOSTLY_IQ2_S || ftype == F::MOSTLY_IQ2_M;
  if (is_iq1_iq2_mix(ftype)) {
    if (is_attention_v_like(role)) {
      ++state.i_attention_v;
      if (n_gqa >= 4 || model.n_expert >= 4) return T::Q4_K;
      return iq2s_or_m ? T::IQ3_S : T::Q2_K;
    }
    if (model.n_expert == 8 && role == TensorRole::ATTENTION_K) return T::Q4_K;
    if (role == TensorRole::FFN_DOWN) {
      if (state.i_ffn_down++ < state.n_ffn_down / 8) return iq2s_or_m ? T::IQ3_S : T::Q2_K;
      return type;
    }
    if (role == TensorRole::ATTENTION_OUTPUT) {
      if (model.n_expert == 8) return T::Q5_K;
      if (ftype == F::MOSTLY_IQ1_S || ftype == F::MOSTLY_IQ1_M) return T::IQ2_XXS;
      if (iq2s_or_m) return T::IQ3_S;
    }
    return type;
  }

  if (is_attention_v_like(role)) {
    const int i = state.i_attention_v++;
    const int n = state.n_attention_v;
    if (ftype == F::MOSTLY_Q2_K) {
      type = n_gqa >= 4 ? T::Q4_K : T::Q3_K;
    } else if (ftype == F::MOSTLY_Q2_K_S && n_gqa >= 4) {
      type = T::Q4_K;
    } else if (ftype == F::MOSTLY_IQ3_XXS) {
      type = n_gqa >= 4 ? T::Q4_K : !options.has_imatrix ? T::IQ3_S : T::IQ3_XXS;
    } else if ((ftype == F::MOSTLY_IQ3_XS || ftype == F::MOSTLY_IQ3_S) && n_gqa >= 4) {
      type = T::Q4_K;
    } else if (ftype == F::MOSTLY_IQ3_M) {
      type = T::Q4_K;
    } else if (ftype == F::MOSTLY_Q3_K_M) {
      type = i < 2 ? T::Q5_K : T::Q4_K;
    } else if (ftype == F::MOSTLY_Q3_K_L) {
      type = T::Q5_K;
    } else if ((ftype == F::MOSTLY_IQ4_NL || ftype == F::MOSTLY_IQ4_XS) && n_gqa >= 4) {
      type = T::Q5_K;
    } else if ((ftype == F::MOSTLY_Q4_K_M || ftype == F::MOSTLY_Q5_K_M) && use_more_bits(i, n)) {
      type = T::Q6_K;
    } else if (ftype == F::MOSTLY_Q4_K_S && i < 4) {
      type = T::Q5_K;
    }
    // 70B models share one attn_v among 8 heads: more bits there cost almost nothing.
    if (model.is_70b && (type == T::Q3_K || type == T::Q4_K)) type = T::Q5_K;
    if (model.n_expert == 8) type = T::Q8_0;
    return type;
  }
  if (role == TensorRole::ATTENTION_K) {
    if (model.n_expert == 8) return T::Q8_0;
    if (ftype == F::MOSTLY_IQ3_XS) return T::IQ3_XXS;
    if (ftype == F::MOSTLY_IQ3_XXS) return T::IQ2_S;
    return type;
  }
  if (role == TensorRole::ATTENTION_Q) {
    if (ftype == F::MOSTLY_IQ3_XS) return T::IQ3_XXS;
    if (ftype == F::MOSTLY_IQ3_XXS) return T::IQ2_S;
    return type;
  }
  if (role == TensorRole::FFN_DOWN) {
    Result<int> layer = layer_of(model, tensor, state.i_ffn_down++, state.n_ffn_down);
    if (!layer.is_ok()) return layer.status();
    const int i_layer = layer.value();
    const int n_layer = state.n_ffn_down;
    const bool more_bits = use_more_bits(i_layer, n_layer);
    switch (ftype) {
      case F::MOSTLY_Q2_K: return T::Q3_K;
      case F::MOSTLY_Q2_K_S: return i_layer < n_layer / 8 ? T::Q4_K : type;
      case F::MOSTLY_Q3_K_M: return i_layer < n_layer / 16 ? T::Q5_K : (!falcon || more_bits) ? T::Q4_K : T::Q3_K;
      case F::MOSTLY_Q3_K_L: return falcon ? T::Q4_K : T::Q5_K;
      case F::MOSTLY_Q4_K_M:
        if (falcon) return i_layer < n_layer / 16 ? T::Q6_K : more_bits ? T::Q5_K : T::Q4_K;
        return more_bits ? T::Q6_K : type;
      case F::MOSTLY_Q5_K_M: return more_bits ? T::Q6_K : type;
      case F::MOSTLY_Q4_K_S: return !falcon && i_layer < n_layer / 8 ? T::Q5_K : type;
      default: break;
    }
    if (ftype == F::MOSTLY_IQ3_XXS && !options.has_imatrix) return i_layer < n_layer / 8 ? T::Q4_K : T::Q3_K;
    if (ftype == F::MOSTLY_IQ3_M && (i_layer < n_layer / 8 || (model.n_expert == 8 && more_bits))) return T::Q4_K;
    if (i_layer < n_layer / 8 && (ftype == F::MOSTLY_IQ4_NL || ftype == F::MOSTLY_IQ4_XS) && !options.has_imatrix) {
      return T::Q5_K;
    }
    // llama.cpp guards the first ffn_down layers of Q4_0/Q5_0 against "craziness", only with an imatrix.
    if ((ftype == F::MOSTLY_Q4_0 || ftype == F::MOSTLY_Q5_0) && options.has_imatrix && i_layer < n_layer / 8) {
      return ftype == F::MOSTLY_Q4_0 ? T::Q4_1 : T::Q5_1;
    }
    return type;
  }
  if (role == TensorRole::ATTENTION_OUTPUT) {
    if (falcon) return ftype == F::MOSTLY_Q3_K_L ? T::Q4_K : type;
    if (model.n_expert == 8) {
      const bool bump = is_one_of(ftype, {F::MOSTLY_Q2_K, F::MOSTLY_IQ3_XS, F::MOSTLY_IQ3_XXS, F::MOSTLY_Q3_K_S,
                                          F::MOSTLY_Q3_K_M, F::MOSTLY_IQ4_NL, F::MOSTLY_Q4_K_S, F::MOSTLY_Q4_K_M,
                                          F::MOSTLY_IQ3_S, F::MOSTLY_IQ3_M, F::MOSTLY_IQ4_XS});
      return bump ? T::Q5_K : type;
    }
    if (ftype == F::MOSTLY_Q2_K) return T::Q3_K;
    if (ftype == F::MOSTLY_IQ3_XXS) return T::IQ3_S;
    if (ftype == F::MOSTLY_Q3_K_M) return T::Q4_K;
    if (ftype == F::MOSTLY_Q3_K_L) return T::Q5_K;
    if (ftype == F::MOSTLY_IQ3_M) return T::Q4_K;
    return type;
  }
  if (role == TensorRole::ATTENTION_QKV) {
    if (ftype == F::MOSTLY_Q3_K_M || ftype == F::MOSTLY_Q3_K_L || ftype == F::MOSTLY_IQ3_M) return T::Q4_K;
    if (ftype == F::MOSTLY_Q4_K_M) return T::Q5_K;
    if (ftype == F::MOSTLY_Q5_K_M) return T::Q6_K;
    return type;
  }
  if (role == TensorRole::FFN_GATE || role == TensorRole::FFN_UP) {
    const bool gate = role == TensorRole::FFN_GATE;
    Result<int> layer =
        layer_of(model, tensor, gate ? state.i_ffn_gate++ : state.i_ffn_up++, gate ? state.n_ffn_gate : state.n_ffn_up);
    if (!layer.is_ok()) return layer.status();
    const int n_layer = gate ? state.n_ffn_gate : state.n_ffn_up;
    if (ftype == F::MOSTLY_IQ3_XS && layer.value() >= n_layer / 8 && layer.value() < 7 * n_layer / 8) {
      return T::IQ3_XXS;
    }
    return type;
  }
  return type;
}

// tensor_type_fallback: a row length that is not a multiple of the block size gets the nearest
// type with 32-element blocks, and F16 when even that does not fit.
GgmlType shape_fallback(const GgufTensorInfo& tensor, GgmlType type) {
  const uint64_t n_cols = tensor.ne[0];
  if (n_cols % block_size(type) == 0) return type;
  GgmlType fallback = type;
  switch (type) {
    case T::IQ1_S:
    case T::IQ1_M:
    case T::IQ2_XXS:
    case T::IQ2_XS:
    case T::IQ2_S:
    case T::IQ3_XXS:
    case T::IQ3_S:
    case T::IQ4_XS: fallback = T::IQ4_NL; break;
    case T::Q2_K:
    case T::Q3_K:
    case T::TQ1_0:
    case T::TQ2_0: fallback = T::Q4_0; break;
    case T::Q4_K: fallback = T::Q5_0; break;
    case T::Q5_K: fallback = T::Q5_1; break;
    case T::Q6_K: fallback = T::Q8_0; break;
    default: break;  // already a 32-element block type
  }
  return n_cols % block_size(fallback) == 0 ? fallback : T::F16;
}

}  // namespace

Result<QuantModelInfo> read_quant_model_info(const GgufFile& file) {
  QuantModelInfo info;
  info.architecture = file.get_string("general.architecture", "");
  if (info.architecture.empty()) {
    return Status::error("not a model file: general.architecture is missing");
  }
  const std::string prefix = info.architecture + ".";
  const uint64_t n_layer = file.get_uint(prefix + "block_count", 0);
  if (n_layer == 0 || n_layer > 4096) {
    return Status::error(format("not a model file: %sblock_count is missing or invalid", prefix.c_str()));
  }
  info.n_layer = static_cast<uint32_t>(n_layer);
  // Head counts may be per-layer arrays; llama.cpp's n_gqa() looks at layer 0.
  auto first_count = [&](const std::string& key, uint64_t fallback) -> uint64_t {
    const GgufValue* value = file.find(key);
    if (value == nullptr) return fallback;
    if (value->type == GgufValueType::ARRAY) {
      return value->array_count > 0 ? static_cast<uint64_t>(value->array_integer(0)) : fallback;
    }
    return file.get_uint(key, fallback);
  };
  info.n_head = static_cast<uint32_t>(first_count(prefix + "attention.head_count", 0));
  info.n_head_kv = static_cast<uint32_t>(first_count(prefix + "attention.head_count_kv", info.n_head));
  info.n_expert = static_cast<uint32_t>(file.get_uint(prefix + "expert_count", 0));
  // llama.cpp's LLM_TYPE_70B, as each architecture's load_hparams assigns it.
  const std::string& arch = info.architecture;
  info.is_70b = (arch == "llama" && info.n_expert != 8 && n_layer == 80 && info.n_head != info.n_head_kv) ||
                ((arch == "qwen2" || arch == "olmo" || arch == "deci") && n_layer == 80) ||
                (arch == "jais2" && n_layer == 68);
  return info;
}

uint32_t effective_n_dims(const GgufTensorInfo& tensor) {
  for (int i = 3; i >= 1; --i) {
    if (tensor.ne[i] > 1) return static_cast<uint32_t>(i + 1);
  }
  return 1;
}

std::vector<size_t> llama_quantize_tensor_order(const GgufFile& file) {
  std::vector<size_t> order(file.tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<int> blocks(order.size());
  for (size_t i = 0; i < order.size(); ++i) blocks[i] = block_index(file.tensors[i].name);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (blocks[a] != blocks[b]) return blocks[a] < blocks[b];
    return file.tensors[a].name < file.tensors[b].name;
  });
  return order;
}

bool tensor_allows_quantization(const GgufTensorInfo& tensor) {
  if (effective_n_dims(tensor) < 2) return false;
  const std::string& name = tensor.name;
  const size_t suffix = name.size() >= 6 ? name.size() - 6 : std::string::npos;
  if (suffix == std::string::npos || name.compare(suffix, 6, "weight") != 0) return false;
  static const char* const kKeptAsIs[] = {
      "_norm.weight",
      "ffn_gate_inp.weight",
      "ffn_gate_tid2eid.weight",
      "altup",
      "laurel",
      "per_layer_model_proj",
      "ssm_conv1d",
      "shortconv.conv.weight",
      "indexer.k_proj.weight",
      "indexer.q_proj.weight",
      "time_mix_first.weight",
      "time_mix_w0.weight",
      "time_mix_w1.weight",
      "time_mix_w2.weight",
      "time_mix_v0.weight",
      "time_mix_v1.weight",
      "time_mix_v2.weight",
      "time_mix_a0.weight",
      "time_mix_a1.weight",
      "time_mix_a2.weight",
      "time_mix_g1.weight",
      "time_mix_g2.weight",
      "time_mix_decay_w1.weight",
      "time_mix_decay_w2.weight",
      "time_mix_lerp_fused.weight",
      "attn_rel_b.weight",
      ".position_embd",
      "sam.pos_embd",
      "sam.neck.",
      "sam.net_",
      ".rel_pos",
      ".patch_embd",
      ".patch_merger",
      "a.rvq.codebook",
      "mm.a.code_embd",
  };
  for (const char* part : kKeptAsIs) {
    if (contains(name, part)) return false;
  }
  // BERT-style position embeddings and token types.
  return name != "position_embd.weight" && name != "token_types.weight";
}

bool tensor_requires_importance(const GgufTensorInfo& tensor, GgmlType type, LlamaFileType ftype) {
  const TensorRole role = tensor_role(tensor.name);
  if (role == TensorRole::OUTPUT || role == TensorRole::TOKEN_EMBD) return false;
  switch (type) {
    case T::IQ3_XXS:
    case T::IQ2_XXS:
    case T::IQ2_XS:
    case T::IQ2_S:
    case T::IQ1_M:
    case T::IQ1_S: return true;
    case T::Q2_K: return ftype == F::MOSTLY_Q2_K_S;
    default: return false;
  }
}

Result<std::vector<GgmlType>> choose_tensor_types(const GgufFile& file, const std::vector<size_t>& order,
                                                  const QuantPreset& preset, const QuantModelInfo& model,
                                                  const TensorTypeOptions& options) {
  RuleState state;
  state.n_ffn_down = state.n_ffn_gate = state.n_ffn_up = static_cast<int>(model.n_layer);
  for (const GgufTensorInfo& tensor : file.tensors) {
    const TensorRole role = tensor_role(tensor.name);
    if (is_attention_v_like(role)) ++state.n_attention_v;
    if (role == TensorRole::OUTPUT) state.has_tied_embeddings = false;
  }

  std::vector<GgmlType> types(file.tensors.size());
  for (size_t index : order) {
    const GgufTensorInfo& tensor = file.tensors[index];
    const TensorRole role = tensor_role(tensor.name);
    GgmlType type = tensor.type;
    if (!tensor_allows_quantization(tensor)) {
      // kept as it is
    } else if (options.token_embedding_type != T::COUNT && role == TensorRole::TOKEN_EMBD) {
      type = options.token_embedding_type;  // as given: no mix rule, no shape fallback
    } else if (options.output_tensor_type != T::COUNT && role == TensorRole::OUTPUT) {
      type = options.output_tensor_type;
    } else {
      type = preset.default_type;
      if (is_quantized(type)) {
        if (!options.pure) {
          Result<GgmlType> mixed = mixed_type(state, model, preset.file_type, tensor, role, type, options);
          if (!mixed.is_ok()) return mixed.status();
          type = mixed.value();
        }
        type = shape_fallback(tensor, type);
      }
    }
    types[index] = type;
  }
  return types;
}

}  // namespace webgguf
