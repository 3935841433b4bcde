// SIMD dot products of the ternary types (TQ1_0, TQ2_0: weights in {-1, 0, 1} times one fp16
// scale per 256) with Q8_K activations. The stored trits are q + 1 in {0, 1, 2}; the -1 is
// applied once per super-block through the activation block sums.
#include "kernels/vec_dot.h"

#include "kernels/simd128-inl.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;
using VU16 = hn::Vec128<uint16_t>;

// Sum of all 256 activations of a block, as 4 int32 lanes.
HWY_INLINE VI32 SumActivations(const BlockQ8_K& a) {
  const VI16 ones = hn::Set(DI16(), 1);
  const VI32 lo = MulAddPairs(hn::LoadU(DI16(), a.bsums), ones, hn::Zero(DI32()));
  return MulAddPairs(hn::LoadU(DI16(), a.bsums + 8), ones, lo);
}

// TQ2_0: element 128*half + 32*l + k is bits 2l..2l+1 of qs[32*half + k].
HWY_INLINE VI32 DotTQ2_0(const BlockTQ2_0& w, const BlockQ8_K& a) {
  const VI16 three = hn::Set(DI16(), 3);
  VI32 sum = hn::Zero(DI32());
  for (int half = 0; half < 2; ++half) {
    VI16 q[4];
    for (int k = 0; k < 4; ++k) q[k] = LoadU8AsI16(w.qs + 32 * half + 8 * k);
    for (int l = 0; l < 4; ++l) {
      sum = hn::Add(sum, Dot32(hn::And(q[0], three), hn::And(q[1], three), hn::And(q[2], three), hn::And(q[3], three),
                               a.qs + 128 * half + 32 * l));
      for (int k = 0; k < 4; ++k) q[k] = hn::ShiftRight<2>(q[k]);
    }
  }
  return sum;
}

// A TQ1_0 byte packs 5 trits as a base-3 fraction of 256: trit l of byte b is
// ((uint8_t)(b * 3^l) * 3) >> 8. In 16-bit lanes, b * (3^l << 8) keeps exactly the low byte of
// b * 3^l in the top byte, so the trit is ((t >> 8) * 3) >> 8.
HWY_INLINE VI16 Trit(VU16 bytes, uint16_t power_of_3) {
  const DU16 du;
  const VU16 t = hn::ShiftRight<8>(hn::Mul(bytes, hn::Set(du, static_cast<uint16_t>(power_of_3 << 8))));
  return hn::BitCast(DI16(), hn::ShiftRight<8>(hn::Mul(t, hn::Set(du, 3))));
}

constexpr uint16_t kPowersOf3[5] = {1, 3, 9, 27, 81};

HWY_INLINE VI32 DotTQ1_0(const BlockTQ1_0& w, const BlockQ8_K& a) {
  const DU16 du;
  VI32 sum = hn::Zero(DI32());
  // qs[0..31]: element 32*l + m is trit l of qs[m].
  VU16 b[4];
  for (int k = 0; k < 4; ++k) b[k] = hn::BitCast(du, LoadU8AsI16(w.qs + 8 * k));
  for (int l = 0; l < 5; ++l) {
    const uint16_t p = kPowersOf3[l];
    sum = hn::Add(sum, Dot32(Trit(b[0], p), Trit(b[1], p), Trit(b[2], p), Trit(b[3], p), a.qs + 32 * l));
  }
  // qs[32..47]: element 160 + 16*l + m is trit l of qs[32 + m].
  const VU16 c0 = hn::BitCast(du, LoadU8AsI16(w.qs + 32));
  const VU16 c1 = hn::BitCast(du, LoadU8AsI16(w.qs + 40));
  for (int l = 0; l < 5; ++l) {
    const uint16_t p = kPowersOf3[l];
    sum = hn::Add(sum, Dot16(Trit(c0, p), Trit(c1, p), a.qs + 160 + 16 * l));
  }
  // qh[0..3]: element 240 + 4*l + j is trit l of qh[j] (16 elements; scalar).
  int32_t tail = 0;
  for (int l = 0; l < 4; ++l) {
    for (int j = 0; j < 4; ++j) {
      const uint8_t q = static_cast<uint8_t>(w.qh[j] * kPowersOf3[l]);
      tail += ((q * 3) >> 8) * a.qs[240 + 4 * l + j];
    }
  }
  return hn::Add(sum, hn::IfThenElseZero(hn::FirstN(DI32(), 1), hn::Set(DI32(), tail)));
}

template <typename Block, VI32 (*BlockDot)(const Block&, const BlockQ8_K&)>
float DotTernary(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const Block*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  const int64_t blocks = n / kQK_K;
  float sum = 0.0f;
  for (int64_t i = 0; i < blocks; ++i) {
    // Exact integer first: sum((q+1)*a) and sum(a) are each much larger than their difference
    // when most trits are 0, so they must cancel before any float rounding.
    const int32_t dot = ReduceSum(hn::Sub(BlockDot(w[i], a[i]), SumActivations(a[i])));
    sum += static_cast<float>(dot) * (LoadHalf(&w[i].d) * LoadF32(&a[i].d));
  }
  return sum;
}

}  // namespace

float vec_dot_tq1_0_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  return DotTernary<BlockTQ1_0, DotTQ1_0>(n, weights, activations);
}
float vec_dot_tq2_0_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  return DotTernary<BlockTQ2_0, DotTQ2_0>(n, weights, activations);
}

}  // namespace webgguf
