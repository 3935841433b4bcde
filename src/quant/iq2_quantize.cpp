// IQ2_XXS, IQ2_XS and IQ2_S quantization (ggml-quants.c quantize_row_iq2_xxs_impl,
// quantize_row_iq2_xs_impl, quantize_row_iq2_s_impl). Values are fitted in groups of 8 to the
// 2-bit lattice (levels 0..2 of 2l+1), magnitudes and signs apart: IQ2_XXS per 32 values from
// make_qp_quants' scale and 13 scales around it, IQ2_XS and IQ2_S per 16 values with 19 scales
// around max/5. IQ2_XXS and IQ2_XS keep 7 signs per 8 values (even parity, flipping the least
// important value); IQ2_S keeps all 8.
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

constexpr int kMaxQ = 3;  // levels 0..2, values 1, 3, 5
constexpr float kGroupMaxEpsIQ2S = 1e-8f;

float super_block_sumx2(const float* xbl) {
  float sumx2 = 0;
  for (int i = 0; i < kQK_K; ++i) sumx2 += xbl[i] * xbl[i];
  return sumx2;
}

// Magnitudes of 8 values into xval and their sign bits; with `even_parity` the value with the
// smallest weight * x^2 is flipped when the count of negatives is odd, and 7 bits are kept.
uint8_t group_signs(const float* xb, const float* weight, bool even_parity, float* xval) {
  int nflip = 0;
  uint8_t s = 0;
  for (int i = 0; i < 8; ++i) {
    if (xb[i] >= 0) {
      xval[i] = xb[i];
    } else {
      xval[i] = -xb[i];
      ++nflip;
      s |= static_cast<uint8_t>(1 << i);
    }
  }
  if (!even_parity) return s;
  if (nflip % 2) {
    int imin = 0;
    float min = weight[imin] * xb[imin] * xb[imin];
    for (int i = 1; i < 8; ++i) {
      const float ax = weight[i] * xb[i] * xb[i];
      if (ax < min) {
        min = ax;
        imin = i;
      }
    }
    xval[imin] = -xval[imin];
    s ^= static_cast<uint8_t>(1 << imin);
  }
  return s & 127;
}

// Levels of 8 values at inverse scale id, clamped to 0..2, packed 2 bits each.
int lattice_combination(const float* xval, float id, int8_t* L) {
  int u = 0;
  for (int i = 0; i < 8; ++i) {
    const int l = nearest_int(0.5f * (id * xval[i] - 1));
    L[i] = static_cast<int8_t>(std::max(0, std::min(kMaxQ - 1, l)));
    u |= L[i] << (2 * i);
  }
  return u;
}

// Fits one group of 8 at `scale`: on the grid as rounded, or its best neighbour. Writes L.
int fit_group(const IqLattice& lattice, const float* xval, const float* waux, float id, float scale, int8_t* L) {
  const int u = lattice_combination(xval, id, L);
  if (lattice.map[u] >= 0) return lattice.map[u];
  return iq_best_neighbour(lattice, lattice.neighbours_of(lattice.map[u]), xval, waux, scale, L);
}

void fit_sums(const float* xval, const float* weight, const int8_t* L, int n, float* sumqx, float* sumq2) {
  *sumqx = *sumq2 = 0;
  for (int i = 0; i < n; ++i) {
    const float w = weight[i];
    const float q = 2 * L[i] + 1;
    *sumqx += w * xval[i] * q;
    *sumq2 += w * q * q;
  }
}

int grid_index_of(const IqLattice& lattice, const int8_t* L) {
  int u = 0;
  for (int i = 0; i < 8; ++i) u |= L[i] << (2 * i);
  return std::max(0, static_cast<int>(lattice.map[u]));
}

// The 4-bit sub-block scale of ggml's IQ2 formats.
int sub_block_scale(float id, float scale) {
  return std::max(0, std::min(15, nearest_int(0.5f * (id * scale - 1))));
}

// ---- IQ2_XXS: 32-value sub-blocks ----

