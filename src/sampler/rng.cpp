#include "sampler/rng.h"

#include <cmath>

namespace webgguf {

namespace {
constexpr int kShift = 397;  // MT19937 middle word offset (m)
constexpr uint32_t kMatrixA = 0x9908b0dfu;
constexpr uint32_t kUpperMask = 0x80000000u;
constexpr uint32_t kLowerMask = 0x7fffffffu;
}  // namespace

void Mt19937::seed_with(uint32_t seed) {
  state_[0] = seed;
  for (int i = 1; i < kStateSize; ++i) {
    state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  index_ = kStateSize;
}

void Mt19937::twist() {
  for (int i = 0; i < kStateSize; ++i) {
    const uint32_t y = (state_[i] & kUpperMask) | (state_[(i + 1) % kStateSize] & kLowerMask);
    state_[i] = state_[(i + kShift) % kStateSize] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  }
  index_ = 0;
}

uint32_t Mt19937::next_u32() {
  if (index_ >= kStateSize) twist();
  uint32_t y = state_[index_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

double Mt19937::next_unit_double() {
  const double low = static_cast<double>(next_u32());
  const double high = static_cast<double>(next_u32());
  const double value = (low + high * 4294967296.0) / 18446744073709551616.0;  // / 2^64
  // The sum can round up to exactly 1.0; keep the half-open interval.
  return value < 1.0 ? value : std::nextafter(1.0, 0.0);
}

}  // namespace webgguf
