// TQ1_0 and TQ2_0: reference quantize, dequantize and generic dot products (ggml-quants.c,
// ggml-cpu/quants.c).
//
// TQ1_0 element order within a super-block of 256:
//   elements   0..159: qs[m] (m < 32) holds elements m + 32*n for trits n = 0..4
//   elements 160..239: qs[32 + m] (m < 16) holds elements 160 + m + 16*n
//   elements 240..255: qh[j] (j < 4) holds elements 240 + j + 4*n for n = 0..3
// A byte holding trits t0..t4 (first most significant) stores ceil(v * 256 / 243) with
// v = sum t_n 3^(4-n), so that multiplying by 3^n and taking the top bits of (byte * 3) reads
// trit n without a division.
#include <cmath>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/scale_search.h"
#include "quant/ternary_quants.h"

namespace webgguf {
namespace {

constexpr int kTritBytes32 = sizeof(BlockTQ1_0::qs) - sizeof(BlockTQ1_0::qs) % 32;  // 32
constexpr int kTritBytes = sizeof(BlockTQ1_0::qs);                                  // 48
constexpr int kHighBytes = sizeof(BlockTQ1_0::qh);                                  // 4
constexpr uint8_t kPow3[6] = {1, 3, 9, 27, 81, 243};

// Trit n (0..4) of a packed byte, as 0, 1, 2.
inline int unpack_trit(uint8_t byte, int n) {
  const uint8_t q = static_cast<uint8_t>(byte * kPow3[n]);
  return (static_cast<uint16_t>(q) * 3) >> 8;
}

// Packs trits (0, 1, 2; the first most significant) into a byte.
inline uint8_t pack_trits(const int* trits, int count) {
  uint8_t q = 0;
  for (int n = 0; n < count; ++n) q = static_cast<uint8_t>(q * 3 + trits[n]);
  for (int n = count; n < 5; ++n) q = static_cast<uint8_t>(q * 3);  // qh bytes hold only 4
  return static_cast<uint8_t>((static_cast<uint16_t>(q) * 256 + (243 - 1)) / 243);
}

// Element index of trit n stored in byte b of TQ1_0 (qs bytes first, then qh bytes).
inline int tq1_0_element(int b, int n) {
  if (b < kTritBytes32) return b + 32 * n;
  if (b < kTritBytes) return 5 * kTritBytes32 + (b - kTritBytes32) + 16 * n;
  return 5 * kTritBytes + (b - kTritBytes) + kHighBytes * n;
}

// All 256 weights of a TQ1_0 super-block as -1, 0, +1 in element order.
void unpack_tq1_0(const BlockTQ1_0& x, int8_t* trits) {
  for (int b = 0; b < kTritBytes; ++b) {
    for (int n = 0; n < 5; ++n) trits[tq1_0_element(b, n)] = static_cast<int8_t>(unpack_trit(x.qs[b], n) - 1);
  }
  for (int b = 0; b < kHighBytes; ++b) {
    for (int n = 0; n < 4; ++n) {
      trits[tq1_0_element(kTritBytes + b, n)] = static_cast<int8_t>(unpack_trit(x.qh[b], n) - 1);
    }
  }
}

// TQ2_0: byte j + m of each 32-byte group holds elements 4*j + 32*l + m at bits 2*l.
void unpack_tq2_0(const BlockTQ2_0& x, int8_t* trits) {
  for (int j = 0; j < static_cast<int>(sizeof(x.qs)); j += 32) {
    for (int l = 0; l < 4; ++l) {
      for (int m = 0; m < 32; ++m) trits[j * 4 + l * 32 + m] = static_cast<int8_t>(((x.qs[j + m] >> (l * 2)) & 3) - 1);
    }
  }
}

// d = max |x|; each trit is round(x / d) + 1 in {0, 1, 2}.
float ternary_levels(const float* x, int* levels) {
  float amax = 0.0f;
  for (int j = 0; j < kQK_K; ++j) {
    const float ax = std::fabs(x[j]);
    amax = amax > ax ? amax : ax;
  }
  const float d = amax;
  const float id = inverse_or_zero(d);
  for (int j = 0; j < kQK_K; ++j) levels[j] = static_cast<int>(std::lround(x[j] * id)) + 1;
  return d;
}

}  // namespace

bool quantize_row_tq1_0(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* y = static_cast<BlockTQ1_0*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int levels[kQK_K];
    y[i].d = fp32_to_fp16(ternary_levels(src + kQK_K * i, levels));
    for (int b = 0; b < kTritBytes + kHighBytes; ++b) {
      const int count = b < kTritBytes ? 5 : 4;
      int trits[5];
      for (int t = 0; t < count; ++t) trits[t] = levels[tq1_0_element(b, t)];
      const uint8_t packed = pack_trits(trits, count);
      if (b < kTritBytes) {
        y[i].qs[b] = packed;
      } else {
        y[i].qh[b - kTritBytes] = packed;
      }
    }
  }
  return true;
}

bool quantize_row_tq2_0(const float* src, void* dst, int64_t n, const float* /*importance*/) {
  auto* y = static_cast<BlockTQ2_0*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int levels[kQK_K];
    y[i].d = fp32_to_fp16(ternary_levels(src + kQK_K * i, levels));
    for (int j = 0; j < static_cast<int>(sizeof(y[i].qs)); j += 32) {
      for (int m = 0; m < 32; ++m) {
        int q = 0;
        for (int l = 0; l < 4; ++l) q += (levels[j * 4 + l * 32 + m] & 3) << (2 * l);
        y[i].qs[j + m] = static_cast<uint8_t>(q);
      }
    }
  }
  return true;
}

void dequantize_row_tq1_0(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockTQ1_0*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
    const float d = fp16_to_fp32(x[i].d);
    int8_t trits[kQK_K];
    unpack_tq1_0(x[i], trits);
    for (int j = 0; j < kQK_K; ++j) dst[j] = static_cast<float>(trits[j]) * d;
  }
}

void dequantize_row_tq2_0(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockTQ2_0*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
    const float d = fp16_to_fp32(x[i].d);
    int8_t trits[kQK_K];
    unpack_tq2_0(x[i], trits);
    for (int j = 0; j < kQK_K; ++j) dst[j] = static_cast<float>(trits[j]) * d;
  }
}

namespace {

int trit_dot(const int8_t* trits, const int8_t* q8) {
  int sum = 0;
  for (int j = 0; j < kQK_K; ++j) sum += trits[j] * q8[j];
  return sum;
}

}  // namespace

float vec_dot_tq1_0_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockTQ1_0*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t trits[kQK_K];
    unpack_tq1_0(x[i], trits);
    sumf += static_cast<float>(trit_dot(trits, y[i].qs)) * (fp16_to_fp32(x[i].d) * y[i].d);
  }
  return sumf;
}

float vec_dot_tq2_0_q8_k(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const BlockTQ2_0*>(weights);
  const auto* y = static_cast<const BlockQ8_K*>(activations);
  float sumf = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t trits[kQK_K];
    unpack_tq2_0(x[i], trits);
    sumf += static_cast<float>(trit_dot(trits, y[i].qs)) * (y[i].d * fp16_to_fp32(x[i].d));
  }
  return sumf;
}

}  // namespace webgguf