void quantize_iq2_xxs_block(const IqLattice& lattice, const float* xbl, const float* qw_block, BlockIQ2_XXS& y) {
  uint32_t q2[2 * (kQK_K / 32)] = {};  // per sub-block: 4 grid indices; 4 x 7 sign bits, scale on top
  float scales[kQK_K / 32];
  float weight[32], xval[32], waux[32];
  int8_t L[32], Laux[32];
  float max_scale = 0;
  const float sigma2 = super_block_sumx2(xbl) / kQK_K;
  for (int ib = 0; ib < kQK_K / 32; ++ib) {
    const float* xb = xbl + 32 * ib;
    const float* qw = qw_block + 32 * ib;
    for (int i = 0; i < 32; ++i) weight[i] = qw[i] * std::sqrt(sigma2 + xb[i] * xb[i]);
    for (int i = 0; i < 32; ++i) waux[i] = std::sqrt(weight[i]);
    uint8_t block_signs[4];
    for (int k = 0; k < 4; ++k) block_signs[k] = group_signs(xb + 8 * k, weight + 8 * k, true, xval + 8 * k);
    float max = xval[0];
    for (int i = 1; i < 32; ++i) max = std::max(max, xval[i]);
    if (max < kGroupMaxEps) {
      scales[ib] = 0;
      continue;
    }
    float scale = make_qp_quants(32, kMaxQ + 1, xval, reinterpret_cast<uint8_t*>(L), weight);
    const float eff_max = scale * kMaxQ;
    if (eff_max <= 0) {
      scales[ib] = 0;
      continue;
    }
    float best = 0;
    for (int is = -6; is <= 6; ++is) {
      const float id = (2 * kMaxQ - 1 + is * 0.1f) / eff_max;
      const float this_scale = 1 / id;
      for (int k = 0; k < 4; ++k) fit_group(lattice, xval + 8 * k, waux + 8 * k, id, this_scale, Laux + 8 * k);
      float sumqx, sumq2;
      fit_sums(xval, weight, Laux, 32, &sumqx, &sumq2);
      if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
        scale = sumqx / sumq2;
        best = scale * sumqx;
        std::memcpy(L, Laux, 32);
      }
    }
    if (scale > 0) {
      const float id = 1 / scale;
      for (int k = 0; k < 4; ++k) {
        const int grid_index = fit_group(lattice, xval + 8 * k, waux + 8 * k, id, scale, L + 8 * k);
        const int8_t* pg = lattice.point(grid_index);
        for (int i = 0; i < 8; ++i) L[8 * k + i] = static_cast<int8_t>((pg[i] - 1) / 2);
      }
      float sumqx, sumq2;
      fit_sums(xval, weight, L, 32, &sumqx, &sumq2);
      if (sumq2 > 0) scale = sumqx / sumq2;
    }
    if (scale < 0) {  // never expected; ggml flips the scale and the signs
      scale = -scale;
      for (int k = 0; k < 4; ++k) block_signs[k] = static_cast<uint8_t>(~block_signs[k] & 127);
    }
    for (int k = 0; k < 4; ++k) {
      q2[2 * ib + 0] |= static_cast<uint32_t>(grid_index_of(lattice, L + 8 * k)) << (8 * k);
      q2[2 * ib + 1] |= static_cast<uint32_t>(block_signs[k]) << (7 * k);
    }
    scales[ib] = scale;
    max_scale = std::max(max_scale, scale);
  }
  std::memset(&y, 0, sizeof(y));
  if (!max_scale) return;
  const float d = max_scale / 31;
  y.d = fp32_to_fp16(d);
  const float id = 1 / d;
  for (int ib = 0; ib < kQK_K / 32; ++ib)
    q2[2 * ib + 1] |= static_cast<uint32_t>(sub_block_scale(id, scales[ib])) << 28;
  std::memcpy(y.qs, q2, sizeof(q2));
}

// ---- IQ2_XS and IQ2_S: 16-value sub-blocks of two groups ----

