// Multi-token dot products of the 4-bit lookup-table types IQ4_NL (32-element blocks, Q8_0
// activations) and IQ4_XS (256-element super-blocks of 8 sub-blocks with 6-bit scales, Q8_K
// activations). A byte shuffle maps 16 nibbles to 16 int8 levels; per block this happens once for
// all tokens. Same integer sums and float epilogues as dot_lookup4.cpp, so bit-identical results.
#include "kernels/dot_tokens-inl.h"
#include "kernels/simd128-inl.h"
#include "kernels/vec_dot_tokens.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

// 32 nibble-coded weights (qs[j] low nibble = element j, high = element j+16) through `levels`.
HWY_INLINE Quants32 LookupQuants32(VI8 levels, const uint8_t* qs) {
  const VU8 bytes = hn::LoadU(DU8(), qs);
  const VI8 low = LookupBytes(levels, hn::And(bytes, hn::Set(DU8(), 0x0F)));
  const VI8 high = LookupBytes(levels, hn::ShiftRight<4>(bytes));
  return {WidenLowerI8(low), WidenUpperI8(low), WidenLowerI8(high), WidenUpperI8(high)};
}

struct UnpackIQ4_NL {
  using Weight = BlockIQ4_NL;
  static Quants32 Unpack(const BlockIQ4_NL& w) { return LookupQuants32(hn::LoadU(DI8(), kValuesIQ4NL), w.qs); }
};

// Per super-block: sum over sub-blocks of (scale_j - 32) * dot_j in int32, reduced exactly, then
// one float multiply by d_w * d_a. The scale is applied to the int16 levels (|level * scale| <=
// 127 * 32 fits int16) so that each token costs only its loads and pmaddwd.
struct IQ4_XSKernel {
  template <int kTokens>
  static void Run(int64_t n, const void* weights, const uint8_t* activations, size_t row_bytes, float* out,
                  int64_t out_stride) {
    const auto* w = static_cast<const BlockIQ4_XS*>(weights);
    const TokenRows<BlockQ8_K, kTokens> a(activations, row_bytes);
    const VI8 levels = hn::LoadU(DI8(), kValuesIQ4NL);
    const int64_t blocks = n / kQK_K;
    float total[kTokens] = {};
    for (int64_t i = 0; i < blocks; ++i) {
      const uint32_t scales_high = LoadU16(&w[i].scales_h);
      VI32 sum[kTokens];
      for (int t = 0; t < kTokens; ++t) sum[t] = hn::Zero(DI32());
      WEBGGUF_NO_UNROLL
      for (int sub = 0; sub < kQK_K / 32; ++sub) {
        const uint8_t low = w[i].scales_l[sub / 2];
        const uint32_t low_bits = sub % 2 == 0 ? (low & 0xF) : (low >> 4);
        const int32_t scale = static_cast<int32_t>(low_bits | (((scales_high >> (2 * sub)) & 3) << 4)) - 32;
        const VI16 scale16 = hn::Set(DI16(), static_cast<int16_t>(scale));
        const Quants32 q = LookupQuants32(levels, w[i].qs + 16 * sub);
        const VI16 w0 = hn::Mul(q.w0, scale16), w1 = hn::Mul(q.w1, scale16);
        const VI16 w2 = hn::Mul(q.w2, scale16), w3 = hn::Mul(q.w3, scale16);
        for (int t = 0; t < kTokens; ++t) {
          sum[t] = DotAccumulate32(w0, w1, w2, w3, a.block(t, i).qs + 32 * sub, sum[t]);
        }
      }
      const float d = LoadHalf(&w[i].d);
      for (int t = 0; t < kTokens; ++t) {
        total[t] += static_cast<float>(ReduceSum(sum[t])) * (d * LoadF32(&a.block(t, i).d));
      }
    }
    for (int t = 0; t < kTokens; ++t) out[t * out_stride] = total[t];
  }
};

}  // namespace

void dot_tokens_iq4_nl(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                       int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Blocks32Kernel<UnpackIQ4_NL>>(n, weights, activations, activation_row_bytes, n_tokens, out,
                                               out_stride);
}
void dot_tokens_iq4_xs(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                       int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<IQ4_XSKernel>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}

}  // namespace webgguf
