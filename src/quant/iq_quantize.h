// Quantizers of the low-bit I-quants (ggml-quants.c quantize_row_iq*_impl), byte-identical to
// ggml: each sub-block's values are fitted to points of a lattice (quant/iq_lattice.h) with a
// search over scales, the error of every value weighted by the importance matrix when given
// (importance[i] * sqrt(sigma2 + x[i]^2)) or by x[i]^2. Signatures match QuantTraits; n is a
// multiple of 256. IQ2_XXS, IQ2_XS and IQ1_S need an importance matrix (false without one, as
// ggml asserts); the others fall back to x^2 weights.
#pragma once
#include <cstdint>

namespace webgguf {

bool quantize_row_iq1_s(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_iq1_m(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_iq2_xxs(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_iq2_xs(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_iq2_s(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_iq3_xxs(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_iq3_s(const float* src, void* dst, int64_t n, const float* importance);

}  // namespace webgguf
