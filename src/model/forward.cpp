// The forward pass: tokens -> logits, read top to bottom like the paper.
//   x = embed(tokens) * embedding_scale
//   for each layer:  x += s * PostNorm(Attention(RMSNorm(x)))   (RoPE on q and k, causal, grouped-query
//                                                                heads, optional sliding window)
//                    x += s * PostNorm(FFN(RMSNorm(x)))         (SwiGLU / GEGLU: down(act(gate x) * up x))
//   logits = softcap(RMSNorm(x) W_out / logit_scale)
// The pre-norms, post-norms (gemma2/3, olmo2), q/k norms, residual scale s (granite) and soft-caps
// (gemma2) are each present or not as the architecture table and the GGUF say. A recurrent layer
// (lfm2's short convolution) takes the attention's place: x += ShortConv(RMSNorm(x)).
// Shapes are [tokens, features], row-major; B is the micro-batch (<= kMaxBatch tokens).
#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "core/fp16.h"
#include "kernels/matmul.h"
#include "kernels/ops_activation.h"
#include "kernels/ops_attention.h"
#include "kernels/ops_delta_net.h"
#include "kernels/ops_hadamard.h"
#include "kernels/ops_norm.h"
#include "kernels/ops_rope.h"
#include "kernels/ops_shortconv.h"
#include "kernels/quantize_activations.h"
#include "model/model.h"
#include "model/model_state.h"

