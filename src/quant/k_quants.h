// K-quants: 256-element super-blocks whose sub-block scales are themselves quantized.
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K are weight formats; Q8_K is the activation format of their dot
// products (and of the IQ and ternary types). Signatures match QuantTraits (quant/traits.h): rows
// of n elements, n a multiple of 256.
#pragma once
#include <cstdint>

namespace webgguf {

// Quantize as ggml_quantize_chunk: `importance` nullptr gives quantize_row_*_ref, otherwise the
// importance-weighted quantize_row_*_impl (importance has n entries, one per column).
bool quantize_row_q2_k(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q3_k(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q4_k(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q5_k(const float* src, void* dst, int64_t n, const float* importance);
bool quantize_row_q6_k(const float* src, void* dst, int64_t n, const float* importance);
// Activation quantizer (quantize_row_q8_K_ref); importance is ignored.
bool quantize_row_q8_k(const float* src, void* dst, int64_t n, const float* importance);

void dequantize_row_q2_k(const void* src, float* dst, int64_t n);
void dequantize_row_q3_k(const void* src, float* dst, int64_t n);
void dequantize_row_q4_k(const void* src, float* dst, int64_t n);
void dequantize_row_q5_k(const void* src, float* dst, int64_t n);
void dequantize_row_q6_k(const void* src, float* dst, int64_t n);
void dequantize_row_q8_k(const void* src, float* dst, int64_t n);

// Scalar reference dot products with Q8_K activations (ggml_vec_dot_*_q8_K_generic).
float vec_dot_q2_k_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_q3_k_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_q4_k_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_q5_k_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_q6_k_q8_k(int64_t n, const void* weights, const void* activations);
float vec_dot_q8_k_q8_k(int64_t n, const void* weights, const void* activations);

// Unpacks sub-block j (0..7) of the 12-byte Q4_K/Q5_K scales: 6-bit scale and 6-bit min.
inline void get_scale_min_k4(int j, const uint8_t* q, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

// The 16 6-bit Q3_K scales (still offset by 32) from their 12-byte packing.
void unpack_q3_k_scales(const uint8_t* packed, int8_t scales[16]);

// Sum over a super-block of scale[g] * sum_{16 elements of group g} q8 * level, accumulated in
// 8 int32 lanes as ggml's generic kernels do (the lane order fixes the float rounding after).
void accumulate_scaled_lanes(const int8_t* q8, const int8_t* levels, const int* scale_per_16, int32_t lanes[8]);

}  // namespace webgguf
