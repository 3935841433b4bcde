// Multi-token dot products of the K-quants (Q2_K..Q6_K) with Q8_K activations.
//
// Per super-block the scales are decoded once and each group's quants are unpacked to int16 once
// and multiplied by the group's integer scale there (|q * scale| is at most 3 * 15 for Q2_K,
// 7 * 32 for Q3_K, 31 * 63 for Q4_K/Q5_K and 63 * 128 for Q6_K: all fit int16, and every int32
// lane stays below 2^31): each token then costs only its activation loads and pmaddwd into its
// own accumulator. The integer super-block sums are the single-row kernel's exactly
// (dot_k_quants.cpp) and the float epilogue is the same expression in the same order, so the
// results are bit-identical.
#include <cstring>
#include <type_traits>

#include "kernels/dot_tokens-inl.h"
#include "kernels/simd128-inl.h"
#include "kernels/vec_dot_tokens.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

// sum over the 16 groups of 16 of bsums[g] * weights16[g], as 4 int32 lanes.
HWY_INLINE VI32 BsumsDot(const BlockQ8_K& a, VI16 weights_lo, VI16 weights_hi) {
  const VI32 lo = MulAddPairs(hn::LoadU(DI16(), a.bsums), weights_lo, hn::Zero(DI32()));
  return MulAddPairs(hn::LoadU(DI16(), a.bsums + 8), weights_hi, lo);
}

// One group of 16 scaled quants dotted with every token's activations at `offset`.
template <int kTokens>
HWY_INLINE void AccumulateGroup16(VI16 q0, VI16 q1, const TokenRows<BlockQ8_K, kTokens>& a, int64_t i, int offset,
                                  VI32 (&sum)[kTokens]) {
  for (int t = 0; t < kTokens; ++t) sum[t] = DotAccumulate16(q0, q1, a.block(t, i).qs + offset, sum[t]);
}

// Q2_K: 16 groups of 16, 2-bit quants, 4-bit scale (low nibble) and min (high nibble) per group.
// Element 128*h + 32*j + l is bits 2j..2j+1 of qs[32*h + l].
struct Q2_KKernel {
  template <int kTokens>
  static void Run(int64_t n, const void* weights, const uint8_t* activations, size_t row_bytes, float* out,
                  int64_t out_stride) {
    const auto* w = static_cast<const BlockQ2_K*>(weights);
    const TokenRows<BlockQ8_K, kTokens> a(activations, row_bytes);
    const int64_t blocks = n / kQK_K;
    const float* halves = HalfToFloatTable();
    const VI16 three = hn::Set(DI16(), 3);
    float total[kTokens] = {};
    for (int64_t i = 0; i < blocks; ++i) {
      const BlockQ2_K& block = w[i];
      VI32 sum[kTokens];
      for (int t = 0; t < kTokens; ++t) sum[t] = hn::Zero(DI32());
      WEBGGUF_NO_UNROLL
      for (int half = 0; half < 2; ++half) {
        const uint8_t* q2 = block.qs + 32 * half;
        VI16 q0 = LoadU8AsI16(q2), q1 = LoadU8AsI16(q2 + 8);
        VI16 q2v = LoadU8AsI16(q2 + 16), q3 = LoadU8AsI16(q2 + 24);
        for (int j = 0; j < 4; ++j) {
          const int group = 8 * half + 2 * j;
          const VI16 first = hn::Set(DI16(), static_cast<int16_t>(block.scales[group] & 0xF));
          const VI16 second = hn::Set(DI16(), static_cast<int16_t>(block.scales[group + 1] & 0xF));
          const int offset = 128 * half + 32 * j;
          AccumulateGroup16(hn::Mul(hn::And(q0, three), first), hn::Mul(hn::And(q1, three), first), a, i, offset, sum);
          AccumulateGroup16(hn::Mul(hn::And(q2v, three), second), hn::Mul(hn::And(q3, three), second), a, i,
                            offset + 16, sum);
          q0 = hn::ShiftRight<2>(q0);
          q1 = hn::ShiftRight<2>(q1);
          q2v = hn::ShiftRight<2>(q2v);
          q3 = hn::ShiftRight<2>(q3);
        }
      }
      const VI16 mins_lo = hn::ShiftRight<4>(LoadU8AsI16(block.scales));
      const VI16 mins_hi = hn::ShiftRight<4>(LoadU8AsI16(block.scales + 8));
      for (int t = 0; t < kTokens; ++t) {
        const BlockQ8_K& act = a.block(t, i);
        const float a_scale = LoadF32(&act.d);
        const float d = LoadHalf(halves, &block.d) * a_scale;
        const float dmin = LoadHalf(halves, &block.dmin) * a_scale;
        total[t] += d * static_cast<float>(ReduceSum(sum[t])) -
                    dmin * static_cast<float>(ReduceSum(BsumsDot(act, mins_lo, mins_hi)));
      }
    }
    for (int t = 0; t < kTokens; ++t) out[t * out_stride] = total[t];
  }
};

