// SIMD dot products of float rows: F32·F32, F16·F16 and BF16·BF16, accumulated in f32 lanes as
// ggml's SIMD paths do (the scalar references may accumulate in double; results agree within
// float rounding). Rows have any length n; the tail is done lane by lane.
#include "kernels/vec_dot.h"

#include "core/fp16.h"
#include "kernels/simd128-inl.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

// 8 halves -> two float vectors (elements 0..3, 4..7).
HWY_INLINE void LoadHalves8(const uint16_t* p, VF32& lo, VF32& hi) {
  const auto v = hn::LoadU(DU16(), p);
  const auto zero = hn::Zero(DU16());
  lo = HalvesToFloats(hn::ZipLower(DU32(), v, zero));
  hi = HalvesToFloats(hn::ZipUpper(DU32(), v, zero));
}

// 8 bfloat16 -> two float vectors: a bfloat16 is the top half of a float.
HWY_INLINE void LoadBf16x8(const uint16_t* p, VF32& lo, VF32& hi) {
  const auto v = hn::LoadU(DU16(), p);
  const auto zero = hn::Zero(DU16());
  lo = hn::BitCast(DF32(), hn::ZipLower(DU32(), zero, v));
  hi = hn::BitCast(DF32(), hn::ZipUpper(DU32(), zero, v));
}

HWY_INLINE VF32 LoadHalves4(const uint16_t* p) {
  return HalvesToFloats(hn::PromoteTo(DU32(), hn::LoadU(hn::Rebind<uint16_t, DU32>(), p)));
}

HWY_INLINE VF32 LoadBf16x4(const uint16_t* p) {
  const auto wide = hn::PromoteTo(DU32(), hn::LoadU(hn::Rebind<uint16_t, DU32>(), p));
  return hn::BitCast(DF32(), hn::ShiftLeft<16>(wide));
}

}  // namespace

float vec_dot_f32_f32_simd(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const float*>(weights);
  const auto* y = static_cast<const float*>(activations);
  const DF32 d;
  VF32 acc0 = hn::Zero(d), acc1 = hn::Zero(d), acc2 = hn::Zero(d), acc3 = hn::Zero(d);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), acc0);
    acc1 = hn::MulAdd(hn::LoadU(d, x + i + 4), hn::LoadU(d, y + i + 4), acc1);
    acc2 = hn::MulAdd(hn::LoadU(d, x + i + 8), hn::LoadU(d, y + i + 8), acc2);
    acc3 = hn::MulAdd(hn::LoadU(d, x + i + 12), hn::LoadU(d, y + i + 12), acc3);
  }
  for (; i + 4 <= n; i += 4) acc0 = hn::MulAdd(hn::LoadU(d, x + i), hn::LoadU(d, y + i), acc0);
  float sum = ReduceSum(hn::Add(hn::Add(acc0, acc1), hn::Add(acc2, acc3)));
  for (; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

namespace {

// F16 and BF16 differ only in how 16-bit values widen to f32: one loop serves both.
struct HalfFormat {
  static void load8(const uint16_t* p, VF32& lo, VF32& hi) { LoadHalves8(p, lo, hi); }
  static VF32 load4(const uint16_t* p) { return LoadHalves4(p); }
  static float to_float(uint16_t h) { return HalfToFloat(h); }
};

struct Bf16Format {
  static void load8(const uint16_t* p, VF32& lo, VF32& hi) { LoadBf16x8(p, lo, hi); }
  static VF32 load4(const uint16_t* p) { return LoadBf16x4(p); }
  static float to_float(uint16_t h) { return bf16_to_fp32(h); }
};

template <typename Format>
float vec_dot_16bit(int64_t n, const void* weights, const void* activations) {
  const auto* x = static_cast<const uint16_t*>(weights);
  const auto* y = static_cast<const uint16_t*>(activations);
  VF32 acc0 = hn::Zero(DF32()), acc1 = hn::Zero(DF32());
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    VF32 x_lo, x_hi, y_lo, y_hi;
    Format::load8(x + i, x_lo, x_hi);
    Format::load8(y + i, y_lo, y_hi);
    acc0 = hn::MulAdd(x_lo, y_lo, acc0);
    acc1 = hn::MulAdd(x_hi, y_hi, acc1);
  }
  for (; i + 4 <= n; i += 4) acc0 = hn::MulAdd(Format::load4(x + i), Format::load4(y + i), acc0);
  float sum = ReduceSum(hn::Add(acc0, acc1));
  for (; i < n; ++i) sum += Format::to_float(x[i]) * Format::to_float(y[i]);
  return sum;
}

}  // namespace

float vec_dot_f16_f16_simd(int64_t n, const void* weights, const void* activations) {
  return vec_dot_16bit<HalfFormat>(n, weights, activations);
}

float vec_dot_bf16_bf16_simd(int64_t n, const void* weights, const void* activations) {
  return vec_dot_16bit<Bf16Format>(n, weights, activations);
}

}  // namespace webgguf
