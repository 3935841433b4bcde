// Non-linear 4-bit quants: each 4-bit index selects one of 16 levels (kValuesIQ4NL) spaced more
// densely near zero. IQ4_NL: blocks of 32 with an fp16 scale (dot with Q8_0). IQ4_XS: 256-element
// super-blocks with 6-bit sub-block scales (dot with Q8_K). Signatures match QuantTraits.
#pragma once
#include <cstdint>

namespace webgguf {

// As ggml_quantize_chunk (quantize_iq4_nl / quantize_iq4_xs): importance may be nullptr.
bool quantize_row_iq4_nl(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_iq4_xs(const float* src, void* dst, int64_t n, const float* importance);

void dequantize_row_iq4_nl(const void* src, float* dst, int64_t n);
void dequantize_row_iq4_xs(const void* src, float* dst, int64_t n);

float vec_dot_iq4_nl_q8_0(int64_t n, const void* weights, const void* activations);
float vec_dot_iq4_xs_q8_k(int64_t n, const void* weights, const void* activations);

}  // namespace webgguf
