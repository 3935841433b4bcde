#include "engine/quant_advisor.h"

#include "model/model.h"
#include "quantizer/presets.h"
#include "quantizer/quantize_model.h"

namespace webgguf {

Result<QuantizationSizes> plan_preset_sizes(const GgufFile& header, uint32_t n_ctx) {
  Result<MemoryEstimate> memory = Model::estimate_memory(header, n_ctx);
  if (!memory.is_ok()) return memory.status();

  QuantizationSizes sizes;
  sizes.name = header.get_string("general.name", "");
  sizes.original_bytes = header.data_offset + header.data_size;
  sizes.context_bytes = memory.value().kv_bytes + memory.value().recurrent_bytes + memory.value().scratch_bytes;
  std::string first_error;
  for (const QuantPreset& preset : quant_presets()) {
    Result<QuantizationPlan> plan = plan_quantization(header, preset);
    if (plan.is_ok()) {
      sizes.presets.push_back({preset.name, plan.value().file_size});
    } else if (first_error.empty()) {
      first_error = plan.status().message();
    }
  }
  if (sizes.presets.empty()) {
    return Status::error("no preset can quantize this model: " + first_error);
  }
  return sizes;
}

}  // namespace webgguf
