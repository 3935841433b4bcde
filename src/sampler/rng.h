// A seeded random source that gives the same sequence natively and in wasm: the Mersenne
// Twister MT19937 (bit-identical to std::mt19937) and our own conversion to a uniform double,
// because std:: distributions differ between standard libraries.
#pragma once
#include <cstdint>

namespace webgguf {

class Mt19937 {
 public:
  static constexpr uint32_t kDefaultSeed = 5489u;
  explicit Mt19937(uint32_t seed = kDefaultSeed) { seed_with(seed); }

  void seed_with(uint32_t seed);
  uint32_t next_u32();

  // Uniform in [0, 1): two 32-bit draws combined as libstdc++'s generate_canonical<double, 53>
  // does (low word first), so a seed draws the same numbers as llama.cpp built with GCC.
  double next_unit_double();

 private:
  static constexpr int kStateSize = 624;
  void twist();
  uint32_t state_[kStateSize];
  int index_ = kStateSize;
};

}  // namespace webgguf
