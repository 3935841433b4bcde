// Blocks of the low-bit I-quants, byte-for-byte the layouts of ggml-common.h. All are 256-element
// super-blocks split into 8 sub-blocks of 32 and groups of 8 (IQ3: pairs of 4) whose magnitudes
// come from one grid point of quant/iq_grids.h; signs are stored separately (IQ2/IQ3) or the grid
// is already signed (IQ1). Sub-block scales are odd integers 2*s+1.
#pragma once
#include <cstdint>
#include <cstring>

#include "quant/blocks.h"

namespace webgguf {

// 2.0625 bpw. Per sub-block two uint32: 4 grid indices (bytes), then 4 x 7 sign bits + 4-bit scale.
struct BlockIQ2_XXS {
  uint16_t d;  // fp16 super-scale
  uint16_t qs[kQK_K / 8];
};
static_assert(sizeof(BlockIQ2_XXS) == 2 + kQK_K / 8 * 2, "BlockIQ2_XXS size");

// 2.3125 bpw. qs: 9-bit grid index | 7 sign bits << 9; scales: two 4-bit scales per sub-block.
struct BlockIQ2_XS {
  uint16_t d;
  uint16_t qs[kQK_K / 8];
  uint8_t scales[kQK_K / 32];
};
static_assert(sizeof(BlockIQ2_XS) == 2 + kQK_K / 8 * 2 + kQK_K / 32, "BlockIQ2_XS size");

// 2.5625 bpw. qs: low 8 bits of the 10-bit grid indices, then 8 full sign bytes per sub-block;
// qh: the 2 high index bits of the 4 groups of a sub-block.
struct BlockIQ2_S {
  uint16_t d;
  uint8_t qs[kQK_K / 4];
  uint8_t qh[kQK_K / 32];
  uint8_t scales[kQK_K / 32];
};
static_assert(sizeof(BlockIQ2_S) == 2 + kQK_K / 4 + kQK_K / 16, "BlockIQ2_S size");

// 3.0625 bpw. qs: 64 grid indices (one per 4 weights), then per sub-block a uint32 of
// 4 x 7 sign bits + 4-bit scale.
struct BlockIQ3_XXS {
  uint16_t d;
  uint8_t qs[3 * kQK_K / 8];
};
static_assert(sizeof(BlockIQ3_XXS) == 2 + 3 * kQK_K / 8, "BlockIQ3_XXS size");

// 3.4375 bpw. 9-bit grid indices (low 8 bits in qs, 9th in qh), one sign byte per 8 weights,
// 4-bit scales for each sub-block.
constexpr int kIQ3S_NScale = kQK_K / 64;
struct BlockIQ3_S {
  uint16_t d;
  uint8_t qs[kQK_K / 4];
  uint8_t qh[kQK_K / 32];
  uint8_t signs[kQK_K / 8];
  uint8_t scales[kIQ3S_NScale];
};
static_assert(sizeof(BlockIQ3_S) == 2 + 13 * (kQK_K / 32) + kIQ3S_NScale, "BlockIQ3_S size");

// Offset added to every IQ1 grid value (sign per sub-block in IQ1_S, per group of 8 in IQ1_M).
constexpr float kIQ1Delta = 0.125f;

// 1.5625 bpw. qs: low 8 bits of 11-bit grid indices; qh per sub-block: 4 x 3 high index bits,
// 3-bit scale (bits 12-14) and the delta sign (bit 15).
struct BlockIQ1_S {
  uint16_t d;
  uint8_t qs[kQK_K / 8];
  uint16_t qh[kQK_K / 32];
};
static_assert(sizeof(BlockIQ1_S) == 2 + kQK_K / 8 + kQK_K / 16, "BlockIQ1_S size");

// 1.75 bpw. qh per group pair: 3 high index bits + delta sign bit for each group (nibbles);
// scales: 3-bit scales per 16 weights, with the fp16 super-scale spread over the top nibbles of
// the four uint16 words.
struct BlockIQ1_M {
  uint8_t qs[kQK_K / 8];
  uint8_t qh[kQK_K / 16];
  uint8_t scales[kQK_K / 32];
};
static_assert(sizeof(BlockIQ1_M) == kQK_K / 8 + kQK_K / 16 + kQK_K / 32, "BlockIQ1_M size");

// The four little-endian uint16 words of BlockIQ1_M::scales (any alignment).
inline void iq1m_scale_words(const BlockIQ1_M& block, uint16_t words[4]) {
  std::memcpy(words, block.scales, sizeof(block.scales));
}

// fp16 bits of the IQ1_M super-scale: the top nibble of each scale word, word 0 lowest.
inline uint16_t iq1m_super_scale(const uint16_t words[4]) {
  return static_cast<uint16_t>((words[0] >> 12) | ((words[1] >> 8) & 0x00f0) | ((words[2] >> 4) & 0x0f00) |
                               (words[3] & 0xf000));
}

}  // namespace webgguf
