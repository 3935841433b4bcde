// Ternary quants (BitNet b1.58, TriLMs): every weight is d * {-1, 0, +1}. TQ1_0 packs 5 trits per
// byte (1.6875 bits per weight), TQ2_0 stores 2 bits per trit. Both dot with Q8_K. Signatures
// match QuantTraits; importance is ignored, as in ggml.
#pragma once
#include <cstdint>

namespace webgguf {

bool quantize_row_tq1_0(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_tq2_0(const float* src, void* dst, int64_t n, const float* importance);

void dequantize_row_tq1_0(const void* src, float* dst, int64_t n);
void dequantize_row_tq2_0(const void* src, float* dst, int64_t n);

float vec_dot_tq1_0_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_tq2_0_q8_k(int64_t n, const void* weights, const void* activations);

}  // namespace webgguf
