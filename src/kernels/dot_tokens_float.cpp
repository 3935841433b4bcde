// Multi-token dot products of F16 and BF16 weight rows with activations of the same type. Each 8
// weights are widened to f32 once for all tokens (the single-row kernel widens them once per
// token); the accumulation is dot_float.cpp's, lane for lane: two f32 accumulators over steps of
// 8, a step of 4, their sum reduced, then the scalar tail.
#include "core/fp16.h"
#include "kernels/dot_tokens-inl.h"
#include "kernels/simd128-inl.h"
#include "kernels/vec_dot_tokens.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

struct HalfFormat {
  // 8 halves -> two float vectors (elements 0..3, 4..7).
  static void load8(const uint16_t* p, VF32& lo, VF32& hi) {
    const auto v = hn::LoadU(DU16(), p);
    const auto zero = hn::Zero(DU16());
    lo = HalvesToFloats(hn::ZipLower(DU32(), v, zero));
    hi = HalvesToFloats(hn::ZipUpper(DU32(), v, zero));
  }
  static VF32 load4(const uint16_t* p) {
    return HalvesToFloats(hn::PromoteTo(DU32(), hn::LoadU(hn::Rebind<uint16_t, DU32>(), p)));
  }
  static float to_float(uint16_t h) { return HalfToFloat(h); }
};

// A bfloat16 is the top half of a float.
struct Bf16Format {
  static void load8(const uint16_t* p, VF32& lo, VF32& hi) {
    const auto v = hn::LoadU(DU16(), p);
    const auto zero = hn::Zero(DU16());
    lo = hn::BitCast(DF32(), hn::ZipLower(DU32(), zero, v));
    hi = hn::BitCast(DF32(), hn::ZipUpper(DU32(), zero, v));
  }
  static VF32 load4(const uint16_t* p) {
    const auto wide = hn::PromoteTo(DU32(), hn::LoadU(hn::Rebind<uint16_t, DU32>(), p));
    return hn::BitCast(DF32(), hn::ShiftLeft<16>(wide));
  }
  static float to_float(uint16_t h) { return bf16_to_fp32(h); }
};

template <typename Format>
struct HalfRowKernel {
  template <int kTokens>
  static void Run(int64_t n, const void* weights, const uint8_t* activations, size_t row_bytes, float* out,
                  int64_t out_stride) {
    const auto* x = static_cast<const uint16_t*>(weights);
    const uint16_t* y[kTokens];
    for (int t = 0; t < kTokens; ++t) y[t] = reinterpret_cast<const uint16_t*>(activations + t * row_bytes);
    VF32 acc0[kTokens], acc1[kTokens];
    for (int t = 0; t < kTokens; ++t) acc0[t] = acc1[t] = hn::Zero(DF32());
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      VF32 x_lo, x_hi;
      Format::load8(x + i, x_lo, x_hi);
      for (int t = 0; t < kTokens; ++t) {
        VF32 y_lo, y_hi;
        Format::load8(y[t] + i, y_lo, y_hi);
        acc0[t] = hn::MulAdd(x_lo, y_lo, acc0[t]);
        acc1[t] = hn::MulAdd(x_hi, y_hi, acc1[t]);
      }
    }
    const bool has_step4 = i + 4 <= n;
    const VF32 x4 = has_step4 ? Format::load4(x + i) : hn::Zero(DF32());
    for (int t = 0; t < kTokens; ++t) {
      int64_t k = i;
      if (has_step4) {
        acc0[t] = hn::MulAdd(x4, Format::load4(y[t] + k), acc0[t]);
        k += 4;
      }
      float sum = ReduceSum(hn::Add(acc0[t], acc1[t]));
      for (; k < n; ++k) sum += Format::to_float(x[k]) * Format::to_float(y[t][k]);
      out[t * out_stride] = sum;
    }
  }
};

}  // namespace

void dot_tokens_f16(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                    int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<HalfRowKernel<HalfFormat>>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}
void dot_tokens_bf16(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<HalfRowKernel<Bf16Format>>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}

}  // namespace webgguf
