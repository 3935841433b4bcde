// SIMD activation quantizers, byte-identical to the scalar references (see the header). The
// float arithmetic is the reference's, operation for operation: the same max, the same division
// for the scale and its inverse, the same product x * inverse, and the same rounding rule.
#include "kernels/quantize_activations.h"

#include <cstring>

#include "core/fp16.h"
#include "kernels/simd128-inl.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

// roundf: to nearest, ties away from zero (Highway's Round ties to even). Exact for |v| < 2^23,
// where v - trunc(v) is exact.
HWY_INLINE VF32 RoundHalfAwayFromZero(VF32 v) {
  const DF32 d;
  const VF32 whole = hn::Trunc(v);
  const auto is_half_or_more = hn::Abs(hn::Sub(v, whole)) >= hn::Set(d, 0.5f);
  return hn::Add(whole, hn::IfThenElseZero(is_half_or_more, hn::CopySign(hn::Set(d, 1.0f), v)));
}

// 4 int32 lanes in [-128, 127] -> 4 bytes.
HWY_INLINE void StoreI8x4(VI32 v, int8_t* dst) {
  hn::StoreU(hn::DemoteTo(hn::Rebind<int8_t, DI32>(), v), hn::Rebind<int8_t, DI32>(), dst);
}

HWY_INLINE float MaxAbs(const float* x, int count) {
  const DF32 d;
  VF32 max = hn::Zero(d);
  for (int j = 0; j < count; j += 4) max = hn::Max(max, hn::Abs(hn::LoadU(d, x + j)));
  return hn::GetLane(hn::MaxOfLanes(d, max));
}

// One 32-element block: d = amax / 127, q = roundf(x / d) (as x * (1 / d)). Returns sum(q).
HWY_INLINE int32_t QuantizeBlock32(const float* x, float* d_out, int8_t* qs) {
  const DF32 d;
  const float amax = MaxAbs(x, 32);
  const float scale = amax / ((1 << 7) - 1);
  const float inverse = scale ? 1.0f / scale : 0.0f;
  *d_out = scale;
  VI32 sum = hn::Zero(DI32());
  for (int j = 0; j < 32; j += 4) {
    const VI32 q = hn::ConvertTo(DI32(), RoundHalfAwayFromZero(hn::Mul(hn::LoadU(d, x + j), hn::Set(d, inverse))));
    StoreI8x4(q, qs + j);
    sum = hn::Add(sum, q);
  }
  return ReduceSum(sum);
}

HWY_INLINE void StoreU16(uint16_t v, void* dst) {
  std::memcpy(dst, &v, 2);
}

}  // namespace

void quantize_row_q8_0_fast(const float* src, void* dst, int64_t n) {
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n / kQK8_0; ++i, out += sizeof(BlockQ8_0)) {
    float d;
    QuantizeBlock32(src + i * kQK8_0, &d, reinterpret_cast<int8_t*>(out + offsetof(BlockQ8_0, qs)));
    StoreU16(fp32_to_fp16(d), out + offsetof(BlockQ8_0, d));
  }
}

void quantize_row_q8_1_fast(const float* src, void* dst, int64_t n) {
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n / kQK8_1; ++i, out += sizeof(BlockQ8_1)) {
    float d;
    const int32_t sum = QuantizeBlock32(src + i * kQK8_1, &d, reinterpret_cast<int8_t*>(out + offsetof(BlockQ8_1, qs)));
    StoreU16(fp32_to_fp16(d), out + offsetof(BlockQ8_1, d));
    StoreU16(fp32_to_fp16(sum * d), out + offsetof(BlockQ8_1, s));
  }
}

// d = max / -127 where max is the first element of largest magnitude (sign kept),
// q = min(127, round_half_even(x * (-127 / max))), bsums per 16.
void quantize_row_q8_K_fast(const float* src, void* dst, int64_t n) {
  const DF32 d;
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, out += sizeof(BlockQ8_K)) {
    const float* x = src + i * kQK_K;
    auto* qs = reinterpret_cast<int8_t*>(out + offsetof(BlockQ8_K, qs));
    const float amax = MaxAbs(x, kQK_K);
    if (!amax) {
      std::memset(out, 0, sizeof(BlockQ8_K));
      continue;
    }
    float max = 0.0f;
    for (int j = 0; j < kQK_K; j += 4) {
      const intptr_t lane = hn::FindFirstTrue(d, hn::Abs(hn::LoadU(d, x + j)) == hn::Set(d, amax));
      if (lane >= 0) {
        max = x[j + lane];
        break;
      }
    }
    const float iscale = -127.f / max;
    const VF32 scale = hn::Set(d, iscale);
    const VI32 limit = hn::Set(DI32(), 127);
    int16_t bsums[kQK_K / 16];
    for (int group = 0; group < kQK_K / 16; ++group) {
      VI32 sum = hn::Zero(DI32());
      for (int j = 16 * group; j < 16 * group + 16; j += 4) {
        const VI32 q = hn::Min(hn::ConvertTo(DI32(), hn::Round(hn::Mul(scale, hn::LoadU(d, x + j)))), limit);
        StoreI8x4(q, qs + j);
        sum = hn::Add(sum, q);
      }
      bsums[group] = static_cast<int16_t>(ReduceSum(sum));
    }
    std::memcpy(out + offsetof(BlockQ8_K, bsums), bsums, sizeof(bsums));
    const float d_out = 1 / iscale;
    std::memcpy(out + offsetof(BlockQ8_K, d), &d_out, sizeof(float));
  }
}

}  // namespace webgguf
