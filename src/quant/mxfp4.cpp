// MXFP4: reference quantize (quantize_row_mxfp4_ref), dequantize and the generic dot product.
#include "quant/mxfp4.h"

#include <cmath>

#include "core/fp16.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

// The FP4 level nearest to x at half-scale e (first index on ties, so +0 beats -0).
int best_index_mxfp4(float x, float e) {
  int best_index = 0;
  float best_err = std::fabs(kValuesMXFP4[0] * e - x);
  for (int i = 1; i < 16; ++i) {
    const float err = std::fabs(kValuesMXFP4[i] * e - x);
    if (err < best_err) {
      best_index = i;
      best_err = err;
    }
  }
  return best_index;
}

// Shared exponent: floor(log2(amax)) - 2 puts amax in the top binade of E2M1 (max 6 = 1.5 * 2^2).
uint8_t shared_exponent(float amax) {
  if (!(amax > 0.0f)) return 0;
  // Through int first: ggml converts the float straight to uint8_t, which x86 does the same way
  // for in-range values and which would be undefined here for the out-of-range ones.
  return static_cast<uint8_t>(static_cast<int>(std::floor(std::log2(amax)) - 2 + 127));
}

}  // namespace

bool quantize_row_mxfp4(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* y = static_cast<BlockMXFP4*>(dst);
  for (int64_t i = 0; i < n / kQK_MXFP4; ++i) {
    const float* x = src + kQK_MXFP4 * i;
    float amax = 0.0f;
    for (int j = 0; j < kQK_MXFP4; ++j) {
      if (amax < std::fabs(x[j])) amax = std::fabs(x[j]);
    }
    const uint8_t e = shared_exponent(amax);
    const float d = e8m0_to_fp32_half(e);
    y[i].e = e;
    for (int j = 0; j < kQK_MXFP4 / 2; ++j) {
      const int low = best_index_mxfp4(x[j], d);
      const int high = best_index_mxfp4(x[j + kQK_MXFP4 / 2], d);
      y[i].qs[j] = static_cast<uint8_t>(low | (high << 4));
    }
  }
  return true;
}

void dequantize_row_mxfp4(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockMXFP4*>(src);
  for (int64_t i = 0; i < n / kQK_MXFP4; ++i, dst += kQK_MXFP4) {
    const float d = e8m0_to_fp32_half(x[i].e);
    for (int j = 0; j < kQK_MXFP4 / 2; ++j) {
      dst[j] = kValuesMXFP4[x[i].qs[j] & 0x0F] * d;
      dst[j + kQK_MXFP4 / 2] = kValuesMXFP4[x[i].qs[j] >> 4] * d;
    }
  }
}

float vec_dot_mxfp4_q8_0(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockMXFP4*>(weights);
  const auto* y = static_cast<const BlockQ8_0*>(activations);
  float sumf = 0;
  for (int64_t ib = 0; ib < n / kQK_MXFP4; ++ib) {
    const float d = fp16_to_fp32(y[ib].d) * e8m0_to_fp32_half(x[ib].e);
    int sum_low = 0, sum_high = 0;
    for (int j = 0; j < kQK_MXFP4 / 2; ++j) {
      sum_low += y[ib].qs[j] * kValuesMXFP4[x[ib].qs[j] & 0xf];
      sum_high += y[ib].qs[j + kQK_MXFP4 / 2] * kValuesMXFP4[x[ib].qs[j] >> 4];
    }
    sumf += d * (sum_low + sum_high);
  }
  return sumf;
}

}  // namespace webgguf
