#include "model/model_weights.h"

#include <cstring>

#include "kernels/vec_dot_tokens.h"

namespace webgguf {
namespace {

enum class Need { kRequired, kOptional };

class Binder {
 public:
  Binder(const GgufFile& file, const uint8_t* data, size_t size) : file_(file), data_(data), size_(size) {}

  // Where the tensor's bytes are in the file, after checking they lie inside it.
  Result<const uint8_t*> tensor_data(const GgufTensorInfo& t) {
    const uint64_t begin = file_.data_offset + t.offset;
    if (begin < file_.data_offset || t.size_bytes > size_ || begin > size_ - t.size_bytes) {
      return Status::error(format("tensor '%s' lies outside the file (%zu bytes)", t.name.c_str(), size_));
    }
    return data_ + begin;
  }

  Status matrix(const std::string& name, int64_t n_cols, int64_t n_rows, Need need, WeightMatrix* out) {
    const GgufTensorInfo* t = file_.find_tensor(name);
    if (t == nullptr) {
      return need == Need::kRequired ? Status::error(format("model is missing tensor '%s'", name.c_str()))
                                     : Status::ok();
    }
    WEBGGUF_RETURN_IF_ERROR(check_2d_shape(*t, n_cols, n_rows));
    const QuantTraits* traits = quant_traits(t->type);
    const QuantTraits* activation = traits != nullptr ? quant_traits(traits->vec_dot_type) : nullptr;
    const bool activation_ok =
        activation != nullptr && (activation->type == GgmlType::F32 || activation->quantize != nullptr);
    if (traits == nullptr || traits->vec_dot == nullptr || traits->dequantize == nullptr || !activation_ok ||
        n_cols % traits->block_size != 0 || n_cols % activation->block_size != 0) {
      return Status::error(format("tensor '%s' has type %s, which is not supported for matrices", name.c_str(),
                                  ggml_type_name(t->type)));
    }
    Result<const uint8_t*> bytes = tensor_data(*t);
    if (!bytes.is_ok()) return bytes.status();
    out->info = t;
    out->traits = traits;
    out->activation_traits = activation;
    out->matmul.data = bytes.value();
    out->matmul.row_bytes = ggml_row_bytes(t->type, n_cols);
    out->matmul.n_rows = n_rows;
    out->matmul.n_cols = n_cols;
    out->matmul.dot = traits->vec_dot;
    out->matmul.dot_tokens = tokens_dot_for(t->type);
    const size_t act_bytes = ggml_row_bytes(activation->type, n_cols);
    if (act_bytes > max_activation_row_bytes) max_activation_row_bytes = act_bytes;
    return Status::ok();
  }

  // A 1-D tensor of n elements, converted to f32. Absent optional tensors leave `out` empty.
  Status vector(const std::string& name, int64_t n, Need need, std::vector<float>* out) {
    const GgufTensorInfo* t = file_.find_tensor(name);
    if (t == nullptr) {
      return need == Need::kRequired ? Status::error(format("model is missing tensor '%s'", name.c_str()))
                                     : Status::ok();
    }
    if (t->n_elements() != static_cast<uint64_t>(n) || t->ne[0] != static_cast<uint64_t>(n)) {
      return Status::error(format("tensor '%s' has %llu elements, expected %lld", name.c_str(),
                                  (unsigned long long)t->n_elements(), (long long)n));
    }
    return copy_f32(*t, n, out);
  }

  // A small 2-D tensor [n_cols, n_rows] converted to f32 (lfm2's conv taps), row-major.
  Status small_matrix(const std::string& name, int64_t n_cols, int64_t n_rows, std::vector<float>* out) {
    const GgufTensorInfo* t = file_.find_tensor(name);
    if (t == nullptr) return Status::error(format("model is missing tensor '%s'", name.c_str()));
    WEBGGUF_RETURN_IF_ERROR(check_2d_shape(*t, n_cols, n_rows));
    return copy_f32(*t, n_cols * n_rows, out);
  }

  size_t max_activation_row_bytes = 0;
  uint64_t copied_bytes = 0;

 private:
  static Status check_2d_shape(const GgufTensorInfo& t, int64_t n_cols, int64_t n_rows) {
    if (t.ne[0] == static_cast<uint64_t>(n_cols) && t.ne[1] == static_cast<uint64_t>(n_rows) && t.ne[2] == 1 &&
        t.ne[3] == 1) {
      return Status::ok();
    }
    return Status::error(format("tensor '%s' has shape [%llu, %llu, %llu, %llu], expected [%lld, %lld]", t.name.c_str(),
                                (unsigned long long)t.ne[0], (unsigned long long)t.ne[1], (unsigned long long)t.ne[2],
                                (unsigned long long)t.ne[3], (long long)n_cols, (long long)n_rows));
  }

