// SIMD dot products of the low-bit I-quants (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S)
// with Q8_K activations: the VecDotFn of quant/traits.h, like those of kernels/vec_dot.h. The integer
// block sums are exact and the float steps are those of the scalar references in
// quant/i_quants_low_bit.h, so results are bit-identical to them.
#pragma once
#include <cstdint>

namespace webgguf {

float vec_dot_iq2_xxs_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_iq2_xs_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_iq2_s_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_iq3_xxs_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_iq3_s_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_iq1_s_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_iq1_m_q8_K_simd(int64_t n, const void* weights, const void* activations);

}  // namespace webgguf
