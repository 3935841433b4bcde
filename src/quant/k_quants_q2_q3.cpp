// Q2_K (x = d*scale*q - dmin*min, 2-bit q) and Q3_K (x = d*(scale-32)*q, 3-bit signed q):
// reference quantize, importance-weighted quantize, dequantize and the generic dot product.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/k_quants.h"
#include "quant/scale_search.h"

namespace webgguf {
namespace {

// 2-bit levels of a super-block into qs: within each 128 elements, byte l holds elements
// l, l+32, l+64, l+96 at bit offsets 0, 2, 4, 6.
void pack_two_bit_levels(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK_K; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] =
          static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
    }
  }
}

// Requantize each group of 16 to levels in [0, 3] against the final fp16 scale and min.
void requantize_q2_k(const float* x, const BlockQ2_K& block, uint8_t* L) {
  const float d_all = fp16_to_fp32(block.d);
  const float m_all = fp16_to_fp32(block.dmin);
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float d = d_all * (block.scales[j] & 0xF);
    if (!d) continue;
    const float dm = m_all * (block.scales[j] >> 4);
    for (int ii = 0; ii < 16; ++ii) {
      const int l = nearest_int((x[16 * j + ii] + dm) / d);
      L[16 * j + ii] = static_cast<uint8_t>(std::max(0, std::min(3, l)));
    }
  }
}

void quantize_q2_k_reference(const float* x, BlockQ2_K* y, int64_t nb) {
  const float q4scale = 15.f;
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    uint8_t L[kQK_K];
    uint8_t Laux[16];
    float weights[16];
    float mins[kQK_K / 16];
    float scales[kQK_K / 16];
    float max_scale = 0;  // the min is subtracted, so scales are never negative
    float max_min = 0;
    for (int j = 0; j < kQK_K / 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      const float iscale = q4scale / max_scale;
      for (int j = 0; j < kQK_K / 16; ++j) y[i].scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
      y[i].d = fp32_to_fp16(max_scale / q4scale);
    } else {
      for (int j = 0; j < kQK_K / 16; ++j) y[i].scales[j] = 0;
      y[i].d = fp32_to_fp16(0.f);
    }
    if (max_min > 0) {
      const float iscale = q4scale / max_min;
      for (int j = 0; j < kQK_K / 16; ++j) {
        y[i].scales[j] = static_cast<uint8_t>(y[i].scales[j] | (nearest_int(iscale * mins[j]) << 4));
      }
      y[i].dmin = fp32_to_fp16(max_min / q4scale);
    } else {
      y[i].dmin = fp32_to_fp16(0.f);
    }
    requantize_q2_k(x, y[i], L);
    pack_two_bit_levels(L, y[i].qs);
  }
}

void quantize_q2_k_weighted(const float* x, BlockQ2_K* y, int64_t nb, const float* importance) {
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    uint8_t L[kQK_K];
    uint8_t Laux[16];
    float mins[kQK_K / 16];
    float scales[kQK_K / 16];
    float sw[kQK_K / 16] = {};
    float weight[16];
    uint8_t Ls[kQK_K / 16], Lm[kQK_K / 16];
    float sumx2 = 0;
    for (int j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
    const float sigma2 = sumx2 / kQK_K;
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float* qw = importance + kQK_K * i + 16 * j;
      for (int l = 0; l < 16; ++l) weight[l] = qw[l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
      for (int l = 0; l < 16; ++l) sw[j] += weight[l];
      scales[j] = make_qkx3_quants(16, 3, x + 16 * j, weight, L + 16 * j, &mins[j], Laux, -0.9f, 0.05f, 36, false);
    }
    const float dm = make_qp_quants(kQK_K / 16, 15, scales, Ls, sw);
    const float mm = make_qp_quants(kQK_K / 16, 15, mins, Lm, sw);
    y[i].d = fp32_to_fp16(dm);
    y[i].dmin = fp32_to_fp16(mm);
    for (int j = 0; j < kQK_K / 16; ++j) y[i].scales[j] = static_cast<uint8_t>(Ls[j] | (Lm[j] << 4));
    requantize_q2_k(x, y[i], L);
    pack_two_bit_levels(L, y[i].qs);
  }
}

