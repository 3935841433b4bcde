// Which ggml type each tensor of a model gets under a preset: llama.cpp's llama-quantize rules
// (src/llama-quant.cpp: tensor_allows_quantization, llama_tensor_get_type, the shape fallback)
// for the presets in presets.h, without an importance matrix. Following them exactly is what makes
// our files byte-identical to llama-quantize's.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"
#include "quantizer/presets.h"

namespace webgguf {

// The model facts the rules depend on (llama.cpp's hparams and model type).
struct QuantModelInfo {
  std::string architecture;  // general.architecture
  uint32_t n_layer = 0;      // {arch}.block_count
  uint32_t n_head = 0;       // {arch}.attention.head_count (layer 0 when per layer)
  uint32_t n_head_kv = 0;    // {arch}.attention.head_count_kv, defaults to n_head
  uint32_t n_expert = 0;     // {arch}.expert_count
  bool is_70b = false;       // llama.cpp's LLM_TYPE_70B: attention-V gets more bits

  uint32_t n_gqa() const { return n_head_kv == 0 ? 0 : n_head / n_head_kv; }
};

// Fails when the file lacks general.architecture or {arch}.block_count (not a model).
Result<QuantModelInfo> read_quant_model_info(const GgufFile& file);

// ggml_n_dims: the number of dimensions once trailing 1s are dropped (at least 1).
uint32_t effective_n_dims(const GgufTensorInfo& tensor);

// Tensor indices in the order llama-quantize visits and writes them (llama_model_loader's
// weight_name_comparer): tensors outside blocks first, then block 0, 1, ...; by name within each.
std::vector<size_t> llama_quantize_tensor_order(const GgufFile& file);

// Whether llama-quantize converts this tensor at all: only weights of 2+ dimensions, never norms,
// MoE routers, position embeddings or a few small special tensors. Others keep their type.
bool tensor_allows_quantization(const GgufTensorInfo& tensor);

// llama-quantize's options that change the rules.
struct TensorTypeOptions {
  bool pure = false;         // --pure: every quantizable tensor gets the preset's default type
  bool has_imatrix = false;  // --imatrix given: some mixes differ (IQ3_XXS, IQ4_*, Q4_0/Q5_0 ffn_down)
  GgmlType output_tensor_type = GgmlType::COUNT;    // --output-tensor-type (COUNT: the preset's rule)
  GgmlType token_embedding_type = GgmlType::COUNT;  // --token-embedding-type
};

// llama-quant.cpp's tensor_requires_imatrix: the 1-3 bit I-quants, and Q2_K in a Q2_K_S file,
// are garbage without an importance matrix; token_embd and output never need one.
bool tensor_requires_importance(const GgufTensorInfo& tensor, GgmlType type, LlamaFileType ftype);

// The output type of every tensor, visited in `order` (indices into file.tensors); the result is
// indexed like file.tensors. The rules count attention-V and FFN-down tensors as they go, so the
// order matters. With options.pure every quantizable tensor gets the preset's default type (no
// mix rules), only the row-length fallback still applies.
Result<std::vector<GgmlType>> choose_tensor_types(const GgufFile& file, const std::vector<size_t>& order,
                                                  const QuantPreset& preset, const QuantModelInfo& model,
                                                  const TensorTypeOptions& options = {});

}  // namespace webgguf
