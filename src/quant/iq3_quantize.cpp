// IQ3_XXS and IQ3_S quantization (ggml-quants.c quantize_row_iq3_xxs_impl with grid_size 256 and
// quantize_row_iq3_s_impl with block_size 32). Both fit 32-value sub-blocks: the values' signs
// are stored apart (IQ3_XXS: 7 bits per 8 values, the 8th sign implied by even parity, flipping
// the least important value when needed), their magnitudes are fitted as groups of 4 to the
// lattice with a search over 31 (IQ3_XXS) or 19 (IQ3_S) scales around max/15.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks_iq.h"
#include "quant/iq_lattice.h"
#include "quant/iq_quantize.h"
#include "quant/scale_search.h"

namespace webgguf {
namespace {

constexpr int kMaxQ = 8;  // levels 0..7, values 2l+1
constexpr int kSubBlock = 32;
constexpr float kGroupMaxEpsIQ3XXS = 1e-8f;

// weight = importance * sqrt(sigma2 + x^2), or x^2 without importance.
void sub_block_weights(const float* xb, const float* qw, float sigma2, float* weight) {
  if (qw) {
    for (int i = 0; i < kSubBlock; ++i) weight[i] = qw[i] * std::sqrt(sigma2 + xb[i] * xb[i]);
  } else {
    for (int i = 0; i < kSubBlock; ++i) weight[i] = xb[i] * xb[i];
  }
}

// Levels of 4 values at inverse scale id, clamped to the lattice's range, packed 3 bits each.
int lattice_combination(const float* xval, float id, int8_t* L) {
  int u = 0;
  for (int i = 0; i < 4; ++i) {
    const int l = nearest_int(0.5f * (id * xval[i] - 1));
    L[i] = static_cast<int8_t>(std::max(0, std::min(kMaxQ - 1, l)));
    u |= L[i] << (3 * i);
  }
  return u;
}

// Fits the magnitudes xval[32] (weights `weight`, sqrt weights `waux`) to the lattice: the scale
// search of both IQ3 quantizers. Writes the levels L and returns the scale. `scale_steps` is 15
// (IQ3_XXS) or 9 (IQ3_S); `refit_all` refits every group after the search (IQ3_S), not only the
// groups that fell off the grid (IQ3_XXS).
float fit_sub_block(const IqLattice& lattice, const float* xval, const float* weight, const float* waux, float max,
                    int scale_steps, bool on_grid_initially, bool refit_all, int8_t* L) {
  int8_t Laux[kSubBlock];
  bool is_on_grid[kSubBlock / 4];
  bool is_on_grid_aux[kSubBlock / 4];
  float best = 0;
  float scale = max / (2 * kMaxQ - 1);
  for (int k = 0; k < kSubBlock / 4; ++k) is_on_grid[k] = on_grid_initially;
  for (int is = -scale_steps; is <= scale_steps; ++is) {
    const float id = (2 * kMaxQ - 1 + is * 0.2f) / max;
    const float this_scale = 1 / id;
    for (int k = 0; k < kSubBlock / 4; ++k) {
      const int u = lattice_combination(xval + 4 * k, id, Laux + 4 * k);
      is_on_grid_aux[k] = lattice.map[u] >= 0;
      if (!is_on_grid_aux[k]) {
        iq_best_neighbour(lattice, lattice.neighbours_of(lattice.map[u]), xval + 4 * k, waux + 4 * k, this_scale,
                          Laux + 4 * k);
      }
    }
    float sumqx = 0, sumq2 = 0;
    for (int i = 0; i < kSubBlock; ++i) {
      const float w = weight[i];
      const float q = 2 * Laux[i] + 1;
      sumqx += w * xval[i] * q;
      sumq2 += w * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      scale = sumqx / sumq2;
      best = scale * sumqx;
      std::memcpy(L, Laux, kSubBlock);
      std::copy(is_on_grid_aux, is_on_grid_aux + kSubBlock / 4, is_on_grid);
    }
  }
  const bool any_off_grid = std::find(is_on_grid, is_on_grid + kSubBlock / 4, false) != is_on_grid + kSubBlock / 4;
  if (any_off_grid && scale > 0) {
    const float id = 1 / scale;
    for (int k = 0; k < kSubBlock / 4; ++k) {
      if (!refit_all && is_on_grid[k]) continue;
      int8_t levels[4];
      const int u = lattice_combination(xval + 4 * k, id, levels);
      int grid_index = lattice.map[u];
      if (grid_index < 0) {
        grid_index =
            iq_best_neighbour(lattice, lattice.neighbours_of(grid_index), xval + 4 * k, waux + 4 * k, scale, L + 4 * k);
      }
      const int8_t* pg = lattice.point(grid_index);
      for (int i = 0; i < 4; ++i) L[4 * k + i] = static_cast<int8_t>((pg[i] - 1) / 2);
    }
    float sumqx = 0, sumq2 = 0;
    for (int i = 0; i < kSubBlock; ++i) {
      const float w = weight[i];
      const float q = 2 * L[i] + 1;
      sumqx += w * xval[i] * q;
      sumq2 += w * q * q;
    }
    if (sumq2 > 0) scale = sumqx / sumq2;
  }
  return scale;
}

// The grid index of 4 levels, which the fit guarantees to be on the grid.
int grid_index_of(const IqLattice& lattice, const int8_t* L) {
  int u = 0;
  for (int i = 0; i < 4; ++i) u |= L[i] << (3 * i);
  return std::max(0, static_cast<int>(lattice.map[u]));
}

float super_block_sigma2(const float* xbl) {
  float sumx2 = 0;
  for (int i = 0; i < kQK_K; ++i) sumx2 += xbl[i] * xbl[i];
  return 2 * sumx2 / kQK_K;
}

void quantize_iq3_xxs_block(const IqLattice& lattice, const float* xbl, const float* qw_block, BlockIQ3_XXS& y) {
  uint8_t q3[kQK_K / 4] = {};                  // grid indices, 8 per sub-block
  uint32_t scales_and_signs[kQK_K / 32] = {};  // per sub-block: 4 x 7 sign bits, 4-bit scale on top
  float scales[kQK_K / 32];
  float weight[kSubBlock], xval[kSubBlock], waux[kSubBlock];
  int8_t L[kSubBlock];
  float max_scale = 0;
  const float sigma2 = super_block_sigma2(xbl);
  for (int ib = 0; ib < kQK_K / kSubBlock; ++ib) {
    const float* xb = xbl + kSubBlock * ib;
    sub_block_weights(xb, qw_block ? qw_block + kSubBlock * ib : nullptr, sigma2, weight);
    for (int i = 0; i < kSubBlock; ++i) waux[i] = std::sqrt(weight[i]);
    uint8_t block_signs[4];
    for (int k = 0; k < 4; ++k) {
      int nflip = 0;
      uint8_t s = 0;
      for (int i = 0; i < 8; ++i) {
        if (xb[8 * k + i] >= 0) {
          xval[8 * k + i] = xb[8 * k + i];
        } else {
          xval[8 * k + i] = -xb[8 * k + i];
          ++nflip;
          s |= static_cast<uint8_t>(1 << i);
        }
      }
      // Odd number of negatives: flip the value that matters least, keeping the parity even.
      if (nflip % 2) {
        int imin = 0;
        float min = weight[8 * k + imin] * xb[8 * k + imin] * xb[8 * k + imin];
        for (int i = 1; i < 8; ++i) {
          const float ax = weight[8 * k + i] * xb[8 * k + i] * xb[8 * k + i];
          if (ax < min) {
            min = ax;
            imin = i;
          }
        }
        xval[8 * k + imin] = -xval[8 * k + imin];
        s ^= static_cast<uint8_t>(1 << imin);
      }
      block_signs[k] = s & 127;
    }
    float max = xval[0];
    for (int i = 1; i < kSubBlock; ++i) max = std::max(max, xval[i]);
    std::memset(L, 0, kSubBlock);
    if (max < kGroupMaxEpsIQ3XXS) {
      scales[ib] = 0;
      continue;
    }
    float scale = fit_sub_block(lattice, xval, weight, waux, max, 15, true, false, L);
    if (scale < 0) {  // never expected; ggml flips the scale and the signs
      scale = -scale;
      for (int k = 0; k < 4; ++k) block_signs[k] = static_cast<uint8_t>(~block_signs[k] & 127);
    }
    for (int k = 0; k < 8; ++k) q3[8 * ib + k] = static_cast<uint8_t>(grid_index_of(lattice, L + 4 * k));
    scales_and_signs[ib] = block_signs[0] | (block_signs[1] << 7) | (block_signs[2] << 14) | (block_signs[3] << 21);
    scales[ib] = scale;
    max_scale = std::max(max_scale, scale);
  }
  std::memset(&y, 0, sizeof(y));
  if (!max_scale) return;
  const float d = max_scale / 31;
  y.d = fp32_to_fp16(d * 1.0125f);  // ggml's fudge factor
  const float id = 1 / d;
  for (int ib = 0; ib < kQK_K / 32; ++ib) {
    const int l = std::max(0, std::min(15, nearest_int(0.5f * (id * scales[ib] - 1))));
    scales_and_signs[ib] |= static_cast<uint32_t>(l) << 28;
  }
  std::memcpy(y.qs, q3, sizeof(q3));
  std::memcpy(y.qs + sizeof(q3), scales_and_signs, sizeof(scales_and_signs));
}

void quantize_iq3_s_block(const IqLattice& lattice, const float* xbl, const float* qw_block, BlockIQ3_S& y) {
  std::memset(&y, 0, sizeof(y));
  float scales[kQK_K / kSubBlock];
  float weight[kSubBlock], xval[kSubBlock], waux[kSubBlock];
  int8_t L[kSubBlock];
  constexpr int bs4 = kSubBlock / 4, bs8 = kSubBlock / 8;
  float max_scale = 0;
  const float sigma2 = super_block_sigma2(xbl);
  // ggml advances its qs and signs pointers only past sub-blocks it stored: after an all-zero
  // sub-block the next one's indices and signs land in the skipped one's place (qh is indexed by
  // sub-block). The same bytes need the same quirk.
  uint8_t* qs = y.qs;
  uint8_t* signs = y.signs;
  for (int ib = 0; ib < kQK_K / kSubBlock; ++ib) {
    const float* xb = xbl + kSubBlock * ib;
    sub_block_weights(xb, qw_block ? qw_block + kSubBlock * ib : nullptr, sigma2, weight);
    for (int i = 0; i < kSubBlock; ++i) waux[i] = std::sqrt(weight[i]);
    uint8_t block_signs[bs8];
    for (int k = 0; k < bs8; ++k) {
      uint8_t s = 0;
      for (int i = 0; i < 8; ++i) {
        if (xb[8 * k + i] >= 0) {
          xval[8 * k + i] = xb[8 * k + i];
        } else {
          xval[8 * k + i] = -xb[8 * k + i];
          s |= static_cast<uint8_t>(1 << i);
        }
      }
      block_signs[k] = s;
    }
    float max = xval[0];
    for (int i = 1; i < kSubBlock; ++i) max = std::max(max, xval[i]);
    std::memset(L, 0, kSubBlock);
    if (!max) {
      scales[ib] = 0;
      continue;
    }
    float scale = fit_sub_block(lattice, xval, weight, waux, max, 9, false, true, L);
    if (scale < 0) {
      scale = -scale;
      for (int k = 0; k < bs8; ++k) block_signs[k] = static_cast<uint8_t>(~block_signs[k]);
    }
    for (int k = 0; k < bs4; ++k) {
      const int grid_index = grid_index_of(lattice, L + 4 * k);
      qs[k] = static_cast<uint8_t>(grid_index & 255);
      y.qh[(ib * bs4 + k) / 8] |= static_cast<uint8_t>((grid_index >> 8) << ((ib * bs4 + k) % 8));
    }
    qs += bs4;
    std::memcpy(signs, block_signs, bs8);
    signs += bs8;
    scales[ib] = scale;
    max_scale = std::max(max_scale, scale);
  }
  if (!max_scale) return;
  const float d = max_scale / 31;
  y.d = fp32_to_fp16(d * 1.033f);  // ggml's fudge factor
  const float id = 1 / d;
  for (int ib = 0; ib < kQK_K / kSubBlock; ib += 2) {
    const int l1 = std::max(0, std::min(15, nearest_int(0.5f * (id * scales[ib + 0] - 1))));
    const int l2 = std::max(0, std::min(15, nearest_int(0.5f * (id * scales[ib + 1] - 1))));
    y.scales[ib / 2] = static_cast<uint8_t>(l1 | (l2 << 4));
  }
}

}  // namespace

bool quantize_row_iq3_xxs(const float* src, void* dst, int64_t n, const float* importance) {
  const IqLattice& lattice = iq_lattice(IqLatticeKind::kIQ3XXS);
  BlockIQ3_XXS* y = static_cast<BlockIQ3_XXS*>(dst);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib) {
    quantize_iq3_xxs_block(lattice, src + kQK_K * ib, importance ? importance + kQK_K * ib : nullptr, y[ib]);
  }
  return true;
}

bool quantize_row_iq3_s(const float* src, void* dst, int64_t n, const float* importance) {
  const IqLattice& lattice = iq_lattice(IqLatticeKind::kIQ3S);
  BlockIQ3_S* y = static_cast<BlockIQ3_S*>(dst);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib) {
    quantize_iq3_s_block(lattice, src + kQK_K * ib, importance ? importance + kQK_K * ib : nullptr, y[ib]);
  }
  return true;
}

}  // namespace webgguf
