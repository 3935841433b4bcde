// Q4_K and Q5_K (x = d*scale*q - dmin*min, 8 sub-blocks of 32 with 6-bit scales and mins; 4-bit q,
// plus a fifth bit for Q5_K): reference and importance-weighted quantize, dequantize, generic dot.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/k_quants.h"
#include "quant/scale_search.h"

namespace webgguf {
namespace {

// Inverse of get_scale_min_k4: sub-blocks 0-3 use the low 6 bits of bytes 0-3 (scales) and 4-7
// (mins); sub-blocks 4-7 put their low nibbles in bytes 8-11 and their top 2 bits in the spare
// top bits of bytes 0-7.
void pack_scale_min_k4(const uint8_t* ls, const uint8_t* lm, uint8_t* scales) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      scales[j] = ls[j];
      scales[j + 4] = lm[j];
    } else {
      scales[j + 4] = static_cast<uint8_t>((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
      scales[j - 4] = static_cast<uint8_t>(scales[j - 4] | ((ls[j] >> 4) << 6));
      scales[j - 0] = static_cast<uint8_t>(scales[j - 0] | ((lm[j] >> 4) << 6));
    }
  }
}

// The fields Q4_K and Q5_K share, so one quantizer body serves both.
struct ScaleMinBlockView {
  uint16_t* d;
  uint16_t* dmin;
  uint8_t* scales;
};

// Sub-block search of the reference quantizers: weights av_x + |x| per sub-block of 32.
void search_sub_blocks_reference(const float* x, int nmax, float rmin, int nstep, uint8_t* L, float* scales,
                                 float* mins) {
  uint8_t Laux[32];
  float weights[32];
  for (int j = 0; j < kQK_K / 32; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    scales[j] = make_qkx2_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin, 0.1f, nstep, false);
  }
}

