// Shared 128-bit SIMD building blocks of the dot-product kernels.
//
// Written once with Highway (static dispatch): the native build (-msse4.2 -> HWY_SSE4) runs the
// same algorithm that ships as WASM SIMD128. Where Highway 1.0.3 has no single-instruction op we
// wrap the intrinsic for each of the two targets, so both builds test the same instruction choice:
//   - widening 8-byte loads (v128.load8x8_s/u = pmovsxbw/pmovzxbw with a memory operand): the
//     cheapest way to get 8 quants into int16 lanes, no separate extend of a high half;
//   - byte table lookup (i8x16.swizzle = pshufb; Highway 1.0.3 emulates it with a scalar loop on
//     wasm) for the non-linear IQ4/MXFP4 levels.
// Integer products go through i32x4.dot_i16x8_s (= pmaddwd), reached via Highway's
// ReorderWidenMulAccumulate.
//
// Shapes that matter in V8 (Node 20, measured with --print-wasm-code): TurboFan hoists the loads
// of a long unrolled body ahead of their uses and spills what does not fit in 16 xmm registers,
// and anything opaque inside a loop (a first-call guard, an inlined initialiser) can push the
// loop's accumulator to the stack. Hence rolled loops (WEBGGUF_NO_UNROLL) whose bodies stay
// within the registers (activations widened straight from memory by load8x8, little state
// carried between iterations, scales in scalar registers rather than small arrays, which live
// in memory), block addresses whose field offsets fold into the loads (BlockAt), and table
// lookups fetched once per row. V8 keeps one general register per distinct load offset, so
// unrolling over blocks runs out of those too.
#pragma once
#include <cstdint>
#include <cstring>

#include "hwy/highway.h"

#if HWY_TARGET == HWY_WASM
#include <wasm_simd128.h>
#elif HWY_TARGET == HWY_SSE4
#include <smmintrin.h>
#else
#error "webgguf kernels target 128-bit SIMD: build with -msimd128 (wasm) or -msse4.2 (native)"
#endif

// Keeps a loop rolled. V8 schedules the loads of an unrolled body ahead of their uses and runs
// out of the 16 xmm registers (spills measured in --print-wasm-code), so the K-quant kernels keep
// their per-64/128-element loops as loops.
#if defined(__clang__)
#define WEBGGUF_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define WEBGGUF_NO_UNROLL _Pragma("GCC unroll 1")
#endif

namespace webgguf::simd {

namespace hn = hwy::HWY_NAMESPACE;

using DI8 = hn::Full128<int8_t>;
using DU8 = hn::Full128<uint8_t>;
using DI16 = hn::Full128<int16_t>;
using DU16 = hn::Full128<uint16_t>;
using DI32 = hn::Full128<int32_t>;
using DU32 = hn::Full128<uint32_t>;
using DF32 = hn::Full128<float>;
using VI8 = hn::Vec128<int8_t>;
using VU8 = hn::Vec128<uint8_t>;
using VI16 = hn::Vec128<int16_t>;
using VI32 = hn::Vec128<int32_t>;
using VF32 = hn::Vec128<float>;

// 8 signed bytes -> 8 int16 lanes.
HWY_INLINE VI16 LoadI8AsI16(const int8_t* p) {
#if HWY_TARGET == HWY_WASM
  return VI16{wasm_i16x8_load8x8(p)};
#else
  return VI16{_mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)))};
#endif
}

// 8 unsigned bytes -> 8 int16 lanes holding 0..255.
HWY_INLINE VI16 LoadU8AsI16(const uint8_t* p) {
#if HWY_TARGET == HWY_WASM
  return VI16{wasm_u16x8_load8x8(p)};
#else
  return VI16{_mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)))};
#endif
}

// out[i] = table[index[i]] for indices 0..15 (both instructions agree there).
HWY_INLINE VI8 LookupBytes(VI8 table, VU8 index) {
#if HWY_TARGET == HWY_WASM
  return VI8{wasm_i8x16_swizzle(table.raw, index.raw)};
#else
  return VI8{_mm_shuffle_epi8(table.raw, index.raw)};
#endif
}

// Vectors from 4 scalars, built in registers (lane inserts): going through a small array in
// memory would stall on store-to-load forwarding.
HWY_INLINE hn::Vec128<uint32_t> MakeU32x4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
#if HWY_TARGET == HWY_WASM
  return hn::Vec128<uint32_t>{wasm_u32x4_make(a, b, c, d)};
