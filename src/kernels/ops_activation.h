// Elementwise activations of the transformer block: SwiGLU's silu(gate) * up and softmax.
#pragma once
#include <cstdint>

namespace webgguf {

// out[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + exp(-x)). All [n]; out may alias gate or up.
void silu_mul(const float* gate, const float* up, int64_t n, float* out);
void silu_mul_ref(const float* gate, const float* up, int64_t n, float* out);

// out[i] = gelu(gate[i]) * up[i] as ggml computes GEGLU (GGML_GELU_FP16): gate rounded to f16,
// gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))) in f32 rounded to f16 (a table of
// all 65,536 results), and gate <= -10 -> 0, gate >= 10 -> gate. out may alias gate or up.
void gelu_mul(const float* gate, const float* up, int64_t n, float* out);
void gelu_mul_ref(const float* gate, const float* up, int64_t n, float* out);

// In place: x = exp(x - max(x)) / sum(exp(x - max(x))). x: [n], n >= 1.
void softmax(float* x, int64_t n);
void softmax_ref(float* x, int64_t n);

}  // namespace webgguf
