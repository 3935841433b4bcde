// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1: reference quantize, dequantize and dot product, with the
// float operations of ggml-quants.c and ggml-cpu/quants.c (generic kernels) in the same order.
#include "quant/legacy_quants.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/scale_search.h"

namespace webgguf {
namespace {

// Per-element weight of the importance-matrix searches: importance scaled by the magnitude of x
// relative to the row's mean square.
void importance_weights(const float* importance, const float* x, float sigma2, int n, float* weight) {
  for (int j = 0; j < n; ++j) weight[j] = importance[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

float mean_square(const float* x, int64_t n) {
  float sum_x2 = 0;
  for (int64_t j = 0; j < n; ++j) sum_x2 += x[j] * x[j];
  return sum_x2 / n;
}

// Element j of a block goes to the low nibble of byte j, element j+16 to the high nibble.
void pack_nibbles(const uint8_t* levels, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((levels[j] & 0x0F) | ((levels[j + 16] & 0x0F) << 4));
}

// The fifth bit of each of 32 levels, as the little-endian uint32 stored in qh.
void pack_fifth_bits(const uint8_t* levels, uint8_t* qh) {
  uint32_t bits = 0;
  for (int j = 0; j < 32; ++j) bits |= static_cast<uint32_t>((levels[j] & 0x10u) >> 4) << j;
  std::memcpy(qh, &bits, sizeof(bits));
}

uint32_t load_fifth_bits(const uint8_t* qh) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof(bits));
  return bits;
}

// The element of largest magnitude (first one on ties), with its sign.
float signed_absmax(const float* x, int n) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// ---- reference quantizers (no importance) ----

void quantize_q4_0_reference(const float* x, BlockQ4_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK4_0) {
    const float d = signed_absmax(x, kQK4_0) / -8;
    const float id = inverse_or_zero(d);
    y[i].d = fp32_to_fp16(d);
    uint8_t levels[kQK4_0];
    for (int j = 0; j < kQK4_0; ++j) {
      levels[j] = static_cast<uint8_t>(std::min<int>(15, static_cast<int8_t>(x[j] * id + 8.5f)));
    }
    pack_nibbles(levels, y[i].qs);
  }
}

// Asymmetric blocks: d = (max - min) / (2^bits - 1), levels round (x - min) / d.
template <int kMaxLevel>
void quantize_min_max_block(const float* x, uint16_t* d_out, uint16_t* m_out, uint8_t* levels) {
  float min = FLT_MAX;
  float max = -FLT_MAX;
  for (int j = 0; j < 32; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / kMaxLevel;
  const float id = inverse_or_zero(d);
  *d_out = fp32_to_fp16(d);
  *m_out = fp32_to_fp16(min);
  for (int j = 0; j < 32; ++j) {
    const float v = (x[j] - min) * id + 0.5f;
    // ggml clamps the 4-bit levels but not the 5-bit ones (which cannot exceed 31.5).
    levels[j] =
        kMaxLevel == 15 ? static_cast<uint8_t>(std::min<int>(15, static_cast<int8_t>(v))) : static_cast<uint8_t>(v);
  }
}

void quantize_q4_1_reference(const float* x, BlockQ4_1* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK4_1) {
    uint8_t levels[kQK4_1];
    quantize_min_max_block<15>(x, &y[i].d, &y[i].m, levels);
    pack_nibbles(levels, y[i].qs);
  }
}

void quantize_q5_0_reference(const float* x, BlockQ5_0* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK5_0) {
    const float d = signed_absmax(x, kQK5_0) / -16;
    const float id = inverse_or_zero(d);
    y[i].d = fp32_to_fp16(d);
    uint8_t levels[kQK5_0];
    for (int j = 0; j < kQK5_0; ++j) {
      levels[j] = static_cast<uint8_t>(std::min<int>(31, static_cast<int8_t>(x[j] * id + 16.5f)));
    }
    pack_nibbles(levels, y[i].qs);
    pack_fifth_bits(levels, y[i].qh);
  }
}

