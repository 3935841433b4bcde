// SIMD dot products of one weight row with one activation row (the VecDotFn of quant/traits.h):
// `n` elements (a multiple of the weight type's block size), weights in the named type, activations
// already in the type's vec_dot_type. Same results as the scalar references in src/quant up to
// float rounding of the final sum (integer block sums are exact). Rows need no particular
// alignment beyond that of their block struct.
#pragma once
#include <cstdint>

namespace webgguf {

// Floats (src/kernels/dot_float.cpp): f32 accumulation, like ggml's SIMD paths.
float vec_dot_f32_f32_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_f16_f16_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_bf16_bf16_simd(int64_t n, const void* weights, const void* activations);

// 32-element blocks (src/kernels/dot_legacy.cpp).
float vec_dot_q4_0_q8_0_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_q4_1_q8_1_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_q5_0_q8_0_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_q5_1_q8_1_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_q8_0_q8_0_simd(int64_t n, const void* weights, const void* activations);

// Lookup-table 4-bit types (src/kernels/dot_lookup4.cpp).
float vec_dot_iq4_nl_q8_0_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_mxfp4_q8_0_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_iq4_xs_q8_K_simd(int64_t n, const void* weights, const void* activations);

// K-quants (src/kernels/dot_k_quants.cpp).
float vec_dot_q2_K_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_q3_K_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_q4_K_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_q5_K_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_q6_K_q8_K_simd(int64_t n, const void* weights, const void* activations);

// Ternary types (src/kernels/dot_ternary.cpp).
float vec_dot_tq1_0_q8_K_simd(int64_t n, const void* weights, const void* activations);
float vec_dot_tq2_0_q8_K_simd(int64_t n, const void* weights, const void* activations);

}  // namespace webgguf
