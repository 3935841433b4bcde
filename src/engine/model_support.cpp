#include "engine/model_support.h"

#include <algorithm>

#include "model/architectures.h"
#include "model/model_config.h"
#include "quant/traits.h"

namespace webgguf {

const char* file_type_name(uint32_t file_type) {
  switch (file_type) {
    case 0: return "F32";
    case 1: return "F16";
    case 2: return "Q4_0";
    case 3: return "Q4_1";
    case 7: return "Q8_0";
    case 8: return "Q5_0";
    case 9: return "Q5_1";
    case 10: return "Q2_K";
    case 11: return "Q3_K_S";
    case 12: return "Q3_K_M";
    case 13: return "Q3_K_L";
    case 14: return "Q4_K_S";
    case 15: return "Q4_K_M";
    case 16: return "Q5_K_S";
    case 17: return "Q5_K_M";
    case 18: return "Q6_K";
    case 19: return "IQ2_XXS";
    case 20: return "IQ2_XS";
    case 21: return "Q2_K_S";
    case 22: return "IQ3_XS";
    case 23: return "IQ3_XXS";
    case 24: return "IQ1_S";
    case 25: return "IQ4_NL";
    case 26: return "IQ3_S";
    case 27: return "IQ3_M";
    case 28: return "IQ2_S";
    case 29: return "IQ2_M";
    case 30: return "IQ4_XS";
    case 31: return "IQ1_M";
    case 32: return "BF16";
    case 36: return "TQ1_0";
    case 37: return "TQ2_0";
    default: return "unknown";
  }
}

EngineError check_model_support(const GgufFile& file) {
  const std::string arch = file.get_string("general.architecture", "");
  if (arch.empty()) {
    return EngineError::make(ErrorCode::kInvalidModel, "the GGUF has no general.architecture");
  }
  if (find_architecture(arch) == nullptr) {
    return EngineError::make(ErrorCode::kUnsupportedArchitecture,
                             format("architecture '%s' is not supported (supported: %s)", arch.c_str(),
                                    supported_architecture_names().c_str()));
  }
  if (file.get_uint(arch + ".expert_count", 0) > 0) {
    return EngineError::make(ErrorCode::kUnsupportedArchitecture,
                             format("mixture-of-experts '%s' models are not supported", arch.c_str()));
  }
  for (const GgufTensorInfo& t : file.tensors) {
    if (quant_traits(t.type) == nullptr) {
      return EngineError::make(
          ErrorCode::kUnsupportedType,
          format("tensor '%s' has type %s, which webgguf cannot compute with", t.name.c_str(), ggml_type_name(t.type)));
    }
  }
  return EngineError::from(ErrorCode::kInvalidModel, parse_model_config(file).status());
}

EngineError estimate_model_memory(const GgufFile& file, uint64_t file_size, uint32_t n_ctx, MemoryEstimate* memory,
                                  KvCacheTypes cache_types) {
  Result<MemoryEstimate> estimate = Model::estimate_memory(file, n_ctx, cache_types);
  if (!estimate.is_ok()) return EngineError::from(ErrorCode::kInvalidModel, estimate.status());
  *memory = estimate.value();
  // The whole file stays in memory (weights are used in place), so it counts, not just tensors.
  const uint64_t needed = file_size + memory->kv_bytes + memory->recurrent_bytes + memory->scratch_bytes;
  if (sizeof(void*) == 4 && needed > kWasm32UsableBytes) {
    return EngineError::make(
        ErrorCode::kTooBig,
        format("the model needs %.2f GB (file %.2f GB + KV cache %.2f GB + recurrent state %.2f GB + scratch %.2f GB) "
               "but wasm memory holds at most %.2f GB; choose a smaller quantization or context",
               needed / 1e9, file_size / 1e9, memory->kv_bytes / 1e9, memory->recurrent_bytes / 1e9,
               memory->scratch_bytes / 1e9, kWasm32UsableBytes / 1e9));
  }
  return EngineError::none();
}

uint32_t largest_fitting_context(const GgufFile& file, uint64_t file_size, KvCacheTypes cache_types,
                                 uint64_t budget_bytes) {
  Result<ModelConfig> config = parse_model_config(file);
  if (!config.is_ok()) return 1;
  if (budget_bytes == 0 || budget_bytes > kWasm32UsableBytes) budget_bytes = kWasm32UsableBytes;
  if (file_size == kUnknownFileSize) file_size = file.data_offset + file.data_size;
  const auto fits = [&](uint32_t n_ctx) {
    Result<MemoryEstimate> m = Model::estimate_memory(file, n_ctx, cache_types);
    return m.is_ok() &&
           file_size + m.value().kv_bytes + m.value().recurrent_bytes + m.value().scratch_bytes <= budget_bytes;
  };
  // Memory grows with the context: the largest n in [1, n_ctx_train] that fits, by bisection.
  uint32_t low = 1, high = static_cast<uint32_t>(std::max(1, config.value().n_ctx_train));
  if (fits(high)) return high;
  while (high - low > 1) {
    const uint32_t mid = low + (high - low) / 2;
    (fits(mid) ? low : high) = mid;
  }
  return low;
}

HeaderProbe probe_model_header(const uint8_t* bytes, size_t size, uint64_t file_size, uint32_t n_ctx,
                               uint64_t budget_bytes) {
  HeaderProbe probe;
  Result<GgufFile> parsed = parse_gguf(bytes, size, file_size);
  if (!parsed.is_ok()) {
    if (parsed.status().needs_more()) {
      probe.state = HeaderProbe::State::kNeedMore;
      probe.bytes_needed = parsed.status().bytes_needed();
      return probe;
    }
    probe.error = EngineError::from(ErrorCode::kNotGguf, parsed.status());
    return probe;
  }
  probe.file = parsed.take();
  probe.error = check_model_support(probe.file);
  if (probe.error.ok()) {
    if (n_ctx == 0) n_ctx = largest_fitting_context(probe.file, file_size, KvCacheTypes(), budget_bytes);
    probe.n_ctx = n_ctx;
    probe.error = estimate_model_memory(probe.file, file_size, n_ctx, &probe.memory);
  }
  probe.state = probe.error.ok() ? HeaderProbe::State::kOk : HeaderProbe::State::kError;
  return probe;
}

}  // namespace webgguf
