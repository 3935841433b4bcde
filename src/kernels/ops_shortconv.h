// lfm2's short convolution: a causal depthwise convolution over time with a carried state, as
// ggml_ssm_conv computes it on the state prepended to the input (llama.cpp lfm2.cpp).
#pragma once
#include <cstdint>

namespace webgguf {

// For every channel c < n_channels and token t < n_tokens, with seq = the taps - 1 state rows
// followed by the n_tokens input rows:
//   out[t][c] = sum_{k < taps} kernel[k][c] * seq[t + k][c]   (summed k = 0, 1, ... in f32, as ggml)
// then state = the last taps - 1 rows of seq. kernel: [taps][n_channels] (tap-major);
// state: [taps - 1][n_channels]; x, out: [n_tokens][n_channels]. taps >= 2; out must not alias x
// or state.
void shortconv_causal(const float* kernel, int taps, float* state, const float* x, int64_t n_tokens, int64_t n_channels,
                      float* out);
void shortconv_causal_ref(const float* kernel, int taps, float* state, const float* x, int64_t n_tokens,
                          int64_t n_channels, float* out);

}  // namespace webgguf
