// Helpers shared by the ops_* kernel tests: deterministic inputs and the length sweep.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace webgguf::testing {

// Lengths around the vector width (4 f32 lanes) and its multiples, plus tails.
inline std::vector<int> sweep_lengths() {
  return {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 66, 255, 256, 257};
}

inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// |a - b| <= tol * max(1, |b|)
inline bool close_relative(float a, float b, float tol) {
  return std::fabs(a - b) <= tol * std::fmax(1.0f, std::fabs(b));
}

}  // namespace webgguf::testing
