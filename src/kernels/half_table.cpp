// The 64K-entry half -> float table of simd128-inl.h.
#include "kernels/simd128-inl.h"

namespace webgguf::simd {

const float* HalfToFloatTable() {
  static const float* const table = [] {
    static float values[1 << 16];
    for (uint32_t h = 0; h < (1u << 16); ++h) values[h] = HalfToFloat(static_cast<uint16_t>(h));
    return values;
  }();
  return table;
}

}  // namespace webgguf::simd