// Stores 16 6-bit values (already offset to [0, 63]): low nibbles in bytes 0-7, the top two
// bits of value j in byte 8 + j%4 at bit 2*(j/4).
void pack_q3_k_scales(const int* levels, uint8_t* packed) {
  std::memset(packed, 0, 12);
  for (int j = 0; j < 16; ++j) {
    const int l = levels[j];
    if (j < 8) {
      packed[j] = static_cast<uint8_t>(l & 0xF);
    } else {
      packed[j - 8] = static_cast<uint8_t>(packed[j - 8] | ((l & 0xF) << 4));
    }
    packed[j % 4 + 8] = static_cast<uint8_t>(packed[j % 4 + 8] | ((l >> 4) << (2 * (j / 4))));
  }
}

// Requantize to levels in [0, 7] (signed level + 4) against the final scales, then split the
// high bit into hmask and the low two bits into qs.
void requantize_and_pack_q3_k(const float* x, BlockQ3_K& block, int8_t* L) {
  int8_t scales[16];
  unpack_q3_k_scales(block.scales, scales);
  const float d_all = fp16_to_fp32(block.d);
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float d = d_all * static_cast<int8_t>(scales[j] - 32);
    if (!d) continue;
    for (int ii = 0; ii < 16; ++ii) {
      const int l = std::max(-4, std::min(3, nearest_int(x[16 * j + ii] / d)));
      L[16 * j + ii] = static_cast<int8_t>(l + 4);
    }
  }
  // The high bit of the first 32 quants goes to bit 0 of hmask[0..31], the next 32 to bit 1, etc.
  std::memset(block.hmask, 0, kQK_K / 8);
  int m = 0;
  uint8_t hm = 1;
  uint8_t low[kQK_K];
  for (int j = 0; j < kQK_K; ++j) {
    int level = L[j];
    if (level > 3) {
      block.hmask[m] |= hm;
      level -= 4;
    }
    low[j] = static_cast<uint8_t>(level);
    if (++m == kQK_K / 8) {
      m = 0;
      hm = static_cast<uint8_t>(hm << 1);
    }
  }
  pack_two_bit_levels(low, block.qs);
}

void quantize_q3_k_reference(const float* x, BlockQ3_K* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    int8_t L[kQK_K];
    float scales[kQK_K / 16];
    float max_scale = 0;
    float amax = 0;
    for (int j = 0; j < kQK_K / 16; ++j) {
      scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j, true);
      const float scale = std::fabs(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }
    if (max_scale) {
      const float iscale = -32.f / max_scale;
      int levels[16];
      for (int j = 0; j < kQK_K / 16; ++j) {
        // ggml keeps this level in an int8_t before clamping.
        const int8_t l = static_cast<int8_t>(nearest_int(iscale * scales[j]));
        levels[j] = std::max<int>(-32, std::min<int>(31, l)) + 32;
      }
      pack_q3_k_scales(levels, y[i].scales);
      y[i].d = fp32_to_fp16(1 / iscale);
    } else {
      std::memset(y[i].scales, 0, 12);
      y[i].d = fp32_to_fp16(0.f);
    }
    requantize_and_pack_q3_k(x, y[i], L);
  }
}

void quantize_q3_k_weighted(const float* x, BlockQ3_K* y, int64_t nb, const float* importance) {
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    int8_t L[kQK_K];
    float scales[kQK_K / 16];
    float weight[16];
    float sw[kQK_K / 16];
    int8_t Ls[kQK_K / 16];
    float sumx2 = 0;
    for (int j = 0; j < kQK_K; ++j) sumx2 += x[j] * x[j];
    const float sigma2 = 2 * sumx2 / kQK_K;
    for (int j = 0; j < kQK_K / 16; ++j) {
      const float* qw = importance + kQK_K * i + 16 * j;
      for (int l = 0; l < 16; ++l) weight[l] = qw[l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
      float sumw = 0;
      for (int l = 0; l < 16; ++l) sumw += weight[l];
      sw[j] = sumw;
      scales[j] = make_qx_quants(16, 4, x + 16 * j, L + 16 * j, 1, weight);
    }
    const float d_block = make_qx_quants(kQK_K / 16, 32, scales, Ls, 1, sw);
    int levels[16];
    for (int j = 0; j < kQK_K / 16; ++j) levels[j] = Ls[j];
    pack_q3_k_scales(levels, y[i].scales);
    y[i].d = fp32_to_fp16(d_block);
    requantize_and_pack_q3_k(x, y[i], L);
  }
}

}  // namespace

