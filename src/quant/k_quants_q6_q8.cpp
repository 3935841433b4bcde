// Q6_K (x = d*scale*(q-32), 16 sub-blocks of 16 with int8 scales) and the Q8_K activation
// format, plus the 8-lane accumulation shared by the generic K-quant dot products.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/k_quants.h"
#include "quant/scale_search.h"

namespace webgguf {

void accumulate_scaled_lanes(const int8_t* q8, const int8_t* levels, const int* scale_per_16, int32_t lanes[8]) {
  for (int j = 0; j < kQK_K / 16; ++j) {
    for (int half = 0; half < 2; ++half, q8 += 8, levels += 8) {
      for (int l = 0; l < 8; ++l) lanes[l] += scale_per_16[j] * (q8[l] * levels[l]);
    }
  }
}

namespace {

// ql holds the low 4 bits and qh the top 2 bits; within each 128 elements, ql[l] has elements l
// and l+64, ql[l+32] elements l+32 and l+96, and qh[l] the high bits of all four.
void pack_q6_k_levels(const int8_t* L, uint8_t* ql, uint8_t* qh) {
  for (int j = 0; j < kQK_K; j += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t q1 = L[j + l + 0] & 0xF;
      const uint8_t q2 = L[j + l + 32] & 0xF;
      const uint8_t q3 = L[j + l + 64] & 0xF;
      const uint8_t q4 = L[j + l + 96] & 0xF;
      ql[l + 0] = static_cast<uint8_t>(q1 | (q3 << 4));
      ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
      qh[l] = static_cast<uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                                   ((L[j + l + 96] >> 4) << 6));
    }
  }
}

// The reference and the importance path differ only in the weights of the sub-block search
// (none: x^2; importance: the importance itself).
void quantize_q6_k_block(const float* x, BlockQ6_K& y, const float* importance) {
  int8_t L[kQK_K];
  float scales[kQK_K / 16];
  float max_scale = 0;
  float max_abs_scale = 0;
  for (int ib = 0; ib < kQK_K / 16; ++ib) {
    const float* qw = importance ? importance + 16 * ib : nullptr;
    const float scale = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, 1, qw);
    scales[ib] = scale;
    const float abs_scale = std::fabs(scale);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = scale;
    }
  }
  if (max_abs_scale < kGroupMaxEps) {
    std::memset(&y, 0, sizeof(y));
    return;
  }
  const float iscale = -128.f / max_scale;
  y.d = fp32_to_fp16(1 / iscale);
  for (int ib = 0; ib < kQK_K / 16; ++ib) {
    y.scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
  }
  const float d_all = fp16_to_fp32(y.d);
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float d = d_all * y.scales[j];
    if (!d) continue;
    for (int ii = 0; ii < 16; ++ii) {
      const int l = std::max(-32, std::min(31, nearest_int(x[16 * j + ii] / d)));
      L[16 * j + ii] = static_cast<int8_t>(l + 32);
    }
  }
  pack_q6_k_levels(L, y.ql, y.qh);
}

// Levels of a Q6_K super-block in element order, in [-32, 31].
void unpack_q6_k_levels(const BlockQ6_K& x, int8_t* a) {
  const uint8_t* ql = x.ql;
  const uint8_t* qh = x.qh;
  for (int j = 0; j < kQK_K; j += 128, a += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; ++l) {
      a[l + 0] = static_cast<int8_t>(((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
      a[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
      a[l + 64] = static_cast<int8_t>(((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      a[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

}  // namespace

bool quantize_row_q6_k(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ6_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    quantize_q6_k_block(src + kQK_K * i, y[i], importance ? importance + kQK_K * i : nullptr);
  }
  return true;
}

bool quantize_row_q8_k(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* x = src + kQK_K * i;
    float max = 0;
    float amax = 0;
    for (int j = 0; j < kQK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (!amax) {
      // ggml leaves bsums unwritten here; zero is their true value.
      std::memset(&y[i], 0, sizeof(y[i]));
      continue;
    }
    // -127 rather than -128 keeps every level in [-127, 127] (ggml needs it for IQ2_XXS).
    const float iscale = -127.f / max;
    for (int j = 0; j < kQK_K; ++j) {
      y[i].qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
    }
    for (int j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (int ii = 0; ii < 16; ++ii) sum += y[i].qs[j * 16 + ii];
      y[i].bsums[j] = static_cast<int16_t>(sum);
    }
    y[i].d = 1 / iscale;
  }
  return true;
}

void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ6_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    int8_t levels[kQK_K];
    unpack_q6_k_levels(x[i], levels);
    // Sub-block of 16 elements k has scale sc[k]; ggml multiplies d * sc first.
    for (int j = 0; j < kQK_K; ++j) *dst++ = d * x[i].scales[j / 16] * levels[j];
  }
}

void dequantize_row_q8_k(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ8_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int j = 0; j < kQK_K; ++j) *dst++ = x[i].d * x[i].qs[j];
  }
}

float vec_dot_q6_k_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ6_K*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sums[8] = {};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t levels[kQK_K];
    unpack_q6_k_levels(x[i], levels);
    int scales[16];
    for (int j = 0; j < 16; ++j) scales[j] = x[i].scales[j];
    int32_t lanes[8] = {};
    accumulate_scaled_lanes(y[i].qs, levels, scales, lanes);
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * lanes[l];
  }
  float sumf = 0;
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

// ggml has no Q8_K x Q8_K kernel (Q8_K is never stored in files); the plain per-block form.
float vec_dot_q8_k_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ8_K*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK_K; ++j) sumi += x[i].qs[j] * y[i].qs[j];
    sumf += sumi * (x[i].d * y[i].d);
  }
  return sumf;
}

}  // namespace webgguf
