#include "quant/iq_lattice.h"

#include <algorithm>
#include <cfloat>

#include "quant/iq_lattice_points.h"

namespace webgguf {
namespace {

struct LatticeSpec {
  const uint16_t* packed;  // iq_lattice_points: levels packed bits_per_value apiece
  int grid_size;
  int values_per_point;
  int bits_per_value;
  int combinations;  // ggml's kmap_size
  int nwant;         // distinct nearest distances kept per off-grid combination
};

LatticeSpec spec_of(IqLatticeKind kind) {
  namespace p = iq_lattice_points;
  // ggml: kmap_size 43692 for the 2-bit lattices (levels 0..2 reach index 0xAAAA + 1), 4096 for
  // IQ3; nwant 3 for IQ1, 1 for IQ2_S, 2 for IQ2_XXS/IQ2_XS and IQ3_XXS, 3 for IQ3_S.
  switch (kind) {
    case IqLatticeKind::kIQ2XXS: return {p::kIQ2XXS, 256, 8, 2, 43692, 2};
    case IqLatticeKind::kIQ2XS: return {p::kIQ2XS, 512, 8, 2, 43692, 2};
    case IqLatticeKind::kIQ2S: return {p::kIQ2S, 1024, 8, 2, 43692, 1};
    case IqLatticeKind::kIQ1S: return {p::kIQ1S, 2048, 8, 2, 43692, 3};
    case IqLatticeKind::kIQ3XXS: return {p::kIQ3XXS, 256, 4, 3, 4096, 2};
    case IqLatticeKind::kIQ3S: return {p::kIQ3S, 512, 4, 3, 4096, 3};
  }
  return {};
}

IqLattice build(const LatticeSpec& spec) {
  IqLattice lattice;
  const int nv = spec.values_per_point;
  const int mask = (1 << spec.bits_per_value) - 1;
  lattice.values_per_point = nv;
  lattice.points.resize(static_cast<size_t>(spec.grid_size) * nv);
  for (int k = 0; k < spec.grid_size; ++k) {
    for (int i = 0; i < nv; ++i) {
      const int l = (spec.packed[k] >> (spec.bits_per_value * i)) & mask;
      lattice.points[k * nv + i] = static_cast<int8_t>(2 * l + 1);
    }
  }
  lattice.map.assign(spec.combinations, -1);
  for (int k = 0; k < spec.grid_size; ++k) {
    int index = 0;
    for (int i = 0; i < nv; ++i) index |= ((lattice.points[k * nv + i] - 1) / 2) << (spec.bits_per_value * i);
    lattice.map[index] = k;
  }
  // Off-grid combinations, in index order: every grid point at the nwant smallest distinct
  // squared distances, in (distance, index) order, which is the order ggml's qsort with
  // iq2_compare_func leaves them in. Selecting the distances first keeps this O(grid) per
  // combination instead of a sort (IQ1_S: 41644 combinations x 2048 points).
  std::vector<int> dist2(spec.grid_size);
  int8_t pos[8];
  for (int i = 0; i < spec.combinations; ++i) {
    if (lattice.map[i] >= 0) continue;
    for (int k = 0; k < nv; ++k) pos[k] = static_cast<int8_t>(2 * ((i >> (spec.bits_per_value * k)) & mask) + 1);
    int nearest[3];  // the smallest distinct distances, ascending (nwant <= 3)
    int n_nearest = 0;
    for (int j = 0; j < spec.grid_size; ++j) {
      const int8_t* pg = lattice.point(j);
      int d2 = 0;
      for (int k = 0; k < nv; ++k) d2 += (pg[k] - pos[k]) * (pg[k] - pos[k]);
      dist2[j] = d2;
      int at = 0;
      while (at < n_nearest && nearest[at] < d2) ++at;
      if (at < n_nearest && nearest[at] == d2) continue;
      if (at >= spec.nwant) continue;
      for (int m = std::min(n_nearest, spec.nwant - 1); m > at; --m) nearest[m] = nearest[m - 1];
      nearest[at] = d2;
      n_nearest = std::min(n_nearest + 1, spec.nwant);
    }
    const size_t start = lattice.neighbours.size();
    lattice.map[i] = -static_cast<int32_t>(start + 1);
    lattice.neighbours.push_back(0);
    for (int m = 0; m < n_nearest; ++m) {
      for (int j = 0; j < spec.grid_size; ++j) {
        if (dist2[j] == nearest[m]) lattice.neighbours.push_back(static_cast<uint16_t>(j));
      }
    }
    lattice.neighbours[start] = static_cast<uint16_t>(lattice.neighbours.size() - start - 1);
  }
  return lattice;
}

}  // namespace

const IqLattice& iq_lattice(IqLatticeKind kind) {
  // Function-local statics: built on first use, once, even with several threads asking.
  switch (kind) {
    case IqLatticeKind::kIQ2XXS: {
      static const IqLattice lattice = build(spec_of(kind));
      return lattice;
    }
    case IqLatticeKind::kIQ2XS: {
      static const IqLattice lattice = build(spec_of(kind));
      return lattice;
    }
    case IqLatticeKind::kIQ2S: {
      static const IqLattice lattice = build(spec_of(kind));
      return lattice;
    }
    case IqLatticeKind::kIQ1S: {
      static const IqLattice lattice = build(spec_of(kind));
      return lattice;
    }
    case IqLatticeKind::kIQ3XXS: {
      static const IqLattice lattice = build(spec_of(kind));
      return lattice;
    }
    case IqLatticeKind::kIQ3S:
    default: {
      static const IqLattice lattice = build(spec_of(IqLatticeKind::kIQ3S));
      return lattice;
    }
  }
}

int iq_best_neighbour(const IqLattice& lattice, const uint16_t* neighbours, const float* xval, const float* weight,
                      float scale, int8_t* L) {
  const int nv = lattice.values_per_point;
  const int n = neighbours[0];
  float best_d2 = FLT_MAX;
  int grid_index = neighbours[1];  // n >= 1 always (every combination has a nearest point)
  for (int j = 1; j <= n; ++j) {
    const int8_t* pg = lattice.point(neighbours[j]);
    float d2 = 0;
    for (int i = 0; i < nv; ++i) {
      const float q = pg[i];
      const float diff = scale * q - xval[i];
      d2 += weight[i] * diff * diff;
    }
    if (d2 < best_d2) {
      best_d2 = d2;
      grid_index = neighbours[j];
    }
  }
  const int8_t* pg = lattice.point(grid_index);
  for (int i = 0; i < nv; ++i) L[i] = static_cast<int8_t>((pg[i] - 1) / 2);
  return grid_index;
}

}  // namespace webgguf
