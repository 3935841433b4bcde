// Private to src/gguf: facts of the GGUF byte layout shared by the reader and the writer,
// little-endian load/store that do not depend on the host's byte order, and checked arithmetic.
#pragma once
#include <cinttypes>
#include <cstdint>
#include <cstring>
#include <string>

#include "gguf/gguf.h"

namespace webgguf::gguf_format {

constexpr uint8_t kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr uint32_t kMinVersion = 2;  // v1 used 32-bit counts and lengths
constexpr uint32_t kMaxVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr uint32_t kMaxDims = 4;
constexpr const char* kAlignmentKey = "general.alignment";

// Fixed part of the header: magic, version, tensor count, kv count.
constexpr uint64_t kFixedHeaderBytes = 4 + 4 + 8 + 8;
// Smallest possible encodings, used to bound counts read from the file against the bytes
// that can hold them: a kv is a key (8-byte length + at least 1 byte) + type + a 1-byte value;
// a tensor info is a name (8-byte length, may be empty) + n_dims + type + offset.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;
constexpr uint64_t kMinStringBytes = 8;

// Bytes of one element of a fixed-size value type; 0 for STRING, ARRAY and unknown ids.
inline uint32_t value_type_size(uint32_t type) {
  switch (static_cast<GgufValueType>(type)) {
    case GgufValueType::UINT8:
    case GgufValueType::INT8:
    case GgufValueType::BOOL: return 1;
    case GgufValueType::UINT16:
    case GgufValueType::INT16: return 2;
    case GgufValueType::UINT32:
    case GgufValueType::INT32:
    case GgufValueType::FLOAT32: return 4;
    case GgufValueType::UINT64:
    case GgufValueType::INT64:
    case GgufValueType::FLOAT64: return 8;
    default: return 0;
  }
}

inline bool is_known_value_type(uint32_t type) {
  return type <= static_cast<uint32_t>(GgufValueType::FLOAT64);
}

inline bool is_power_of_two(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

inline uint64_t load_le(const uint8_t* p, uint32_t bytes) {
  uint64_t v = 0;
  for (uint32_t i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

inline void store_le(uint8_t* p, uint64_t v, uint32_t bytes) {
  for (uint32_t i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline float float_from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline double double_from_bits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
inline uint32_t bits_of_float(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}
inline uint64_t bits_of_double(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

// Sign-extends the low `bytes` bytes of v.
inline int64_t sign_extend(uint64_t v, uint32_t bytes) {
  const uint32_t shift = 64 - 8 * bytes;
  return static_cast<int64_t>(v << shift) >> shift;
}

// false on overflow.
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}
inline uint64_t saturating_add(uint64_t a, uint64_t b) {
  uint64_t sum;
  return checked_add(a, b, &sum) ? sum : ~0ull;
}
inline uint64_t saturating_mul(uint64_t a, uint64_t b) {
  uint64_t product;
  return checked_mul(a, b, &product) ? product : ~0ull;
}

// Prefixes a failure's message with context ("key 'general.name': "), keeping need_more.
inline Status with_context(const Status& status, const std::string& context) {
  if (status.is_ok()) return status;
  std::string message = context + ": " + status.message();
  return status.needs_more() ? Status::need_more(status.bytes_needed(), std::move(message))
                             : Status::error(std::move(message));
}

inline uint64_t align_up(uint64_t offset, uint64_t alignment) {
  return offset + gguf_padding(offset, alignment);
}

// Bytes of a tensor of this type and shape (ne[0] the row length). Errors: more than INT64_MAX
// elements (ggml keeps shapes in int64_t), a row that is not whole blocks, a size past 64 bits.
inline Status tensor_size_bytes(const uint64_t ne[4], const GgmlTypeInfo& type, uint64_t* size_bytes) {
  uint64_t n_elements = 1;
  bool fits = true;
  for (int d = 0; d < 4; ++d) fits = fits && checked_mul(n_elements, ne[d], &n_elements);
  if (!fits || n_elements > static_cast<uint64_t>(INT64_MAX)) {
    return Status::error(format("shape [%" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
                                "] has more than INT64_MAX elements",
                                ne[0], ne[1], ne[2], ne[3]));
  }
  if (ne[0] % type.block_size != 0) {
    return Status::error(format("row length %" PRIu64 " is not a multiple of the %s block size %" PRIu32, ne[0],
                                type.name, type.block_size));
  }
  // With ne[0] == 0 the row count may wrap (unsigned, defined), but the size is then 0.
  const uint64_t n_rows = ne[1] * ne[2] * ne[3];
  if (!checked_mul(ne[0] / type.block_size * type.type_size, n_rows, size_bytes)) {
    return Status::error("size in bytes overflows 64 bits");
  }
  return Status::ok();
}

}  // namespace webgguf::gguf_format
