// A fast 64-bit hash over bytes, incremental (the pieces of a stream hash as their concatenation).
// For checksums and identities of our own files (saved sessions), not for security: one
// multiply-rotate round per 8-byte word (xxHash64's round and final mix), so a 500 MB session is
// checked in a fraction of a second where SHA-256 would take seconds in wasm.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace webgguf {

class Hash64 {
 public:
  void update(const void* data, size_t size) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    length_ += size;
    if (pending_ > 0) {  // complete the word a previous piece began
      const size_t take = size < 8 - pending_ ? size : 8 - pending_;
      std::memcpy(buffer_ + pending_, p, take);
      pending_ += take;
      p += take;
      size -= take;
      if (pending_ < 8) return;
      mix_word(buffer_);
      pending_ = 0;
    }
    for (; size >= 8; p += 8, size -= 8) mix_word(p);
    std::memcpy(buffer_, p, size);
    pending_ = size;
  }

  uint64_t finish() const {
    uint64_t h = state_ ^ (length_ * kPrime5);
    for (size_t i = 0; i < pending_; ++i) h = rotl(h ^ (buffer_[i] * kPrime5), 11) * kPrime1;
    h ^= h >> 33;
    h *= kPrime2;
    h ^= h >> 29;
    h *= kPrime3;
    h ^= h >> 32;
    return h;
  }

  static uint64_t of(const void* data, size_t size) {
    Hash64 h;
    h.update(data, size);
    return h.finish();
  }

 private:
  static constexpr uint64_t kPrime1 = 11400714785074694791ull;
  static constexpr uint64_t kPrime2 = 14029467366897019727ull;
  static constexpr uint64_t kPrime3 = 1609587929392839161ull;
  static constexpr uint64_t kPrime5 = 2870177450012600261ull;
  static uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

  void mix_word(const uint8_t* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian on every target we build for (x86-64, wasm32)
    state_ = rotl(state_ ^ (w * kPrime2), 31) * kPrime1;
  }

  uint64_t state_ = kPrime5;
  uint64_t length_ = 0;
  uint8_t buffer_[8] = {};
  size_t pending_ = 0;
};

}  // namespace webgguf
