// Rotary position embedding (RoFormer) as ggml_rope_ext computes it without YaRN extrapolation:
// for pair i (of n_rot/2), theta_i = pos * freq_scale * base^(-2i/n_rot) / freq_factors[i],
// and the pair is rotated by theta_i and scaled by attn_factor. Dimensions >= n_rot pass through.
// Pairs are (2i, 2i+1) in the "normal" GGUF layout (llama) and (i, i + n_rot/2) in NeoX layout
// (qwen2, qwen3, phi3).
#pragma once
#include <cstdint>

namespace webgguf {

struct RopeParams {
  int n_rot = 0;      // rotated dimensions per head (even, <= head_dim)
  bool neox = false;  // pair layout, see above
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;              // 1 / linear scaling factor
  float attn_factor = 1.0f;             // multiplies cos and sin
  const float* freq_factors = nullptr;  // [n_rot/2] divisors of theta (Llama 3.1 rope_freqs), or null
};

// cos_sin: [n_rot/2][2] (cos, sin) for one position, computed as ggml does (theta advanced by
// repeated multiplication in float, so results match ggml bit for bit on the same libm).
void rope_cos_sin(const RopeParams& params, int32_t pos, float* cos_sin);

// Rotates n_heads heads of head_dim floats in place with a table from rope_cos_sin.
void rope_apply(const RopeParams& params, const float* cos_sin, float* x, int n_heads, int head_dim);

// Reference straight from the definition (theta in double, pow per pair), for tests.
void rope_ref(const RopeParams& params, int32_t pos, float* x, int n_heads, int head_dim);

}  // namespace webgguf