// Q3_K: 16 groups of 16, q = 2 low bits + 4 * high bit (stored as q + 4), 6-bit scales - 32.
HWY_INLINE void UnpackQ3_KScales(const uint8_t packed[12], int8_t scales[16]) {
  uint32_t aux[4];
  std::memcpy(aux, packed, 12);
  const uint32_t tmp = aux[2];
  constexpr uint32_t kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  aux[2] = ((aux[0] >> 4) & kLow4) | (((tmp >> 4) & kLow2) << 4);
  aux[3] = ((aux[1] >> 4) & kLow4) | (((tmp >> 6) & kLow2) << 4);
  aux[0] = (aux[0] & kLow4) | (((tmp >> 0) & kLow2) << 4);
  aux[1] = (aux[1] & kLow4) | (((tmp >> 2) & kLow2) << 4);
  std::memcpy(scales, aux, 16);
  for (int g = 0; g < 16; ++g) scales[g] = static_cast<int8_t>(scales[g] - 32);
}

// Element 128*h + 32*j + l takes bits 2j..2j+1 of qs[32*h + l] and bit 4*h + j of hmask[l]; the
// high bits are kept at value 4 by a running right shift that starts two bits up.
struct Q3_KKernel {
  template <int kTokens>
  static void Run(int64_t n, const void* weights, const uint8_t* activations, size_t row_bytes, float* out,
                  int64_t out_stride) {
    const auto* w = static_cast<const BlockQ3_K*>(weights);
    const TokenRows<BlockQ8_K, kTokens> a(activations, row_bytes);
    const int64_t blocks = n / kQK_K;
    const float* halves = HalfToFloatTable();
    const VI16 three = hn::Set(DI16(), 3);
    const VI16 four = hn::Set(DI16(), 4);
    float total[kTokens] = {};
    for (int64_t i = 0; i < blocks; ++i) {
      const BlockQ3_K& block = w[i];
      int8_t scales[16];
      UnpackQ3_KScales(block.scales, scales);
      VI16 h0 = hn::ShiftLeft<2>(LoadU8AsI16(block.hmask)), h1 = hn::ShiftLeft<2>(LoadU8AsI16(block.hmask + 8));
      VI16 h2 = hn::ShiftLeft<2>(LoadU8AsI16(block.hmask + 16));
      VI16 h3 = hn::ShiftLeft<2>(LoadU8AsI16(block.hmask + 24));
      VI32 sum[kTokens];
      for (int t = 0; t < kTokens; ++t) sum[t] = hn::Zero(DI32());
      WEBGGUF_NO_UNROLL
      for (int half = 0; half < 2; ++half) {
        const uint8_t* q3 = block.qs + 32 * half;
        VI16 q0 = LoadU8AsI16(q3), q1 = LoadU8AsI16(q3 + 8);
        VI16 q2 = LoadU8AsI16(q3 + 16), q3v = LoadU8AsI16(q3 + 24);
        for (int j = 0; j < 4; ++j) {
          const int group = 8 * half + 2 * j;
          const VI16 first = hn::Set(DI16(), scales[group]);
          const VI16 second = hn::Set(DI16(), scales[group + 1]);
          const int offset = 128 * half + 32 * j;
          AccumulateGroup16(hn::Mul(hn::Or(hn::And(q0, three), hn::And(h0, four)), first),
                            hn::Mul(hn::Or(hn::And(q1, three), hn::And(h1, four)), first), a, i, offset, sum);
          AccumulateGroup16(hn::Mul(hn::Or(hn::And(q2, three), hn::And(h2, four)), second),
                            hn::Mul(hn::Or(hn::And(q3v, three), hn::And(h3, four)), second), a, i, offset + 16, sum);
          q0 = hn::ShiftRight<2>(q0);
          q1 = hn::ShiftRight<2>(q1);
          q2 = hn::ShiftRight<2>(q2);
          q3v = hn::ShiftRight<2>(q3v);
          h0 = hn::ShiftRight<1>(h0);
          h1 = hn::ShiftRight<1>(h1);
          h2 = hn::ShiftRight<1>(h2);
          h3 = hn::ShiftRight<1>(h3);
        }
      }
      // The stored quants are q + 4: subtract 4 * sum_g scale_g * bsum_g.
      const VI16 scales_lo = LoadI8AsI16(scales);
      const VI16 scales_hi = LoadI8AsI16(scales + 8);
      const float d = LoadHalf(halves, &block.d);
      for (int t = 0; t < kTokens; ++t) {
        const BlockQ8_K& act = a.block(t, i);
        const VI32 exact = hn::Sub(sum[t], hn::ShiftLeft<2>(BsumsDot(act, scales_lo, scales_hi)));
        total[t] += d * LoadF32(&act.d) * static_cast<float>(ReduceSum(exact));
      }
    }
    for (int t = 0; t < kTokens; ++t) out[t * out_stride] = total[t];
  }
};

