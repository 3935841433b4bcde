// MXFP4 (OCP microscaling): blocks of 32 FP4 (E2M1) values sharing one E8M0 power-of-two scale.
// Dot product with Q8_0. Signatures match QuantTraits; importance is ignored, as in ggml.
#pragma once
#include <cstdint>

namespace webgguf {

bool quantize_row_mxfp4(const float* src, void* dst, int64_t n, const float* importance);
void dequantize_row_mxfp4(const void* src, float* dst, int64_t n);
float vec_dot_mxfp4_q8_0(int64_t n, const void* weights, const void* activations);

}  // namespace webgguf
