// Binds a model's tensors by their GGUF names, checking every shape against the config.
// Matrices stay where they are in the caller's file buffer (zero copy); small 1-D tensors
// (norm weights, biases, rope factors) are converted to f32 copies.
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"
#include "kernels/matmul.h"
#include "model/model_config.h"
#include "quant/traits.h"

namespace webgguf {

// A 2-D weight [n_cols (ggml ne0, contiguous), n_rows]; y = W x maps n_cols -> n_rows.
struct WeightMatrix {
  const GgufTensorInfo* info = nullptr;  // nullptr when the (optional) tensor is absent
  const QuantTraits* traits = nullptr;
  const QuantTraits* activation_traits = nullptr;  // traits of traits->vec_dot_type
  MatmulWeights matmul;
  bool present() const { return info != nullptr; }
};

struct LayerWeights {
  std::vector<float> attn_norm;  // [n_embd], empty when the family has no pre-norms (olmo2)
  // Either one fused projection (phi3) or three; out rows: [n_embd_q | n_embd_kv | n_embd_kv].
  WeightMatrix wqkv;            // [n_embd, n_embd_q + 2 n_embd_kv] or absent
  WeightMatrix wq, wk, wv;      // [n_embd, n_embd_q], [n_embd, n_embd_kv] x2
  std::vector<float> qkv_bias;  // [n_embd_q + 2 n_embd_kv] or empty (qwen2 has it)
  // [head_dim] each (per-head: qwen3, gemma3), [n_embd_q] / [n_embd_kv] (whole: olmo2), or empty
  std::vector<float> q_norm, k_norm;
  WeightMatrix wo;                    // [n_embd_q, n_embd]
  std::vector<float> wo_bias;         // [n_embd] or empty
  std::vector<float> attn_post_norm;  // [n_embd] on the attention output (gemma2/3, olmo2) or empty
  std::vector<float> ffn_norm;        // [n_embd], empty when the family has no pre-norms (olmo2)
  // Either gate and up separately or fused as up = [gate | up] (phi3), out rows [2 n_ff].
  WeightMatrix w_gate, w_up;         // [n_embd, n_ff] each, or w_up [n_embd, 2 n_ff]
  std::vector<float> gate_up_bias;   // [2 n_ff] or empty
  WeightMatrix w_down;               // [n_ff, n_embd]
  std::vector<float> down_bias;      // [n_embd] or empty
  std::vector<float> ffn_post_norm;  // [n_embd] on the FFN output (gemma2/3, olmo2) or empty
  // A short-convolution layer (lfm2) in place of attention; attn_norm is its input norm.
  WeightMatrix shortconv_in;            // [n_embd, 3 n_embd]: out rows B | C | X
  std::vector<float> shortconv_kernel;  // [l_cache, n_embd] tap-major (the file's [n_embd][l_cache] transposed)
  WeightMatrix shortconv_out;           // [n_embd, n_embd]
  // A Gated DeltaNet layer (qwen35) in place of attention; attn_norm is its input norm.
  WeightMatrix ssm_qkv;                // attn_qkv [n_embd, conv_channels]: out rows q | k | v
  WeightMatrix ssm_gate;               // attn_gate [n_embd, d_inner]: z of the gated norm
  WeightMatrix ssm_beta, ssm_alpha;    // [n_embd, n_v_heads] each
  std::vector<float> ssm_conv_kernel;  // [d_conv, conv_channels] tap-major
  std::vector<float> ssm_dt;           // [n_v_heads] bias of alpha
  std::vector<float> ssm_a;            // [n_v_heads] -exp(A_log): the decay rate
  std::vector<float> ssm_norm;         // [head_dim]
  WeightMatrix ssm_out;                // [d_inner, n_embd]
};

struct ModelWeights {
  WeightMatrix token_embd;          // [n_embd, n_vocab]; rows are dequantized on lookup
  std::vector<float> output_norm;   // [n_embd]
  WeightMatrix output;              // [n_embd, n_vocab]; token_embd when tied
  std::vector<float> output_bias;   // [n_vocab] or empty
  std::vector<float> rope_factors;  // [n_rot / 2] or empty
  std::vector<LayerWeights> layers;
  uint64_t n_params = 0;                // elements over all tensors of the file
  uint64_t tensor_bytes = 0;            // bytes of tensor data
  uint64_t copied_bytes = 0;            // bytes of the f32 copies above
  size_t max_activation_row_bytes = 0;  // largest activation row in any vec_dot type
};

// `data`/`size`: the whole file. `n_ctx` picks Phi-3's long or short rope factors.
Result<ModelWeights> bind_weights(const GgufFile& file, const uint8_t* data, size_t size, const ModelConfig& config,
                                  uint32_t n_ctx);

}  // namespace webgguf
