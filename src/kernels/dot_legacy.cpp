// SIMD dot products of the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0) with Q8_0/Q8_1
// activations. Per block: quants widened to int16 straight from memory (8 per load) and pmaddwd
// with the widened activations; dot_blocks32-inl.h scales and sums the blocks.
#include "kernels/vec_dot.h"

#include <array>

#include "kernels/dot_blocks32-inl.h"
#include "kernels/simd128-inl.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

// The 4 int16 vectors of a block's 32 nibbles, in element order: qs[j] low nibble is element j,
// high nibble element j+16.
struct Nibbles32 {
  VI16 w0, w1, w2, w3;
};
HWY_INLINE Nibbles32 LoadNibbles32(const uint8_t* qs) {
  const VI16 mask = hn::Set(DI16(), 0x0F);
  const VI16 b0 = LoadU8AsI16(qs);
  const VI16 b1 = LoadU8AsI16(qs + 8);
  return {hn::And(b0, mask), hn::And(b1, mask), hn::ShiftRight<4>(b0), hn::ShiftRight<4>(b1)};
}

// The fifth bit of 8 consecutive Q5 quants, from one byte of qh, as int16 lanes: bit k of the
// byte drives lane k. Table lookups replace per-lane variable shifts (which SIMD128 lacks).
using HighBitTable = std::array<std::array<int16_t, 8>, 256>;
constexpr HighBitTable make_high_bit_table(int16_t if_set, int16_t if_clear) {
  HighBitTable table{};
  for (int byte = 0; byte < 256; ++byte) {
    for (int lane = 0; lane < 8; ++lane) table[byte][lane] = (byte >> lane) & 1 ? if_set : if_clear;
  }
  return table;
}
// Q5_0 stores q in 0..31 and means q - 16: adding this table to the low nibble gives q - 16.
alignas(16) constexpr HighBitTable kQ5_0HighBits = make_high_bit_table(0, -16);
// Q5_1 means q itself (the min is separate).
alignas(16) constexpr HighBitTable kQ5_1HighBits = make_high_bit_table(16, 0);

HWY_INLINE Nibbles32 LoadQ5Quants(const uint8_t* qs, const uint8_t* qh, const HighBitTable& table) {
  Nibbles32 q = LoadNibbles32(qs);
  const DI16 d;
  q.w0 = hn::Add(q.w0, hn::LoadU(d, table[qh[0]].data()));
  q.w1 = hn::Add(q.w1, hn::LoadU(d, table[qh[1]].data()));
  q.w2 = hn::Add(q.w2, hn::LoadU(d, table[qh[2]].data()));
  q.w3 = hn::Add(q.w3, hn::LoadU(d, table[qh[3]].data()));
  return q;
}

HWY_INLINE VI32 DotQ4_0(const BlockQ4_0& w, const BlockQ8_0& a) {
  const VI16 eight = hn::Set(DI16(), 8);
  const Nibbles32 q = LoadNibbles32(w.qs);
  return Dot32Widening(hn::Sub(q.w0, eight), hn::Sub(q.w1, eight), hn::Sub(q.w2, eight), hn::Sub(q.w3, eight), a.qs);
}
HWY_INLINE VI32 DotQ4_1(const BlockQ4_1& w, const BlockQ8_1& a) {
  const Nibbles32 q = LoadNibbles32(w.qs);
  return Dot32Widening(q.w0, q.w1, q.w2, q.w3, a.qs);
}
HWY_INLINE VI32 DotQ5_0(const BlockQ5_0& w, const BlockQ8_0& a) {
  const Nibbles32 q = LoadQ5Quants(w.qs, w.qh, kQ5_0HighBits);
  return Dot32Widening(q.w0, q.w1, q.w2, q.w3, a.qs);
}
HWY_INLINE VI32 DotQ5_1(const BlockQ5_1& w, const BlockQ8_1& a) {
  const Nibbles32 q = LoadQ5Quants(w.qs, w.qh, kQ5_1HighBits);
  return Dot32Widening(q.w0, q.w1, q.w2, q.w3, a.qs);
}
HWY_INLINE VI32 DotQ8_0(const BlockQ8_0& w, const BlockQ8_0& a) {
  return Dot32Widening(LoadI8AsI16(w.qs), LoadI8AsI16(w.qs + 8), LoadI8AsI16(w.qs + 16), LoadI8AsI16(w.qs + 24), a.qs);
}

// d_w * d_a * sum(q_w * q_a); with a min (Q4_1, Q5_1, against Q8_1) plus m_w * s_a, where the
// activation block carries s_a = d_a * sum(q_a).
template <typename WeightBlock, typename ActivationBlock, VI32 (*BlockDot)(const WeightBlock&, const ActivationBlock&),
          bool kMin>
struct LegacyKernel {
  using Weight = WeightBlock;
  using Activation = ActivationBlock;
  static constexpr bool kHasMin = kMin;
  static VI32 Dot(const Weight& w, const Activation& a) { return BlockDot(w, a); }
  static float WeightScale(const Weight& w, const float* halves) { return LoadHalf(halves, &w.d); }
  static VF32 WeightScaleSplat(const Weight& w, const float* halves) { return LoadHalfSplat(halves, &w.d); }
};

}  // namespace

float vec_dot_q4_0_q8_0_simd(int64_t n, const void* weights, const void* activations) {
  return DotRow32<LegacyKernel<BlockQ4_0, BlockQ8_0, DotQ4_0, false>>(n, weights, activations);
}
float vec_dot_q5_0_q8_0_simd(int64_t n, const void* weights, const void* activations) {
  return DotRow32<LegacyKernel<BlockQ5_0, BlockQ8_0, DotQ5_0, false>>(n, weights, activations);
}
float vec_dot_q8_0_q8_0_simd(int64_t n, const void* weights, const void* activations) {
  return DotRow32<LegacyKernel<BlockQ8_0, BlockQ8_0, DotQ8_0, false>>(n, weights, activations);
}
float vec_dot_q4_1_q8_1_simd(int64_t n, const void* weights, const void* activations) {
  return DotRow32<LegacyKernel<BlockQ4_1, BlockQ8_1, DotQ4_1, true>>(n, weights, activations);
}
float vec_dot_q5_1_q8_1_simd(int64_t n, const void* weights, const void* activations) {
  return DotRow32<LegacyKernel<BlockQ5_1, BlockQ8_1, DotQ5_1, true>>(n, weights, activations);
}

}  // namespace webgguf
