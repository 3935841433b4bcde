// SIMD dot products of the K-quants (Q2_K..Q6_K, 256-element super-blocks) with Q8_K activations.
//
// Quants are cut from their bit fields with shifts and masks, either in int16 lanes widened
// straight from memory (Q2_K, Q4_K) or, where several fields combine (Q3_K, Q5_K, Q6_K), 16 at a
// time at byte level and widened after; pmaddwd multiplies them with the activations (widened
// from memory). Sub-block sums stay in int32 lanes, are multiplied by their integer scales (kept
// in scalar registers), and are reduced to one exact integer per super-block before the float
// super-block scale applies. Constant offsets of the quants (Q3_K's -4, Q6_K's -32) and the mins
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
  // Running pointers keep every load's offset a constant of the instruction (see BlockAt).
  const uint8_t* q2 = w.qs;
  const int8_t* q8 = a.qs;
  const uint8_t* scales = w.scales;
  WEBGGUF_NO_UNROLL
  for (int half = 0; half < 2; ++half, q2 += 32) {
    // Element 128*half + 32*j + l is bits 2j..2j+1 of qs[32*half + l].
    VI16 q0 = LoadU8AsI16(q2), q1 = LoadU8AsI16(q2 + 8);
    VI16 q2v = LoadU8AsI16(q2 + 16), q3 = LoadU8AsI16(q2 + 24);
    // Rolled as well: unrolled, V8 hoists all 16 activation loads and spills them.
    WEBGGUF_NO_UNROLL
    for (int j = 0; j < 4; ++j, q8 += 32, scales += 2) {
      const VI32 first = Dot16(hn::And(q0, three), hn::And(q1, three), q8);
      const VI32 second = Dot16(hn::And(q2v, three), hn::And(q3, three), q8 + 16);
      sum = ScaleSum(first, scales[0] & 0xF, sum);
      sum = ScaleSum(second, scales[1] & 0xF, sum);
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
  return d * static_cast<float>(ReduceSum(sum)) - dmin * static_cast<float>(ReduceSum(BsumsDot(a, mins_lo, mins_hi)));
}

// ---- Q3_K: 16 groups of 16, q = 2 low bits + high bit - 4, 6-bit scales - 32 ----
// The 16 scales (still + 32) as the bytes of two 64-bit words, scale g in bits 8(g % 8).. of
// word g / 8: read with shifts in the group loop, as a byte array would live in memory.
struct Q3_KScales {
  uint64_t words[2];
};
HWY_INLINE Q3_KScales UnpackQ3_KScales(const uint8_t packed[12]) {
  // Bytes 0-7: low nibbles = low bits of scales 0-7, high nibbles of scales 8-15; bytes 8-11:
  // 2-bit pairs = high bits of scales (0,4,8,12), (1,5,9,13), ... in pair order 0..3.
  uint32_t aux[3];
  std::memcpy(aux, packed, 12);
  constexpr uint32_t kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  const uint32_t s0 = (aux[0] & kLow4) | (((aux[2] >> 0) & kLow2) << 4);
  const uint32_t s1 = (aux[1] & kLow4) | (((aux[2] >> 2) & kLow2) << 4);
  const uint32_t s2 = ((aux[0] >> 4) & kLow4) | (((aux[2] >> 4) & kLow2) << 4);
  const uint32_t s3 = ((aux[1] >> 4) & kLow4) | (((aux[2] >> 6) & kLow2) << 4);
  return {{s0 | static_cast<uint64_t>(s1) << 32, s2 | static_cast<uint64_t>(s3) << 32}};
}

HWY_INLINE float DotQ3_K(const BlockQ3_K& w, const BlockQ8_K& a, float a_scale, const float* halves) {
  const Q3_KScales scales = UnpackQ3_KScales(w.scales);
  // The 3-bit quants are assembled 16 at a time at byte level and widened after.
  const DU8 du8;
  const VU8 three = hn::Set(du8, 3);
  const VU8 one = hn::Set(du8, 1);
  // High bit of element 128*half + 32*j + l is bit 4*half + j of hmask[l]; a running right
  // shift by 1 brings it to bit 0 (bits a 16-bit shift moves in from the neighbouring byte
  // arrive from the top and never reach bit 0 within the 8 steps).
  VU8 h0 = hn::LoadU(du8, w.hmask);
  VU8 h1 = hn::LoadU(du8, w.hmask + 16);
  VI32 sum = hn::Zero(DI32());
  // Running pointers keep every load's offset a constant of the instruction (see BlockAt).
  const uint8_t* q3 = w.qs;
  const int8_t* q8 = a.qs;
  uint64_t half_scales = scales.words[0];
  WEBGGUF_NO_UNROLL
  for (int half = 0; half < 2; ++half, q3 += 32, q8 += 128, half_scales = scales.words[1]) {
    // Element 128*half + 32*j + l: bits 2j..2j+1 of qs[32*half + l], brought to bits 0..1 by a
    // running right shift by 2 (again the bits moved in from the neighbour stay above bit 1).
    VU8 q0 = hn::LoadU(du8, q3);
    VU8 q1 = hn::LoadU(du8, q3 + 16);
    // Rolled as well: unrolled, V8 hoists all 16 activation loads and spills them.
    const int8_t* q8j = q8;
    uint64_t group_scales = half_scales;
    WEBGGUF_NO_UNROLL
    for (int j = 0; j < 4; ++j, q8j += 32, group_scales >>= 16) {
      const VU8 w0 = hn::Or(hn::And(q0, three), ShiftBytesLeftUnmasked<2>(hn::And(h0, one)));
      const VU8 w1 = hn::Or(hn::And(q1, three), ShiftBytesLeftUnmasked<2>(hn::And(h1, one)));
      const VI32 first = Dot16(WidenLowerU8(w0), WidenUpperU8(w0), q8j);
      const VI32 second = Dot16(WidenLowerU8(w1), WidenUpperU8(w1), q8j + 16);
      sum = ScaleSum(first, static_cast<int32_t>(group_scales & 0xFF) - 32, sum);
      sum = ScaleSum(second, static_cast<int32_t>((group_scales >> 8) & 0xFF) - 32, sum);
      q0 = ShiftBytesRightUnmasked<2>(q0);
      q1 = ShiftBytesRightUnmasked<2>(q1);
      h0 = ShiftBytesRightUnmasked<1>(h0);
      h1 = ShiftBytesRightUnmasked<1>(h1);
    }
  }
  // The stored quants are q + 4 (0..7): subtract 4 * sum_g scale_g * bsum_g.
  const VI8 scale_bytes = hn::Sub(
      hn::BitCast(DI8(),
                  MakeU32x4(static_cast<uint32_t>(scales.words[0]), static_cast<uint32_t>(scales.words[0] >> 32),
                            static_cast<uint32_t>(scales.words[1]), static_cast<uint32_t>(scales.words[1] >> 32))),
      hn::Set(DI8(), 32));
  const VI32 offset = BsumsDot(a, WidenLowerI8(scale_bytes), WidenUpperI8(scale_bytes));
  sum = hn::Sub(sum, hn::ShiftLeft<2>(offset));
  return LoadHalf(halves, &w.d) * a_scale * static_cast<float>(ReduceSum(sum));
}

// ---- Q4_K / Q5_K: 8 groups of 32, 6-bit scales and mins packed in 12 bytes ----
// The 8 scales as the bytes of one 64-bit word (scale g in bits 8g..8g+7), read with shifts in
// the group loop: a byte array would live in the wasm stack in memory. The 8 mins as int16 lanes.
struct ScalesMins {
  uint64_t scales;
  VI16 mins;
};
HWY_INLINE ScalesMins UnpackScalesMins(const uint8_t packed[12]) {
  // Bytes 0-3: low 6 bits = scales 0-3, top 2 bits = high bits of scales 4-7; bytes 4-7 the same
  // for the mins; bytes 8-11: low nibble = low bits of scales 4-7, high nibble of mins 4-7.
  uint32_t word[3];
  std::memcpy(word, packed, 12);
  constexpr uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  const uint32_t scales_lo = word[0] & kLow6;
  const uint32_t scales_hi = (word[2] & kLow4) | (((word[0] >> 6) & kLow2) << 4);
  const uint32_t mins_lo = word[1] & kLow6;
  const uint32_t mins_hi = ((word[2] >> 4) & kLow4) | (((word[1] >> 6) & kLow2) << 4);
  const VU8 min_bytes = hn::BitCast(DU8(), MakeU32x4(mins_lo, mins_hi, 0, 0));
  return {scales_lo | static_cast<uint64_t>(scales_hi) << 32,
          hn::BitCast(DI16(), hn::PromoteTo(DU16(), hn::LowerHalf(min_bytes)))};
}

// The mins meet the activations through bsums: group g of 32 covers bsums 2g and 2g+1.
HWY_INLINE VI32 MinsDot(const BlockQ8_K& a, VI16 mins) {
  return BsumsDot(a, hn::InterleaveLower(DI16(), mins, mins), hn::InterleaveUpper(DI16(), mins, mins));
}

// Q4_K: sum_g scale_g * dot(group g of 32 nibbles, its activations), as 4 int32 lanes.
HWY_INLINE VI32 DotNibbleGroups(const uint8_t* qs, const int8_t* q8, uint64_t scales) {
  const VI16 mask = hn::Set(DI16(), 0x0F);
  VI32 sum = hn::Zero(DI32());
  // Running pointers keep every load's offset a constant of the instruction (see BlockAt).
  WEBGGUF_NO_UNROLL
  for (int j = 0; j < 4; ++j, qs += 32, q8 += 64, scales >>= 16) {
    // qs[l]: low nibble = element l (group 2j), high = element 32 + l (group 2j + 1).
    VI16 low[4], high[4];
    for (int k = 0; k < 4; ++k) {
      const VI16 bytes = LoadU8AsI16(qs + 8 * k);
      low[k] = hn::And(bytes, mask);
      high[k] = hn::ShiftRight<4>(bytes);
    }
    sum = ScaleSum(Dot32Widening(low[0], low[1], low[2], low[3], q8), static_cast<int32_t>(scales & 0xFF), sum);
    sum = ScaleSum(Dot32Widening(high[0], high[1], high[2], high[3], q8 + 32),
                   static_cast<int32_t>((scales >> 8) & 0xFF), sum);
  }
  return sum;
}

// Q5_K: the same with the fifth bits from qh. The 5-bit quants are assembled 16 at a time at
// byte level and widened after: half the operations of assembling them in int16 lanes.
HWY_INLINE VI32 DotNibbleGroupsHighBit(const uint8_t* qs, const uint8_t* qh, const int8_t* q8, uint64_t scales) {
  const DU8 du8;
  const VU8 low4 = hn::Set(du8, 0x0F);
  const VU8 bit4 = hn::Set(du8, 0x10);
  // Bit 2j of qh[l] is the fifth bit of element l of group 2j, bit 2j+1 that of group 2j + 1;
  // a running right shift by 2 brings them to bits 0 and 1 (the bits a 16-bit shift moves in
  // from the neighbouring byte stay above bit 1).
  VU8 h0 = hn::LoadU(du8, qh);
  VU8 h1 = hn::LoadU(du8, qh + 16);
  VI32 sum = hn::Zero(DI32());
  WEBGGUF_NO_UNROLL
  for (int j = 0; j < 4; ++j, qs += 32, q8 += 64, scales >>= 16) {
    const VU8 b0 = hn::LoadU(du8, qs);
    const VU8 b1 = hn::LoadU(du8, qs + 16);
    const VU8 low0 = hn::Or(hn::And(b0, low4), hn::And(ShiftBytesLeftUnmasked<4>(h0), bit4));
    const VU8 low1 = hn::Or(hn::And(b1, low4), hn::And(ShiftBytesLeftUnmasked<4>(h1), bit4));
    const VU8 high0 =
        hn::Or(hn::And(ShiftBytesRightUnmasked<4>(b0), low4), hn::And(ShiftBytesLeftUnmasked<3>(h0), bit4));
    const VU8 high1 =
        hn::Or(hn::And(ShiftBytesRightUnmasked<4>(b1), low4), hn::And(ShiftBytesLeftUnmasked<3>(h1), bit4));
    sum = ScaleSum(Dot32Widening(WidenLowerU8(low0), WidenUpperU8(low0), WidenLowerU8(low1), WidenUpperU8(low1), q8),
                   static_cast<int32_t>(scales & 0xFF), sum);
    sum = ScaleSum(
        Dot32Widening(WidenLowerU8(high0), WidenUpperU8(high0), WidenLowerU8(high1), WidenUpperU8(high1), q8 + 32),
        static_cast<int32_t>((scales >> 8) & 0xFF), sum);
    h0 = ShiftBytesRightUnmasked<2>(h0);
    h1 = ShiftBytesRightUnmasked<2>(h1);
  }
  return sum;
}

template <typename Block>
HWY_INLINE float DotQ45_K(const Block& w, const BlockQ8_K& a, float a_scale, const float* halves) {
  const ScalesMins sm = UnpackScalesMins(w.scales);
  VI32 sum;
  if constexpr (std::is_same_v<Block, BlockQ5_K>) {
    sum = DotNibbleGroupsHighBit(w.qs, w.qh, a.qs, sm.scales);
  } else {
    sum = DotNibbleGroups(w.qs, a.qs, sm.scales);
  }
  return LoadHalf(halves, &w.d) * a_scale * static_cast<float>(ReduceSum(sum)) -
         LoadHalf(halves, &w.dmin) * a_scale * static_cast<float>(ReduceSum(MinsDot(a, sm.mins)));
}

// ---- Q6_K: 16 groups of 16, q = 4 low bits (ql) + 2 high bits (qh) - 32, int8 scales ----
HWY_INLINE float DotQ6_K(const BlockQ6_K& w, const BlockQ8_K& a, float a_scale, const float* halves) {
  const DU8 du8;
  const VU8 mask4 = hn::Set(du8, 0x0F);
  const VU8 mask_high = hn::Set(du8, 0x30);
  VI32 sum = hn::Zero(DI32());
  // Element 128*half + 32*part + l (l < 32) for part 0..3 takes its low bits from ql[l]
  // (parts 0, 2: low/high nibble) or ql[l + 32] (parts 1, 3) and bits 2*part.. of qh[l], with
  // ql, qh the half's. One rolled iteration covers l in 16*pair .. 16*pair + 15 of every part
  // (one scale group each); running pointers keep load offsets constant (see BlockAt). The
  // 6-bit quants are assembled 16 at a time at byte level (bits that a 16-bit shift moves
  // across bytes are masked off) and widened after.
  const uint8_t* ql = w.ql;
  const uint8_t* qh = w.qh;
  const int8_t* q8 = a.qs;
  const int8_t* sc = w.scales;
  WEBGGUF_NO_UNROLL
  for (int step = 0; step < 4; ++step) {
    const VU8 a_bytes = hn::LoadU(du8, ql);
    const VU8 b_bytes = hn::LoadU(du8, ql + 32);
    const VU8 h = hn::LoadU(du8, qh);
    const VU8 part0 = hn::Or(hn::And(a_bytes, mask4), hn::And(ShiftBytesLeftUnmasked<4>(h), mask_high));
    sum = ScaleSum(Dot16(WidenLowerU8(part0), WidenUpperU8(part0), q8), sc[0], sum);
    const VU8 part1 = hn::Or(hn::And(b_bytes, mask4), hn::And(ShiftBytesLeftUnmasked<2>(h), mask_high));
    sum = ScaleSum(Dot16(WidenLowerU8(part1), WidenUpperU8(part1), q8 + 32), sc[2], sum);
    const VU8 part2 = hn::Or(hn::And(ShiftBytesRightUnmasked<4>(a_bytes), mask4), hn::And(h, mask_high));
    sum = ScaleSum(Dot16(WidenLowerU8(part2), WidenUpperU8(part2), q8 + 64), sc[4], sum);
    const VU8 part3 =
        hn::Or(hn::And(ShiftBytesRightUnmasked<4>(b_bytes), mask4), hn::And(ShiftBytesRightUnmasked<2>(h), mask_high));
    sum = ScaleSum(Dot16(WidenLowerU8(part3), WidenUpperU8(part3), q8 + 96), sc[6], sum);
    // Next pair of the half, or the first pair of the next half.
    const bool half_done = step & 1;
    ql += half_done ? 64 - 16 : 16;
    qh += half_done ? 32 - 16 : 16;
    q8 += half_done ? 128 - 16 : 16;
    sc += half_done ? 8 - 1 : 1;
  }
  // The stored quants are q + 32: subtract 32 * sum_g scale_g * bsum_g.
  const VI32 offset = BsumsDot(a, LoadI8AsI16(w.scales), LoadI8AsI16(w.scales + 8));
  sum = hn::Sub(sum, hn::ShiftLeft<5>(offset));
  return LoadHalf(halves, &w.d) * a_scale * static_cast<float>(ReduceSum(sum));
}

// Each super-block's integer sums are reduced exactly before the float scales apply.
template <typename Block, float (*BlockDot)(const Block&, const BlockQ8_K&, float, const float*)>
float DotSuperBlocks(int64_t n, const void* weights, const void* activations) {
  // Byte pointers and an end pointer: see BlockAt in simd128-inl.h.
  const auto* w = static_cast<const uint8_t*>(weights);
  const auto* a = static_cast<const uint8_t*>(activations);
  const uint8_t* const w_end = w + n / kQK_K * sizeof(Block);
  const float* halves = HalfToFloatTable();
  float sum = 0.0f;
  for (; w != w_end; w += sizeof(Block), a += sizeof(BlockQ8_K)) {
    const BlockQ8_K& ab = BlockAt<BlockQ8_K>(a);
    sum += BlockDot(BlockAt<Block>(w), ab, LoadF32(&ab.d), halves);
  }
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