void quantize_q5_1_reference(const float* x, BlockQ5_1* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK5_1) {
    uint8_t levels[kQK5_1];
    quantize_min_max_block<31>(x, &y[i].d, &y[i].m, levels);
    pack_nibbles(levels, y[i].qs);
    pack_fifth_bits(levels, y[i].qh);
  }
}

// ---- importance-weighted quantizers ----

// Symmetric (Q4_0: nmax 8, Q5_0: nmax 16): weighted least-squares scale search per block.
template <typename Block, int kNmax>
void quantize_symmetric_weighted(const float* x, Block* y, int64_t n, const float* importance) {
  const float sigma2 = mean_square(x, n);
  for (int64_t ib = 0; ib < n / 32; ++ib) {
    const float* xb = x + 32 * ib;
    float weight[32];
    importance_weights(importance + 32 * ib, xb, sigma2, 32, weight);
    int8_t L[32];
    const float d = make_qx_quants(32, kNmax, xb, L, 1, weight);
    y[ib].d = fp32_to_fp16(d);
    uint8_t levels[32];
    for (int j = 0; j < 32; ++j) levels[j] = static_cast<uint8_t>(L[j]);
    pack_nibbles(levels, y[ib].qs);
    if constexpr (kNmax == 16) pack_fifth_bits(levels, y[ib].qh);
  }
}

// Asymmetric (Q4_1: nmax 15, Q5_1: nmax 31): weighted scale+min search per block.
template <typename Block, int kNmax>
void quantize_asymmetric_weighted(const float* x, Block* y, int64_t n, const float* importance) {
  const float sigma2 = mean_square(x, n);
  for (int64_t ib = 0; ib < n / 32; ++ib) {
    const float* xb = x + 32 * ib;
    float weight[32];
    importance_weights(importance + 32 * ib, xb, sigma2, 32, weight);
    uint8_t L[32], Laux[32];
    float min;
    const float d = make_qkx3_quants(32, kNmax, xb, weight, L, &min, Laux, -0.9f, 0.05f, 36, false);
    y[ib].d = fp32_to_fp16(d);
    y[ib].m = fp32_to_fp16(-min);
    pack_nibbles(L, y[ib].qs);
    if constexpr (kNmax == 31) pack_fifth_bits(L, y[ib].qh);
  }
}

// Symmetric 8-bit: d = amax / 127, levels roundf(x / d).
void quantize_q8_block(const float* x, float* d_out, int8_t* qs) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) {
    const float ax = std::fabs(x[j]);
    amax = amax > ax ? amax : ax;
  }
  const float d = amax / ((1 << 7) - 1);
  const float id = inverse_or_zero(d);
  *d_out = d;
  for (int j = 0; j < 32; ++j) qs[j] = static_cast<int8_t>(std::round(x[j] * id));
}

}  // namespace

bool quantize_row_q4_0(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ4_0*>(dst);
  if (importance) {
    quantize_symmetric_weighted<BlockQ4_0, 8>(src, y, n, importance);
  } else {
    quantize_q4_0_reference(src, y, n / kQK4_0);
  }
  return true;
}

bool quantize_row_q4_1(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ4_1*>(dst);
  if (importance) {
    quantize_asymmetric_weighted<BlockQ4_1, 15>(src, y, n, importance);
  } else {
    quantize_q4_1_reference(src, y, n / kQK4_1);
  }
  return true;
}

bool quantize_row_q5_0(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ5_0*>(dst);
  if (importance) {
    quantize_symmetric_weighted<BlockQ5_0, 16>(src, y, n, importance);
  } else {
    quantize_q5_0_reference(src, y, n / kQK5_0);
  }
  return true;
}

bool quantize_row_q5_1(const float* src, void* dst, int64_t n, const float* importance) {
  auto* y = static_cast<BlockQ5_1*>(dst);
  if (importance) {
    quantize_asymmetric_weighted<BlockQ5_1, 31>(src, y, n, importance);
  } else {
    quantize_q5_1_reference(src, y, n / kQK5_1);
  }
  return true;
}

bool quantize_row_q8_0(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK8_0; ++i) {
    float d;
    quantize_q8_block(src + i * kQK8_0, &d, y[i].qs);
    y[i].d = fp32_to_fp16(d);
  }
  return true;
}

