// SIMD dot products of the low-bit I-quants with Q8_K. Every group of 8 weights is one grid point
// (IQ3: two points of 4), so the weights are fetched with one 8-byte widening load straight from the
// grid table (v128.load8x8 / pmovzxbw) instead of being decoded lane by lane. Signs come from a
// 256-entry table of byte masks (0xFF where the sign bit is set), also one widening load, applied
// as w = (w ^ m) - m. Each sub-block of 32 accumulates in int32 lanes and is scaled once by its
// integer sub-block scale; the block total is reduced exactly and then goes through the same float
// steps as the scalar reference.
#include "kernels/dot_iq_low_bit.h"

#include <cstring>

#include "kernels/simd128-inl.h"
#include "quant/blocks_iq.h"
#include "quant/iq_grids.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

constexpr int kSubBlocks = kQK_K / 32;

// kSignLanes.bytes[s]: 8 bytes, byte j = 0xFF if bit j of s is set (negate element j), else 0.
struct SignLaneTable {
  uint64_t bytes[256];
};
constexpr SignLaneTable MakeSignLanes() {
  SignLaneTable table{};
  for (int s = 0; s < 256; ++s) {
    for (int j = 0; j < 8; ++j) {
      if (s & (1 << j)) table.bytes[s] |= uint64_t{0xFF} << (8 * j);
    }
  }
  return table;
}
constexpr SignLaneTable kSignLanes = MakeSignLanes();

// The 8 magnitudes of a uint64 grid point as int16 lanes.
HWY_INLINE VI16 GridPoint(const uint64_t* grid, uint32_t index) {
  return LoadU8AsI16(reinterpret_cast<const uint8_t*>(grid + index));
}

// Two 4-magnitude IQ3 grid points as one group of 8 int16 lanes.
HWY_INLINE VI16 GridPointPair(const uint32_t* grid, uint32_t first, uint32_t second) {
  const uint64_t bytes = grid[first] | (static_cast<uint64_t>(grid[second]) << 32);
  const VU8 packed = hn::BitCast(DU8(), hn::Set(hn::Full128<uint64_t>(), bytes));
  return hn::PromoteTo(DI16(), hn::LowerHalf(packed));
}

// acc + the dot of 8 magnitudes, negated where `signs` has a bit set, with 8 activations.
HWY_INLINE VI32 SignedGroupDot(VI16 magnitudes, uint8_t signs, const int8_t* q8, VI32 acc) {
  const VI16 negate = LoadI8AsI16(reinterpret_cast<const int8_t*>(&kSignLanes.bytes[signs]));
  const VI16 weights = hn::Sub(hn::Xor(magnitudes, negate), negate);
  return MulAddPairs(weights, LoadI8AsI16(q8), acc);
}

HWY_INLINE VI32 Scaled(VI32 sums, int32_t scale) {
  return hn::Mul(sums, hn::Set(DI32(), scale));
}

HWY_INLINE uint32_t LoadU32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Integer block sum of IQ2_XXS (one 4-bit scale per sub-block in the top of its sign word).
HWY_INLINE int32_t BlockSumIQ2_XXS(const BlockIQ2_XXS& w, const int8_t* q8) {
  VI32 total = hn::Zero(DI32());
  for (int ib = 0; ib < kSubBlocks; ++ib, q8 += 32) {
    const uint32_t indices = LoadU32(w.qs + 4 * ib);
    const uint32_t signs_scale = LoadU32(w.qs + 4 * ib + 2);
    VI32 sums[2] = {hn::Zero(DI32()), hn::Zero(DI32())};
    for (int l = 0; l < 4; ++l) {
      sums[l % 2] = SignedGroupDot(GridPoint(kGridIQ2XXS, (indices >> (8 * l)) & 0xff),
                                   kSignsIQ2XS[(signs_scale >> (7 * l)) & 127], q8 + 8 * l, sums[l % 2]);
    }
    total = hn::Add(total, Scaled(hn::Add(sums[0], sums[1]), 2 * (signs_scale >> 28) + 1));
  }
  return ReduceSum(total);
}

// Integer block sum of IQ2_XS (two 4-bit scales per sub-block: groups 0-1 and 2-3).
HWY_INLINE int32_t BlockSumIQ2_XS(const BlockIQ2_XS& w, const int8_t* q8) {
  VI32 total = hn::Zero(DI32());
  for (int ib = 0; ib < kSubBlocks; ++ib, q8 += 32) {
    VI32 sums[2] = {hn::Zero(DI32()), hn::Zero(DI32())};
    for (int l = 0; l < 4; ++l) {
      const uint16_t q = LoadU16(w.qs + 4 * ib + l);
      sums[l / 2] = SignedGroupDot(GridPoint(kGridIQ2XS, q & 511), kSignsIQ2XS[q >> 9], q8 + 8 * l, sums[l / 2]);
    }
    total = hn::Add(
        total, hn::Add(Scaled(sums[0], 2 * (w.scales[ib] & 0xf) + 1), Scaled(sums[1], 2 * (w.scales[ib] >> 4) + 1)));
  }
  return ReduceSum(total);
}

