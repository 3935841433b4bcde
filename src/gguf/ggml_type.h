// The ggml tensor types a GGUF file can declare: ids, names, and the block geometry that fixes
// how many bytes a row of n elements takes. This is part of the file format, so it lives with the
// reader; src/quant adds the arithmetic for each type.
#pragma once
#include <cstddef>
#include <cstdint>

namespace webgguf {

enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
  COUNT = 40,
};

struct GgmlTypeInfo {
  const char* name;     // as llama.cpp prints it, e.g. "q4_K"; nullptr for unused ids
  uint32_t block_size;  // elements per block
  uint32_t type_size;   // bytes per block
};

// Returns nullptr for ids that no ggml type uses (3 gaps, removed Q4_2/Q4_3/..., and >= COUNT).
const GgmlTypeInfo* ggml_type_info(uint32_t type_id);
inline const GgmlTypeInfo* ggml_type_info(GgmlType t) {
  return ggml_type_info(static_cast<uint32_t>(t));
}
const char* ggml_type_name(GgmlType t);  // "?" when unknown
// A type by its name, case-insensitive ("q4_k", "Q8_0", "f16"), as llama-quantize parses
// --output-tensor-type; false for an unknown name.
bool parse_ggml_type_name(const char* name, GgmlType* type);

// Bytes of a row of n elements; 0 if n is not a multiple of the block size or the type is unknown.
uint64_t ggml_row_bytes(GgmlType t, uint64_t n);

}  // namespace webgguf
