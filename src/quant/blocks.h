// One struct per quantized block type, byte-for-byte the layout of ggml's ggml-common.h (these
// bytes are what GGUF files store). fp16 fields are raw IEEE half bits (`uint16_t`); convert with
// core/fp16.h. F16/BF16 rows are plain `uint16_t` arrays and F32 rows plain floats.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/fp16.h"

namespace webgguf {

// Elements per block.
constexpr int kQK4_0 = 32;
constexpr int kQK4_1 = 32;
constexpr int kQK5_0 = 32;
constexpr int kQK5_1 = 32;
constexpr int kQK8_0 = 32;
constexpr int kQK8_1 = 32;
constexpr int kQK4_NL = 32;
constexpr int kQK_MXFP4 = 32;
constexpr int kQK_K = 256;        // super-block of the K-quants, IQ quants and ternary types
constexpr int K_SCALE_SIZE = 12;  // packed 6-bit scales+mins of Q4_K/Q5_K (8 scales, 8 mins)

// ---- legacy quants: one scale (and min) per 32 elements ----

struct BlockQ4_0 {
  uint16_t d;              // fp16 scale
  uint8_t qs[kQK4_0 / 2];  // nibbles: element j in low nibble of qs[j], element j+16 in high
};
static_assert(sizeof(BlockQ4_0) == 2 + kQK4_0 / 2, "BlockQ4_0 size");

struct BlockQ4_1 {
  uint16_t d;  // fp16 scale
  uint16_t m;  // fp16 min
  uint8_t qs[kQK4_1 / 2];
};
static_assert(sizeof(BlockQ4_1) == 4 + kQK4_1 / 2, "BlockQ4_1 size");

struct BlockQ5_0 {
  uint16_t d;              // fp16 scale
  uint8_t qh[4];           // 5th bit of each of the 32 quants (little-endian uint32)
  uint8_t qs[kQK5_0 / 2];  // low 4 bits
};
static_assert(sizeof(BlockQ5_0) == 2 + 4 + kQK5_0 / 2, "BlockQ5_0 size");

struct BlockQ5_1 {
  uint16_t d;  // fp16 scale
  uint16_t m;  // fp16 min
  uint8_t qh[4];
  uint8_t qs[kQK5_1 / 2];
};
static_assert(sizeof(BlockQ5_1) == 4 + 4 + kQK5_1 / 2, "BlockQ5_1 size");

struct BlockQ8_0 {
  uint16_t d;  // fp16 scale
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 2 + kQK8_0, "BlockQ8_0 size");

struct BlockQ8_1 {
  uint16_t d;  // fp16 scale
  uint16_t s;  // fp16 of d * sum(qs)
  int8_t qs[kQK8_1];
};
static_assert(sizeof(BlockQ8_1) == 4 + kQK8_1, "BlockQ8_1 size");

// ---- K-quants: 256-element super-blocks with quantized sub-block scales ----

// x = d * scale * q - dmin * min, 16 sub-blocks of 16. 2.625 bits per weight.
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];  // low nibble scale, high nibble min
  uint8_t qs[kQK_K / 4];       // 2-bit quants
  uint16_t d;                  // fp16 super-scale of the scales
  uint16_t dmin;               // fp16 super-scale of the mins
};
static_assert(sizeof(BlockQ2_K) == 4 + kQK_K / 16 + kQK_K / 4, "BlockQ2_K size");

// x = d * (scale - 32) * (q - 4 * !hbit), 16 sub-blocks of 16. 3.4375 bits per weight.
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];  // high bit of the quants
  uint8_t qs[kQK_K / 4];     // low 2 bits
  uint8_t scales[12];        // 16 6-bit scales
  uint16_t d;                // fp16 super-scale
};
static_assert(sizeof(BlockQ3_K) == 2 + kQK_K / 4 + kQK_K / 8 + 12, "BlockQ3_K size");

