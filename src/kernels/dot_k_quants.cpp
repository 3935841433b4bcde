// SIMD dot products of the K-quants (Q2_K..Q6_K, 256-element super-blocks) with Q8_K activations.
//
// Quants are widened to int16 lanes straight from memory (one byte per lane), bit fields are cut
// with lane shifts and masks, and pmaddwd multiplies them with the widened activations. Sub-block
// sums stay in int32 lanes, are multiplied by their integer scales, and are reduced to one exact
// integer per super-block before the float super-block scale applies. Constant offsets of the quants (Q3_K's -4, Q6_K's -32) and the mins
// of Q2_K/Q4_K/Q5_K are applied through the activation block sums (bsums), as
//   sum_s scale_s * dot(q_s - offset, a_s) = sum_s scale_s * dot(q_s, a_s) - offset * sum_s scale_s * bsum_s.
#include "kernels/vec_dot.h"

#include <cstring>
#include <type_traits>

#include "kernels/simd128-inl.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

HWY_INLINE VI32 ScaleSum(VI32 dot, int32_t scale, VI32 acc) {
  return hn::Add(acc, hn::Mul(dot, hn::Set(DI32(), scale)));
}

// sum over the 16 groups of 16 of bsums[g] * weights16[g], as 4 int32 lanes.
HWY_INLINE VI32 BsumsDot(const BlockQ8_K& a, VI16 weights_lo, VI16 weights_hi) {
  const VI32 lo = MulAddPairs(hn::LoadU(DI16(), a.bsums), weights_lo, hn::Zero(DI32()));
  return MulAddPairs(hn::LoadU(DI16(), a.bsums + 8), weights_hi, lo);
}

// ---- Q2_K: 16 groups of 16, 2-bit quants, 4-bit scale (low nibble) and min (high nibble) ----
HWY_INLINE float DotQ2_K(const BlockQ2_K& w, const BlockQ8_K& a, float a_scale, const float* halves) {
  const VI16 three = hn::Set(DI16(), 3);
  VI32 sum = hn::Zero(DI32());
  WEBGGUF_NO_UNROLL
  for (int half = 0; half < 2; ++half) {
    // Element 128*half + 32*j + l is bits 2j..2j+1 of qs[32*half + l].
    const uint8_t* q2 = w.qs + 32 * half;
    VI16 q0 = LoadU8AsI16(q2), q1 = LoadU8AsI16(q2 + 8);
    VI16 q2v = LoadU8AsI16(q2 + 16), q3 = LoadU8AsI16(q2 + 24);
    for (int j = 0; j < 4; ++j) {
      const int8_t* q8 = a.qs + 128 * half + 32 * j;
      const int group = 8 * half + 2 * j;
      const VI32 first = Dot16(hn::And(q0, three), hn::And(q1, three), q8);
      const VI32 second = Dot16(hn::And(q2v, three), hn::And(q3, three), q8 + 16);
      sum = ScaleSum(first, w.scales[group] & 0xF, sum);
      sum = ScaleSum(second, w.scales[group + 1] & 0xF, sum);
      q0 = hn::ShiftRight<2>(q0);
      q1 = hn::ShiftRight<2>(q1);
      q2v = hn::ShiftRight<2>(q2v);
      q3 = hn::ShiftRight<2>(q3);
    }
  }
  const VI16 mins_lo = hn::ShiftRight<4>(LoadU8AsI16(w.scales));
  const VI16 mins_hi = hn::ShiftRight<4>(LoadU8AsI16(w.scales + 8));
  const float d = LoadHalf(halves, &w.d) * a_scale;
  const float dmin = LoadHalf(halves, &w.dmin) * a_scale;
  return d * static_cast<float>(ReduceSum(sum)) -
         dmin * static_cast<float>(ReduceSum(BsumsDot(a, mins_lo, mins_hi)));
}

// ---- Q3_K: 16 groups of 16, q = 2 low bits + high bit - 4, 6-bit scales - 32 ----
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

