// Dequantize and reference dot products of the low-bit I-quants, following ggml's
// dequantize_row_iq* (ggml-quants.c) and ggml_vec_dot_iq*_q8_K_generic (ggml-cpu/quants.c)
// operation for operation, so the floats are bit-identical.
#include "quant/i_quants_low_bit.h"

#include <cstring>

#include "core/fp16.h"
#include "quant/blocks_iq.h"
#include "quant/iq_grids.h"

namespace webgguf {
namespace {

constexpr int kSubBlocks = kQK_K / 32;

// Byte j of a packed grid point (element j of its group).
inline uint8_t grid_magnitude(uint64_t grid, int j) {
  return static_cast<uint8_t>(grid >> (8 * j));
}
inline int8_t grid_value(uint64_t grid, int j) {
  return static_cast<int8_t>(grid >> (8 * j));
}

// Two 4-element IQ3 grid points as one 8-element group.
inline uint64_t grid_pair(uint32_t first, uint32_t second) {
  return first | (static_cast<uint64_t>(second) << 32);
}

inline uint32_t load_u32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// y[j] = scale * magnitude_j * (-1 if sign bit j else 1) for a group of 8.
void dequantize_signed_group(float scale, uint64_t grid, uint8_t signs, float* y) {
  for (int j = 0; j < 8; ++j) {
    y[j] = scale * grid_magnitude(grid, j) * (signs & kMaskIQ2XS[j] ? -1.f : 1.f);
  }
}

// sum_j magnitude_j * sign_j * q8[j] over a group of 8, exact in int.
int signed_group_dot(uint64_t grid, uint8_t signs, const int8_t* q8) {
  int sum = 0;
  for (int j = 0; j < 8; ++j) sum += grid_magnitude(grid, j) * q8[j] * (signs & kMaskIQ2XS[j] ? -1 : 1);
  return sum;
}

// IQ2_XS/IQ2_S grid indices and IQ2_S/IQ3_S sign bytes of group l (0..3) of sub-block ib.
inline uint64_t iq2s_grid_point(const BlockIQ2_S& x, int ib, int l) {
  return kGridIQ2S[x.qs[4 * ib + l] | ((x.qh[ib] << (8 - 2 * l)) & 0x300)];
}
inline uint64_t iq3s_grid_group(const BlockIQ3_S& x, int ib, int l) {
  const uint8_t* qs = x.qs + 8 * ib;
  return grid_pair(kGridIQ3S[qs[2 * l] | ((x.qh[ib] << (8 - 2 * l)) & 256)],
                   kGridIQ3S[qs[2 * l + 1] | ((x.qh[ib] << (7 - 2 * l)) & 256)]);
}

// IQ1_S: 11-bit grid index of group l of sub-block ib.
inline uint64_t iq1s_grid_point(const BlockIQ1_S& x, int ib, int l) {
  return kGridIQ1S[x.qs[4 * ib + l] | (((x.qh[ib] >> (3 * l)) & 7) << 8)];
}
// IQ1_M: group l of sub-block ib (high index bits and delta sign in nibble l%2 of qh[2*ib + l/2]).
inline uint64_t iq1m_grid_point(const BlockIQ1_M& x, int ib, int l) {
  const uint16_t high = x.qh[2 * ib + l / 2];
  return kGridIQ1S[x.qs[4 * ib + l] | ((high << (8 - 4 * (l % 2))) & 0x700)];
}
inline bool iq1m_delta_negative(const BlockIQ1_M& x, int ib, int l) {
  return x.qh[2 * ib + l / 2] & (l % 2 ? 0x80 : 0x08);
}
// IQ1_M: 3-bit scale of half h (0, 1) of sub-block ib.
inline int iq1m_scale(const uint16_t words[4], int ib, int h) {
  return 2 * ((words[ib / 2] >> (6 * (ib % 2) + 3 * h)) & 0x7) + 1;
}

}  // namespace

void dequantize_row_iq2_xxs(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ2_XXS*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const uint32_t indices = load_u32(x[i].qs + 4 * ib);
      const uint32_t signs_scale = load_u32(x[i].qs + 4 * ib + 2);
      const float db = d * (0.5f + (signs_scale >> 28)) * 0.25f;
      for (int l = 0; l < 4; ++l, dst += 8) {
        dequantize_signed_group(db, kGridIQ2XXS[(indices >> (8 * l)) & 0xff],
                                kSignsIQ2XS[(signs_scale >> (7 * l)) & 127], dst);
      }
    }
  }
}