  Status copy_f32(const GgufTensorInfo& t, int64_t n, std::vector<float>* out) {
    Result<const uint8_t*> bytes = tensor_data(t);
    if (!bytes.is_ok()) return bytes.status();
    out->resize(n);
    if (t.type == GgmlType::F32) {
      std::memcpy(out->data(), bytes.value(), n * sizeof(float));
    } else {
      const QuantTraits* traits = quant_traits(t.type);
      if (traits == nullptr || traits->dequantize == nullptr || t.ne[0] % traits->block_size != 0) {
        return Status::error(format("tensor '%s' has unsupported type %s", t.name.c_str(), ggml_type_name(t.type)));
      }
      traits->dequantize(bytes.value(), out->data(), n);
    }
    copied_bytes += n * sizeof(float);
    return Status::ok();
  }

  const GgufFile& file_;
  const uint8_t* data_;
  size_t size_;
};

std::string layer_tensor(int layer, const char* name) {
  return format("blk.%d.%s", layer, name);
}

// Concatenates optional biases of fused outputs; all absent -> empty, partly present -> zeros
// for the missing parts.
std::vector<float> concat_biases(const std::vector<const std::vector<float>*>& parts,
                                 const std::vector<int64_t>& sizes) {
  bool any = false;
  for (const auto* p : parts) any = any || !p->empty();
  std::vector<float> out;
  if (!any) return out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i]->empty())
      out.insert(out.end(), sizes[i], 0.0f);
    else
      out.insert(out.end(), parts[i]->begin(), parts[i]->end());
  }
  return out;
}

// Attention: q, k, v (fused or not, optional biases), q/k norms, output, optional post-norm.
Status bind_attention(Binder& b, const ModelConfig& c, int il, LayerWeights* l) {
  const ArchitectureTraits& arch = *c.traits;
  const LayerConfig& lc = c.layers[il];
  const int64_t n_embd = c.n_embd, n_q = int64_t{lc.n_head} * c.head_dim, n_kv = int64_t{lc.n_head_kv} * c.head_dim;
  WEBGGUF_RETURN_IF_ERROR(
      b.matrix(layer_tensor(il, "attn_qkv.weight"), n_embd, n_q + 2 * n_kv, Need::kOptional, &l->wqkv));
  if (l->wqkv.present()) {
    WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "attn_qkv.bias"), n_q + 2 * n_kv, Need::kOptional, &l->qkv_bias));
  } else {
    // With an output gate (qwen35) attn_q's rows are [q | gate] per head.
    const int64_t q_rows = arch.attention_output_gate ? 2 * n_q : n_q;
    WEBGGUF_RETURN_IF_ERROR(b.matrix(layer_tensor(il, "attn_q.weight"), n_embd, q_rows, Need::kRequired, &l->wq));
    WEBGGUF_RETURN_IF_ERROR(b.matrix(layer_tensor(il, "attn_k.weight"), n_embd, n_kv, Need::kRequired, &l->wk));
    WEBGGUF_RETURN_IF_ERROR(b.matrix(layer_tensor(il, "attn_v.weight"), n_embd, n_kv, Need::kRequired, &l->wv));
    std::vector<float> bq, bk, bv;
    WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "attn_q.bias"), n_q, Need::kOptional, &bq));
    WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "attn_k.bias"), n_kv, Need::kOptional, &bk));
    WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "attn_v.bias"), n_kv, Need::kOptional, &bv));
    l->qkv_bias = concat_biases({&bq, &bk, &bv}, {n_q, n_kv, n_kv});
  }
  if (arch.qk_norm != QkNorm::kNone) {
    const bool per_head = arch.qk_norm == QkNorm::kPerHead;
    WEBGGUF_RETURN_IF_ERROR(
        b.vector(layer_tensor(il, "attn_q_norm.weight"), per_head ? c.head_dim : n_q, Need::kRequired, &l->q_norm));
    WEBGGUF_RETURN_IF_ERROR(
        b.vector(layer_tensor(il, "attn_k_norm.weight"), per_head ? c.head_dim : n_kv, Need::kRequired, &l->k_norm));
  }
  WEBGGUF_RETURN_IF_ERROR(b.matrix(layer_tensor(il, "attn_output.weight"), n_q, n_embd, Need::kRequired, &l->wo));
  WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "attn_output.bias"), n_embd, Need::kOptional, &l->wo_bias));
  if (arch.post_norms) {  // qwen35's post_attention_norm is its FFN's input norm (ffn_norm in the table)
    WEBGGUF_RETURN_IF_ERROR(
        b.vector(layer_tensor(il, "post_attention_norm.weight"), n_embd, Need::kRequired, &l->attn_post_norm));
  }
  return Status::ok();
}