namespace webgguf {
namespace {

// Below this much attention work (multiply-adds), threads cost more than they save.
constexpr int64_t kMinParallelAttentionMacs = 64 * 1024;

// One activation row to `format` (a vec_dot_type). The Q8 formats have SIMD converters that are
// byte-identical to the scalar quantizers in the traits table.
void convert_activation_row(const QuantTraits* format, const float* src, uint8_t* dst, int64_t n) {
  switch (format->type) {
    case GgmlType::Q8_0: quantize_row_q8_0_fast(src, dst, n); break;
    case GgmlType::Q8_1: quantize_row_q8_1_fast(src, dst, n); break;
    case GgmlType::Q8_K: quantize_row_q8_K_fast(src, dst, n); break;
    default: format->quantize(src, dst, n, nullptr); break;
  }
}

struct Projection {
  const WeightMatrix* weights;
  float* out;  // [B, out_stride]; this weight's rows land at out[t * out_stride + r]
  int64_t out_stride;
};

// out = input W^T for several weights that read the same input [nb, n_cols]. The input is
// converted to each weight type's activation format once (ggml's vec_dot_type: F16 for F16
// weights, Q8_0/Q8_1/Q8_K for quantized ones) and all products share one thread barrier.
void project(ModelState& s, const float* input, int64_t n_cols, int nb, std::initializer_list<Projection> projections) {
  MatmulTask tasks[kActivationSlots];
  const QuantTraits* slot_formats[kActivationSlots] = {};
  int n_tasks = 0;
  for (const Projection& p : projections) {
    if (s.observer != nullptr) s.observer->observe(*p.weights->info, input, n_cols, nb);
    const QuantTraits* activation_format = p.weights->activation_traits;
    const size_t row_bytes = ggml_row_bytes(activation_format->type, n_cols);
    const uint8_t* activations = reinterpret_cast<const uint8_t*>(input);
    if (activation_format->type != GgmlType::F32) {
      int slot = 0;
      while (slot_formats[slot] != nullptr && slot_formats[slot] != activation_format) ++slot;
      uint8_t* converted = s.activations[slot].as<uint8_t>();
      if (slot_formats[slot] == nullptr) {
        slot_formats[slot] = activation_format;
        auto convert = [&](int share, int n_shares) {
          const Range tokens = split_range(nb, share, n_shares);
          for (int64_t t = tokens.begin; t < tokens.end; ++t) {
            convert_activation_row(activation_format, input + t * n_cols, converted + t * row_bytes, n_cols);
          }
        };
        // One row (decode) runs inline: a single share costs no barrier.
        s.pool->run(convert, std::min(nb, s.pool->n_threads()));
      }
      activations = converted;
    }
    tasks[n_tasks++] = {&p.weights->matmul, activations, row_bytes, p.out, p.out_stride};
  }
  matmul(*s.pool, tasks, n_tasks, nb);
}

// fn(t) for every token t of the micro-batch, split across the pool when there is more than one.
template <typename Fn>
void for_each_token(ModelState& s, int nb, Fn&& fn) {
  if (nb == 1 || s.pool->n_threads() == 1) {
    for (int t = 0; t < nb; ++t) fn(t);
    return;
  }
  s.pool->run([&](int share, int n_shares) {
    const Range tokens = split_range(nb, share, n_shares);
    for (int64_t t = tokens.begin; t < tokens.end; ++t) fn(static_cast<int>(t));
  });
}

void add_bias(float* rows, int nb, int64_t stride, const std::vector<float>& bias) {
  if (bias.empty()) return;
  for (int t = 0; t < nb; ++t) {
    for (size_t i = 0; i < bias.size(); ++i) rows[t * stride + i] += bias[i];
  }
}

// x += y, both [nb, n]
void add_residual(float* x, const float* y, int64_t count) {
  for (int64_t i = 0; i < count; ++i) x[i] += y[i];
}

void rmsnorm_rows(const float* x, const std::vector<float>& weight, int nb, int64_t n, float eps, float* out) {
  for (int t = 0; t < nb; ++t) rmsnorm(x + t * n, weight.data(), n, eps, out + t * n);
}

// out = RMSNorm(x) * weight over the tokens of a micro-batch, in parallel; a copy of x when the
// family has no such norm (olmo2's blocks read the residual stream directly).
void rmsnorm_tokens(ModelState& s, const float* x, const std::vector<float>& weight, int nb, int64_t n, float* out) {
  if (weight.empty()) {
    std::copy(x, x + nb * n, out);
    return;
  }
  for_each_token(s, nb, [&](int t) { rmsnorm(x + t * n, weight.data(), n, s.config.rms_eps, out + t * n); });
}

// x += residual_scale * PostNorm(y), both [nb, n_embd]; y is normalised in place when the layer has a post-norm.
void add_sub_block_output(ModelState& s, const std::vector<float>& post_norm, float* y, int nb) {
  const ModelConfig& c = s.config;
  if (!post_norm.empty()) rmsnorm_rows(y, post_norm, nb, c.n_embd, c.rms_eps, y);
  const int64_t count = static_cast<int64_t>(nb) * c.n_embd;
  if (c.residual_scale != 1.0f) {
    for (int64_t i = 0; i < count; ++i) y[i] *= c.residual_scale;
  }
  add_residual(s.x.data(), y, count);
}

// q and k normalised before RoPE: per head (qwen3, gemma3) or over the whole projection (olmo2).
void normalize_qk(const ModelConfig& c, const LayerWeights& l, const LayerConfig& lc, float* q, float* k) {
  if (l.q_norm.empty()) return;
  const int hd = c.head_dim;
  const bool per_head = c.traits->qk_norm == QkNorm::kPerHead;
  rmsnorm_rows(q, l.q_norm, per_head ? lc.n_head : 1, per_head ? hd : int64_t{lc.n_head} * hd, c.rms_eps, q);
  rmsnorm_rows(k, l.k_norm, per_head ? lc.n_head_kv : 1, per_head ? hd : int64_t{lc.n_head_kv} * hd, c.rms_eps, k);
}

// x += Attention(RMSNorm(x)) for the nb tokens at positions [pos, pos + nb).
void attention_block(ModelState& s, int il, int nb, int32_t pos) {
  const ModelConfig& c = s.config;
  const LayerWeights& l = s.weights.layers[il];
  const LayerConfig& lc = c.layers[il];
  const int hd = c.head_dim;
  const int64_t n_q = int64_t{lc.n_head} * hd, n_kv = int64_t{lc.n_head_kv} * hd, qkv_stride = n_q + 2 * n_kv;

  // xn = RMSNorm(x) * attn_norm                                     [B, n_embd]
  rmsnorm_tokens(s, s.x.data(), l.attn_norm, nb, c.n_embd, s.xn.data());

  // q | k | v = xn W_qkv (+ bias)                                   [B, n_q | n_kv | n_kv]
  float* qkv = s.qkv.data();
  const bool output_gate = c.traits->attention_output_gate;
  if (l.wqkv.present()) {
    project(s, s.xn.data(), c.n_embd, nb, {{&l.wqkv, qkv, qkv_stride}});
  } else if (output_gate) {  // attn_q: [q_h | gate_h] per head; q to its place in qkv, gates stay  [B, 2 n_q]
    float* q_gate = s.attn_gate.data();
    project(s, s.xn.data(), c.n_embd, nb,
            {{&l.wq, q_gate, 2 * n_q}, {&l.wk, qkv + n_q, qkv_stride}, {&l.wv, qkv + n_q + n_kv, qkv_stride}});
    for (int t = 0; t < nb; ++t) {
      for (int h = 0; h < lc.n_head; ++h) {
        std::copy_n(q_gate + t * 2 * n_q + h * 2 * hd, hd, qkv + t * qkv_stride + h * hd);
      }
    }
  } else {
    project(s, s.xn.data(), c.n_embd, nb,
            {{&l.wq, qkv, qkv_stride}, {&l.wk, qkv + n_q, qkv_stride}, {&l.wv, qkv + n_q + n_kv, qkv_stride}});
  }
  add_bias(qkv, nb, qkv_stride, l.qkv_bias);

  const int64_t kv_rows = s.kv_rows[il];
  uint8_t* keys = s.layer_keys(il);      // [n_head_kv, kv_rows] rows of hd values
  uint8_t* values = s.layer_values(il);  // [n_head_kv, kv_rows]
  const RopeParams& rope = lc.sliding ? s.rope_swa : s.rope;
  const float* cos_sin_table = lc.sliding ? s.cos_sin_swa.data() : s.cos_sin.data();
  for_each_token(s, nb, [&](int t) {
    float* q = qkv + t * qkv_stride;  // [n_head, hd]
    float* k = q + n_q;               // [n_head_kv, hd]
    const float* v = k + n_kv;        // [n_head_kv, hd] (rotated in place below with a quantized V cache)
    normalize_qk(c, l, lc, q, k);
    if (lc.rope) {
      const float* cos_sin = cos_sin_table + static_cast<int64_t>(t) * c.n_rot;
      rope_apply(rope, cos_sin, q, lc.n_head, hd);
      rope_apply(rope, cos_sin, k, lc.n_head_kv, hd);
    }
    if (s.key_rotation) {  // quantized keys: q and k rotated alike, q.k unchanged
      hadamard_rows(q, n_q, s.key_rotation);
      hadamard_rows(k, n_kv, s.key_rotation);
    }
    if (s.value_rotation) hadamard_rows(k + n_kv, n_kv, s.value_rotation);
    // The cache stores this position's k and v in its types (in its ring row on a sliding-window layer).
    const int64_t cache_row = (pos + t) % kv_rows;
    for (int h = 0; h < lc.n_head_kv; ++h) {
      const int64_t row = static_cast<int64_t>(h) * kv_rows + cache_row;
      s.key_format.quantize_row(k + h * hd, keys + row * s.key_format.row_bytes, hd);
      s.value_format.quantize_row(v + h * hd, values + row * s.value_format.row_bytes, hd);
    }
  });

  // attn = softmax(softcap(scale q K^T)) V, causal, grouped-query   [B, n_q]
  AttentionShape shape;
  shape.n_head = lc.n_head;
  shape.n_head_kv = lc.n_head_kv;
  shape.head_dim = hd;
  shape.kv_rows = kv_rows;
  shape.keys = s.key_format;
  shape.values = s.value_format;
  shape.q_token_stride = qkv_stride;
  shape.window = lc.sliding ? c.n_swa : 0;
  shape.softcap = c.attn_softcap;
  // One share per thread: each share has its own scratch.
  auto attend = [&](int share, int n_shares) {
    attention_causal(shape, qkv, nb, pos, keys, values, c.attention_scale,
                     s.attention_scratch.data() + share * s.attention_scratch_stride, s.attn.data(), share, n_shares);
  };
  // Short contexts are cheaper to attend to on this thread than a barrier costs.
  const int64_t attended = shape.window > 0 ? std::min<int64_t>(pos + nb, shape.window) : pos + nb;
  const int64_t attention_macs = static_cast<int64_t>(nb) * lc.n_head * attended * hd * 2;
  if (attention_macs < kMinParallelAttentionMacs)
    attend(0, 1);
  else
    s.pool->run(attend);
  // Rotated values give a rotated output: rotate it back.
  if (s.value_rotation) hadamard_rows(s.attn.data(), static_cast<int64_t>(nb) * n_q, s.value_rotation);
  if (output_gate) {  // attn *= sigmoid(gate)                      [B, n_q]
    for (int t = 0; t < nb; ++t) {
      for (int h = 0; h < lc.n_head; ++h) {
        const float* gate = s.attn_gate.data() + t * 2 * n_q + h * 2 * hd + hd;
        float* out = s.attn.data() + t * n_q + h * hd;
        for (int i = 0; i < hd; ++i) out[i] *= 1.0f / (1.0f + std::exp(-gate[i]));
      }
    }
  }

  // x += PostNorm(attn W_o (+ bias))                                [B, n_embd]
  project(s, s.attn.data(), n_q, nb, {{&l.wo, s.proj.data(), c.n_embd}});
  add_bias(s.proj.data(), nb, c.n_embd, l.wo_bias);
  add_sub_block_output(s, l.attn_post_norm, s.proj.data(), nb);
}

// x += (C * conv(B * X)) W_out, B | C | X = RMSNorm(x) W_in: lfm2's short-convolution block, the
// conv causal and depthwise over this layer's state and the micro-batch (lfm2.cpp build_shortconv_block).
void shortconv_block(ModelState& s, int il, int nb) {
  const ModelConfig& c = s.config;
  const LayerWeights& l = s.weights.layers[il];
  const int64_t n = c.n_embd;

  // xn = RMSNorm(x) * attn_norm                                     [B, n_embd]
  rmsnorm_tokens(s, s.x.data(), l.attn_norm, nb, n, s.xn.data());

  // b | c | x = xn W_in                                             [B, 3 n_embd]
  float* bcx = s.shortconv.data();
  float* bx = bcx + static_cast<int64_t>(nb) * 3 * n;  // [B, n_embd]
  float* conv = bx + static_cast<int64_t>(nb) * n;     // [B, n_embd]
  project(s, s.xn.data(), n, nb, {{&l.shortconv_in, bcx, 3 * n}});
  for (int t = 0; t < nb; ++t) {
    const float* b = bcx + t * 3 * n;
    for (int64_t i = 0; i < n; ++i) bx[t * n + i] = b[i] * b[2 * n + i];
  }

  // conv[t] = sum_k kernel[k] * (state | bx)[t + k], per channel     [B, n_embd]
  shortconv_causal(l.shortconv_kernel.data(), c.shortconv_l_cache, s.recurrent.layer(il), bx, nb, n, conv);

  // x += (c * conv) W_out                                           [B, n_embd]
  for (int t = 0; t < nb; ++t) {
    const float* gate = bcx + t * 3 * n + n;
    for (int64_t i = 0; i < n; ++i) bx[t * n + i] = gate[i] * conv[t * n + i];
  }
  project(s, bx, n, nb, {{&l.shortconv_out, s.proj.data(), n}});
  add_sub_block_output(s, {}, s.proj.data(), nb);
}

// x += o W_out: qwen35's Gated DeltaNet (qwen35.cpp build_layer_attn_linear, ggml_gated_delta_net),
// xn = RMSNorm(x):
//   q | k | v = silu(causal conv(xn W_qkv)), q and k L2-normed per key head;
//   per value head h (key head h % n_k_heads): S_h = exp(g) S_h + beta k (v - exp(g) S_h k)^T,
//   o_h = S_h q / sqrt(head_dim), g = softplus(xn W_alpha + dt) * a, beta = sigmoid(xn W_beta);
//   o_h = RMSNorm(o_h) * ssm_norm * silu(z_h), z = xn W_gate.
void delta_net_block(ModelState& s, int il, int nb) {
  const ModelConfig& c = s.config;
  const LayerWeights& l = s.weights.layers[il];
  const ModelConfig::DeltaNet& d = c.delta_net;
  const int64_t channels = d.conv_channels(), n_inner = d.d_inner, hd = d.head_dim;
  const int n_v = d.n_v_heads, n_k = d.n_k_heads;

  rmsnorm_tokens(s, s.x.data(), l.attn_norm, nb, c.n_embd, s.xn.data());
  float* qkv = s.delta_net.data();    // [B, channels]
  float* conv = qkv + nb * channels;  // [B, channels]
  float* z = conv + nb * channels;    // [B, d_inner]
  float* o = z + nb * n_inner;        // [B, d_inner]
  float* beta = o + nb * n_inner;     // [B, n_v]
  float* alpha = beta + nb * n_v;     // [B, n_v]
  project(s, s.xn.data(), c.n_embd, nb, {{&l.ssm_qkv, qkv, channels}, {&l.ssm_gate, z, n_inner}});
  project(s, s.xn.data(), c.n_embd, nb, {{&l.ssm_beta, beta, n_v}, {&l.ssm_alpha, alpha, n_v}});

  float* conv_state = s.recurrent.layer(il);                 // [d_conv - 1, channels]
  float* matrices = conv_state + (d.d_conv - 1) * channels;  // [n_v, hd, hd]
  shortconv_causal(l.ssm_conv_kernel.data(), d.d_conv, conv_state, qkv, nb, channels, conv);
  for (int64_t i = 0; i < nb * channels; ++i) conv[i] = conv[i] / (1.0f + std::exp(-conv[i]));

  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  for (int t = 0; t < nb; ++t) {
    float* row = conv + t * channels;    // q [n_k, hd] | k [n_k, hd] | v [n_v, hd]
    for (int h = 0; h < 2 * n_k; ++h) {  // ggml_l2_norm: x / max(|x|, eps), the sum in double
      float* x = row + h * hd;
      double sum = 0.0;
      for (int64_t i = 0; i < hd; ++i) sum += static_cast<double>(x[i] * x[i]);
      const float inverse = 1.0f / std::fmax(std::sqrt(static_cast<float>(sum)), c.rms_eps);
      for (int64_t i = 0; i < hd; ++i) x[i] *= inverse;
    }
    for (int h = 0; h < n_v; ++h) {
      const float a = alpha[t * n_v + h] + l.ssm_dt[h];
      const float softplus = a > 20.0f ? a : std::log(1.0f + std::exp(a));
      const float decay = std::exp(softplus * l.ssm_a[h]);
      const float b = 1.0f / (1.0f + std::exp(-beta[t * n_v + h]));
      const float* q = row + (h % n_k) * hd;
      const float* k = row + (n_k + h % n_k) * hd;
      const float* v = row + 2 * n_k * hd + h * hd;
      float* out = o + t * n_inner + h * hd;
      gated_delta_rule(matrices + h * hd * hd, q, k, v, decay, b, scale, hd, out);
      rmsnorm(out, l.ssm_norm.data(), hd, c.rms_eps, out);
      const float* gate = z + t * n_inner + h * hd;
      for (int64_t i = 0; i < hd; ++i) out[i] *= gate[i] / (1.0f + std::exp(-gate[i]));
    }
  }
  project(s, o, n_inner, nb, {{&l.ssm_out, s.proj.data(), c.n_embd}});
  add_sub_block_output(s, {}, s.proj.data(), nb);
}

// x += PostNorm(W_down (act(W_gate xn) * (W_up xn))), xn = RMSNorm(x); act is SiLU or GELU
void ffn_block(ModelState& s, int il, int nb) {
  const ModelConfig& c = s.config;
  const LayerWeights& l = s.weights.layers[il];
  const int64_t n_ff = c.layers[il].n_ff;

  // xn = RMSNorm(x) * ffn_norm                                      [B, n_embd]
  rmsnorm_tokens(s, s.x.data(), l.ffn_norm, nb, c.n_embd, s.xn.data());

  // gate | up = xn [W_gate | W_up] (+ bias)                         [B, n_ff | n_ff]
  float* gate_up = s.gate_up.data();
  if (l.w_gate.present()) {
    project(s, s.xn.data(), c.n_embd, nb, {{&l.w_gate, gate_up, 2 * n_ff}, {&l.w_up, gate_up + n_ff, 2 * n_ff}});
  } else {  // fused (phi3): the first half of the rows is the gate
    project(s, s.xn.data(), c.n_embd, nb, {{&l.w_up, gate_up, 2 * n_ff}});
  }
  add_bias(gate_up, nb, 2 * n_ff, l.gate_up_bias);

  // hidden = act(gate) * up                                         [B, n_ff] (reuses xn)
  float* hidden = s.xn.data();
  const bool gelu = c.traits->activation == FfnActivation::kGelu;
  for_each_token(s, nb, [&](int t) {
    const float* gate = gate_up + t * 2 * n_ff;
    if (gelu)
      gelu_mul(gate, gate + n_ff, n_ff, hidden + t * n_ff);
    else
      silu_mul(gate, gate + n_ff, n_ff, hidden + t * n_ff);
  });

  // x += PostNorm(hidden W_down (+ bias))                           [B, n_embd]
  project(s, hidden, n_ff, nb, {{&l.w_down, s.proj.data(), c.n_embd}});
  add_bias(s.proj.data(), nb, c.n_embd, l.down_bias);
  add_sub_block_output(s, l.ffn_post_norm, s.proj.data(), nb);
}

// Runs nb <= kMaxBatch tokens through every layer; the final hidden states are left in s.x.
void run_micro_batch(ModelState& s, const int32_t* tokens, int nb, int32_t pos) {
  const ModelConfig& c = s.config;
  // x = token_embd[tokens] * embedding_scale                        [B, n_embd]
  const WeightMatrix& embd = s.weights.token_embd;
  for (int t = 0; t < nb; ++t) {
    float* row = s.x.data() + static_cast<int64_t>(t) * c.n_embd;
    embd.traits->dequantize(embd.matmul.data + static_cast<size_t>(tokens[t]) * embd.matmul.row_bytes, row, c.n_embd);
    if (c.embedding_scale != 1.0f) {
      for (int i = 0; i < c.n_embd; ++i) row[i] *= c.embedding_scale;
    }
  }
  // RoPE angles depend only on the position: one table per token, shared by every layer (and one
  // for the sliding-window layers when their RoPE differs).
  const bool local_rope = c.has_sliding_layers();
  for (int t = 0; t < nb; ++t) {
    rope_cos_sin(s.rope, pos + t, s.cos_sin.data() + static_cast<int64_t>(t) * c.n_rot);
    if (local_rope) rope_cos_sin(s.rope_swa, pos + t, s.cos_sin_swa.data() + static_cast<int64_t>(t) * c.n_rot);
  }

  for (int il = 0; il < c.n_layer; ++il) {
    if (!c.layers[il].recurrent)
      attention_block(s, il, nb, pos);
    else if (c.traits->recurrent == RecurrentLayer::kShortConv)
      shortconv_block(s, il, nb);
    else
      delta_net_block(s, il, nb);
    ffn_block(s, il, nb);
  }
}

// logits = softcap(RMSNorm(x[rows]) W_out (+ bias) / logit_scale)   [n_rows, n_vocab]
void compute_logits(ModelState& s, int first_row, int n_rows, float* logits) {
  const ModelConfig& c = s.config;
  rmsnorm_rows(s.x.data() + static_cast<int64_t>(first_row) * c.n_embd, s.weights.output_norm, n_rows, c.n_embd,
               c.rms_eps, s.xn.data());
  project(s, s.xn.data(), c.n_embd, n_rows, {{&s.weights.output, logits, c.n_vocab}});
  add_bias(logits, n_rows, c.n_vocab, s.weights.output_bias);
  const int64_t count = static_cast<int64_t>(n_rows) * c.n_vocab;
  if (c.logit_scale != 1.0f) {  // granite: ggml_scale by 1 / logit_scale
    const float inverse = 1.0f / c.logit_scale;
    for (int64_t i = 0; i < count; ++i) logits[i] *= inverse;
  }
  if (c.final_softcap > 0.0f) {  // gemma2/3: scale by 1/cap, tanh, scale by cap
    const float inverse = 1.0f / c.final_softcap;
    for (int64_t i = 0; i < count; ++i) logits[i] = std::tanh(logits[i] * inverse) * c.final_softcap;
  }
}

}  // namespace

Status Model::forward(const int32_t* tokens, int32_t n, int32_t pos, bool all_logits, float* logits) {
  ModelState& s = *state_;
  if (n <= 0) return Status::error("forward needs at least one token");
  if (pos < 0 || static_cast<int64_t>(pos) + n > s.n_ctx) {
    return Status::error(format("context overflow: positions %d..%lld do not fit the context of %u tokens", pos,
                                static_cast<long long>(pos) + n - 1, s.n_ctx));
  }
  for (int32_t i = 0; i < n; ++i) {
    if (tokens[i] < 0 || tokens[i] >= s.config.n_vocab) {
      return Status::error(
          format("token id %d at index %d is outside the vocabulary (%d tokens)", tokens[i], i, s.config.n_vocab));
    }
  }
  if (resume_point(pos) != pos) {
    if (s.recurrent.active()) {
      return Status::error(
          format("cannot continue at position %d: the recurrent layers' state is kept only at the end (%d) "
                 "and at checkpoints (evaluate from position %d)",
                 pos, s.n_written, resume_point(pos)));
    }
    return Status::error(
        format("cannot continue at position %d: the sliding-window layers no longer hold the "
               "%d positions before it (evaluate from position 0)",
               pos, s.config.n_swa));
  }
  if (s.recurrent.active()) {  // the state at pos: empty, the live one, or a checkpoint's copy
    if (pos == 0) {
      s.recurrent.reset();
    } else if (pos != s.n_written) {
      s.recurrent.restore(pos);
    }
    s.recurrent.drop_after(pos);
  }
  for (int32_t done = 0; done < n;) {
    const int nb = std::min<int32_t>(kMaxBatch, n - done);
    run_micro_batch(s, tokens + done, nb, pos + done);
    s.n_written = pos + done + nb;
    if (all_logits) {
      compute_logits(s, 0, nb, logits + static_cast<int64_t>(done) * s.config.n_vocab);
    } else if (done + nb == n) {
      compute_logits(s, nb - 1, 1, logits);
    }
    done += nb;
  }
  return Status::ok();
}

}  // namespace webgguf
