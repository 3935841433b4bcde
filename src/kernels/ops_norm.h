// RMSNorm (Zhang & Sennrich 2019) as llama.cpp applies it: y = x / sqrt(mean(x^2) + eps) * weight.
#pragma once
#include <cstdint>

namespace webgguf {

// x, weight, out: [n]. out may alias x.
void rmsnorm(const float* x, const float* weight, int64_t n, float eps, float* out);
// Scalar reference (sum of squares in double, as ggml does).
void rmsnorm_ref(const float* x, const float* weight, int64_t n, float eps, float* out);

}  // namespace webgguf