void dequantize_row_iq2_xs(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ2_XS*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const float db[2] = {d * (0.5f + (x[i].scales[ib] & 0xf)) * 0.25f, d * (0.5f + (x[i].scales[ib] >> 4)) * 0.25f};
      for (int l = 0; l < 4; ++l, dst += 8) {
        const uint16_t q = x[i].qs[4 * ib + l];
        dequantize_signed_group(db[l / 2], kGridIQ2XS[q & 511], kSignsIQ2XS[q >> 9], dst);
      }
    }
  }
}

void dequantize_row_iq2_s(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ2_S*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    const uint8_t* signs = x[i].qs + kQK_K / 8;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const float db[2] = {d * (0.5f + (x[i].scales[ib] & 0xf)) * 0.25f, d * (0.5f + (x[i].scales[ib] >> 4)) * 0.25f};
      for (int l = 0; l < 4; ++l, dst += 8) {
        dequantize_signed_group(db[l / 2], iq2s_grid_point(x[i], ib, l), signs[4 * ib + l], dst);
      }
    }
  }
}

void dequantize_row_iq3_xxs(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ3_XXS*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    const uint8_t* scales_and_signs = x[i].qs + kQK_K / 4;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const uint32_t signs_scale = load_u32(scales_and_signs + 4 * ib);
      const float db = d * (0.5f + (signs_scale >> 28)) * 0.5f;
      const uint8_t* qs = x[i].qs + 8 * ib;
      for (int l = 0; l < 4; ++l, dst += 8) {
        dequantize_signed_group(db, grid_pair(kGridIQ3XXS[qs[2 * l]], kGridIQ3XXS[qs[2 * l + 1]]),
                                kSignsIQ2XS[(signs_scale >> (7 * l)) & 127], dst);
      }
    }
  }
}

void dequantize_row_iq3_s(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ3_S*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const int scale = ib % 2 ? x[i].scales[ib / 2] >> 4 : x[i].scales[ib / 2] & 0xf;
      const float db = d * (1 + 2 * scale);
      for (int l = 0; l < 4; ++l, dst += 8) {
        dequantize_signed_group(db, iq3s_grid_group(x[i], ib, l), x[i].signs[4 * ib + l], dst);
      }
    }
  }
}

void dequantize_row_iq1_s(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ1_S*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d);
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const float dl = d * (2 * ((x[i].qh[ib] >> 12) & 7) + 1);
      const float delta = x[i].qh[ib] & 0x8000 ? -kIQ1Delta : kIQ1Delta;
      for (int l = 0; l < 4; ++l, dst += 8) {
        const uint64_t grid = iq1s_grid_point(x[i], ib, l);
        for (int j = 0; j < 8; ++j) dst[j] = dl * (grid_value(grid, j) + delta);
      }
    }
  }
}

void dequantize_row_iq1_m(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockIQ1_M*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint16_t words[4];
    iq1m_scale_words(x[i], words);
    const float d = fp16_to_fp32(iq1m_super_scale(words));
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const float dl[2] = {d * iq1m_scale(words, ib, 0), d * iq1m_scale(words, ib, 1)};
      for (int l = 0; l < 4; ++l, dst += 8) {
        const uint64_t grid = iq1m_grid_point(x[i], ib, l);
        const float delta = iq1m_delta_negative(x[i], ib, l) ? -kIQ1Delta : kIQ1Delta;
        for (int j = 0; j < 8; ++j) dst[j] = dl[l / 2] * (grid_value(grid, j) + delta);
      }
    }
  }
}

float vec_dot_iq2_xxs_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ2_XXS*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0.f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    const int8_t* q8 = y[i].qs;
    int32_t bsum = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const uint32_t indices = load_u32(x[i].qs + 4 * ib);
      const uint32_t signs_scale = load_u32(x[i].qs + 4 * ib + 2);
      int32_t sumi = 0;
      for (int l = 0; l < 4; ++l, q8 += 8) {
        sumi +=
            signed_group_dot(kGridIQ2XXS[(indices >> (8 * l)) & 0xff], kSignsIQ2XS[(signs_scale >> (7 * l)) & 127], q8);
      }
      bsum += sumi * static_cast<int32_t>(2 * (signs_scale >> 28) + 1);
    }
    sumf += d * bsum;
  }
  return 0.125f * sumf;
}

float vec_dot_iq2_xs_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ2_XS*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0.f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    const int8_t* q8 = y[i].qs;
    int32_t bsum = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      int32_t sumi[2] = {0, 0};
      for (int l = 0; l < 4; ++l, q8 += 8) {
        const uint16_t q = x[i].qs[4 * ib + l];
        sumi[l / 2] += signed_group_dot(kGridIQ2XS[q & 511], kSignsIQ2XS[q >> 9], q8);
      }
      bsum += sumi[0] * (2 * (x[i].scales[ib] & 0xf) + 1) + sumi[1] * (2 * (x[i].scales[ib] >> 4) + 1);
    }
    sumf += d * bsum;
  }
  return 0.125f * sumf;
}

