// A heap buffer aligned for SIMD loads (64 bytes: a cache line, enough for any 128/256-bit vector).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

namespace webgguf {

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 64;
  AlignedBuffer() = default;
  // Returns an empty buffer (data() == nullptr) when the allocation fails; callers check.
  explicit AlignedBuffer(size_t bytes) { allocate(bytes); }
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept { swap(o); }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    swap(o);
    return *this;
  }

  bool allocate(size_t bytes) {
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    if (bytes == 0) return true;
    const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded < bytes) return false;
    data_ = std::aligned_alloc(kAlignment, rounded);
    if (data_ == nullptr) return false;
    size_ = bytes;
    return true;
  }
  void* data() { return data_; }
  const void* data() const { return data_; }
  template <typename T>
  T* as() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data_);
  }
  size_t size() const { return size_; }

 private:
  void swap(AlignedBuffer& o) {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
  }
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace webgguf
