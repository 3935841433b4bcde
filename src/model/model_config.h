// Hyper-parameters of a transformer from GGUF metadata ("<arch>.embedding_length", ...), with the
// defaults llama.cpp 80fb11a applies per architecture (src/models/<arch>.cpp load_arch_hparams).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"
#include "model/architectures.h"

namespace webgguf {

// What can differ from one layer to the next (head counts and FFN width may be per-layer arrays).
struct LayerConfig {
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t n_ff = 0;
  bool sliding = false;    // attends to the last n_swa positions only (and uses the local RoPE)
  bool rope = true;        // RoPE on q and k (smollm3 skips every 4th layer, granite may skip all)
  bool recurrent = false;  // no attention: the family's recurrent layer (lfm2's short conv, qwen35's Gated DeltaNet)
};

struct ModelConfig {
  const ArchitectureTraits* traits = nullptr;
  Architecture arch = Architecture::kLlama;
  std::string arch_name;   // general.architecture, e.g. "llama"
  std::string name;        // general.name
  uint32_t file_type = 0;  // general.file_type (llama_ftype)

  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  // The largest per-layer values (scratch buffers are sized by them); per layer in `layers`.
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t n_ff = 0;
  int32_t head_dim = 0;  // attention.key_length (= value_length)
  float rms_eps = 1e-5f;
  std::vector<LayerConfig> layers;  // [n_layer]

  int32_t n_rot = 0;       // rope.dimension_count
  bool rope_neox = false;  // pair layout: NeoX for qwen2/qwen3/phi3/gemma/olmo2, normal for llama
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;   // 1 / rope.scaling.factor
  float rope_attn_factor = 1.0f;  // rope.scaling.attn_factor
  bool rope_longrope = false;     // Phi-3 long/short factor tensors chosen by context size
  int32_t n_ctx_orig = 0;         // rope.scaling.original_context_length
  // RoPE of the sliding-window layers (gemma: rope.freq_base_swa; olmo2: unscaled global base).
  float rope_freq_base_swa = 10000.0f;
  float rope_freq_scale_swa = 1.0f;
  float rope_attn_factor_swa = 1.0f;

  int32_t n_swa = 0;              // attention.sliding_window; 0: every layer attends to all positions
  float attention_scale = 0.0f;   // multiplies q.k (1/sqrt(head_dim) unless the family says otherwise)
  float attn_softcap = 0.0f;      // attention logits -> cap * tanh(logit / cap); 0: off (gemma2)
  float final_softcap = 0.0f;     // output logits likewise; 0: off (gemma2, optional in gemma3)
  float embedding_scale = 1.0f;   // x = embd * scale (gemma: sqrt(n_embd); granite: embedding_scale)
  float residual_scale = 1.0f;    // each sub-block's output scaled before the residual add (granite)
  float logit_scale = 1.0f;       // logits divided by it (granite)
  int32_t shortconv_l_cache = 0;  // lfm2: taps of the causal depthwise conv (shortconv.l_cache; state: taps - 1)
  // qwen35's Gated DeltaNet layers (ssm.*, as llama.cpp names them): a causal conv of d_conv taps
  // over q | k | v (conv_channels()), n_k_heads query/key heads and n_v_heads value heads of
  // head_dim values each (ssm.state_size; ssm.inner_size = n_v_heads * head_dim); the state per
  // value head is a [head_dim, head_dim] matrix.
  struct DeltaNet {
    int32_t d_conv = 0, d_inner = 0, head_dim = 0, n_v_heads = 0, n_k_heads = 0;
    int64_t conv_channels() const { return 2 * int64_t{n_k_heads} * head_dim + d_inner; }
  } delta_net;

  int32_t n_embd_q() const { return n_head * head_dim; }
  int32_t n_embd_kv() const { return n_head_kv * head_dim; }
  bool has_sliding_layers() const {
    for (const LayerConfig& l : layers) {
      if (l.sliding) return true;
    }
    return false;
  }
  bool has_recurrent_layers() const {
    for (const LayerConfig& l : layers) {
      if (l.recurrent) return true;
    }
    return false;
  }
};

// Reads and checks the hyper-parameters. Refuses architectures we cannot run (naming them),
// mixture-of-experts models, recurrent layers the family does not have, and YaRN rope scaling, and names the key of any
// value out of range (a sliding window beyond the training context, a soft-cap of 0 or NaN, ...).
Result<ModelConfig> parse_model_config(const GgufFile& file);

// n_ctx the model runs with when the caller asks for `requested` (0 = min(training, 4096)).
uint32_t effective_context(const ModelConfig& config, uint32_t requested);

}  // namespace webgguf
