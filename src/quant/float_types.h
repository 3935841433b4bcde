// Unquantized types: F32, F16 (IEEE half) and BF16. "Quantize" converts from f32 with ggml's
// rounding (round to nearest even; BF16 quiets NaN); each dots with activations of its own type.
// Signatures match QuantTraits; importance is ignored.
#pragma once
#include <cstdint>

namespace webgguf {

bool quantize_row_f32(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_f16(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_bf16(const float* src, void* dst, int64_t n, const float* importance);

void dequantize_row_f32(const void* src, float* dst, int64_t n);
void dequantize_row_f16(const void* src, float* dst, int64_t n);
void dequantize_row_bf16(const void* src, float* dst, int64_t n);

// Products in f32, summed in double, as ggml's scalar ggml_vec_dot_{f32,f16,bf16}.
float vec_dot_f32_f32(int64_t n, const void* weights, const void* activations);
float vec_dot_f16_f16(int64_t n, const void* weights, const void* activations);
float vec_dot_bf16_bf16(int64_t n, const void* weights, const void* activations);

}  // namespace webgguf
