// The one table of architectures webgguf runs: what `general.architecture` names, and the shape of
// each family's block. The config parser, the weight binder, the forward pass, the header probe,
// `webgguf synth` and the README's "supported models" test all read it; nothing keeps a copy.
#pragma once
#include <string>

namespace webgguf {

enum class Architecture { kLlama, kQwen2, kQwen3, kPhi3, kGemma2, kGemma3, kSmolLM3, kGranite, kOlmo2, kLfm2, kQwen35 };

// How q and k are normalised before RoPE.
enum class QkNorm {
  kNone,
  kPerHead,  // RMSNorm over each head, weight [head_dim] (qwen3, gemma3)
  kWhole,    // RMSNorm over the whole projection, weight [n_head * head_dim] (olmo2)
};

enum class FfnActivation { kSilu, kGelu };  // gate activation of the gated FFN (SwiGLU / GEGLU)

// What a layer without attention is; kNone: every layer has attention. lfm2 marks its recurrent
// layers with head_count_kv 0, qwen35 with full_attention_interval (or attention.recurrent_layers).
enum class RecurrentLayer {
  kNone,
  kShortConv,      // in_proj -> B, C, X; C * causal depthwise conv(B * X) -> out_proj (lfm2)
  kGatedDeltaNet,  // conv1d(q | k | v), L2-normed q/k, gated delta rule, gated RMSNorm (qwen35)
};

struct ArchitectureTraits {
  const char* name;  // general.architecture
  Architecture arch;
  const char* examples;  // models of this family, for errors and docs
  bool rope_neox;        // pair layout (i, i + n_rot/2) rather than (2i, 2i+1)
  bool pre_norms;        // attn_norm / ffn_norm before each sub-block (all but olmo2)
  bool post_norms;       // attn_post_norm / ffn_post_norm on each sub-block's output (gemma2/3, olmo2)
  QkNorm qk_norm;
  FfnActivation activation;
  bool embedding_scale_sqrt;       // x = embd * sqrt(n_embd) (gemma)
  bool fused_qkv_ffn;              // attn_qkv and ffn_up = [gate | up] (phi3)
  bool qkv_bias;                   // attn_q/k/v biases expected (qwen2)
  int sliding_window_period;       // every period-th layer is global, the others local; 0: no sliding window
  bool sliding_window_default_on;  // gemma2: a window even when the key is absent (4096)
  int no_rope_layer_step;          // every step-th layer has no RoPE (smollm3: 4); 0: RoPE everywhere
  bool granite_scales;             // embedding / residual / attention / logit scales from the GGUF
  RecurrentLayer recurrent;        // what the layers without attention are
  const char* output_norm;         // the final norm's tensor (lfm2 names it token_embd_norm)
  const char* ffn_norm;            // the FFN's input norm (qwen35 names it post_attention_norm)
  bool attention_output_gate;      // attn_q gives [q | gate] per head; out = attn * sigmoid(gate) (qwen35)
};

// nullptr when the name is not one we run.
const ArchitectureTraits* find_architecture(const std::string& name);

// "llama, qwen2, ..." for error messages.
std::string supported_architecture_names();

// All rows (for synth and tests).
const ArchitectureTraits* architectures_begin();
const ArchitectureTraits* architectures_end();

}  // namespace webgguf
