// SHA-256 (FIPS 180-4), incremental: hash a file tensor by tensor or chunk by chunk as it
// streams, without holding it whole. Used to compare our quantized tensors with llama.cpp's and
// to identify downloaded models.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace webgguf {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256() { reset(); }
  void reset();
  void update(const void* data, size_t size);
  // Finishes the hash; the object must be reset() before it is used again.
  Digest finish();

  // One-shot helpers.
  static Digest digest(const void* data, size_t size);
  static std::string hex(const Digest& digest);  // 64 lowercase hex digits

 private:
  void compress(const uint8_t* block);  // one 64-byte block

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;  // bytes waiting in buffer_
  uint64_t total_bytes_ = 0;
};

}  // namespace webgguf