#else
  return hn::Vec128<uint32_t>{
      _mm_setr_epi32(static_cast<int>(a), static_cast<int>(b), static_cast<int>(c), static_cast<int>(d))};
#endif
}
HWY_INLINE hn::Vec128<float> MakeF32x4(float a, float b, float c, float d) {
#if HWY_TARGET == HWY_WASM
  return hn::Vec128<float>{wasm_f32x4_make(a, b, c, d)};
#else
  return hn::Vec128<float>{_mm_setr_ps(a, b, c, d)};
#endif
}

// Sign-extend the low / high 8 bytes to int16 lanes.
HWY_INLINE VI16 WidenLowerI8(VI8 v) {
#if HWY_TARGET == HWY_WASM
  return VI16{wasm_i16x8_extend_low_i8x16(v.raw)};
#else
  return VI16{_mm_cvtepi8_epi16(v.raw)};
#endif
}
HWY_INLINE VI16 WidenUpperI8(VI8 v) {
#if HWY_TARGET == HWY_WASM
  return VI16{wasm_i16x8_extend_high_i8x16(v.raw)};
#else
  return VI16{_mm_cvtepi8_epi16(_mm_unpackhi_epi64(v.raw, v.raw))};
#endif
}

// Zero-extend the low / high 8 bytes to int16 lanes (bit fields cut at byte level, 16 per op).
HWY_INLINE VI16 WidenLowerU8(VU8 v) {
#if HWY_TARGET == HWY_WASM
  return VI16{wasm_u16x8_extend_low_u8x16(v.raw)};
#else
  return VI16{_mm_cvtepu8_epi16(v.raw)};
#endif
}
HWY_INLINE VI16 WidenUpperU8(VU8 v) {
#if HWY_TARGET == HWY_WASM
  return VI16{wasm_u16x8_extend_high_u8x16(v.raw)};
#else
  return VI16{_mm_unpackhi_epi8(v.raw, _mm_setzero_si128())};
#endif
}

// Bytes shifted left / right by kBits with the bits that cross into a neighbouring byte left in
// place: callers mask every byte afterwards. (SIMD128 has no cheap byte shift; a 16-bit one is
// a single instruction.)
template <int kBits>
HWY_INLINE VU8 ShiftBytesLeftUnmasked(VU8 v) {
  return hn::BitCast(DU8(), hn::ShiftLeft<kBits>(hn::BitCast(DU16(), v)));
}
template <int kBits>
HWY_INLINE VU8 ShiftBytesRightUnmasked(VU8 v) {
  return hn::BitCast(DU8(), hn::ShiftRight<kBits>(hn::BitCast(DU16(), v)));
}

// acc + (a[2i]*b[2i] + a[2i+1]*b[2i+1]) per int32 lane: i32x4.dot_i16x8_s / pmaddwd.
HWY_INLINE VI32 MulAddPairs(VI16 a, VI16 b, VI32 acc) {
  VI32 unused = hn::Zero(DI32());
  return hn::ReorderWidenMulAccumulate(DI32(), a, b, acc, unused);
}

// Dot product of 32 int16 weights (4 vectors, in element order) with 32 int8 activations,
// as 4 int32 partial sums. Two independent chains keep both multiply ports busy.
HWY_INLINE VI32 Dot32(VI16 w0, VI16 w1, VI16 w2, VI16 w3, const int8_t* act) {
  // Two 16-byte loads widened in registers: half the loads of four load8x8, which matters in
  // V8, whose scheduler hoists loads ahead of their uses and then spills them.
  const VI8 a0 = hn::LoadU(DI8(), act);
  const VI8 a1 = hn::LoadU(DI8(), act + 16);
  const VI32 zero = hn::Zero(DI32());
  const VI32 s01 = MulAddPairs(w1, WidenUpperI8(a0), MulAddPairs(w0, WidenLowerI8(a0), zero));
  const VI32 s23 = MulAddPairs(w3, WidenUpperI8(a1), MulAddPairs(w2, WidenLowerI8(a1), zero));
  return hn::Add(s01, s23);
}

// Dot32 with the activations widened straight from memory (four load8x8): fewer instructions
// than Dot32 when the loop body is small enough that V8 keeps everything in registers.
HWY_INLINE VI32 Dot32Widening(VI16 w0, VI16 w1, VI16 w2, VI16 w3, const int8_t* act) {
  const VI32 zero = hn::Zero(DI32());
  const VI32 s01 = MulAddPairs(w1, LoadI8AsI16(act + 8), MulAddPairs(w0, LoadI8AsI16(act), zero));
  const VI32 s23 = MulAddPairs(w3, LoadI8AsI16(act + 24), MulAddPairs(w2, LoadI8AsI16(act + 16), zero));
  return hn::Add(s01, s23);
}

