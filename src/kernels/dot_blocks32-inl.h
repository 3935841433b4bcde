// Row driver shared by the 32-element block types (Q4_0..Q8_0, IQ4_NL, MXFP4).
//
// Types with a min: each block's integer dot is reduced to one exact int32, then scaled like the
// scalar reference does it:
//   block term = float(sum_i q_w * q_a) * (d_w * d_a) + m_w * s_a
// so that rounding is the reference's per block, and cancellation between a block's scaled sum
// and its min term happens before accumulation (the weights' mins can make both terms much
// larger than the block's true contribution).
#pragma once
#include <cstdint>

#include "kernels/simd128-inl.h"

namespace webgguf::simd {

// Kernel provides: types Weight and Activation (BlockQ8_0 or BlockQ8_1);
//   static VI32 Dot(const Weight&, const Activation&)   4 partial int32 sums of a block;
//   static constexpr bool kHasMin                        Weight has fp16 `m`, Activation has `s`;
//   without a min: static VF32 WeightScaleSplat(const Weight&, const float* halves)  d_w in all lanes;
//   with a min:    static float WeightScale(const Weight&, const float* halves)      d_w.
template <typename Kernel>
HWY_INLINE float DotRow32(int64_t n, const void* weights, const void* activations) {
  using Weight = typename Kernel::Weight;
  using Activation = typename Kernel::Activation;
  // Blocks are walked through byte pointers (see BlockAt in simd128-inl.h), and the loop runs
  // on the weight pointer alone: a separate block counter costs V8 a register, and the weight
  // pointer then lives on the stack.
  const auto* w = static_cast<const uint8_t*>(weights);
  const auto* a = static_cast<const uint8_t*>(activations);
  const uint8_t* const w_end = w + n / 32 * sizeof(Weight);
  const float* halves = HalfToFloatTable();
  if constexpr (!Kernel::kHasMin) {
    // Without a min there is no cancellation to protect: ggml's lean structure (per-lane float
    // accumulation, within float rounding of sum |w * a|) runs fastest in V8.
    const DF32 df;
    VF32 acc = hn::Zero(df);
    for (; w != w_end; w += sizeof(Weight), a += sizeof(Activation)) {
      const Weight& wb = BlockAt<Weight>(w);
      const Activation& ab = BlockAt<Activation>(a);
      // Scales splat by their loads: a scalar product splat afterwards costs V8 a shuffle.
      const VF32 scale = hn::Mul(Kernel::WeightScaleSplat(wb, halves), LoadHalfSplat(halves, &ab.d));
      acc = hn::MulAdd(hn::ConvertTo(df, Kernel::Dot(wb, ab)), scale, acc);
    }
    return ReduceSum(acc);
  } else {
    // One block at a time: in V8 this beats reducing 4 blocks together, whose unrolled body
    // spills.
    float sum = 0.0f;
    for (; w != w_end; w += sizeof(Weight), a += sizeof(Activation)) {
      const Weight& wb = BlockAt<Weight>(w);
      const Activation& ab = BlockAt<Activation>(a);
      const float scale = Kernel::WeightScale(wb, halves) * LoadHalf(halves, &ab.d);
      sum += static_cast<float>(ReduceSum(Kernel::Dot(wb, ab))) * scale +
             LoadHalf(halves, &wb.m) * LoadHalf(halves, &ab.s);
    }
    return sum;
  }
}

}  // namespace webgguf::simd