// Integer block sum of IQ2_S (10-bit indices, explicit sign bytes, two scales per sub-block).
HWY_INLINE int32_t BlockSumIQ2_S(const BlockIQ2_S& w, const int8_t* q8) {
  const uint8_t* signs = w.qs + kQK_K / 8;
  VI32 total = hn::Zero(DI32());
  for (int ib = 0; ib < kSubBlocks; ++ib, q8 += 32) {
    VI32 sums[2] = {hn::Zero(DI32()), hn::Zero(DI32())};
    for (int l = 0; l < 4; ++l) {
      const uint32_t index = w.qs[4 * ib + l] | ((w.qh[ib] << (8 - 2 * l)) & 0x300);
      sums[l / 2] = SignedGroupDot(GridPoint(kGridIQ2S, index), signs[4 * ib + l], q8 + 8 * l, sums[l / 2]);
    }
    total = hn::Add(
        total, hn::Add(Scaled(sums[0], 2 * (w.scales[ib] & 0xf) + 1), Scaled(sums[1], 2 * (w.scales[ib] >> 4) + 1)));
  }
  return ReduceSum(total);
}

// Integer block sum of IQ3_XXS (pairs of 4-magnitude points, 7-bit signs and scale as IQ2_XXS).
HWY_INLINE int32_t BlockSumIQ3_XXS(const BlockIQ3_XXS& w, const int8_t* q8) {
  const uint8_t* scales_and_signs = w.qs + kQK_K / 4;
  VI32 total = hn::Zero(DI32());
  for (int ib = 0; ib < kSubBlocks; ++ib, q8 += 32) {
    const uint32_t signs_scale = LoadU32(scales_and_signs + 4 * ib);
    const uint8_t* qs = w.qs + 8 * ib;
    VI32 sums[2] = {hn::Zero(DI32()), hn::Zero(DI32())};
    for (int l = 0; l < 4; ++l) {
      sums[l % 2] = SignedGroupDot(GridPointPair(kGridIQ3XXS, qs[2 * l], qs[2 * l + 1]),
                                   kSignsIQ2XS[(signs_scale >> (7 * l)) & 127], q8 + 8 * l, sums[l % 2]);
    }
    total = hn::Add(total, Scaled(hn::Add(sums[0], sums[1]), 2 * (signs_scale >> 28) + 1));
  }
  return ReduceSum(total);
}

// Integer block sum of IQ3_S (9-bit indices, sign bytes, one 4-bit scale per sub-block).
HWY_INLINE int32_t BlockSumIQ3_S(const BlockIQ3_S& w, const int8_t* q8) {
  VI32 total = hn::Zero(DI32());
  for (int ib = 0; ib < kSubBlocks; ++ib, q8 += 32) {
    const uint8_t* qs = w.qs + 8 * ib;
    const uint32_t high = w.qh[ib];
    VI32 sums[2] = {hn::Zero(DI32()), hn::Zero(DI32())};
    for (int l = 0; l < 4; ++l) {
      const uint32_t first = qs[2 * l] | ((high << (8 - 2 * l)) & 256);
      const uint32_t second = qs[2 * l + 1] | ((high << (7 - 2 * l)) & 256);
      sums[l % 2] =
          SignedGroupDot(GridPointPair(kGridIQ3S, first, second), w.signs[4 * ib + l], q8 + 8 * l, sums[l % 2]);
    }
    const int scale = ib % 2 ? w.scales[ib / 2] >> 4 : w.scales[ib / 2] & 0xf;
    total = hn::Add(total, Scaled(hn::Add(sums[0], sums[1]), 2 * scale + 1));
  }
  return ReduceSum(total);
}

// The signed int8 grid point of IQ1 as int16 lanes.
HWY_INLINE VI16 SignedGridPoint(uint32_t index) {
  return LoadI8AsI16(reinterpret_cast<const int8_t*>(kGridIQ1S + index));
}

}  // namespace

float vec_dot_iq2_xxs_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const BlockIQ2_XXS*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    sum += LoadHalf(&w[i].d) * LoadF32(&a[i].d) * BlockSumIQ2_XXS(w[i], a[i].qs);
  }
  return 0.125f * sum;
}

