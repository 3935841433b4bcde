// The quantization presets of llama.cpp's `llama-quantize`: a name, the
// llama_ftype value written to general.file_type, and the default tensor type that the per-tensor
// rules (tensor_types.h) start from.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gguf/ggml_type.h"

namespace webgguf {

// llama.cpp's llama_ftype values (include/llama.h) for the presets we offer.
enum class LlamaFileType : uint32_t {
  ALL_F32 = 0,
  MOSTLY_F16 = 1,
  MOSTLY_Q4_0 = 2,
  MOSTLY_Q4_1 = 3,
  MOSTLY_Q8_0 = 7,
  MOSTLY_Q5_0 = 8,
  MOSTLY_Q5_1 = 9,
  MOSTLY_Q2_K = 10,
  MOSTLY_Q3_K_S = 11,
  MOSTLY_Q3_K_M = 12,
  MOSTLY_Q3_K_L = 13,
  MOSTLY_Q4_K_S = 14,
  MOSTLY_Q4_K_M = 15,
  MOSTLY_Q5_K_S = 16,
  MOSTLY_Q5_K_M = 17,
  MOSTLY_Q6_K = 18,
  MOSTLY_IQ2_XXS = 19,
  MOSTLY_IQ2_XS = 20,
  MOSTLY_Q2_K_S = 21,
  MOSTLY_IQ3_XS = 22,
  MOSTLY_IQ3_XXS = 23,
  MOSTLY_IQ1_S = 24,
  MOSTLY_IQ4_NL = 25,
  MOSTLY_IQ3_S = 26,
  MOSTLY_IQ3_M = 27,
  MOSTLY_IQ2_S = 28,
  MOSTLY_IQ2_M = 29,
  MOSTLY_IQ4_XS = 30,
  MOSTLY_IQ1_M = 31,
  MOSTLY_BF16 = 32,
};

struct QuantPreset {
  const char* name;         // as llama-quantize spells it: "Q4_K_M"
  LlamaFileType file_type;  // written to general.file_type
  GgmlType default_type;    // the type most weight matrices get
  const char* description;  // one line for users
};

// Every preset, from largest to smallest file.
const std::vector<QuantPreset>& quant_presets();
// Case-insensitive lookup by name (also llama-quantize's aliases Q3_K, Q4_K, Q5_K for the _M
// presets); nullptr when unknown.
const QuantPreset* find_quant_preset(const std::string& name);
// "F32, F16, BF16, Q8_0, ..." for error messages and --help.
std::string quant_preset_names();

}  // namespace webgguf