// Reference: scales and mins quantized linearly against their maxima (6 bits each).
void quantize_scales_reference(const float* scales, const float* mins, ScaleMinBlockView block) {
  float max_scale = 0;  // the min is subtracted, so scales are never negative
  float max_min = 0;
  for (int j = 0; j < kQK_K / 32; ++j) {
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  uint8_t ls[8], lm[8];
  for (int j = 0; j < kQK_K / 32; ++j) {
    ls[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
    lm[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
  }
  pack_scale_min_k4(ls, lm, block.scales);
  *block.d = fp32_to_fp16(max_scale / 63.f);
  *block.dmin = fp32_to_fp16(max_min / 63.f);
}

// Importance-weighted: per-sub-block weighted search, then the scales and mins quantized by
// make_qp_quants weighted with each sub-block's total weight.
void quantize_sub_blocks_weighted(const float* x, const float* importance, int nmax, uint8_t* L,
                                  ScaleMinBlockView block) {
  float sum_x2 = 0;
  for (int l = 0; l < kQK_K; ++l) sum_x2 += x[l] * x[l];
  const float sigma2 = 2 * sum_x2 / kQK_K;
  uint8_t Laux[32];
  float weights[32];
  float sw[kQK_K / 32];
  float scales[kQK_K / 32];
  float mins[kQK_K / 32];
  for (int j = 0; j < kQK_K / 32; ++j) {
    const float* qw = importance + 32 * j;
    for (int l = 0; l < 32; ++l) weights[l] = qw[l] * std::sqrt(sigma2 + x[32 * j + l] * x[32 * j + l]);
    float sumw = 0;
    for (int l = 0; l < 32; ++l) sumw += weights[l];
    sw[j] = sumw;
    scales[j] = make_qkx3_quants(32, nmax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
  }
  uint8_t ls[kQK_K / 32], lm[kQK_K / 32];
  const float d_block = make_qp_quants(kQK_K / 32, 63, scales, ls, sw);
  const float m_block = make_qp_quants(kQK_K / 32, 63, mins, lm, sw);
  for (int j = 0; j < kQK_K / 32; ++j) {
    ls[j] = std::min<uint8_t>(63, ls[j]);
    lm[j] = std::min<uint8_t>(63, lm[j]);
  }
  pack_scale_min_k4(ls, lm, block.scales);
  *block.d = fp32_to_fp16(d_block);
  *block.dmin = fp32_to_fp16(m_block);
}

// Final levels in [0, nmax] against the stored fp16 scales and mins.
void requantize_sub_blocks(const float* x, int nmax, ScaleMinBlockView block, uint8_t* L) {
  for (int j = 0; j < kQK_K / 32; ++j) {
    uint8_t sc, m;
    get_scale_min_k4(j, block.scales, &sc, &m);
    const float d = fp16_to_fp32(*block.d) * sc;
    if (!d) continue;
    const float dm = fp16_to_fp32(*block.dmin) * m;
    for (int ii = 0; ii < 32; ++ii) {
      const int l = nearest_int((x[32 * j + ii] + dm) / d);
      L[32 * j + ii] = static_cast<uint8_t>(std::max(0, std::min(nmax, l)));
    }
  }
}

// Q4_K: each 64 elements share 32 bytes, the first 32 in the low nibbles.
void pack_q4_k_levels(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK_K; j += 64, qs += 32) {
    for (int l = 0; l < 32; ++l) qs[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
  }
}

// Q5_K: as Q4_K for the low nibbles; the fifth bit of element 64*k + l (+32) is bit 2k (2k+1)
// of qh[l].
void pack_q5_k_levels(const uint8_t* L, uint8_t* qh, uint8_t* ql) {
  std::memset(qh, 0, kQK_K / 8);
  uint8_t m1 = 1, m2 = 2;
  for (int n = 0; n < kQK_K; n += 64, ql += 32) {
    for (int j = 0; j < 32; ++j) {
      int l1 = L[n + j];
      if (l1 > 15) {
        l1 -= 16;
        qh[j] |= m1;
      }
      int l2 = L[n + j + 32];
      if (l2 > 15) {
        l2 -= 16;
        qh[j] |= m2;
      }
      ql[j] = static_cast<uint8_t>(l1 | (l2 << 4));
    }
    m1 = static_cast<uint8_t>(m1 << 2);
    m2 = static_cast<uint8_t>(m2 << 2);
  }
}

template <typename Block>
ScaleMinBlockView view_of(Block& block) {
  return ScaleMinBlockView{&block.d, &block.dmin, block.scales};
}

}  // namespace

bool quantize_row_q4_k(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ4_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    uint8_t L[kQK_K];
    if (importance) {
      quantize_sub_blocks_weighted(src, importance + kQK_K * i, 15, L, view_of(y[i]));
    } else {
      float scales[kQK_K / 32], mins[kQK_K / 32];
      search_sub_blocks_reference(src, 15, -1.f, 20, L, scales, mins);
      quantize_scales_reference(scales, mins, view_of(y[i]));
    }
    requantize_sub_blocks(src, 15, view_of(y[i]), L);
    pack_q4_k_levels(L, y[i].qs);
  }
  return true;
}

bool quantize_row_q5_k(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ5_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    uint8_t L[kQK_K];
    if (importance) {
      quantize_sub_blocks_weighted(src, importance + kQK_K * i, 31, L, view_of(y[i]));
    } else {
      float scales[kQK_K / 32], mins[kQK_K / 32];
      search_sub_blocks_reference(src, 31, -0.5f, 15, L, scales, mins);
      quantize_scales_reference(scales, mins, view_of(y[i]));
    }
    requantize_sub_blocks(src, 31, view_of(y[i]), L);
    pack_q5_k_levels(L, y[i].qh, y[i].qs);
  }
  return true;
}

void dequantize_row_q4_k(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ4_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* q = x[i].qs;
    const float d = fp16_to_fp32(x[i].d);
    const float min = fp16_to_fp32(x[i].dmin);
    for (int is = 0; is < 8; is += 2, q += 32) {
      uint8_t sc, m;
      get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; ++l) *dst++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *dst++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

void dequantize_row_q5_k(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ5_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* ql = x[i].qs;
    const uint8_t* qh = x[i].qh;
    const float d = fp16_to_fp32(x[i].d);
    const float min = fp16_to_fp32(x[i].dmin);
    uint8_t u1 = 1, u2 = 2;
    for (int is = 0; is < 8; is += 2, ql += 32) {
      uint8_t sc, m;
      get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = min * m;
      get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = min * m;
      for (int l = 0; l < 32; ++l) *dst++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) *dst++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

namespace {

// One super-block of the generic Q4_K/Q5_K kernel: d * sum(scale * q8 * level) in 8 lanes and
// the min term dmin * sum(min * bsum) returned separately.
void dot_scale_min_block(const uint8_t* packed_scales, const int8_t* levels, const BlockQ8_K& y, int32_t lanes[8],
                         int* min_sum) {
  uint8_t sc[8], mins[8];
  for (int j = 0; j < 8; ++j) get_scale_min_k4(j, packed_scales, &sc[j], &mins[j]);
  int sumi = 0;
  for (int j = 0; j < kQK_K / 16; ++j) sumi += y.bsums[j] * mins[j / 2];
  *min_sum = sumi;
  int scale_per_16[16];
  for (int j = 0; j < 16; ++j) scale_per_16[j] = sc[j / 2];
  accumulate_scaled_lanes(y.qs, levels, scale_per_16, lanes);
}

}  // namespace

float vec_dot_q4_k_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ4_K*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sums[8] = {};
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t levels[kQK_K];
    const uint8_t* q4 = x[i].qs;
    for (int j = 0; j < kQK_K; j += 64, q4 += 32) {
      for (int l = 0; l < 32; ++l) levels[j + l] = static_cast<int8_t>(q4[l] & 0xF);
      for (int l = 0; l < 32; ++l) levels[j + 32 + l] = static_cast<int8_t>(q4[l] >> 4);
    }
    int32_t lanes[8] = {};
    int min_sum;
    dot_scale_min_block(x[i].scales, levels, y[i], lanes, &min_sum);
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * lanes[l];
    const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
    sumf -= dmin * min_sum;
  }
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

float vec_dot_q5_k_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ5_K*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sums[8] = {};
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t levels[kQK_K];
    const uint8_t* q4 = x[i].qs;
    const uint8_t* hm = x[i].qh;
    uint8_t m = 1;
    for (int j = 0; j < kQK_K; j += 64, q4 += 32) {
      for (int l = 0; l < 32; ++l) levels[j + l] = static_cast<int8_t>((q4[l] & 0xF) + (hm[l] & m ? 16 : 0));
      m = static_cast<uint8_t>(m << 1);
      for (int l = 0; l < 32; ++l) levels[j + 32 + l] = static_cast<int8_t>((q4[l] >> 4) + (hm[l] & m ? 16 : 0));
      m = static_cast<uint8_t>(m << 1);
    }
    int32_t lanes[8] = {};
    int min_sum;
    dot_scale_min_block(x[i].scales, levels, y[i], lanes, &min_sum);
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * lanes[l];
    const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
    sumf -= dmin * min_sum;
  }
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

}  // namespace webgguf