void unpack_q3_k_scales(const uint8_t* packed, int8_t scales[16]) {
  const uint32_t kmask1 = 0x03030303;
  const uint32_t kmask2 = 0x0f0f0f0f;
  uint32_t aux[4];
  std::memcpy(aux, packed, 12);
  const uint32_t tmp = aux[2];
  aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
  aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
  aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
  aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
  std::memcpy(scales, aux, 16);
}

bool quantize_row_q2_k(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ2_K*>(dst);
  if (importance) {
    quantize_q2_k_weighted(src, y, n / kQK_K, importance);
  } else {
    quantize_q2_k_reference(src, y, n / kQK_K);
  }
  return true;
}

bool quantize_row_q3_k(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ3_K*>(dst);
  if (importance) {
    quantize_q3_k_weighted(src, y, n / kQK_K, importance);
  } else {
    quantize_q3_k_reference(src, y, n / kQK_K);
  }
  return true;
}

void dequantize_row_q2_k(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ2_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    const float min = fp16_to_fp32(x[i].dmin);
    const uint8_t* q = x[i].qs;
    int is = 0;
    for (int half = 0; half < kQK_K; half += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part) {
          const uint8_t sc = x[i].scales[is++];
          const float dl = d * (sc & 0xF);
          const float ml = min * (sc >> 4);
          for (int l = 0; l < 16; ++l) *dst++ = dl * ((q[l + 16 * part] >> shift) & 3) - ml;
        }
      }
    }
  }
}

void dequantize_row_q3_k(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ3_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d_all = fp16_to_fp32(x[i].d);
    int8_t scales[16];
    unpack_q3_k_scales(x[i].scales, scales);
    const uint8_t* q = x[i].qs;
    const uint8_t* hm = x[i].hmask;
    uint8_t m = 1;
    int is = 0;
    for (int half = 0; half < kQK_K; half += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m = static_cast<uint8_t>(m << 1)) {
        for (int part = 0; part < 2; ++part) {
          const float dl = d_all * (scales[is++] - 32);
          for (int l = 16 * part; l < 16 * part + 16; ++l) {
            *dst++ = dl * (((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
          }
        }
      }
    }
  }
}

float vec_dot_q2_k_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ2_K*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const uint8_t* q2 = x[i].qs;
    const int8_t* q8 = y[i].qs;
    const uint8_t* sc = x[i].scales;
    // The mins multiply whole groups of 16, so they only need the activation group sums.
    int summs = 0;
    for (int j = 0; j < 16; ++j) summs += y[i].bsums[j] * (sc[j] >> 4);
    const float dall = y[i].d * fp16_to_fp32(x[i].d);
    const float dmin = y[i].d * fp16_to_fp32(x[i].dmin);
    int isum = 0;
    int is = 0;
    for (int half = 0; half < kQK_K / 128; ++half, q2 += 32) {
      for (int shift = 0; shift < 8; shift += 2, q8 += 32) {
        for (int part = 0; part < 2; ++part) {
          int isuml = 0;
          for (int l = 16 * part; l < 16 * part + 16; ++l) isuml += q8[l] * ((q2[l] >> shift) & 3);
          isum += (sc[is++] & 0xF) * isuml;
        }
      }
    }
    sumf += dall * isum - dmin * summs;
  }
  return sumf;
}

float vec_dot_q3_k_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ3_K*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sums[8] = {};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    // Signed levels q - 4*(high bit clear), in element order.
    int8_t levels[kQK_K];
    const uint8_t* q3 = x[i].qs;
    const uint8_t* hm = x[i].hmask;
    int8_t* a = levels;
    uint8_t m = 1;
    for (int half = 0; half < kQK_K; half += 128, q3 += 32) {
      for (int shift = 0; shift < 8; shift += 2, a += 32, m = static_cast<uint8_t>(m << 1)) {
        for (int l = 0; l < 32; ++l) a[l] = static_cast<int8_t>(((q3[l] >> shift) & 3) - (hm[l] & m ? 0 : 4));
      }
    }
    int8_t packed_scales[16];
    unpack_q3_k_scales(x[i].scales, packed_scales);
    int scales[16];
    for (int j = 0; j < 16; ++j) scales[j] = packed_scales[j] - 32;
    int32_t lanes[8] = {};
    accumulate_scaled_lanes(y[i].qs, levels, scales, lanes);
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * lanes[l];
  }
  float sumf = 0;
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

}  // namespace webgguf
