// What each quantization preset would make of a model, from its header alone: the exact file
// size llama-quantize would write and the memory a context needs on top of the weights. The
// advisor in js/advisor.js turns this into "what fits this device" advice.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"

namespace webgguf {

struct PresetSize {
  std::string preset;   // "Q4_K_M"
  uint64_t file_bytes;  // the output file's exact size
};

struct QuantizationSizes {
  std::string name;                 // general.name, may be empty
  uint64_t original_bytes = 0;      // the input: header + tensor data
  uint64_t context_bytes = 0;       // KV cache + recurrent state + scratch at the requested context
  std::vector<PresetSize> presets;  // every preset this input can be quantized to, largest first
};

// Fails when the input cannot be quantized by any preset (e.g. it is already quantized: the
// presets start from F32/F16/BF16) or its architecture is not supported.
Result<QuantizationSizes> plan_preset_sizes(const GgufFile& header, uint32_t n_ctx);

}  // namespace webgguf
