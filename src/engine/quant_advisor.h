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

// What a context costs with one KV cache type: at the requested n_ctx, and per token more (the
// slope between n_ctx and 2 n_ctx: global layers' rows and attention scratch; sliding-window
// layers stop growing at their ring).
struct CacheTypeCost {
  std::string cache_type;  // "q8_0"
  uint64_t context_bytes = 0;
  double bytes_per_token = 0;
};

struct QuantizationSizes {
  std::string name;                 // general.name, may be empty
  uint64_t original_bytes = 0;      // the input: header + tensor data
  uint64_t context_bytes = 0;       // KV cache + recurrent state + scratch at the requested context
  std::vector<PresetSize> presets;  // every preset this input can be quantized to, largest first
  int32_t n_ctx_train = 0;
  uint32_t n_ctx = 0;                      // the context context_bytes is for
  std::vector<CacheTypeCost> cache_types;  // each KV cache type (kv_cache_type_list), f16 first
};

// Fails when the input cannot be quantized by any preset (e.g. it is already quantized: the
// presets start from F32/F16/BF16) or its architecture is not supported.
Result<QuantizationSizes> plan_preset_sizes(const GgufFile& header, uint32_t n_ctx);

}  // namespace webgguf
