// The low-bit I-quants IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS and IQ3_S (blocks in
// quant/blocks_iq.h, grids in quant/iq_grids.h): dequantize and the scalar reference dot products
// against Q8_K, with exactly the arithmetic of ggml's generic code. Their quantizers are in
// quant/iq_quantize.h.
// Signatures match QuantTraits; n is a multiple of 256.
#pragma once
#include <cstdint>

namespace webgguf {

void dequantize_row_iq2_xxs(const void* src, float* dst, int64_t n);
void dequantize_row_iq2_xs(const void* src, float* dst, int64_t n);
void dequantize_row_iq2_s(const void* src, float* dst, int64_t n);
void dequantize_row_iq3_xxs(const void* src, float* dst, int64_t n);
void dequantize_row_iq3_s(const void* src, float* dst, int64_t n);
void dequantize_row_iq1_s(const void* src, float* dst, int64_t n);
void dequantize_row_iq1_m(const void* src, float* dst, int64_t n);

float vec_dot_iq2_xxs_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_iq2_xs_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_iq2_s_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_iq3_xxs_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_iq3_s_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_iq1_s_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_iq1_m_q8_k(int64_t n, const void* weights, const void* activations);

}  // namespace webgguf
