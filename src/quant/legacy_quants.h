// The original ggml block formats (32 elements per block, one scale and optionally a min):
// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (also an activation format) and Q8_1 (activation format only).
// Signatures match QuantTraits (quant/traits.h): rows of n elements, n a multiple of 32.
#pragma once
#include <cstdint>

namespace webgguf {

// Quantize as ggml_quantize_chunk: `importance` nullptr gives the reference rounding
// (quantize_row_*_ref); otherwise the importance-weighted search. Q8_0/Q8_1 ignore importance.
bool quantize_row_q4_0(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q4_1(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q5_0(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q5_1(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q8_0(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q8_1(const float* src, void* dst, int64_t n, const float* importance);

void dequantize_row_q4_0(const void* src, float* dst, int64_t n);
void dequantize_row_q4_1(const void* src, float* dst, int64_t n);
void dequantize_row_q5_0(const void* src, float* dst, int64_t n);
void dequantize_row_q5_1(const void* src, float* dst, int64_t n);
void dequantize_row_q8_0(const void* src, float* dst, int64_t n);
void dequantize_row_q8_1(const void* src, float* dst, int64_t n);

// Scalar reference dot products (ggml_vec_dot_*_generic): weights x activations.
float vec_dot_q4_0_q8_0(int64_t n, const void* weights, const void* activations);
float vec_dot_q4_1_q8_1(int64_t n, const void* weights, const void* activations);
float vec_dot_q5_0_q8_0(int64_t n, const void* weights, const void* activations);
float vec_dot_q5_1_q8_1(int64_t n, const void* weights, const void* activations);
float vec_dot_q8_0_q8_0(int64_t n, const void* weights, const void* activations);
float vec_dot_q8_1_q8_1(int64_t n, const void* weights, const void* activations);

}  // namespace webgguf
