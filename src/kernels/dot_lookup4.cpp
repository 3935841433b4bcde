// SIMD dot products of the 4-bit lookup-table types: IQ4_NL and MXFP4 (32-element blocks, Q8_0
// activations) and IQ4_XS (256-element super-blocks of 8 sub-blocks with 6-bit scales, Q8_K
// activations). The 16 levels sit in one vector; a byte shuffle (i8x16.swizzle / pshufb) turns
// 16 nibbles into 16 int8 weights at once.
#include "kernels/vec_dot.h"

#include "kernels/dot_blocks32-inl.h"
#include "kernels/simd128-inl.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

// Dot of 32 nibble-coded weights (qs[j] low nibble = element j, high = element j+16) mapped
// through `levels`, with 32 int8 activations.
HWY_INLINE VI32 DotLookup32(VI8 levels, const uint8_t* qs, const int8_t* act) {
  const VU8 bytes = hn::LoadU(DU8(), qs);
  const VI8 low = LookupBytes(levels, hn::And(bytes, hn::Set(DU8(), 0x0F)));
  const VI8 high = LookupBytes(levels, hn::ShiftRight<4>(bytes));
  return Dot32(WidenLowerI8(low), WidenUpperI8(low), WidenLowerI8(high), WidenUpperI8(high), act);
}

// d_w * d_a * sum(level[q_w] * q_a) per 32-element block against Q8_0.
template <typename WeightBlock, const int8_t* kLevels>
struct LookupKernel {
  using Weight = WeightBlock;
  using Activation = BlockQ8_0;
  static constexpr bool kHasMin = false;
  static VI32 Dot(const Weight& w, const Activation& a) { return DotLookup32(hn::LoadU(DI8(), kLevels), w.qs, a.qs); }
  static VF32 WeightScaleSplat(const Weight& w, const float* halves);
};

template <>
VF32 LookupKernel<BlockIQ4_NL, kValuesIQ4NL>::WeightScaleSplat(const BlockIQ4_NL& w, const float* halves) {
  return LoadHalfSplat(halves, &w.d);
}
template <>
VF32 LookupKernel<BlockMXFP4, kValuesMXFP4>::WeightScaleSplat(const BlockMXFP4& w, const float*) {
  return hn::Set(DF32(), e8m0_to_fp32_half(w.e));
}

}  // namespace

float vec_dot_iq4_nl_q8_0_simd(int64_t n, const void* weights, const void* activations) {
  return DotRow32<LookupKernel<BlockIQ4_NL, kValuesIQ4NL>>(n, weights, activations);
}

float vec_dot_mxfp4_q8_0_simd(int64_t n, const void* weights, const void* activations) {
  return DotRow32<LookupKernel<BlockMXFP4, kValuesMXFP4>>(n, weights, activations);
}

// Per super-block: sum over sub-blocks of (scale_j - 32) * dot_j in int32 (|total| < 2^28),
// reduced exactly, then one float multiply by d_w * d_a.
float vec_dot_iq4_xs_q8_K_simd(int64_t n, const void* weights, const void* activations) {
  const auto* w = static_cast<const BlockIQ4_XS*>(weights);
  const auto* a = static_cast<const BlockQ8_K*>(activations);
  const VI8 levels = hn::LoadU(DI8(), kValuesIQ4NL);
  const int64_t blocks = n / kQK_K;
  float sum = 0.0f;
  for (int64_t i = 0; i < blocks; ++i) {
    const uint32_t scales_high = LoadU16(&w[i].scales_h);
    VI32 sum0 = hn::Zero(DI32());
    VI32 sum1 = hn::Zero(DI32());
    for (int sub = 0; sub < kQK_K / 32; sub += 2) {
      const uint8_t low = w[i].scales_l[sub / 2];
      const int32_t scale0 = static_cast<int32_t>((low & 0xF) | (((scales_high >> (2 * sub)) & 3) << 4)) - 32;
      const int32_t scale1 = static_cast<int32_t>((low >> 4) | (((scales_high >> (2 * sub + 2)) & 3) << 4)) - 32;
      const VI32 dot0 = DotLookup32(levels, w[i].qs + 16 * sub, a[i].qs + 32 * sub);
      const VI32 dot1 = DotLookup32(levels, w[i].qs + 16 * sub + 16, a[i].qs + 32 * sub + 32);
      sum0 = hn::Add(sum0, hn::Mul(dot0, hn::Set(DI32(), scale0)));
      sum1 = hn::Add(sum1, hn::Mul(dot1, hn::Set(DI32(), scale1)));
    }
    sum += static_cast<float>(ReduceSum(hn::Add(sum0, sum1))) * (LoadHalf(&w[i].d) * LoadF32(&a[i].d));
  }
  return sum;
}

}  // namespace webgguf