bool quantize_row_q8_1(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK8_1; ++i) {
    float d;
    quantize_q8_block(src + i * kQK8_1, &d, y[i].qs);
    int sum = 0;
    for (int j = 0; j < kQK8_1; ++j) sum += y[i].qs[j];
    y[i].d = fp32_to_fp16(d);
    y[i].s = fp32_to_fp16(sum * d);
  }
  return true;
}

void dequantize_row_q4_0(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(src);
  for (int64_t i = 0; i < n / kQK4_0; ++i, dst += kQK4_0) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK4_0 / 2; ++j) {
      dst[j] = ((x[i].qs[j] & 0x0F) - 8) * d;
      dst[j + kQK4_0 / 2] = ((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequantize_row_q4_1(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ4_1*>(src);
  for (int64_t i = 0; i < n / kQK4_1; ++i, dst += kQK4_1) {
    const float d = fp16_to_fp32(x[i].d);
    const float m = fp16_to_fp32(x[i].m);
    for (int j = 0; j < kQK4_1 / 2; ++j) {
      dst[j] = (x[i].qs[j] & 0x0F) * d + m;
      dst[j + kQK4_1 / 2] = (x[i].qs[j] >> 4) * d + m;
    }
  }
}

void dequantize_row_q5_0(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ5_0*>(src);
  for (int64_t i = 0; i < n / kQK5_0; ++i, dst += kQK5_0) {
    const float d = fp16_to_fp32(x[i].d);
    const uint32_t qh = load_fifth_bits(x[i].qh);
    for (int j = 0; j < kQK5_0 / 2; ++j) {
      const int high0 = ((qh >> j) << 4) & 0x10;
      const int high1 = (qh >> (j + 12)) & 0x10;
      dst[j] = (((x[i].qs[j] & 0x0F) | high0) - 16) * d;
      dst[j + kQK5_0 / 2] = (((x[i].qs[j] >> 4) | high1) - 16) * d;
    }
  }
}

void dequantize_row_q5_1(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ5_1*>(src);
  for (int64_t i = 0; i < n / kQK5_1; ++i, dst += kQK5_1) {
    const float d = fp16_to_fp32(x[i].d);
    const float m = fp16_to_fp32(x[i].m);
    const uint32_t qh = load_fifth_bits(x[i].qh);
    for (int j = 0; j < kQK5_1 / 2; ++j) {
      const int high0 = ((qh >> j) << 4) & 0x10;
      const int high1 = (qh >> (j + 12)) & 0x10;
      dst[j] = ((x[i].qs[j] & 0x0F) | high0) * d + m;
      dst[j + kQK5_1 / 2] = ((x[i].qs[j] >> 4) | high1) * d + m;
    }
  }
}

void dequantize_row_q8_0(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ8_0*>(src);
  for (int64_t i = 0; i < n / kQK8_0; ++i, dst += kQK8_0) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK8_0; ++j) dst[j] = x[i].qs[j] * d;
  }
}

void dequantize_row_q8_1(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ8_1*>(src);
  for (int64_t i = 0; i < n / kQK8_1; ++i, dst += kQK8_1) {
    const float d = fp16_to_fp32(x[i].d);
    for (int j = 0; j < kQK8_1; ++j) dst[j] = x[i].qs[j] * d;
  }
}

namespace {

// Sum over a 32-element block of level(j) * a[j], levels given by a functor.
template <typename Level>
int block_integer_dot(const int8_t* a, Level level) {
  int sum_low = 0;
  int sum_high = 0;
  for (int j = 0; j < 16; ++j) {
    sum_low += level(j) * a[j];
    sum_high += level(j + 16) * a[j + 16];
  }
  return sum_low + sum_high;
}

}  // namespace

float vec_dot_q4_0_q8_0(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ4_0*>(weights);
  const auto* y = static_cast<const BlockQ8_0*>(activations);
  float sumf = 0;
  for (int64_t ib = 0; ib < n / kQK8_0; ++ib) {
    const uint8_t* qs = x[ib].qs;
    const int sumi =
        block_integer_dot(y[ib].qs, [qs](int j) { return j < 16 ? (qs[j] & 0x0F) - 8 : (qs[j - 16] >> 4) - 8; });
    sumf += sumi * fp16_to_fp32(x[ib].d) * fp16_to_fp32(y[ib].d);
  }
  return sumf;
}

float vec_dot_q4_1_q8_1(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ4_1*>(weights);
  const auto* y = static_cast<const BlockQ8_1*>(activations);
  float sumf = 0;
  for (int64_t ib = 0; ib < n / kQK8_1; ++ib) {
    const uint8_t* qs = x[ib].qs;
    const int sumi = block_integer_dot(y[ib].qs, [qs](int j) { return j < 16 ? (qs[j] & 0x0F) : (qs[j - 16] >> 4); });
    // The min contributes m * sum(a) = m * s, with s stored in the activation block.
    sumf += (fp16_to_fp32(x[ib].d) * fp16_to_fp32(y[ib].d)) * sumi + fp16_to_fp32(x[ib].m) * fp16_to_fp32(y[ib].s);
  }
  return sumf;
}

float vec_dot_q5_0_q8_0(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ5_0*>(weights);
  const auto* y = static_cast<const BlockQ8_0*>(activations);
  float sumf = 0;
  for (int64_t ib = 0; ib < n / kQK8_0; ++ib) {
    const uint8_t* qs = x[ib].qs;
    const uint32_t qh = load_fifth_bits(x[ib].qh);
    const int sumi = block_integer_dot(y[ib].qs, [qs, qh](int j) {
      const int low = j < 16 ? (qs[j] & 0x0F) : (qs[j - 16] >> 4);
      return (low | static_cast<int>(((qh >> j) & 1u) << 4)) - 16;
    });
    sumf += (fp16_to_fp32(x[ib].d) * fp16_to_fp32(y[ib].d)) * sumi;
  }
  return sumf;
}

float vec_dot_q5_1_q8_1(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ5_1*>(weights);
  const auto* y = static_cast<const BlockQ8_1*>(activations);
  float sumf = 0;
  for (int64_t ib = 0; ib < n / kQK8_1; ++ib) {
    const uint8_t* qs = x[ib].qs;
    const uint32_t qh = load_fifth_bits(x[ib].qh);
    const int sumi = block_integer_dot(y[ib].qs, [qs, qh](int j) {
      const int low = j < 16 ? (qs[j] & 0x0F) : (qs[j - 16] >> 4);
      return low | static_cast<int>(((qh >> j) & 1u) << 4);
    });
    sumf += (fp16_to_fp32(x[ib].d) * fp16_to_fp32(y[ib].d)) * sumi + fp16_to_fp32(x[ib].m) * fp16_to_fp32(y[ib].s);
  }
  return sumf;
}

float vec_dot_q8_0_q8_0(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ8_0*>(weights);
  const auto* y = static_cast<const BlockQ8_0*>(activations);
  float sumf = 0;
  for (int64_t ib = 0; ib < n / kQK8_0; ++ib) {
    int sumi = 0;
    for (int j = 0; j < kQK8_0; ++j) sumi += x[ib].qs[j] * y[ib].qs[j];
    sumf += sumi * (fp16_to_fp32(x[ib].d) * fp16_to_fp32(y[ib].d));
  }
  return sumf;
}

// ggml has no Q8_1 x Q8_1 kernel (Q8_1 is never a weight type in files); same form as Q8_0.
float vec_dot_q8_1_q8_1(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockQ8_1*>(weights);
  const auto* y = static_cast<const BlockQ8_1*>(activations);
  float sumf = 0;
  for (int64_t ib = 0; ib < n / kQK8_1; ++ib) {
    int sumi = 0;
    for (int j = 0; j < kQK8_1; ++j) sumi += x[ib].qs[j] * y[ib].qs[j];
    sumf += sumi * (fp16_to_fp32(x[ib].d) * fp16_to_fp32(y[ib].d));
  }
  return sumf;
}

}  // namespace webgguf
