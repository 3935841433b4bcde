// IQ4_NL and IQ4_XS: quantize (ggml's quantize_row_iq4_nl_impl with ntry = 7, as
// ggml_quantize_chunk calls it), dequantize and the generic dot products.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/iq4_quants.h"
#include "quant/scale_search.h"

namespace webgguf {
namespace {

constexpr int kSubBlock = 32;
// Number of scale refinements tried on each side of the initial guess.
constexpr int kScaleTries = 7;

// Index of the level nearest to x in the sorted table `values` (ties go up).
int best_index_int8(int n, const int8_t* values, float x) {
  if (x <= values[0]) return 0;
  if (x >= values[n - 1]) return n - 1;
  int ml = 0, mu = n - 1;
  while (mu - ml > 1) {
    const int mav = (ml + mu) / 2;
    if (x < values[mav])
      mu = mav;
    else
      ml = mav;
  }
  return x - values[mu - 1] < values[mu] - x ? mu - 1 : mu;
}

// Best scale of one sub-block of 32 for the non-linear levels: start from the largest element
// mapped to the most negative level, refit by weighted least squares, then try 2*ntry+1 nearby
// scales. Writes the levels of the initial guess to L; returns the scale (0 for a zero block).
float search_sub_block_scale(const float* xb, const float* weight, uint8_t* L) {
  float amax = 0, max = 0;
  for (int j = 0; j < kSubBlock; ++j) {
    const float ax = std::fabs(xb[j]);
    if (ax > amax) {
      amax = ax;
      max = xb[j];
    }
  }
  if (amax < kGroupMaxEps) return 0;
  float d = -max / kValuesIQ4NL[0];
  float id = 1 / d;
  float sumqx = 0, sumq2 = 0;
  for (int j = 0; j < kSubBlock; ++j) {
    const int l = best_index_int8(16, kValuesIQ4NL, id * xb[j]);
    L[j] = static_cast<uint8_t>(l);
    const float q = kValuesIQ4NL[l];
    const float w = weight[j];
    sumqx += w * q * xb[j];
    sumq2 += w * q * q;
  }
  d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
  float best = d * sumqx;
  for (int itry = -kScaleTries; itry <= kScaleTries; ++itry) {
    id = (itry + kValuesIQ4NL[0]) / max;
    sumqx = sumq2 = 0;
    for (int j = 0; j < kSubBlock; ++j) {
      const int l = best_index_int8(16, kValuesIQ4NL, id * xb[j]);
      const float q = kValuesIQ4NL[l];
      const float w = weight[j];
      sumqx += w * q * xb[j];
      sumq2 += w * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

// Weights of the sub-block fit: importance * sqrt(sigma2 + x^2), or x^2 without importance.
void sub_block_weights(const float* xb, const float* importance, float sigma2, float* weight) {
  if (importance) {
    for (int j = 0; j < kSubBlock; ++j) weight[j] = importance[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
  } else {
    for (int j = 0; j < kSubBlock; ++j) weight[j] = xb[j] * xb[j];
  }
}

float scaled_mean_square(const float* x, int n) {
  float sigma2 = 0;
  for (int j = 0; j < n; ++j) sigma2 += x[j] * x[j];
  sigma2 *= 2.f / n;
  return sigma2;
}

void pack_nibbles(const uint8_t* L, uint8_t* qs, int n) {
  for (int i = 0; i < n / 32; ++i) {
    for (int j = 0; j < 16; ++j) qs[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
  }
}

void quantize_iq4_nl_block(const float* x, const float* importance, BlockIQ4_NL& y) {
  const float sigma2 = scaled_mean_square(x, kQK4_NL);
  float weight[kSubBlock];
  sub_block_weights(x, importance, sigma2, weight);
  uint8_t L[kQK4_NL];
  const float d = search_sub_block_scale(x, weight, L);
  y.d = fp32_to_fp16(d);
  // Final levels against the unrounded scale, as ggml does.
  const float id = inverse_or_zero(d);
  for (int j = 0; j < kQK4_NL; ++j) L[j] = static_cast<uint8_t>(best_index_int8(16, kValuesIQ4NL, id * x[j]));
  pack_nibbles(L, y.qs, kQK4_NL);
}

void quantize_iq4_xs_block(const float* x, const float* importance, BlockIQ4_XS& y) {
  const float sigma2 = scaled_mean_square(x, kQK_K);
  float scales[kQK_K / kSubBlock];
  float max_scale = 0, amax_scale = 0;
  uint8_t L[kQK_K];
  for (int ib = 0; ib < kQK_K / kSubBlock; ++ib) {
    const float* xb = x + ib * kSubBlock;
    float weight[kSubBlock];
    sub_block_weights(xb, importance ? importance + ib * kSubBlock : nullptr, sigma2, weight);
    scales[ib] = search_sub_block_scale(xb, weight, L + ib * kSubBlock);
    const float abs_d = std::fabs(scales[ib]);
    if (abs_d > amax_scale) {
      amax_scale = abs_d;
      max_scale = scales[ib];
    }
  }
  // 6-bit sub-block scales in [-32, 31] (+32 stored): low nibbles in scales_l, top 2 bits in
  // scales_h; levels are recomputed against each quantized sub-block scale.
  y.scales_h = 0;
  const float d = -max_scale / 32;
  y.d = fp32_to_fp16(d);
  const float id = inverse_or_zero(d);
  for (int ib = 0; ib < kQK_K / kSubBlock; ++ib) {
    int l = std::max(-32, std::min(31, nearest_int(id * scales[ib])));
    const float dl = d * l;
    const float idl = inverse_or_zero(dl);
    const float* xb = x + ib * kSubBlock;
    for (int j = 0; j < kSubBlock; ++j) {
      L[ib * kSubBlock + j] = static_cast<uint8_t>(best_index_int8(16, kValuesIQ4NL, idl * xb[j]));
    }
    l += 32;
    const uint8_t l_low = static_cast<uint8_t>(l & 0xf);
    const uint8_t l_high = static_cast<uint8_t>(l >> 4);
    if (ib % 2 == 0) {
      y.scales_l[ib / 2] = l_low;
    } else {
      y.scales_l[ib / 2] = static_cast<uint8_t>(y.scales_l[ib / 2] | (l_low << 4));
    }
    y.scales_h = static_cast<uint16_t>(y.scales_h | (l_high << 2 * (ib % 8)));
  }
  pack_nibbles(L, y.qs, kQK_K);
}

// 6-bit scale of IQ4_XS sub-block ib, still offset by 32.
int iq4_xs_scale(const BlockIQ4_XS& x, int ib) {
  return ((x.scales_l[ib / 2] >> 4 * (ib % 2)) & 0xf) | (((x.scales_h >> 2 * ib) & 3) << 4);
}

}  // namespace

bool quantize_row_iq4_nl(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockIQ4_NL*>(dst);
  for (int64_t ib = 0; ib < n / kQK4_NL; ++ib) {
    quantize_iq4_nl_block(src + kQK4_NL * ib, importance ? importance + kQK4_NL * ib : nullptr, y[ib]);
  }
  return true;
}

bool quantize_row_iq4_xs(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockIQ4_XS*>(dst);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib) {
    quantize_iq4_xs_block(src + kQK_K * ib, importance ? importance + kQK_K * ib : nullptr, y[ib]);
  }
  return true;
}

void dequantize_row_iq4_nl(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ4_NL*>(src);
  for (int64_t i = 0; i < n / kQK4_NL; ++i, dst += kQK4_NL) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK4_NL / 2; ++j) {
      dst[j] = d * kValuesIQ4NL[x[i].qs[j] & 0xf];
      dst[j + kQK4_NL / 2] = d * kValuesIQ4NL[x[i].qs[j] >> 4];
    }
  }
}

void dequantize_row_iq4_xs(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ4_XS*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* qs = x[i].qs;
    const float d = fp16_to_fp32(x[i].d);
    for (int ib = 0; ib < kQK_K / 32; ++ib, dst += 32, qs += 16) {
      const float dl = d * (iq4_xs_scale(x[i], ib) - 32);
      for (int j = 0; j < 16; ++j) {
        dst[j] = dl * kValuesIQ4NL[qs[j] & 0xf];
        dst[j + 16] = dl * kValuesIQ4NL[qs[j] >> 4];
      }
    }
  }
}

namespace {

// sum_j a[j] * level(q[j]) over 32 elements stored as 16 nibble pairs.
int nibble_block_dot(const uint8_t* qs, const int8_t* a) {
  int sum_low = 0, sum_high = 0;
  for (int j = 0; j < 16; ++j) {
    sum_low += a[j] * kValuesIQ4NL[qs[j] & 0xf];
    sum_high += a[j + 16] * kValuesIQ4NL[qs[j] >> 4];
  }
  return sum_low + sum_high;
}

}  // namespace

float vec_dot_iq4_nl_q8_0(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ4_NL*>(weights);
  const auto* y = static_cast<const BlockQ8_0*>(activations);
  float sumf = 0;
  for (int64_t ib = 0; ib < n / kQK4_NL; ++ib) {
    const float d = fp16_to_fp32(y[ib].d) * fp16_to_fp32(x[ib].d);
    sumf += d * nibble_block_dot(x[ib].qs, y[ib].qs);
  }
  return sumf;
}

float vec_dot_iq4_xs_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ4_XS*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0;
  for (int64_t ibl = 0; ibl < n / kQK_K; ++ibl) {
    const float d4d8 = fp16_to_fp32(x[ibl].d) * y[ibl].d;
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      const float dl = d4d8 * (iq4_xs_scale(x[ibl], ib) - 32);
      sumf += dl * nibble_block_dot(x[ibl].qs + 16 * ib, y[ibl].qs + 32 * ib);
    }
  }
  return sumf;
}

}  // namespace webgguf