float vec_dot_iq2_s_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ2_S*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0.f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    const int8_t* q8 = y[i].qs;
    const uint8_t* signs = x[i].qs + kQK_K / 8;
    int32_t bsum = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      int32_t sumi[2] = {0, 0};
      for (int l = 0; l < 4; ++l, q8 += 8) {
        sumi[l / 2] += signed_group_dot(iq2s_grid_point(x[i], ib, l), signs[4 * ib + l], q8);
      }
      bsum += (1 + 2 * (x[i].scales[ib] & 0xf)) * sumi[0] + (1 + 2 * (x[i].scales[ib] >> 4)) * sumi[1];
    }
    sumf += d * bsum;
  }
  return 0.125f * sumf;
}

float vec_dot_iq3_xxs_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ3_XXS*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0.f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    const int8_t* q8 = y[i].qs;
    const uint8_t* scales_and_signs = x[i].qs + kQK_K / 4;
    int32_t bsum = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const uint32_t signs_scale = load_u32(scales_and_signs + 4 * ib);
      const uint8_t* qs = x[i].qs + 8 * ib;
      int32_t sumi = 0;
      for (int l = 0; l < 4; ++l, q8 += 8) {
        sumi += signed_group_dot(grid_pair(kGridIQ3XXS[qs[2 * l]], kGridIQ3XXS[qs[2 * l + 1]]),
                                 kSignsIQ2XS[(signs_scale >> (7 * l)) & 127], q8);
      }
      bsum += sumi * static_cast<int32_t>(2 * (signs_scale >> 28) + 1);
    }
    sumf += d * bsum;
  }
  return 0.25f * sumf;
}

float vec_dot_iq3_s_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ3_S*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0.f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    const int8_t* q8 = y[i].qs;
    int32_t bsum = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const int scale = ib % 2 ? x[i].scales[ib / 2] >> 4 : x[i].scales[ib / 2] & 0xf;
      int32_t sumi = 0;
      for (int l = 0; l < 4; ++l, q8 += 8) {
        sumi += signed_group_dot(iq3s_grid_group(x[i], ib, l), x[i].signs[4 * ib + l], q8);
      }
      bsum += sumi * (2 * scale + 1);
    }
    sumf += d * bsum;
  }
  return sumf;
}

float vec_dot_iq1_s_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ1_S*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const int8_t* q8 = y[i].qs;
    int sumi = 0, sumi_delta = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const int ls = 2 * ((x[i].qh[ib] >> 12) & 7) + 1;
      const int delta = x[i].qh[ib] & 0x8000 ? -1 : 1;
      int lsum = 0;
      for (int l = 0; l < 4; ++l, q8 += 8) {
        const uint64_t grid = iq1s_grid_point(x[i], ib, l);
        for (int j = 0; j < 8; ++j) lsum += q8[j] * grid_value(grid, j);
      }
      sumi += ls * lsum;
      // The delta multiplies every activation of the sub-block: their sum is in bsums.
      sumi_delta += ls * delta * (y[i].bsums[2 * ib] + y[i].bsums[2 * ib + 1]);
    }
    sumf += fp16_to_fp32(x[i].d) * y[i].d * (sumi + kIQ1Delta * sumi_delta);
  }
  return sumf;
}

float vec_dot_iq1_m_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockIQ1_M*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint16_t words[4];
    iq1m_scale_words(x[i], words);
    const int8_t* q8 = y[i].qs;
    int sumi = 0, sumi_delta = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      int grid_sum[2] = {0, 0}, delta_sum[2] = {0, 0};
      for (int l = 0; l < 4; ++l, q8 += 8) {
        const uint64_t grid = iq1m_grid_point(x[i], ib, l);
        int lsum = 0, lsum_q8 = 0;
        for (int j = 0; j < 8; ++j) {
          lsum += q8[j] * grid_value(grid, j);
          lsum_q8 += q8[j];
        }
        grid_sum[l / 2] += lsum;
        delta_sum[l / 2] += lsum_q8 * (iq1m_delta_negative(x[i], ib, l) ? -1 : 1);
      }
      const int ls1 = iq1m_scale(words, ib, 0), ls2 = iq1m_scale(words, ib, 1);
      sumi += grid_sum[0] * ls1 + grid_sum[1] * ls2;
      sumi_delta += delta_sum[0] * ls1 + delta_sum[1] * ls2;
    }
    sumf += fp16_to_fp32(iq1m_super_scale(words)) * y[i].d * (sumi + kIQ1Delta * sumi_delta);
  }
  return sumf;
}

}  // namespace webgguf
