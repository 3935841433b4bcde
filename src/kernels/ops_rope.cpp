#include "kernels/ops_rope.h"

#include <cmath>

namespace webgguf {

void rope_cos_sin(const RopeParams& params, int32_t pos, float* cos_sin) {
  const float theta_scale = std::pow(params.freq_base, -2.0f / static_cast<float>(params.n_rot));
  float theta_base = static_cast<float>(pos);
  for (int i = 0; i < params.n_rot / 2; ++i) {
    const float factor = params.freq_factors != nullptr ? params.freq_factors[i] : 1.0f;
    const float theta = params.freq_scale * (theta_base / factor);
    cos_sin[2 * i] = std::cos(theta) * params.attn_factor;
    cos_sin[2 * i + 1] = std::sin(theta) * params.attn_factor;
    theta_base *= theta_scale;
  }
}

void rope_apply(const RopeParams& params, const float* cos_sin, float* x, int n_heads, int head_dim) {
  const int half = params.n_rot / 2;
  // Distance between the two members of a pair, and the step from one pair to the next.
  const int pair_offset = params.neox ? half : 1;
  const int pair_step = params.neox ? 1 : 2;
  for (int h = 0; h < n_heads; ++h) {
    float* head = x + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      float* a = head + i * pair_step;
      float* b = a + pair_offset;
      const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
      const float x0 = *a, x1 = *b;
      *a = x0 * c - x1 * s;
      *b = x0 * s + x1 * c;
    }
  }
}

void rope_ref(const RopeParams& params, int32_t pos, float* x, int n_heads, int head_dim) {
  const int half = params.n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* head = x + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const double factor = params.freq_factors != nullptr ? params.freq_factors[i] : 1.0;
      const double theta = pos * static_cast<double>(params.freq_scale) *
                           std::pow(static_cast<double>(params.freq_base), -2.0 * i / params.n_rot) / factor;
      const int ia = params.neox ? i : 2 * i;
      const int ib = params.neox ? i + half : 2 * i + 1;
      const double x0 = head[ia], x1 = head[ib];
      head[ia] = static_cast<float>((x0 * std::cos(theta) - x1 * std::sin(theta)) * params.attn_factor);
      head[ib] = static_cast<float>((x0 * std::sin(theta) + x1 * std::cos(theta)) * params.attn_factor);
    }
  }
}

}  // namespace webgguf
