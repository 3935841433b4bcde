// Dot products of one weight row with several activation rows (tokens) in one call: the prefill
// kernels of matmul. Each weight block is loaded and unpacked (nibbles -> int16, scales decoded)
// once and dotted with the matching block of every token, instead of once per token as repeated
// single-row vec_dot calls would do.
//
// Each output equals the type's single-row SIMD vec_dot (src/kernels/vec_dot.h) bit for bit: the
// same exact integer block sums and the same float epilogue in the same order, so a token's
// logits do not depend on whether it was prefilled in a batch or decoded alone.
#pragma once
#include <cstddef>
#include <cstdint>

#include "gguf/ggml_type.h"

namespace webgguf {

// Tokens per call: 4 keeps a row's unpacked block and every token's accumulator in the 16
// vector registers of SSE4 / V8's wasm SIMD.
constexpr int kMaxDotTokens = 4;

// out[t * out_stride] = dot(weights[0..n), activation row t) for t < n_tokens (1..kMaxDotTokens);
// activation row t starts at activations + t * activation_row_bytes, in the weight type's
// vec_dot_type.
using TokensDotFn = void (*)(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                             int n_tokens, float* out, int64_t out_stride);

// The multi-token kernel of a weight type, or nullptr (then matmul calls vec_dot per token).
TokensDotFn tokens_dot_for(GgmlType weight_type);

// Floats (src/kernels/dot_tokens_float.cpp).
void dot_tokens_f16(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                    int n_tokens, float* out, int64_t out_stride);
void dot_tokens_bf16(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);

// 32-element blocks against Q8_0 (src/kernels/dot_tokens_legacy.cpp).
void dot_tokens_q4_0(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);
void dot_tokens_q5_0(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);
void dot_tokens_q8_0(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);

// Lookup-table 4-bit types (src/kernels/dot_tokens_lookup4.cpp).
void dot_tokens_iq4_nl(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                       int n_tokens, float* out, int64_t out_stride);
void dot_tokens_iq4_xs(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                       int n_tokens, float* out, int64_t out_stride);

// K-quants against Q8_K (src/kernels/dot_tokens_k_quants.cpp).
void dot_tokens_q2_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);
void dot_tokens_q3_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);
void dot_tokens_q4_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);
void dot_tokens_q5_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);
void dot_tokens_q6_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride);

}  // namespace webgguf
