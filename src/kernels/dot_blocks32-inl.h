// Row driver shared by the 32-element block types (Q4_0..Q8_0, IQ4_NL, MXFP4).
//
// Types with a min: each block's integer dot is reduced to one exact int32 (four blocks at a
// time with a transposed horizontal sum), then scaled like the scalar reference does it:
//   block term = float(sum_i q_w * q_a) * (d_w * d_a) [+ m_w * s_a for the types with a min]
// so that rounding is the reference's per block, and cancellation between a block's scaled sum
// and its min term happens before accumulation (the weights' mins can make both terms much
// larger than the block's true contribution). The fp16 scales of 4 blocks convert together.
#pragma once
#include <cstdint>

#include "kernels/simd128-inl.h"

namespace webgguf::simd {

// fp16 field at the same offset in 4 consecutive blocks -> 4 floats.
template <typename Block>
HWY_INLINE VF32 HalfFields4(const Block* b, const uint16_t Block::*field) {
  return HalvesToFloats(MakeU32x4(LoadU16(&(b[0].*field)), LoadU16(&(b[1].*field)),
                                  LoadU16(&(b[2].*field)), LoadU16(&(b[3].*field))));
}

// Kernel provides: types Weight and Activation (BlockQ8_0 or BlockQ8_1);
//   static VI32 Dot(const Weight&, const Activation&)   4 partial int32 sums of a block;
//   static VF32 WeightScales4(const Weight*)            d_w of 4 consecutive blocks;
//   static float WeightScale(const Weight&, const float* halves)   d_w of one block;
//   static constexpr bool kHasMin                        Weight has fp16 `m`, Activation has `s`.
template <typename Kernel>
HWY_INLINE float DotRow32(int64_t n, const void* weights, const void* activations) {
  using Weight = typename Kernel::Weight;
  using Activation = typename Kernel::Activation;
  const auto* w = static_cast<const Weight*>(weights);
  const auto* a = static_cast<const Activation*>(activations);
  const int64_t blocks = n / 32;
  const DF32 df;
  VF32 acc = hn::Zero(df);
  int64_t i = 0;
  const float* halves = HalfToFloatTable();
  if constexpr (!Kernel::kHasMin) {
    // Without a min there is no cancellation to protect: ggml's lean structure (per-lane float
    // accumulation, within float rounding of sum |w * a|) runs fastest in V8.
    for (; i < blocks; ++i) {
      const float scale = Kernel::WeightScale(w[i], halves) * LoadHalf(halves, &a[i].d);
      acc = hn::MulAdd(hn::ConvertTo(df, Kernel::Dot(w[i], a[i])), hn::Set(df, scale), acc);
    }
    return ReduceSum(acc);
  }
  for (; i + 4 <= blocks; i += 4) {
    const VI32 sums = ReduceSum4(Kernel::Dot(w[i], a[i]), Kernel::Dot(w[i + 1], a[i + 1]),
                                 Kernel::Dot(w[i + 2], a[i + 2]), Kernel::Dot(w[i + 3], a[i + 3]));
    const VF32 scales = hn::Mul(Kernel::WeightScales4(w + i), HalfFields4(a + i, &Activation::d));
    VF32 terms = hn::Mul(hn::ConvertTo(df, sums), scales);
    if constexpr (Kernel::kHasMin) {
      terms = hn::Add(terms, hn::Mul(HalfFields4(w + i, &Weight::m), HalfFields4(a + i, &Activation::s)));
    }
    acc = hn::Add(acc, terms);
  }
  float tail = 0.0f;
  for (; i < blocks; ++i) {
    const float scale = Kernel::WeightScale(w[i], halves) * LoadHalf(halves, &a[i].d);
    float term = static_cast<float>(ReduceSum(Kernel::Dot(w[i], a[i]))) * scale;
    if constexpr (Kernel::kHasMin) term += LoadHalf(&w[i].m) * LoadHalf(&a[i].s);
    tail += term;
  }
  return ReduceSum(acc) + tail;
}

}  // namespace webgguf::simd