// The scale search both share: 19 scales around max/5, then the groups that fell off the grid
// refitted at the best scale. Writes L[16] and returns the scale.
float fit_16(const IqLattice& lattice, const float* xval, const float* weight, const float* waux, float max,
             int8_t* L) {
  int8_t Laux[16];
  bool is_on_grid[2] = {true, true};
  bool is_on_grid_aux[2];
  float best = 0;
  float scale = max / (2 * kMaxQ - 1);
  for (int is = -9; is <= 9; ++is) {
    const float id = (2 * kMaxQ - 1 + is * 0.1f) / max;
    const float this_scale = 1 / id;
    for (int k = 0; k < 2; ++k) {
      const int u = lattice_combination(xval + 8 * k, id, Laux + 8 * k);
      is_on_grid_aux[k] = lattice.map[u] >= 0;
      if (!is_on_grid_aux[k]) {
        iq_best_neighbour(lattice, lattice.neighbours_of(lattice.map[u]), xval + 8 * k, waux + 8 * k, this_scale,
                          Laux + 8 * k);
      }
    }
    float sumqx, sumq2;
    fit_sums(xval, weight, Laux, 16, &sumqx, &sumq2);
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      scale = sumqx / sumq2;
      best = scale * sumqx;
      std::memcpy(L, Laux, 16);
      is_on_grid[0] = is_on_grid_aux[0];
      is_on_grid[1] = is_on_grid_aux[1];
    }
  }
  if ((!is_on_grid[0] || !is_on_grid[1]) && scale > 0) {
    const float id = 1 / scale;
    for (int k = 0; k < 2; ++k) {
      if (is_on_grid[k]) continue;
      fit_group(lattice, xval + 8 * k, waux + 8 * k, id, scale, L + 8 * k);
    }
    float sumqx, sumq2;
    fit_sums(xval, weight, L, 16, &sumqx, &sumq2);
    if (sumq2 > 0) scale = sumqx / sumq2;
  }
  return scale;
}

// One 16-value sub-block of IQ2_XS (even_parity: 7 signs per 8) or IQ2_S (8 signs): its weights
// (importance * sqrt(sigma2 + x^2), or 0.25 sigma2 + x^2 without importance, IQ2_S only), signs
// and fit. False for a sub-block whose largest magnitude is below `eps` (stored as zeros).
bool quantize_16(const IqLattice& lattice, const float* xb, const float* qw, float sigma2, bool even_parity, float eps,
                 int8_t* L, uint8_t* block_signs, float* scale) {
  float weight[16], xval[16], waux[16];
  if (qw) {
    for (int i = 0; i < 16; ++i) weight[i] = qw[i] * std::sqrt(sigma2 + xb[i] * xb[i]);
  } else {
    for (int i = 0; i < 16; ++i) weight[i] = 0.25f * sigma2 + xb[i] * xb[i];
  }
  for (int i = 0; i < 16; ++i) waux[i] = std::sqrt(weight[i]);
  for (int k = 0; k < 2; ++k) block_signs[k] = group_signs(xb + 8 * k, weight + 8 * k, even_parity, xval + 8 * k);
  float max = xval[0];
  for (int i = 1; i < 16; ++i) max = std::max(max, xval[i]);
  std::memset(L, 0, 16);
  if (max < eps) return false;
  *scale = fit_16(lattice, xval, weight, waux, max, L);
  if (*scale < 0) {  // never expected; ggml flips the scale and the signs
    *scale = -*scale;
    const uint8_t mask = even_parity ? 127 : 255;
    for (int k = 0; k < 2; ++k) block_signs[k] = static_cast<uint8_t>(~block_signs[k] & mask);
  }
  return true;
}

