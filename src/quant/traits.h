// The one dispatch point from a ggml type id to its arithmetic (ggml's type_traits).
// Row functions work on whole rows of n elements (n a multiple of the type's block size).
#pragma once
#include <cstdint>

#include "gguf/ggml_type.h"

namespace webgguf {

// Dequantize n elements of one row to f32.
using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
// Quantize n elements of one row from f32 as ggml_quantize_chunk does. `importance` may be
// nullptr (no importance matrix); types that require one reject nullptr by returning false.
// Block types (all but F32/F16/BF16) also return false for a row holding NaN, Inf or |x| > 1e9.
using QuantizeRowFn = bool (*)(const float* src, void* dst, int64_t n, const float* importance);
// Dot product of a weight row (this type) with an activation row already quantized to the
// type's vec_dot_type. n elements.
using VecDotFn = float (*)(int64_t n, const void* weights, const void* activations);

struct QuantTraits {
  GgmlType type;
  const char* name;
  uint32_t block_size;
  uint32_t type_size;
  DequantizeRowFn dequantize;  // never nullptr for supported types
  QuantizeRowFn quantize;      // nullptr where we have no quantizer
  bool needs_importance;       // quantize requires an importance matrix
  GgmlType vec_dot_type;       // activation format of the dot product (Q8_0, Q8_1, Q8_K, F16, BF16, F32)
  VecDotFn vec_dot_reference;  // scalar reference
  VecDotFn vec_dot;            // fastest available (SIMD); equals the reference where none exists
};

// nullptr for types we cannot compute with (I8..F64, unknown ids).
const QuantTraits* quant_traits(GgmlType type);

}  // namespace webgguf