float vec_dot_iq2_xs_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const BlockIQ2_XS*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    sum += LoadHalf(&w[i].d) * LoadF32(&a[i].d) * BlockSumIQ2_XS(w[i], a[i].qs);
  }
  return 0.125f * sum;
}

float vec_dot_iq2_s_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const BlockIQ2_S*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    sum += LoadHalf(&w[i].d) * LoadF32(&a[i].d) * BlockSumIQ2_S(w[i], a[i].qs);
  }
  return 0.125f * sum;
}

float vec_dot_iq3_xxs_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const BlockIQ3_XXS*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    sum += LoadHalf(&w[i].d) * LoadF32(&a[i].d) * BlockSumIQ3_XXS(w[i], a[i].qs);
  }
  return 0.25f * sum;
}

float vec_dot_iq3_s_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const BlockIQ3_S*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    sum += LoadHalf(&w[i].d) * LoadF32(&a[i].d) * BlockSumIQ3_S(w[i], a[i].qs);
  }
  return sum;
}

// IQ1_S: x = scale * (grid + delta), delta = +-1/8 per sub-block. The delta part only needs the
// activation sums of each sub-block, which Q8_K already carries (bsums, per 16).
float vec_dot_iq1_s_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const BlockIQ1_S*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const int8_t* q8 = a[i].qs;
    VI32 total = hn::Zero(DI32());
    int32_t delta_sum = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib, q8 += 32) {
      const uint32_t high = LoadU16(w[i].qh + ib);
      VI32 sums[2] = {hn::Zero(DI32()), hn::Zero(DI32())};
      for (int l = 0; l < 4; ++l) {
        const uint32_t index = w[i].qs[4 * ib + l] | (((high >> (3 * l)) & 7) << 8);
        sums[l % 2] = MulAddPairs(SignedGridPoint(index), LoadI8AsI16(q8 + 8 * l), sums[l % 2]);
      }
      const int32_t scale = 2 * ((high >> 12) & 7) + 1;
      total = hn::Add(total, Scaled(hn::Add(sums[0], sums[1]), scale));
      int16_t group_sums[2];
      std::memcpy(group_sums, a[i].bsums + 2 * ib, sizeof(group_sums));
      const int32_t delta = 1 - 2 * static_cast<int32_t>(high >> 15);  // branch-free: the bit is data
      delta_sum += scale * delta * (group_sums[0] + group_sums[1]);
    }
    sum += LoadHalf(&w[i].d) * LoadF32(&a[i].d) * (ReduceSum(total) + kIQ1Delta * delta_sum);
  }
  return sum;
}

// IQ1_M: the delta sign changes every 8 weights, so it is folded into the weights: 8 * grid + delta
// per lane gives 8 * grid_sum + delta_sum in one product. |that| <= 9 * 256 * 128 * 15 < 2^24, so
// it times 1/8 is exactly the reference's grid_sum + delta_sum / 8 in float.
float vec_dot_iq1_m_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const BlockIQ1_M*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint16_t words[4];
    iq1m_scale_words(w[i], words);
    const int8_t* q8 = a[i].qs;
    VI32 total = hn::Zero(DI32());
    for (int ib = 0; ib < kSubBlocks; ++ib, q8 += 32) {
      VI32 sums[2] = {hn::Zero(DI32()), hn::Zero(DI32())};
      for (int l = 0; l < 4; ++l) {
        const uint32_t high = w[i].qh[2 * ib + l / 2];
        const uint32_t index = w[i].qs[4 * ib + l] | ((high << (8 - 4 * (l % 2))) & 0x700);
        // +1, or -1 where the group's delta bit (bit 3 of its nibble) is set; branch-free, as the
        // bits are data.
        const int16_t delta = static_cast<int16_t>(1 - 2 * ((high >> (3 + 4 * (l % 2))) & 1));
        const VI16 eighths = hn::Add(hn::ShiftLeft<3>(SignedGridPoint(index)), hn::Set(DI16(), delta));
        sums[l / 2] = MulAddPairs(eighths, LoadI8AsI16(q8 + 8 * l), sums[l / 2]);
      }
      const int32_t scale0 = 2 * ((words[ib / 2] >> (6 * (ib % 2))) & 7) + 1;
      const int32_t scale1 = 2 * ((words[ib / 2] >> (6 * (ib % 2) + 3)) & 7) + 1;
      total = hn::Add(total, hn::Add(Scaled(sums[0], scale0), Scaled(sums[1], scale1)));
    }
    sum += HalfToFloat(iq1m_super_scale(words)) * LoadF32(&a[i].d) * (static_cast<float>(ReduceSum(total)) * kIQ1Delta);
  }
  return sum;
}

}  // namespace webgguf