// x = d * scale * q - dmin * min, 8 sub-blocks of 32. 4.5 bits per weight.
struct BlockQ4_K {
  uint16_t d;                    // fp16 super-scale of the scales
  uint16_t dmin;                 // fp16 super-scale of the mins
  uint8_t scales[K_SCALE_SIZE];  // 8 scales + 8 mins, 6 bits each
  uint8_t qs[kQK_K / 2];         // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 4 + K_SCALE_SIZE + kQK_K / 2, "BlockQ4_K size");

// Q4_K plus a fifth bit per quant. 5.5 bits per weight.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[K_SCALE_SIZE];
  uint8_t qh[kQK_K / 8];  // 5th bit
  uint8_t qs[kQK_K / 2];  // low 4 bits
};
static_assert(sizeof(BlockQ5_K) == 4 + K_SCALE_SIZE + kQK_K / 2 + kQK_K / 8, "BlockQ5_K size");

// x = d * scale * (q - 32), 16 sub-blocks of 16. 6.5625 bits per weight.
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];      // low 4 bits
  uint8_t qh[kQK_K / 4];      // upper 2 bits
  int8_t scales[kQK_K / 16];  // 8-bit signed scales
  uint16_t d;                 // fp16 super-scale
};
static_assert(sizeof(BlockQ6_K) == 2 + kQK_K / 16 + 3 * kQK_K / 4, "BlockQ6_K size");

// Activation format of the K-quant and IQ dot products (never stored in files).
struct BlockQ8_K {
  float d;  // f32 scale
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];  // sum of qs in each group of 16
};
static_assert(sizeof(BlockQ8_K) == 4 + kQK_K + kQK_K / 16 * 2, "BlockQ8_K size");

// ---- non-linear 4-bit ----

// The 16 levels of IQ4_NL and IQ4_XS (a fact of the format, from ggml-common.h).
inline constexpr int8_t kValuesIQ4NL[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// x = d * kvalues_iq4nl[q], same nibble order as Q4_0.
struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[kQK4_NL / 2];
};
static_assert(sizeof(BlockIQ4_NL) == 2 + kQK4_NL / 2, "BlockIQ4_NL size");

// 8 sub-blocks of 32 with 6-bit scales (low 4 bits in scales_l, high 2 bits in scales_h).
struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[kQK_K / 64];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockIQ4_XS) == 4 + kQK_K / 64 + kQK_K / 2, "BlockIQ4_XS size");

// ---- ternary ----

// 1.6875 bits per weight: 5 trits per byte in qs (3^5 = 243 < 256), 4 per byte in qh.
struct BlockTQ1_0 {
  uint8_t qs[(kQK_K - 4 * kQK_K / 64) / 5];
  uint8_t qh[kQK_K / 64];
  uint16_t d;
};
static_assert(sizeof(BlockTQ1_0) == 2 + kQK_K / 64 + (kQK_K - 4 * kQK_K / 64) / 5, "BlockTQ1_0 size");

// 2.0625 bits per weight: q in {0,1,2} stored as 2 bits, x = d * (q - 1).
struct BlockTQ2_0 {
  uint8_t qs[kQK_K / 4];
  uint16_t d;
};
static_assert(sizeof(BlockTQ2_0) == 2 + kQK_K / 4, "BlockTQ2_0 size");

// ---- microscaling FP4 ----

// E2M1 values doubled to integers (shared by MXFP4 and NVFP4 in ggml).
inline constexpr int8_t kValuesMXFP4[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// 2^(e-127) / 2: the E8M0 scale halved, because kValuesMXFP4 are doubled (ggml_e8m0_to_fp32_half).
inline float e8m0_to_fp32_half(uint8_t e) {
  // e < 2 gives the subnormals 2^-128 and 2^-127.
  const uint32_t bits = e < 2 ? (0x00200000u << e) : (static_cast<uint32_t>(e - 1) << 23);
  return f32_from_bits(bits);
}

// x = 2^(e-127) * kvalues_mxfp4[q] / 2 (E2M1 values doubled to integers), nibble order as Q4_0.
struct BlockMXFP4 {
  uint8_t e;  // E8M0 shared exponent
  uint8_t qs[kQK_MXFP4 / 2];
};
static_assert(sizeof(BlockMXFP4) == 1 + kQK_MXFP4 / 2, "BlockMXFP4 size");

}  // namespace webgguf
