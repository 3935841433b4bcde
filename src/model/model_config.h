// Hyper-parameters of a transformer from GGUF metadata ("<arch>.embedding_length", ...), with the
// defaults llama.cpp applies, and the list of what we can run.
#pragma once
#include <cstdint>
#include <string>

#include "core/status.h"
#include "gguf/gguf.h"

namespace webgguf {

enum class Architecture { kLlama, kQwen2, kQwen3, kPhi3 };

struct ModelConfig {
  Architecture arch = Architecture::kLlama;
  std::string arch_name;  // general.architecture, e.g. "llama"
  std::string name;       // general.name
  uint32_t file_type = 0; // general.file_type (llama_ftype)

  int32_t n_vocab = 0;
  int32_t n_ctx_train = 0;
  int32_t n_embd = 0;
  int32_t n_layer = 0;
  int32_t n_head = 0;
  int32_t n_head_kv = 0;
  int32_t head_dim = 0;   // attention.key_length (= value_length)
  int32_t n_ff = 0;
  float rms_eps = 1e-5f;

  int32_t n_rot = 0;               // rope.dimension_count
  bool rope_neox = false;          // pair layout: NeoX for qwen2/qwen3/phi3, normal for llama
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;    // 1 / rope.scaling.factor
  float rope_attn_factor = 1.0f;   // rope.scaling.attn_factor
  bool rope_longrope = false;      // Phi-3 long/short factor tensors chosen by context size
  int32_t n_ctx_orig = 0;          // rope.scaling.original_context_length

  int32_t n_embd_q() const { return n_head * head_dim; }
  int32_t n_embd_kv() const { return n_head_kv * head_dim; }
};

// Reads and checks the hyper-parameters. Refuses architectures we cannot run (naming them),
// mixture-of-experts models, per-layer varying head counts and YaRN rope scaling.
Result<ModelConfig> parse_model_config(const GgufFile& file);

// n_ctx the model runs with when the caller asks for `requested` (0 = min(training, 4096)).
uint32_t effective_context(const ModelConfig& config, uint32_t requested);

}  // namespace webgguf