// Q4_K / Q5_K: 8 groups of 32 with 6-bit scales and mins packed in 12 bytes.
HWY_INLINE void UnpackScalesMins(const uint8_t packed[12], uint8_t scales[8], uint8_t mins[8]) {
  for (int j = 0; j < 4; ++j) {
    scales[j] = packed[j] & 63;
    mins[j] = packed[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    scales[j] = (packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4);
    mins[j] = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
  }
}

// The mins meet the activations through bsums: group g of 32 covers bsums 2g and 2g+1.
HWY_INLINE VI32 MinsDot(const BlockQ8_K& a, VI16 mins) {
  return BsumsDot(a, hn::InterleaveLower(DI16(), mins, mins), hn::InterleaveUpper(DI16(), mins, mins));
}

// One group of 32 scaled quants dotted with every token's activations at `offset`.
template <int kTokens>
HWY_INLINE void AccumulateGroup32(const VI16 (&q)[4], const TokenRows<BlockQ8_K, kTokens>& a, int64_t i, int offset,
                                  VI32 (&sum)[kTokens]) {
  for (int t = 0; t < kTokens; ++t) {
    sum[t] = DotAccumulate32(q[0], q[1], q[2], q[3], a.block(t, i).qs + offset, sum[t]);
  }
}

// qs[32j + l]: low nibble = element 64j + l (group 2j), high nibble = element 64j + 32 + l.
// Q5_K's fifth bits: bit 2j of qh[l] for group 2j, bit 2j+1 for group 2j+1.
template <typename Block>
struct Q45_KKernel {
  static constexpr bool kHasHighBit = std::is_same_v<Block, BlockQ5_K>;

  template <int kTokens>
  static void Run(int64_t n, const void* weights, const uint8_t* activations, size_t row_bytes, float* out,
                  int64_t out_stride) {
    const auto* w = static_cast<const Block*>(weights);
    const TokenRows<BlockQ8_K, kTokens> a(activations, row_bytes);
    const int64_t blocks = n / kQK_K;
    const float* halves = HalfToFloatTable();
    const VI16 mask = hn::Set(DI16(), 0x0F);
    const VI16 sixteen = hn::Set(DI16(), 16);
    float total[kTokens] = {};
    for (int64_t i = 0; i < blocks; ++i) {
      uint8_t scales[8], mins[8];
      UnpackScalesMins(w[i].scales, scales, mins);
      VI32 sum[kTokens];
      for (int t = 0; t < kTokens; ++t) sum[t] = hn::Zero(DI32());
      WEBGGUF_NO_UNROLL
      for (int j = 0; j < 4; ++j) {
        const uint8_t* qs = w[i].qs + 32 * j;
        for (int half = 0; half < 2; ++half) {
          const VI16 scale = hn::Set(DI16(), scales[2 * j + half]);
          VI16 q[4];
          for (int k = 0; k < 4; ++k) {
            const VI16 bytes = LoadU8AsI16(qs + 8 * k);
            VI16 quant = half == 0 ? hn::And(bytes, mask) : hn::ShiftRight<4>(bytes);
            if constexpr (kHasHighBit) {
              const VI16 high = hn::ShiftRightSame(LoadU8AsI16(w[i].qh + 8 * k), 2 * j + half);
              quant = hn::Or(quant, hn::And(hn::ShiftLeft<4>(high), sixteen));
            }
            q[k] = hn::Mul(quant, scale);
          }
          AccumulateGroup32(q, a, i, 64 * j + 32 * half, sum);
        }
      }
      const float d = LoadHalf(halves, &w[i].d);
      const float dmin = LoadHalf(halves, &w[i].dmin);
      const VI16 min_values = LoadU8AsI16(mins);
      for (int t = 0; t < kTokens; ++t) {
        const BlockQ8_K& block = a.block(t, i);
        const float a_scale = LoadF32(&block.d);
        total[t] += d * a_scale * static_cast<float>(ReduceSum(sum[t])) -
                    dmin * a_scale * static_cast<float>(ReduceSum(MinsDot(block, min_values)));
      }
    }
    for (int t = 0; t < kTokens; ++t) out[t * out_stride] = total[t];
  }
};

// Q6_K: element 128*h + 32*p + l (l < 32, part p = 0..3) takes its low 4 bits from ql[64h + l]
// (p = 0, 2: low/high nibble) or ql[64h + 32 + l] (p = 1, 3) and bits 2p, 2p+1 of qh[32h + l];
// groups of 16 with int8 scales; the stored quants are q + 32.
struct Q6_KKernel {
  template <int kTokens>
  static void Run(int64_t n, const void* weights, const uint8_t* activations, size_t row_bytes, float* out,
                  int64_t out_stride) {
    const auto* w = static_cast<const BlockQ6_K*>(weights);
    const TokenRows<BlockQ8_K, kTokens> a(activations, row_bytes);
    const int64_t blocks = n / kQK_K;
    const float* halves = HalfToFloatTable();
    const VI16 mask4 = hn::Set(DI16(), 0x0F);
    const VI16 mask_high = hn::Set(DI16(), 0x30);
    float total[kTokens] = {};
    for (int64_t i = 0; i < blocks; ++i) {
      const BlockQ6_K& block = w[i];
      VI32 sum[kTokens];
      for (int t = 0; t < kTokens; ++t) sum[t] = hn::Zero(DI32());
      WEBGGUF_NO_UNROLL
      for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = block.ql + 64 * half;
        const uint8_t* qh = block.qh + 32 * half;
        const int8_t* sc = block.scales + 8 * half;
        for (int pair = 0; pair < 2; ++pair) {  // l in 16*pair .. 16*pair + 15: one scale group
          for (int p = 0; p < 4; ++p) {
            VI16 q[2];
            const VI16 scale = hn::Set(DI16(), sc[2 * p + pair]);
            for (int k = 0; k < 2; ++k) {
              const int l = 16 * pair + 8 * k;
              const VI16 bytes = LoadU8AsI16(ql + (p & 1) * 32 + l);
              const VI16 low = p < 2 ? hn::And(bytes, mask4) : hn::ShiftRight<4>(bytes);
              const VI16 h = LoadU8AsI16(qh + l);
              VI16 high;
              switch (p) {
                case 0: high = hn::ShiftLeft<4>(h); break;
                case 1: high = hn::ShiftLeft<2>(h); break;
                case 2: high = h; break;
                default: high = hn::ShiftRight<2>(h); break;
              }
              q[k] = hn::Mul(hn::Or(low, hn::And(high, mask_high)), scale);
            }
            const int offset = 128 * half + 32 * p + 16 * pair;
            for (int t = 0; t < kTokens; ++t) {
              sum[t] = DotAccumulate16(q[0], q[1], a.block(t, i).qs + offset, sum[t]);
            }
          }
        }
      }
      const VI16 scales_lo = LoadI8AsI16(block.scales);
      const VI16 scales_hi = LoadI8AsI16(block.scales + 8);
      const float d = LoadHalf(halves, &block.d);
      for (int t = 0; t < kTokens; ++t) {
        const BlockQ8_K& act = a.block(t, i);
        const VI32 offset = BsumsDot(act, scales_lo, scales_hi);
        const VI32 exact = hn::Sub(sum[t], hn::ShiftLeft<5>(offset));
        total[t] += d * LoadF32(&act.d) * static_cast<float>(ReduceSum(exact));
      }
    }
    for (int t = 0; t < kTokens; ++t) out[t * out_stride] = total[t];
  }
};

}  // namespace

void dot_tokens_q2_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Q2_KKernel>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}
void dot_tokens_q3_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Q3_KKernel>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}
void dot_tokens_q4_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Q45_KKernel<BlockQ4_K>>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}
void dot_tokens_q5_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Q45_KKernel<BlockQ5_K>>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}
void dot_tokens_q6_K(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Q6_KKernel>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}

}  // namespace webgguf