// A causal conv's taps [channels][taps] as the file stores them, to tap-major [taps][channels]
// (the kernel runs across channels).
Status conv_taps(Binder& b, const std::string& name, int64_t taps, int64_t channels, std::vector<float>* out) {
  std::vector<float> per_channel;
  WEBGGUF_RETURN_IF_ERROR(b.small_matrix(name, taps, channels, &per_channel));
  out->resize(per_channel.size());
  for (int64_t ch = 0; ch < channels; ++ch) {
    for (int64_t k = 0; k < taps; ++k) (*out)[k * channels + ch] = per_channel[ch * taps + k];
  }
  return Status::ok();
}

// lfm2's short convolution (lfm2.cpp load_arch_tensors): in_proj, the conv taps, out_proj.
Status bind_shortconv(Binder& b, const ModelConfig& c, int il, LayerWeights* l) {
  const int64_t n_embd = c.n_embd, taps = c.shortconv_l_cache;
  WEBGGUF_RETURN_IF_ERROR(
      b.matrix(layer_tensor(il, "shortconv.in_proj.weight"), n_embd, 3 * n_embd, Need::kRequired, &l->shortconv_in));
  WEBGGUF_RETURN_IF_ERROR(conv_taps(b, layer_tensor(il, "shortconv.conv.weight"), taps, n_embd, &l->shortconv_kernel));
  return b.matrix(layer_tensor(il, "shortconv.out_proj.weight"), n_embd, n_embd, Need::kRequired, &l->shortconv_out);
}

// qwen35's Gated DeltaNet (qwen35.cpp load_block_trunk).
Status bind_delta_net(Binder& b, const ModelConfig& c, int il, LayerWeights* l) {
  const ModelConfig::DeltaNet& d = c.delta_net;
  const int64_t n_embd = c.n_embd, channels = d.conv_channels();
  auto name = [&](const char* t) { return layer_tensor(il, t); };
  WEBGGUF_RETURN_IF_ERROR(b.matrix(name("attn_qkv.weight"), n_embd, channels, Need::kRequired, &l->ssm_qkv));
  WEBGGUF_RETURN_IF_ERROR(b.matrix(name("attn_gate.weight"), n_embd, d.d_inner, Need::kRequired, &l->ssm_gate));
  WEBGGUF_RETURN_IF_ERROR(b.matrix(name("ssm_beta.weight"), n_embd, d.n_v_heads, Need::kRequired, &l->ssm_beta));
  WEBGGUF_RETURN_IF_ERROR(b.matrix(name("ssm_alpha.weight"), n_embd, d.n_v_heads, Need::kRequired, &l->ssm_alpha));
  WEBGGUF_RETURN_IF_ERROR(conv_taps(b, name("ssm_conv1d.weight"), d.d_conv, channels, &l->ssm_conv_kernel));
  WEBGGUF_RETURN_IF_ERROR(b.vector(name("ssm_dt.bias"), d.n_v_heads, Need::kRequired, &l->ssm_dt));
  WEBGGUF_RETURN_IF_ERROR(b.vector(name("ssm_a"), d.n_v_heads, Need::kRequired, &l->ssm_a));
  WEBGGUF_RETURN_IF_ERROR(b.vector(name("ssm_norm.weight"), d.head_dim, Need::kRequired, &l->ssm_norm));
  return b.matrix(name("ssm_out.weight"), d.d_inner, n_embd, Need::kRequired, &l->ssm_out);
}

