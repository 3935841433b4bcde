#include "quantizer/presets.h"

#include <cctype>

namespace webgguf {

const std::vector<QuantPreset>& quant_presets() {
  using F = LlamaFileType;
  using T = GgmlType;
  static const std::vector<QuantPreset> kPresets = {
      {"F32", F::ALL_F32, T::F32, "32-bit floats: the unquantized reference, 4 bytes per weight"},
      {"F16", F::MOSTLY_F16, T::F16, "16-bit floats: half the size of F32, practically lossless"},
      {"BF16", F::MOSTLY_BF16, T::BF16, "bfloat16: F32's range in 16 bits"},
      {"Q8_0", F::MOSTLY_Q8_0, T::Q8_0, "8-bit: closest to the original"},
      {"Q6_K", F::MOSTLY_Q6_K, T::Q6_K, "6-bit K-quant: nearly lossless"},
      {"Q5_K_M", F::MOSTLY_Q5_K_M, T::Q5_K, "5-bit K-quant, medium: very low loss"},
      {"Q5_K_S", F::MOSTLY_Q5_K_S, T::Q5_K, "5-bit K-quant, small"},
      {"Q5_1", F::MOSTLY_Q5_1, T::Q5_1, "5-bit legacy quant with offset"},
      {"Q5_0", F::MOSTLY_Q5_0, T::Q5_0, "5-bit legacy quant"},
      {"Q4_K_M", F::MOSTLY_Q4_K_M, T::Q4_K, "4-bit K-quant, medium: the recommended balance"},
      {"Q4_K_S", F::MOSTLY_Q4_K_S, T::Q4_K, "4-bit K-quant, small"},
      {"Q4_1", F::MOSTLY_Q4_1, T::Q4_1, "4-bit legacy quant with offset"},
      {"Q4_0", F::MOSTLY_Q4_0, T::Q4_0, "4-bit legacy quant"},
      {"IQ4_NL", F::MOSTLY_IQ4_NL, T::IQ4_NL, "4.5-bit non-linear quant (lookup table)"},
      {"IQ4_XS", F::MOSTLY_IQ4_XS, T::IQ4_XS, "4.25-bit non-linear quant (lookup table)"},
      {"Q3_K_L", F::MOSTLY_Q3_K_L, T::Q3_K, "3-bit K-quant, large"},
      {"Q3_K_M", F::MOSTLY_Q3_K_M, T::Q3_K, "3-bit K-quant, medium"},
      {"Q3_K_S", F::MOSTLY_Q3_K_S, T::Q3_K, "3-bit K-quant, small: noticeable loss"},
      {"IQ3_M", F::MOSTLY_IQ3_M, T::IQ3_S, "3.66-bit I-quant mix (lookup table)"},
      {"IQ3_S", F::MOSTLY_IQ3_S, T::IQ3_S, "3.44-bit I-quant (lookup table)"},
      {"IQ3_XS", F::MOSTLY_IQ3_XS, T::IQ3_S, "3.3-bit I-quant mix: needs an importance matrix"},
      {"IQ3_XXS", F::MOSTLY_IQ3_XXS, T::IQ3_XXS, "3.06-bit I-quant: needs an importance matrix"},
      {"Q2_K", F::MOSTLY_Q2_K, T::Q2_K, "2-bit K-quant: for very limited memory, large loss"},
      {"Q2_K_S", F::MOSTLY_Q2_K_S, T::Q2_K, "2-bit K-quant, small: needs an importance matrix"},
      {"IQ2_M", F::MOSTLY_IQ2_M, T::IQ2_S, "2.7-bit I-quant mix: needs an importance matrix"},
      {"IQ2_S", F::MOSTLY_IQ2_S, T::IQ2_XS, "2.5-bit I-quant mix: needs an importance matrix"},
      {"IQ2_XS", F::MOSTLY_IQ2_XS, T::IQ2_XS, "2.31-bit I-quant: needs an importance matrix"},
      {"IQ2_XXS", F::MOSTLY_IQ2_XXS, T::IQ2_XXS, "2.06-bit I-quant: needs an importance matrix"},
      {"IQ1_M", F::MOSTLY_IQ1_M, T::IQ1_M, "1.75-bit I-quant: needs an importance matrix, very large loss"},
      {"IQ1_S", F::MOSTLY_IQ1_S, T::IQ1_S, "1.56-bit I-quant: needs an importance matrix, very large loss"},
  };
  return kPresets;
}

const QuantPreset* find_quant_preset(const std::string& name) {
  std::string upper;
  for (char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  // llama-quantize's aliases name the _M mix.
  if (upper == "Q3_K" || upper == "Q4_K" || upper == "Q5_K") upper += "_M";
  for (const QuantPreset& preset : quant_presets()) {
    if (upper == preset.name) return &preset;
  }
  return nullptr;
}

std::string quant_preset_names() {
  std::string names;
  for (const QuantPreset& preset : quant_presets()) {
    if (!names.empty()) names += ", ";
    names += preset.name;
  }
  return names;
}

}  // namespace webgguf
