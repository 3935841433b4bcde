#include "engine/quant_advisor.h"

#include "model/model.h"
#include "model/model_config.h"
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
  Result<ModelConfig> config = parse_model_config(header);
  if (!config.is_ok()) return config.status();
  sizes.n_ctx_train = config.value().n_ctx_train;
  n_ctx = effective_context(config.value(), n_ctx);
  sizes.n_ctx = n_ctx;
  for (GgmlType type : kv_cache_type_list()) {
    KvCacheTypes types;
    types.keys = types.values = type;
    Result<MemoryEstimate> at_n = Model::estimate_memory(header, n_ctx, types);
    Result<MemoryEstimate> at_2n = Model::estimate_memory(header, 2 * n_ctx, types);
    if (!at_n.is_ok() || !at_2n.is_ok()) continue;  // e.g. a head size q8_0 blocks do not divide
    // The recurrent state (hybrid models) is a fixed cost: it cancels out of the per-token cost.
    const auto context_cost = [](const MemoryEstimate& m) { return m.kv_bytes + m.recurrent_bytes + m.scratch_bytes; };
    const uint64_t bytes = context_cost(at_n.value());
    const uint64_t doubled = context_cost(at_2n.value());
    sizes.cache_types.push_back({kv_cache_type_name(type), bytes, static_cast<double>(doubled - bytes) / n_ctx});
  }
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