// Dot product of 16 int16 weights with 16 int8 activations, as 4 int32 partial sums.
HWY_INLINE VI32 Dot16(VI16 w0, VI16 w1, const int8_t* act) {
  return MulAddPairs(w1, LoadI8AsI16(act + 8), MulAddPairs(w0, LoadI8AsI16(act), hn::Zero(DI32())));
}

HWY_INLINE int32_t ReduceSum(VI32 v) {
  return hn::GetLane(hn::SumOfLanes(DI32(), v));
}
HWY_INLINE float ReduceSum(VF32 v) {
  return hn::GetLane(hn::SumOfLanes(DF32(), v));
}

// The block at a byte address. Row drivers walk blocks with byte pointers and view each one
// through this: LLVM 14's wasm backend folds a constant field offset (e.g. `qs + 8`) into the
// load instruction's offset immediate only when the address is one inbounds add on a plain byte
// pointer. Indexing a Block array instead makes it merge two offsets into a wrapping add that it
// must emit as an i32.add, which V8 turns into an extra lea per load.
template <typename Block>
HWY_INLINE const Block& BlockAt(const uint8_t* p) {
  return *reinterpret_cast<const Block*>(p);
}

// Scalar field reads that tolerate any alignment of the row pointer.
HWY_INLINE uint16_t LoadU16(const void* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
HWY_INLINE float LoadF32(const void* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

// IEEE half -> float, equal to core/fp16.h's fp16_to_fp32 for every input, in ~7 scalar ops:
// the half's exponent and mantissa shifted into a float are the value times 2^-112 (also for
// subnormals, which become normal floats), so one exact multiply by 2^112 rebias them.
HWY_INLINE float HalfToFloat(uint16_t h) {
  const uint32_t magnitude = (static_cast<uint32_t>(h) & 0x7fffu) << 13;
  float f;
  std::memcpy(&f, &magnitude, 4);
  f *= 0x1p112f;
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (magnitude >= (0x7c00u << 13)) bits = magnitude | 0x7f800000u;  // Inf / NaN keep payload
  bits |= (static_cast<uint32_t>(h) & 0x8000u) << 16;
  std::memcpy(&f, &bits, 4);
  return f;
}
HWY_INLINE float LoadHalf(const void* p) {
  return HalfToFloat(LoadU16(p));
}

// Every half as a float (256 KB, src/kernels/half_table.cpp, filled on first call). In the
// per-block loops one table load replaces the ~10 operations of HalfToFloat, as in ggml.
// Fetch the pointer once before a loop: the first-call guard inside a loop makes V8 keep the
// loop's accumulators in memory.
const float* HalfToFloatTable();
HWY_INLINE float LoadHalf(const float* table, const void* p) {
  return table[LoadU16(p)];
}
// The same in all 4 lanes, splat by the load itself (v128.load32_splat = vbroadcastss from
// memory: no shuffle after a scalar load).
HWY_INLINE VF32 LoadHalfSplat(const float* table, const void* p) {
#if HWY_TARGET == HWY_WASM
  return VF32{wasm_v128_load32_splat(table + LoadU16(p))};
#else
  return VF32{_mm_load1_ps(table + LoadU16(p))};
#endif
}

// Four IEEE halves (in the low 16 bits of each u32 lane) -> floats; same algorithm as HalfToFloat.
HWY_INLINE VF32 HalvesToFloats(hn::Vec128<uint32_t> h) {
  const DU32 du;
  const auto magnitude = hn::ShiftLeft<13>(hn::And(h, hn::Set(du, 0x7fffu)));
  const auto scaled = hn::BitCast(du, hn::Mul(hn::BitCast(DF32(), magnitude), hn::Set(DF32(), 0x1p112f)));
  const auto special = hn::Or(magnitude, hn::Set(du, 0x7f800000u));
  const auto is_special = hn::BitCast(DI32(), magnitude) > hn::Set(DI32(), (0x7c00 << 13) - 1);
  const auto bits = hn::IfThenElse(hn::RebindMask(du, is_special), special, scaled);
  const auto sign = hn::ShiftLeft<16>(hn::And(h, hn::Set(du, 0x8000u)));
  return hn::BitCast(DF32(), hn::Or(bits, sign));
}

}  // namespace webgguf::simd
