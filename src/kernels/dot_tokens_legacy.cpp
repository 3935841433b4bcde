// Multi-token dot products of the 32-element block types without a min (Q4_0, Q5_0, Q8_0) with
// Q8_0 activations. Per weight block the 32 quants are unpacked to int16 once; each token then
// costs only its own activation loads, four pmaddwd and the float epilogue, which is the single-row
// kernel's (dot_blocks32-inl.h): per-lane float accumulation of float(int32 lane sums) * (d_w * d_a).
#include <array>

#include "kernels/dot_tokens-inl.h"
#include "kernels/simd128-inl.h"
#include "kernels/vec_dot_tokens.h"
#include "quant/blocks.h"

namespace webgguf {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
using namespace simd;

// qs[j] low nibble is element j, high nibble element j+16.
HWY_INLINE Quants32 LoadNibbles32(const uint8_t* qs) {
  const VI16 mask = hn::Set(DI16(), 0x0F);
  const VI16 b0 = LoadU8AsI16(qs);
  const VI16 b1 = LoadU8AsI16(qs + 8);
  return {hn::And(b0, mask), hn::And(b1, mask), hn::ShiftRight<4>(b0), hn::ShiftRight<4>(b1)};
}

// Q5_0's fifth bits, from one byte of qh per 8 quants, as int16 lanes that turn the low nibble q
// into the signed quant (q + 16 * bit) - 16. Table lookups stand in for per-lane variable
// shifts, which SIMD128 lacks (the same table as dot_legacy.cpp's).
using HighBitTable = std::array<std::array<int16_t, 8>, 256>;
constexpr HighBitTable make_q5_0_high_bit_table() {
  HighBitTable table{};
  for (int byte = 0; byte < 256; ++byte) {
    for (int lane = 0; lane < 8; ++lane) table[byte][lane] = (byte >> lane) & 1 ? 0 : -16;
  }
  return table;
}
alignas(16) constexpr HighBitTable kQ5_0HighBits = make_q5_0_high_bit_table();

struct UnpackQ4_0 {
  using Weight = BlockQ4_0;
  static Quants32 Unpack(const BlockQ4_0& w) {
    const VI16 eight = hn::Set(DI16(), 8);
    const Quants32 q = LoadNibbles32(w.qs);
    return {hn::Sub(q.w0, eight), hn::Sub(q.w1, eight), hn::Sub(q.w2, eight), hn::Sub(q.w3, eight)};
  }
};

struct UnpackQ5_0 {
  using Weight = BlockQ5_0;
  static Quants32 Unpack(const BlockQ5_0& w) {
    Quants32 q = LoadNibbles32(w.qs);
    const DI16 d;
    q.w0 = hn::Add(q.w0, hn::LoadU(d, kQ5_0HighBits[w.qh[0]].data()));
    q.w1 = hn::Add(q.w1, hn::LoadU(d, kQ5_0HighBits[w.qh[1]].data()));
    q.w2 = hn::Add(q.w2, hn::LoadU(d, kQ5_0HighBits[w.qh[2]].data()));
    q.w3 = hn::Add(q.w3, hn::LoadU(d, kQ5_0HighBits[w.qh[3]].data()));
    return q;
  }
};

struct UnpackQ8_0 {
  using Weight = BlockQ8_0;
  static Quants32 Unpack(const BlockQ8_0& w) {
    const VI8 q0 = hn::LoadU(DI8(), w.qs);
    const VI8 q1 = hn::LoadU(DI8(), w.qs + 16);
    return {WidenLowerI8(q0), WidenUpperI8(q0), WidenLowerI8(q1), WidenUpperI8(q1)};
  }
};

}  // namespace

void dot_tokens_q4_0(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Blocks32Kernel<UnpackQ4_0>>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}
void dot_tokens_q5_0(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Blocks32Kernel<UnpackQ5_0>>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}
void dot_tokens_q8_0(int64_t n, const void* weights, const uint8_t* activations, size_t activation_row_bytes,
                     int n_tokens, float* out, int64_t out_stride) {
  DispatchTokens<Blocks32Kernel<UnpackQ8_0>>(n, weights, activations, activation_row_bytes, n_tokens, out, out_stride);
}

}  // namespace webgguf
