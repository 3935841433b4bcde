// IQ1_S and IQ1_M quantization (ggml-quants.c quantize_row_iq1_s_impl, quantize_row_iq1_m_impl).
// Each value becomes -1, 0 or +1 shifted by +-delta (IQ1S_DELTA = IQ1M_DELTA = 0.125): with three
// levels the weighted least-squares split of a sorted sub-block into three runs is searched
// exhaustively, then groups of 8 are moved onto the 2048-point grid. IQ1_S: 32-value sub-blocks,
// one shift each; IQ1_M: 16-value sub-blocks, one shift per group of 8, and the super-block
// scale refitted over all of them at the end.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks_iq.h"
#include "quant/iq_lattice.h"
#include "quant/iq_quantize.h"
#include "quant/scale_search.h"

namespace webgguf {
namespace {

constexpr float kDelta = 0.125f;  // IQ1S_DELTA, IQ1M_DELTA
constexpr float kXp[3] = {-1 + kDelta, kDelta, 1 + kDelta};
constexpr float kXm[3] = {-1 - kDelta, -kDelta, 1 - kDelta};
constexpr float kGroupMaxEpsIQ1S = 1e-12f;
constexpr float kGroupMaxEpsIQ1M = 1e-7f;

float super_block_sigma2(const float* xbl) {
  float sumx2 = 0;
  for (int i = 0; i < kQK_K; ++i) sumx2 += xbl[i] * xbl[i];
  return 2 * sumx2 / kQK_K;
}

// The sub-block's indices in ascending order of value, ties in index order: ggml sorts (value,
// index) pairs by value with glibc's qsort, a merge sort, which keeps ties in order.
template <int n>
void sort_by_value(const float* xb, int* idx) {
  for (int j = 0; j < n; ++j) idx[j] = j;
  std::stable_sort(idx, idx + n, [&](int a, int b) { return xb[a] < xb[b]; });
}

// ggml's iq1_find_best_neighbour2: the neighbour whose levels, read through xx (the shifted
// values), are closest to xval at `scale`; writes its levels and returns its index.
int best_neighbour(const IqLattice& lattice, const uint16_t* neighbours, const float* xval, const float* weight,
                   float scale, const float* xx, int8_t* L) {
  const int n = neighbours[0];
  float best_score = FLT_MAX;
  int grid_index = neighbours[1];
  for (int j = 1; j <= n; ++j) {
    const int8_t* pg = lattice.point(neighbours[j]);
    float d2 = 0;
    for (int i = 0; i < 8; ++i) {
      const float q = xx[(pg[i] - 1) / 2];
      const float w = weight[i];
      const float diff = scale * q - xval[i];
      d2 += w * diff * diff;
    }
    if (d2 < best_score) {
      best_score = d2;
      grid_index = neighbours[j];
    }
  }
  const int8_t* pg = lattice.point(grid_index);
  for (int i = 0; i < 8; ++i) L[i] = static_cast<int8_t>((pg[i] - 1) / 2);
  return grid_index;
}

// Grid index of a group of 8 levels, moving it to its best neighbour when off the grid.
int group_index(const IqLattice& lattice, const float* xb, const float* weight, float scale, const float* xx, int8_t* L,
                bool* all_on_grid) {
  int u = 0;
  for (int j = 0; j < 8; ++j) u |= L[j] << (2 * j);
  const int grid_index = lattice.map[u];
  if (grid_index >= 0) return grid_index;
  *all_on_grid = false;
  return best_neighbour(lattice, lattice.neighbours_of(grid_index), xb, weight, scale, xx, L);
}

// Sums over the groups' grid points read through their shifted values.
float refit_scale(const IqLattice& lattice, const float* xb, const float* weight, const uint16_t* index, int n_groups,
                  const float* const* xx_of_group, float scale) {
  float sumqx = 0, sumq2 = 0;
  for (int k = 0; k < n_groups; ++k) {
    const int8_t* pg = lattice.point(index[k]);
    for (int j = 0; j < 8; ++j) {
      const float w = weight[8 * k + j];
      const float q = xx_of_group[k][(pg[j] - 1) / 2];
      sumqx += w * q * xb[8 * k + j];
      sumq2 += w * q * q;
    }
  }
  return sumqx > 0 && sumq2 > 0 ? sumqx / sumq2 : scale;
}

void quantize_iq1_s_block(const IqLattice& lattice, const float* xbl, const float* qw_block, BlockIQ1_S& y) {
  constexpr int bs = 32;
  std::memset(&y, 0, sizeof(y));
  float scales[kQK_K / bs];
  int8_t shifts[kQK_K / bs];
  float weight[bs], sumx[bs + 1], sumw[bs + 1];
  int8_t L[bs];
  int idx[bs];
  uint16_t index[bs / 8];
  float max_scale = 0;
  const float sigma2 = super_block_sigma2(xbl);
  for (int ib = 0; ib < kQK_K / bs; ++ib) {
    const float* xb = xbl + bs * ib;
    const float* qw = qw_block + bs * ib;
    for (int i = 0; i < bs; ++i) weight[i] = qw[i] * std::sqrt(sigma2 + xb[i] * xb[i]);
    float max = std::fabs(xb[0]);
    for (int i = 1; i < bs; ++i) max = std::max(max, std::fabs(xb[i]));
    scales[ib] = 0;
    shifts[ib] = 1;
    if (max < kGroupMaxEpsIQ1S) continue;
    sort_by_value<bs>(xb, idx);
    sumx[0] = sumw[0] = 0;
    for (int j = 0; j < bs; ++j) {
      const int i = idx[j];
      sumx[j + 1] = sumx[j] + weight[i] * xb[i];
      sumw[j + 1] = sumw[j] + weight[i];
    }
    // Runs [0, i1) -> -1, [i1, i2) -> 0, [i2, bs) -> +1 of the sorted values, shifted by +-delta.
    float best_score = -FLT_MAX, scale = max;
    int besti1 = -1, besti2 = -1, best_shift = 0;
    for (int i1 = 0; i1 <= bs; ++i1) {
      for (int i2 = i1; i2 <= bs; ++i2) {
        for (int shift : {1, -1}) {
          const float* x = shift == 1 ? kXp : kXm;
          const float sumqx = (sumx[i1] - sumx[0]) * x[0] + (sumx[i2] - sumx[i1]) * x[1] + (sumx[bs] - sumx[i2]) * x[2];
          const float sumq2 = (sumw[i1] - sumw[0]) * x[0] * x[0] + (sumw[i2] - sumw[i1]) * x[1] * x[1] +
                              (sumw[bs] - sumw[i2]) * x[2] * x[2];
          if (sumq2 > 0 && sumqx * sumqx > best_score * sumq2) {
            scale = sumqx / sumq2;
            best_score = scale * sumqx;
            besti1 = i1;
            besti2 = i2;
            best_shift = shift;
          }
        }
      }
    }
    if (besti1 < 0 || besti2 < 0 || best_shift == 0) continue;
    for (int j = 0; j < besti1; ++j) L[idx[j]] = 0;
    for (int j = besti1; j < besti2; ++j) L[idx[j]] = 1;
    for (int j = besti2; j < bs; ++j) L[idx[j]] = 2;
    if (scale < 0) {
      for (int j = 0; j < bs; ++j) L[j] = static_cast<int8_t>(2 - L[j]);
      scale = -scale;
      best_shift = -best_shift;
    }
    const float* xx = best_shift == 1 ? kXp : kXm;
    bool all_on_grid = true;
    for (int k = 0; k < bs / 8; ++k) {
      index[k] =
          static_cast<uint16_t>(group_index(lattice, xb + 8 * k, weight + 8 * k, scale, xx, L + 8 * k, &all_on_grid));
    }
    if (!all_on_grid) {
      const float* xx_of_group[bs / 8] = {xx, xx, xx, xx};
      scale = refit_scale(lattice, xb, weight, index, bs / 8, xx_of_group, scale);
    }
    uint16_t h = 0;
    for (int k = 0; k < bs / 8; ++k) {
      y.qs[(bs / 8) * ib + k] = static_cast<uint8_t>(index[k] & 255);
      h = static_cast<uint16_t>(h | ((index[k] >> 8) << (3 * k)));
    }
    y.qh[ib] = h;
    scales[ib] = scale;
    shifts[ib] = static_cast<int8_t>(best_shift);
    max_scale = std::max(max_scale, scale);
  }
  if (!max_scale) return;
  const float d = max_scale / 15;
  y.d = fp32_to_fp16(d * 1.125f);  // ggml's fudge factor
  const float id = 1 / d;
  for (int ib = 0; ib < kQK_K / bs; ++ib) {
    int l = std::max(0, std::min(7, nearest_int(0.5f * (id * scales[ib] - 1))));
    if (shifts[ib] == -1) l |= 8;
    y.qh[ib] = static_cast<uint16_t>(y.qh[ib] | (l << 12));
  }
}

// IQ1_M's four sign patterns of a 16-value sub-block: shift of the first and of the second 8.
const float* iq1m_shifted_values(int pattern, int group) {
  if (group == 0) return pattern < 2 ? kXp : kXm;
  return pattern % 2 == 0 ? kXp : kXm;
}

void iq1m_weights(const float* xb, const float* qw, float sigma2, float* weight) {
  if (qw) {
    for (int i = 0; i < 16; ++i) weight[i] = qw[i] * std::sqrt(sigma2 + xb[i] * xb[i]);
  } else {
    for (int i = 0; i < 16; ++i) weight[i] = xb[i] * xb[i];
  }
}

void quantize_iq1_m_block(const IqLattice& lattice, const float* xbl, const float* qw_block, BlockIQ1_M& y) {
  constexpr int bs = 16;
  constexpr uint8_t kMasks[4] = {0x00, 0x80, 0x08, 0x88};
  std::memset(&y, 0, sizeof(y));
  float scales[kQK_K / bs];
  int8_t shifts[kQK_K / bs];
  float weight[bs];
  int8_t L[bs];
  int idx[bs];
  uint16_t index[bs / 8];
  float max_scale = 0;
  const float sigma2 = super_block_sigma2(xbl);
  for (int ib = 0; ib < kQK_K / bs; ++ib) {
    const float* xb = xbl + bs * ib;
    iq1m_weights(xb, qw_block ? qw_block + bs * ib : nullptr, sigma2, weight);
    float max = std::fabs(xb[0]);
    for (int i = 1; i < bs; ++i) max = std::max(max, std::fabs(xb[i]));
    scales[ib] = 0;
    shifts[ib] = 0;
    if (max < kGroupMaxEpsIQ1M) continue;
    sort_by_value<bs>(xb, idx);
    // Patterns k: 0 (+,+), 1 (+,-), 2 (-,+), 3 (-,-) for the first and second half.
    float best_score = -FLT_MAX, scale = max;
    int besti1 = -1, besti2 = -1, best_k = -1;
    for (int i1 = 0; i1 <= bs; ++i1) {
      for (int i2 = i1; i2 <= bs; ++i2) {
        float sumqx[4] = {}, sumq2[4] = {};
        for (int j = 0; j < bs; ++j) {
          const int level = j < i1 ? 0 : j < i2 ? 1 : 2;
          const int i = idx[j];
          const float p = kXp[level], m = kXm[level];
          // First half: patterns 0, 1 use +, 2, 3 use -; second half: 0, 2 use +, 1, 3 use -.
          const bool first = i < bs / 2;
          const int plus_a = 0, plus_b = first ? 1 : 2, minus_a = first ? 2 : 1, minus_b = 3;
          sumqx[plus_a] += weight[i] * p * xb[i];
          sumqx[plus_b] += weight[i] * p * xb[i];
          sumqx[minus_a] += weight[i] * m * xb[i];
          sumqx[minus_b] += weight[i] * m * xb[i];
          sumq2[plus_a] += weight[i] * p * p;
          sumq2[plus_b] += weight[i] * p * p;
          sumq2[minus_a] += weight[i] * m * m;
          sumq2[minus_b] += weight[i] * m * m;
        }
        for (int k = 0; k < 4; ++k) {
          if (sumq2[k] > 0 && sumqx[k] * sumqx[k] > best_score * sumq2[k]) {
            scale = sumqx[k] / sumq2[k];
            best_score = scale * sumqx[k];
            besti1 = i1;
            besti2 = i2;
            best_k = k;
          }
        }
      }
    }
    if (besti1 < 0 || besti2 < 0 || best_k < 0) continue;
    for (int j = 0; j < besti1; ++j) L[idx[j]] = 0;
    for (int j = besti1; j < besti2; ++j) L[idx[j]] = 1;
    for (int j = besti2; j < bs; ++j) L[idx[j]] = 2;
    if (scale < 0) {
      for (int j = 0; j < bs; ++j) L[j] = static_cast<int8_t>(2 - L[j]);
      scale = -scale;
      best_k = 3 - best_k;
    }
    bool all_on_grid = true;
    const float* xx_of_group[2] = {iq1m_shifted_values(best_k, 0), iq1m_shifted_values(best_k, 1)};
    for (int k = 0; k < bs / 8; ++k) {
      index[k] = static_cast<uint16_t>(
          group_index(lattice, xb + 8 * k, weight + 8 * k, scale, xx_of_group[k], L + 8 * k, &all_on_grid));
    }
    if (!all_on_grid) scale = refit_scale(lattice, xb, weight, index, bs / 8, xx_of_group, scale);
    y.qs[2 * ib + 0] = static_cast<uint8_t>(index[0] & 255);
    y.qs[2 * ib + 1] = static_cast<uint8_t>(index[1] & 255);
    y.qh[ib] = static_cast<uint8_t>((index[0] >> 8) | ((index[1] >> 8) << 4));
    scales[ib] = scale;
    shifts[ib] = static_cast<int8_t>(best_k);
    max_scale = std::max(max_scale, scale);
  }
  if (!max_scale) return;
  uint16_t sc[4] = {};
  float d = max_scale / 15;
  const float id = 1 / d;
  // The super-block scale refitted over every sub-block with its 3-bit scale (all-zero
  // sub-blocks included, read as grid point 0, as ggml does).
  float sumqx_f = 0, sumq2_f = 0;
  for (int ib = 0; ib < kQK_K / bs; ++ib) {
    const int l = std::max(0, std::min(7, nearest_int(0.5f * (id * scales[ib] - 1))));
    sc[ib / 4] = static_cast<uint16_t>(sc[ib / 4] | (l << (3 * (ib % 4))));
    y.qh[ib] |= kMasks[shifts[ib]];
    const float* xb = xbl + bs * ib;
    iq1m_weights(xb, qw_block ? qw_block + bs * ib : nullptr, sigma2, weight);
    for (int k = 0; k < bs / 8; ++k) {
      const float* xx = iq1m_shifted_values(shifts[ib], k);
      const int8_t* pg = lattice.point(y.qs[2 * ib + k] + ((y.qh[ib] << (8 - 4 * k)) & 0x700));
      for (int j = 0; j < 8; ++j) {
        const float w = weight[8 * k + j];
        const float q = xx[(pg[j] - 1) / 2] * (2 * l + 1);
        sumqx_f += w * q * xb[8 * k + j];
        sumq2_f += w * q * q;
      }
    }
  }
  if (sumq2_f > 0) d = sumqx_f / sumq2_f;
  const uint16_t s = fp32_to_fp16(d * 1.1125f);  // ggml's fudge factor
  sc[0] = static_cast<uint16_t>(sc[0] | ((s & 0x000f) << 12));
  sc[1] = static_cast<uint16_t>(sc[1] | ((s & 0x00f0) << 8));
  sc[2] = static_cast<uint16_t>(sc[2] | ((s & 0x0f00) << 4));
  sc[3] = static_cast<uint16_t>(sc[3] | (s & 0xf000));
  std::memcpy(y.scales, sc, sizeof(sc));
}

}  // namespace

bool quantize_row_iq1_s(const float* src, void* dst, int64_t n, const float* importance) {
  if (importance == nullptr) return false;  // ggml asserts: garbage without one
  const IqLattice& lattice = iq_lattice(IqLatticeKind::kIQ1S);
  BlockIQ1_S* y = static_cast<BlockIQ1_S*>(dst);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib)
    quantize_iq1_s_block(lattice, src + kQK_K * ib, importance + kQK_K * ib, y[ib]);
  return true;
}

bool quantize_row_iq1_m(const float* src, void* dst, int64_t n, const float* importance) {
  const IqLattice& lattice = iq_lattice(IqLatticeKind::kIQ1S);
  BlockIQ1_M* y = static_cast<BlockIQ1_M*>(dst);
  for (int64_t ib = 0; ib < n / kQK_K; ++ib) {
    quantize_iq1_m_block(lattice, src + kQK_K * ib, importance ? importance + kQK_K * ib : nullptr, y[ib]);
  }
  return true;
}

}  // namespace webgguf
