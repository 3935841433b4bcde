#include "model/architectures.h"

namespace webgguf {
namespace {

using A = Architecture;
using N = QkNorm;
using F = FfnActivation;
using R = RecurrentLayer;
constexpr const char* kOutputNorm = "output_norm.weight";
constexpr const char* kFfnNorm = "ffn_norm.weight";

// As llama.cpp 80fb11a builds each graph (src/models/<arch>.cpp, llama_model_rope_type).
// name, arch, examples, neox, pre_norms, post_norms, qk_norm, activation, embd_sqrt, fused,
// qkv_bias, swa_period, swa_default_on, no_rope_step, granite_scales, recurrent, output_norm, ffn_norm,
// attention_output_gate
constexpr ArchitectureTraits kArchitectures[] = {
    {"llama", A::kLlama, "Llama 2, Llama 3.x, SmolLM2, TinyLlama, Mistral 7B", false, true, false, N::kNone, F::kSilu,
     false, false, false, 0, false, 0, false, R::kNone, kOutputNorm, kFfnNorm, false},
    {"qwen2", A::kQwen2, "Qwen2, Qwen2.5, DeepSeek-R1-Distill-Qwen", true, true, false, N::kNone, F::kSilu, false,
     false, true, 0, false, 0, false, R::kNone, kOutputNorm, kFfnNorm, false},
    {"qwen3", A::kQwen3, "Qwen3 0.6B-32B (dense)", true, true, false, N::kPerHead, F::kSilu, false, false, false, 0,
     false, 0, false, R::kNone, kOutputNorm, kFfnNorm, false},
    {"phi3", A::kPhi3, "Phi-3, Phi-3.5, Phi-4-mini", true, true, false, N::kNone, F::kSilu, false, true, false, 0,
     false, 0, false, R::kNone, kOutputNorm, kFfnNorm, false},
    {"gemma2", A::kGemma2, "Gemma 2 2B/9B/27B", true, true, true, N::kNone, F::kGelu, true, false, false, 2, true, 0,
     false, R::kNone, kOutputNorm, kFfnNorm, false},
    {"gemma3", A::kGemma3, "Gemma 3 270M/1B (text)", true, true, true, N::kPerHead, F::kGelu, true, false, false, 6,
     false, 0, false, R::kNone, kOutputNorm, kFfnNorm, false},
    {"smollm3", A::kSmolLM3, "SmolLM3 3B", false, true, false, N::kNone, F::kSilu, false, false, false, 0, false, 4,
     false, R::kNone, kOutputNorm, kFfnNorm, false},
    {"granite", A::kGranite, "Granite 3.x dense, Granite 4.0 dense", false, true, false, N::kNone, F::kSilu, false,
     false, false, 0, false, 0, true, R::kNone, kOutputNorm, kFfnNorm, false},
    {"olmo2", A::kOlmo2, "OLMo 2 1B/7B/13B", true, false, true, N::kWhole, F::kSilu, false, false, false, 4, false, 0,
     false, R::kNone, kOutputNorm, kFfnNorm, false},
    {"lfm2", A::kLfm2, "LFM2 / LFM2.5 350M, 700M, 1.2B", true, true, false, N::kPerHead, F::kSilu, false, false, false,
     0, false, 0, false, R::kShortConv, "token_embd_norm.weight", kFfnNorm, false},
    {"qwen35", A::kQwen35, "Qwen3.5 0.8B/2B (dense, text)", true, true, false, N::kPerHead, F::kSilu, false, false,
     false, 0, false, 0, false, R::kGatedDeltaNet, kOutputNorm, "post_attention_norm.weight", true},
};

}  // namespace

const ArchitectureTraits* find_architecture(const std::string& name) {
  for (const ArchitectureTraits& a : kArchitectures) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

std::string supported_architecture_names() {
  std::string list;
  for (const ArchitectureTraits& a : kArchitectures) list += (list.empty() ? "" : ", ") + std::string(a.name);
  return list;
}

const ArchitectureTraits* architectures_begin() {
  return kArchitectures;
}
const ArchitectureTraits* architectures_end() {
  return kArchitectures + sizeof(kArchitectures) / sizeof(kArchitectures[0]);
}

}  // namespace webgguf
