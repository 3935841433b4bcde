// The search structures of ggml's low-bit I-quant quantizers (ggml-quants.c iq2xs_init_impl and
// iq3xs_init_impl). A "lattice" is one grid of allowed points: IQ1/IQ2 points are 8 values, each
// an odd level 2l+1 with l in 0..2 (IQ1) or 0..3 (IQ2); IQ3 points are 4 values with l in 0..7.
// The map sends every combination of levels (l packed 2 or 3 bits per value) to its grid index,
// or, when the combination is not on the grid, to -(offset + 1) into `neighbours`, where
// neighbours[offset] = n is followed by the n grid indices nearest to it (all points at the
// nearest `nwant` distinct squared distances, ties in index order), exactly as ggml builds them.
// Built once per grid on first use (thread-safe), then shared read-only.
#pragma once
#include <cstdint>
#include <vector>

namespace webgguf {

struct IqLattice {
  int values_per_point = 0;    // 8 (IQ1/IQ2) or 4 (IQ3)
  std::vector<int8_t> points;  // [grid_size, values_per_point] odd levels 2l+1
  std::vector<int32_t> map;    // [combinations] grid index, or -(offset + 1) into neighbours
  std::vector<uint16_t> neighbours;

  const int8_t* point(int index) const { return points.data() + index * values_per_point; }
  // The neighbour list of an off-grid combination: [n, index_1, ..., index_n].
  const uint16_t* neighbours_of(int32_t map_value) const { return neighbours.data() + (-map_value - 1); }
};

enum class IqLatticeKind { kIQ2XXS, kIQ2XS, kIQ2S, kIQ1S, kIQ3XXS, kIQ3S };

const IqLattice& iq_lattice(IqLatticeKind kind);

// ggml's iq2_find_best_neighbour / iq3_find_best_neighbour: among the neighbours of an off-grid
// point, the grid point q minimising sum weight * (scale * q - xval)^2 (the first on ties);
// writes its levels to L and returns its index.
int iq_best_neighbour(const IqLattice& lattice, const uint16_t* neighbours, const float* xval, const float* weight,
                      float scale, int8_t* L);

}  // namespace webgguf
