// Shared pieces of the multi-token kernels (vec_dot_tokens.h): the activation row pointers of a
// call, dot-accumulate steps, the kernel of the 32-element block types without a min, and the
// dispatch from a run-time token count to a kernel compiled for that count (so every token's
// accumulator is a register, not an indexed array in memory).
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/simd128-inl.h"
#include "kernels/vec_dot_tokens.h"
#include "quant/blocks.h"

namespace webgguf::simd {

// Row t of the activations, viewed as blocks of the vec_dot type.
template <typename Block, int kTokens>
struct TokenRows {
  const Block* rows[kTokens];
  TokenRows(const uint8_t* activations, size_t row_bytes) {
    for (int t = 0; t < kTokens; ++t) rows[t] = reinterpret_cast<const Block*>(activations + t * row_bytes);
  }
  const Block& block(int t, int64_t i) const { return rows[t][i]; }
};

// acc + dot(w, act[0..32)) as 4 int32 lanes, the 32 int16 weights in element order. Chained into
// the accumulator: the independent tokens of a call supply the parallel chains.
HWY_INLINE VI32 DotAccumulate32(VI16 w0, VI16 w1, VI16 w2, VI16 w3, const int8_t* act, VI32 acc) {
  const VI8 a0 = hn::LoadU(DI8(), act);
  const VI8 a1 = hn::LoadU(DI8(), act + 16);
  acc = MulAddPairs(w0, WidenLowerI8(a0), acc);
  acc = MulAddPairs(w1, WidenUpperI8(a0), acc);
  acc = MulAddPairs(w2, WidenLowerI8(a1), acc);
  return MulAddPairs(w3, WidenUpperI8(a1), acc);
}

// acc + dot(w, act[0..16)) as 4 int32 lanes.
HWY_INLINE VI32 DotAccumulate16(VI16 w0, VI16 w1, const int8_t* act, VI32 acc) {
  return MulAddPairs(w1, LoadI8AsI16(act + 8), MulAddPairs(w0, LoadI8AsI16(act), acc));
}

// A 32-element block's quants as int16 lanes, in element order.
struct Quants32 {
  VI16 w0, w1, w2, w3;
};

// Multi-token kernel of a 32-element block type without a min against Q8_0, the single-row
// kernel's epilogue (dot_blocks32-inl.h): per-lane float accumulation of
// float(int32 lane sums) * (d_w * d_a). Unpacker provides type Weight (with an fp16 `d`) and
// static Quants32 Unpack(const Weight&).
template <typename Unpacker>
struct Blocks32Kernel {
  template <int kTokens>
  static void Run(int64_t n, const void* weights, const uint8_t* activations, size_t row_bytes, float* out,
                  int64_t out_stride) {
    using Weight = typename Unpacker::Weight;
    const auto* w = static_cast<const Weight*>(weights);
    const TokenRows<BlockQ8_0, kTokens> a(activations, row_bytes);
    const int64_t blocks = n / 32;
    const DF32 df;
    const float* halves = HalfToFloatTable();
    VF32 acc[kTokens];
    for (int t = 0; t < kTokens; ++t) acc[t] = hn::Zero(df);
    for (int64_t i = 0; i < blocks; ++i) {
      const Quants32 q = Unpacker::Unpack(w[i]);
      const float weight_scale = LoadHalf(halves, &w[i].d);
      for (int t = 0; t < kTokens; ++t) {
        const BlockQ8_0& block = a.block(t, i);
        const float scale = weight_scale * LoadHalf(halves, &block.d);
        const VI32 sums = DotAccumulate32(q.w0, q.w1, q.w2, q.w3, block.qs, hn::Zero(DI32()));
        acc[t] = hn::MulAdd(hn::ConvertTo(df, sums), hn::Set(df, scale), acc[t]);
      }
    }
    for (int t = 0; t < kTokens; ++t) out[t * out_stride] = ReduceSum(acc[t]);
  }
};

// Kernel::Run<kTokens>(n, weights, activations, activation_row_bytes, out, out_stride).
template <typename Kernel>
HWY_INLINE void DispatchTokens(int64_t n, const void* weights, const uint8_t* activations, size_t row_bytes,
                               int n_tokens, float* out, int64_t out_stride) {
  static_assert(kMaxDotTokens == 4, "one case per token count");
  switch (n_tokens) {
    case 1: Kernel::template Run<1>(n, weights, activations, row_bytes, out, out_stride); return;
    case 2: Kernel::template Run<2>(n, weights, activations, row_bytes, out, out_stride); return;
    case 3: Kernel::template Run<3>(n, weights, activations, row_bytes, out, out_stride); return;
    case 4: Kernel::template Run<4>(n, weights, activations, row_bytes, out, out_stride); return;
    default: return;
  }
}

}  // namespace webgguf::simd
