// Shared by the quantizer tests: quantize an in-memory GGUF into memory.
#pragma once
#include <cstring>
#include <string>
#include <vector>

#include "core/sha256.h"
#include "quantizer/quantize_model.h"
#include "test_paths.h"

namespace webgguf::testing {

// lexi-28m-f16.gguf, read once per test binary.
inline const std::vector<uint8_t>& lexi_f16_bytes() {
  static const std::vector<uint8_t> bytes = read_file_bytes(shared_path("models/lexi-28m-f16.gguf"));
  return bytes;
}

inline ReadInputFn read_from(const std::vector<uint8_t>& file) {
  return [&file](uint64_t offset, uint64_t size, uint8_t* dst) -> Status {
    if (offset > file.size() || size > file.size() - offset) {
      return Status::error(
          format("read of %llu bytes at %llu is past the end", (unsigned long long)size, (unsigned long long)offset));
    }
    std::memcpy(dst, file.data() + offset, size);
    return Status::ok();
  };
}

inline WriteOutputFn append_to(std::vector<uint8_t>* out) {
  return [out](const uint8_t* data, size_t size) {
    out->insert(out->end(), data, data + size);
    return Status::ok();
  };
}

inline Result<std::vector<uint8_t>> quantize_to_memory(const std::vector<uint8_t>& input,
                                                       const std::string& preset_name,
                                                       const QuantizeOptions& options = {}) {
  const QuantPreset* preset = find_quant_preset(preset_name);
  if (preset == nullptr) return Status::error("unknown preset " + preset_name);
  std::vector<uint8_t> out;
  WEBGGUF_RETURN_IF_ERROR(quantize_model(read_from(input), input.size(), *preset, append_to(&out), options));
  return out;
}

inline std::string sha256_hex(const uint8_t* data, size_t size) {
  return Sha256::hex(Sha256::digest(data, size));
}

}  // namespace webgguf::testing