Status bind_layer(Binder& b, const ModelConfig& c, int il, LayerWeights* l) {
  const ArchitectureTraits& arch = *c.traits;
  const LayerConfig& lc = c.layers[il];
  const int64_t n_embd = c.n_embd, n_ff = lc.n_ff;
  const Need pre_norm = arch.pre_norms ? Need::kRequired : Need::kOptional;
  const Need post_norm = arch.post_norms ? Need::kRequired : Need::kOptional;
  WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "attn_norm.weight"), n_embd, pre_norm, &l->attn_norm));
  if (!lc.recurrent) {
    WEBGGUF_RETURN_IF_ERROR(bind_attention(b, c, il, l));
  } else if (arch.recurrent == RecurrentLayer::kShortConv) {
    WEBGGUF_RETURN_IF_ERROR(bind_shortconv(b, c, il, l));
  } else {
    WEBGGUF_RETURN_IF_ERROR(bind_delta_net(b, c, il, l));
  }

  WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, arch.ffn_norm), n_embd, pre_norm, &l->ffn_norm));
  if (arch.fused_qkv_ffn) {
    WEBGGUF_RETURN_IF_ERROR(b.matrix(layer_tensor(il, "ffn_up.weight"), n_embd, 2 * n_ff, Need::kRequired, &l->w_up));
  } else {
    WEBGGUF_RETURN_IF_ERROR(b.matrix(layer_tensor(il, "ffn_gate.weight"), n_embd, n_ff, Need::kRequired, &l->w_gate));
    WEBGGUF_RETURN_IF_ERROR(b.matrix(layer_tensor(il, "ffn_up.weight"), n_embd, n_ff, Need::kRequired, &l->w_up));
    std::vector<float> bg, bu;
    WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "ffn_gate.bias"), n_ff, Need::kOptional, &bg));
    WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "ffn_up.bias"), n_ff, Need::kOptional, &bu));
    l->gate_up_bias = concat_biases({&bg, &bu}, {n_ff, n_ff});
  }
  WEBGGUF_RETURN_IF_ERROR(b.matrix(layer_tensor(il, "ffn_down.weight"), n_ff, n_embd, Need::kRequired, &l->w_down));
  WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "ffn_down.bias"), n_embd, Need::kOptional, &l->down_bias));
  WEBGGUF_RETURN_IF_ERROR(b.vector(layer_tensor(il, "post_ffw_norm.weight"), n_embd, post_norm, &l->ffn_post_norm));
  return Status::ok();
}

}  // namespace

Result<ModelWeights> bind_weights(const GgufFile& file, const uint8_t* data, size_t size, const ModelConfig& c,
                                  uint32_t n_ctx) {
  Binder b(file, data, size);
  ModelWeights w;
  const GgufTensorInfo* embd = file.find_tensor("token_embd.weight");
  if (embd == nullptr) return Status::error("model is missing tensor 'token_embd.weight'");
  const QuantTraits* embd_traits = quant_traits(embd->type);
  if (embd_traits == nullptr || embd_traits->dequantize == nullptr) {
    return Status::error(format("tensor 'token_embd.weight' has unsupported type %s", ggml_type_name(embd->type)));
  }
  if (embd->ne[0] != static_cast<uint64_t>(c.n_embd) || embd->ne[1] != static_cast<uint64_t>(c.n_vocab) ||
      embd->ne[2] != 1 || embd->ne[3] != 1) {
    return Status::error(format("tensor 'token_embd.weight' has shape [%llu, %llu], expected [%d, %d]",
                                (unsigned long long)embd->ne[0], (unsigned long long)embd->ne[1], c.n_embd, c.n_vocab));
  }
  Result<const uint8_t*> embd_data = b.tensor_data(*embd);
  if (!embd_data.is_ok()) return embd_data.status();
  w.token_embd.info = embd;
  w.token_embd.traits = embd_traits;
  w.token_embd.matmul = {embd_data.value(), static_cast<size_t>(ggml_row_bytes(embd->type, c.n_embd)), c.n_vocab,
                         c.n_embd, embd_traits->vec_dot};

  WEBGGUF_RETURN_IF_ERROR(b.vector(c.traits->output_norm, c.n_embd, Need::kRequired, &w.output_norm));
  WEBGGUF_RETURN_IF_ERROR(b.matrix("output.weight", c.n_embd, c.n_vocab, Need::kOptional, &w.output));
  if (!w.output.present()) {  // tied embeddings
    WEBGGUF_RETURN_IF_ERROR(b.matrix("token_embd.weight", c.n_embd, c.n_vocab, Need::kRequired, &w.output));
  }
  WEBGGUF_RETURN_IF_ERROR(b.vector("output.bias", c.n_vocab, Need::kOptional, &w.output_bias));

  const int64_t n_factors = c.n_rot / 2;
  if (c.rope_longrope) {
    const char* which =
        n_ctx > static_cast<uint32_t>(c.n_ctx_orig) ? "rope_factors_long.weight" : "rope_factors_short.weight";
    WEBGGUF_RETURN_IF_ERROR(b.vector(which, n_factors, Need::kOptional, &w.rope_factors));
  } else {
    WEBGGUF_RETURN_IF_ERROR(b.vector("rope_freqs.weight", n_factors, Need::kOptional, &w.rope_factors));
  }

  w.layers.resize(c.n_layer);
  for (int il = 0; il < c.n_layer; ++il) WEBGGUF_RETURN_IF_ERROR(bind_layer(b, c, il, &w.layers[il]));

  for (const auto& t : file.tensors) {
    w.n_params += t.n_elements();
    w.tensor_bytes += t.size_bytes;
  }
  w.copied_bytes = b.copied_bytes;
  w.max_activation_row_bytes = b.max_activation_row_bytes;
  return w;
}

}  // namespace webgguf