void quantize_iq2_xs_block(const IqLattice& lattice, const float* xbl, const float* qw_block, BlockIQ2_XS& y) {
  uint16_t q2[2 * (kQK_K / 16)] = {};  // per group: grid index (9 bits) | 7 sign bits << 9
  float scales[kQK_K / 16];
  int8_t L[16];
  float max_scale = 0;
  const float sigma2 = super_block_sumx2(xbl) / kQK_K;
  for (int ib = 0; ib < kQK_K / 16; ++ib) {
    uint8_t block_signs[2];
    float scale = 0;
    if (!quantize_16(lattice, xbl + 16 * ib, qw_block + 16 * ib, sigma2, true, kGroupMaxEps, L, block_signs, &scale)) {
      scales[ib] = 0;
      continue;
    }
    for (int k = 0; k < 2; ++k) {
      q2[2 * ib + k] = static_cast<uint16_t>(grid_index_of(lattice, L + 8 * k) | (block_signs[k] << 9));
    }
    scales[ib] = scale;
    max_scale = std::max(max_scale, scale);
  }
  std::memset(&y, 0, sizeof(y));
  if (!max_scale) return;
  const float d = max_scale / 31;
  y.d = fp32_to_fp16(d);
  const float id = 1 / d;
  for (int ib = 0; ib < kQK_K / 16; ++ib) {
    const int l = sub_block_scale(id, scales[ib]);
    y.scales[ib / 2] |= static_cast<uint8_t>(ib % 2 == 0 ? l : l << 4);
  }
  std::memcpy(y.qs, q2, sizeof(q2));
}

void quantize_iq2_s_block(const IqLattice& lattice, const float* xbl, const float* qw_block, BlockIQ2_S& y) {
  std::memset(&y, 0, sizeof(y));
  float scales[kQK_K / 16];
  int8_t L[16];
  float max_scale = 0;
  const float sigma2 = 2 * super_block_sumx2(xbl) / kQK_K;
  for (int ib = 0; ib < kQK_K / 16; ++ib) {
    uint8_t block_signs[2];
    float scale = 0;
    const float* qw = qw_block ? qw_block + 16 * ib : nullptr;
    if (!quantize_16(lattice, xbl + 16 * ib, qw, sigma2, false, kGroupMaxEpsIQ2S, L, block_signs, &scale)) {
      scales[ib] = 0;
      continue;
    }
    for (int k = 0; k < 2; ++k) {
      const int grid_index = grid_index_of(lattice, L + 8 * k);
      const int i8 = 2 * ib + k;
      y.qs[i8] = static_cast<uint8_t>(grid_index & 255);
      y.qh[i8 / 4] |= static_cast<uint8_t>((grid_index >> 8) << (2 * (i8 % 4)));
      y.qs[kQK_K / 8 + i8] = block_signs[k];
    }
    scales[ib] = scale;
    max_scale = std::max(max_scale, scale);
  }
  if (!max_scale) return;
  const float d = max_scale / 31;
  y.d = fp32_to_fp16(d * 0.9875f);  // ggml's fudge factor
  const float id = 1 / d;
  for (int ib = 0; ib < kQK_K / 16; ++ib) {
    const int l = sub_block_scale(id, scales[ib]);
    y.scales[ib / 2] |= static_cast<uint8_t>(ib % 2 == 0 ? l : l << 4);
  }
}

template <typename Block, void (*quantize_block)(const IqLattice&, const float*, const float*, Block&)>
bool quantize_rows(IqLatticeKind kind, const float* src, void* dst, int64_t n, const float* importance) {
  const IqLattice& lattice = iq_lattice(kind);
  Block* y = static_cast<Block*>(dst);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib) {
    quantize_block(lattice, src + kQK_K * ib, importance ? importance + kQK_K * ib : nullptr, y[ib]);
  }
  return true;
}

}  // namespace

bool quantize_row_iq2_xxs(const float* src, void* dst, int64_t n, const float* importance) {
  if (importance == nullptr) return false;  // ggml asserts: garbage without one
  return quantize_rows<BlockIQ2_XXS, quantize_iq2_xxs_block>(IqLatticeKind::kIQ2XXS, src, dst, n, importance);
}

bool quantize_row_iq2_xs(const float* src, void* dst, int64_t n, const float* importance) {
  if (importance == nullptr) return false;
  return quantize_rows<BlockIQ2_XS, quantize_iq2_xs_block>(IqLatticeKind::kIQ2XS, src, dst, n, importance);
}

bool quantize_row_iq2_s(const float* src, void* dst, int64_t n, const float* importance) {
  return quantize_rows<BlockIQ2_S, quantize_iq2_s_block>(IqLatticeKind::kIQ2S, src, dst, n, importance);
}

}  // namespace webgguf
