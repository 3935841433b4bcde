// F32, F16, BF16 rows: conversion from f32 (ggml_fp32_to_fp16_row, ggml_fp32_to_bf16_row_ref),
// conversion to f32, and the scalar dot products of ggml-cpu/vec.cpp.
#include "quant/float_types.h"

#include <cstring>

#include "core/fp16.h"

namespace webgguf {

bool quantize_row_f32(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
  return true;
}

bool quantize_row_f16(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(src[i]);
  return true;
}

bool quantize_row_bf16(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(src[i]);
  return true;
}

void dequantize_row_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void dequantize_row_f16(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(x[i]);
}

void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(x[i]);
}

float vec_dot_f32_f32(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const float*>(weights);
  const auto* y = static_cast<const float*>(activations);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * y[i]);
  return static_cast<float>(sum);
}

float vec_dot_f16_f16(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const uint16_t*>(weights);
  const auto* y = static_cast<const uint16_t*>(activations);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]));
  return static_cast<float>(sum);
}

float vec_dot_bf16_bf16(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const uint16_t*>(weights);
  const auto* y = static_cast<const uint16_t*>(activations);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]));
  return static_cast<float>(sum);
}

}  // namespace webgguf