HWY_INLINE float DotQ3_K(const BlockQ3_K& w, const BlockQ8_K& a, float a_scale, const float* halves) {
  int8_t scales[16];
  UnpackQ3_KScales(w.scales, scales);
  const VI16 three = hn::Set(DI16(), 3);
  const VI16 four = hn::Set(DI16(), 4);
  // High bit of element 128*half + 32*j + l is bit 4*half + j of hmask[l]; kept at bit 2 of
  // h* (value 4) by a running right shift that starts two bits up.
  VI16 h0 = hn::ShiftLeft<2>(LoadU8AsI16(w.hmask)), h1 = hn::ShiftLeft<2>(LoadU8AsI16(w.hmask + 8));
  VI16 h2 = hn::ShiftLeft<2>(LoadU8AsI16(w.hmask + 16)), h3 = hn::ShiftLeft<2>(LoadU8AsI16(w.hmask + 24));
  VI32 sum = hn::Zero(DI32());
  WEBGGUF_NO_UNROLL
  for (int half = 0; half < 2; ++half) {
    const uint8_t* q3 = w.qs + 32 * half;
    VI16 q0 = LoadU8AsI16(q3), q1 = LoadU8AsI16(q3 + 8);
    VI16 q2 = LoadU8AsI16(q3 + 16), q3v = LoadU8AsI16(q3 + 24);
    for (int j = 0; j < 4; ++j) {
      const int8_t* q8 = a.qs + 128 * half + 32 * j;
      const int group = 8 * half + 2 * j;
      const VI32 first = Dot16(hn::Or(hn::And(q0, three), hn::And(h0, four)),
                               hn::Or(hn::And(q1, three), hn::And(h1, four)), q8);
      const VI32 second = Dot16(hn::Or(hn::And(q2, three), hn::And(h2, four)),
                                hn::Or(hn::And(q3v, three), hn::And(h3, four)), q8 + 16);
      sum = ScaleSum(first, scales[group], sum);
      sum = ScaleSum(second, scales[group + 1], sum);
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
  // The stored quants are q + 4 (0..7): subtract 4 * sum_g scale_g * bsum_g.
  const VI32 offset = BsumsDot(a, LoadI8AsI16(scales), LoadI8AsI16(scales + 8));
  sum = hn::Sub(sum, hn::ShiftLeft<2>(offset));
  return LoadHalf(halves, &w.d) * a_scale * static_cast<float>(ReduceSum(sum));
}

// ---- Q4_K / Q5_K: 8 groups of 32, 6-bit scales and mins packed in 12 bytes ----
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
HWY_INLINE VI32 MinsDot(const BlockQ8_K& a, const uint8_t mins[8]) {
  const VI16 m = LoadU8AsI16(mins);
  return BsumsDot(a, hn::InterleaveLower(DI16(), m, m), hn::InterleaveUpper(DI16(), m, m));
}

// Q5_K passes its qh; Q4_K passes nullptr.
template <bool kHasHighBit>
HWY_INLINE VI32 DotNibbleGroups(const uint8_t* qs, const uint8_t* qh, const int8_t* q8,
                                const uint8_t scales[8]) {
  const VI16 mask = hn::Set(DI16(), 0x0F);
  const VI16 sixteen = hn::Set(DI16(), 16);
  VI16 h[4];
  if (kHasHighBit) {
    for (int k = 0; k < 4; ++k) h[k] = LoadU8AsI16(qh + 8 * k);
  }
  VI32 sum = hn::Zero(DI32());
  WEBGGUF_NO_UNROLL
  for (int j = 0; j < 4; ++j) {
    // qs[32j + l]: low nibble = element 64j + l (group 2j), high = element 64j + 32 + l.
    VI16 low[4], high[4];
    for (int k = 0; k < 4; ++k) {
      const VI16 bytes = LoadU8AsI16(qs + 32 * j + 8 * k);
      low[k] = hn::And(bytes, mask);
      high[k] = hn::ShiftRight<4>(bytes);
      if (kHasHighBit) {
        // Bit 2j of qh[l] is the fifth bit of group 2j, bit 2j+1 of group 2j+1.
        low[k] = hn::Or(low[k], hn::And(hn::ShiftLeft<4>(h[k]), sixteen));
        high[k] = hn::Or(high[k], hn::And(hn::ShiftLeft<3>(h[k]), sixteen));
        h[k] = hn::ShiftRight<2>(h[k]);
      }
    }
    sum = ScaleSum(Dot32(low[0], low[1], low[2], low[3], q8 + 64 * j), scales[2 * j], sum);
    sum = ScaleSum(Dot32(high[0], high[1], high[2], high[3], q8 + 64 * j + 32), scales[2 * j + 1], sum);
  }
  return sum;
}

template <typename Block>
HWY_INLINE float DotQ45_K(const Block& w, const BlockQ8_K& a, float a_scale, const float* halves) {
  uint8_t scales[8], mins[8];
  UnpackScalesMins(w.scales, scales, mins);
  constexpr bool kHasHighBit = std::is_same_v<Block, BlockQ5_K>;
  const uint8_t* qh = nullptr;
  if constexpr (kHasHighBit) qh = w.qh;
  const VI32 sum = DotNibbleGroups<kHasHighBit>(w.qs, qh, a.qs, scales);
  return LoadHalf(halves, &w.d) * a_scale * static_cast<float>(ReduceSum(sum)) -
         LoadHalf(halves, &w.dmin) * a_scale * static_cast<float>(ReduceSum(MinsDot(a, mins)));
}

// ---- Q6_K: 16 groups of 16, q = 4 low bits (ql) + 2 high bits (qh) - 32, int8 scales ----
HWY_INLINE float DotQ6_K(const BlockQ6_K& w, const BlockQ8_K& a, float a_scale, const float* halves) {
  const VI16 mask4 = hn::Set(DI16(), 0x0F);
  const VI16 mask_high = hn::Set(DI16(), 0x30);
  VI32 sum = hn::Zero(DI32());
  WEBGGUF_NO_UNROLL
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = w.ql + 64 * half;
    const uint8_t* qh = w.qh + 32 * half;
    const int8_t* q8 = a.qs + 128 * half;
    const int8_t* sc = w.scales + 8 * half;
    // Element 128*half + 32*part + l (l < 32) for part 0..3 takes its low bits from ql[l]
    // (parts 0, 2: low/high nibble) or ql[l + 32] (parts 1, 3) and bits 2*part.. of qh[l].
    for (int pair = 0; pair < 2; ++pair) {  // l in 16*pair .. 16*pair + 15: one scale group
      VI16 part[4][2];
      for (int k = 0; k < 2; ++k) {
        const int l = 16 * pair + 8 * k;
        const VI16 a_bytes = LoadU8AsI16(ql + l);
        const VI16 b_bytes = LoadU8AsI16(ql + 32 + l);
        const VI16 h = LoadU8AsI16(qh + l);
        part[0][k] = hn::Or(hn::And(a_bytes, mask4), hn::And(hn::ShiftLeft<4>(h), mask_high));
        part[1][k] = hn::Or(hn::And(b_bytes, mask4), hn::And(hn::ShiftLeft<2>(h), mask_high));
        part[2][k] = hn::Or(hn::ShiftRight<4>(a_bytes), hn::And(h, mask_high));
        part[3][k] = hn::Or(hn::ShiftRight<4>(b_bytes), hn::And(hn::ShiftRight<2>(h), mask_high));
      }
      for (int p = 0; p < 4; ++p) {
        const VI32 dot = Dot16(part[p][0], part[p][1], q8 + 32 * p + 16 * pair);
        sum = ScaleSum(dot, sc[2 * p + pair], sum);
      }
    }
  }
  // The stored quants are q + 32: subtract 32 * sum_g scale_g * bsum_g.
  const VI32 offset = BsumsDot(a, LoadI8AsI16(w.scales), LoadI8AsI16(w.scales + 8));
  sum = hn::Sub(sum, hn::ShiftLeft<5>(offset));
  return LoadHalf(halves, &w.d) * a_scale * static_cast<float>(ReduceSum(sum));
}

// Each super-block's integer sums are reduced exactly before the float scales apply.
template <typename Block, float (*BlockDot)(const Block&, const BlockQ8_K&, float, const float*)>
float DotSuperBlocks(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const Block*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  const int64_t blocks = n / kQK_K;
  const float* halves = HalfToFloatTable();
  float sum = 0.0f;
  for (int64_t i = 0; i < blocks; ++i) sum += BlockDot(w[i], a[i], LoadF32(&a[i].d), halves);
  return sum;
}

}  // namespace

float vec_dot_q2_K_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  return DotSuperBlocks<BlockQ2_K, DotQ2_K>(n, weights, activations);
}
float vec_dot_q3_K_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  return DotSuperBlocks<BlockQ3_K, DotQ3_K>(n, weights, activations);
}
float vec_dot_q4_K_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  return DotSuperBlocks<BlockQ4_K, DotQ45_K<BlockQ4_K>>(n, weights, activations);
}
float vec_dot_q5_K_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  return DotSuperBlocks<BlockQ5_K, DotQ45_K<BlockQ5_K>>(n, weights, activations);
}
float vec_dot_q6_K_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  return DotSuperBlocks<BlockQ6_K, DotQ6_K>(n, weights, activations);
}

}  // namespace webgguf
