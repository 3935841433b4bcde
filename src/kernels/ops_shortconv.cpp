#include "kernels/ops_shortconv.h"

#include <cstring>

#include "hwy/highway.h"

namespace webgguf {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

// Row j of the sequence the convolution slides over: the state rows, then the input rows.
inline const float* sequence_row(const float* state, const float* x, int64_t j, int taps, int64_t n_channels) {
  return j < taps - 1 ? state + j * n_channels : x + (j - (taps - 1)) * n_channels;
}

// state = the last taps - 1 rows of (state, x).
void carry_state(float* state, const float* x, int64_t n_tokens, int taps, int64_t n_channels) {
  const int64_t n_state = taps - 1;
  const size_t row_bytes = static_cast<size_t>(n_channels) * sizeof(float);
  if (n_tokens >= n_state) {
    std::memcpy(state, x + (n_tokens - n_state) * n_channels, n_state * row_bytes);
    return;
  }
  // Fewer new rows than the state holds: the newest old rows move down (overlapping), x follows.
  std::memmove(state, state + n_tokens * n_channels, (n_state - n_tokens) * row_bytes);
  std::memcpy(state + (n_state - n_tokens) * n_channels, x, n_tokens * row_bytes);
}

}  // namespace

// Vectorised across channels: each lane sums its own taps in ggml's order (mul, then add; no
// fused multiply-add, which ggml's f32 loop does not use on these targets), so it equals the
// reference bit for bit.
void shortconv_causal(const float* kernel, int taps, float* state, const float* x, int64_t n_tokens, int64_t n_channels,
                      float* out) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t t = 0; t < n_tokens; ++t) {
    float* row = out + t * n_channels;
    int64_t c = 0;
    for (; c + lanes <= n_channels; c += lanes) {
      auto sum = hn::Zero(d);
      for (int k = 0; k < taps; ++k) {
        const float* in = sequence_row(state, x, t + k, taps, n_channels);
        sum = hn::Add(sum, hn::Mul(hn::LoadU(d, kernel + k * n_channels + c), hn::LoadU(d, in + c)));
      }
      hn::StoreU(sum, d, row + c);
    }
    for (; c < n_channels; ++c) {
      float sum = 0.0f;
      for (int k = 0; k < taps; ++k) {
        const float product = kernel[k * n_channels + c] * sequence_row(state, x, t + k, taps, n_channels)[c];
        sum += product;
      }
      row[c] = sum;
    }
  }
  carry_state(state, x, n_tokens, taps, n_channels);
}

void shortconv_causal_ref(const float* kernel, int taps, float* state, const float* x, int64_t n_tokens,
                          int64_t n_channels, float* out) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t c = 0; c < n_channels; ++c) {
      float sum = 0.0f;
      for (int k = 0; k < taps; ++k) {
        const float product = kernel[k * n_channels + c] * sequence_row(state, x, t + k, taps, n_channels)[c];
        sum += product;
      }
      out[t * n_channels + c] = sum;
    }
  }
  carry_state(state, x, n_tokens, taps, n_channels);
}

}  // namespace webgguf
