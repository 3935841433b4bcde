// Private to src/gguf: a bounds-checked little-endian reader over a prefix of a GGUF file.
// Every read first checks the bytes exist; when they do not, the answer depends on what is
// known about the file: past its end (or past kMaxGgufHeaderBytes) is an error, inside it but
// beyond the prefix is need_more(total bytes wanted).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace webgguf {

class GgufByteCursor {
 public:
  GgufByteCursor(const uint8_t* data, size_t size, uint64_t file_size);

  uint64_t offset() const { return pos_; }

  // The least number of bytes that must still follow the next read: the smallest encoding of
  // the rest of the header. It makes need_more() ask for the whole header, not one field at a
  // time, and lets a count that cannot fit in the file fail before anything is read.
  // `expected_extra` is a guess of how much more than that minimum follows (extrapolated from
  // what was read so far); it only enlarges need_more() requests, so a streaming loader needs
  // few round trips, and never turns into an error.
  void set_reserve(uint64_t bytes, uint64_t expected_extra = 0) {
    reserve_ = bytes;
    expected_extra_ = expected_extra;
  }

  // Error unless `bytes` more bytes (plus the reserve) can exist in this file. Never need_more.
  Status check_fits(uint64_t bytes, const char* what) const;
  // check_fits, then need_more when the prefix ends before those bytes.
  Status require(uint64_t bytes, const char* what) const;

  Status read_uint(uint32_t bytes, uint64_t* out, const char* what);
  Status read_u32(uint32_t* out, const char* what);
  Status read_u64(uint64_t* out, const char* what) { return read_uint(8, out, what); }
  // A u64 length followed by that many bytes.
  Status read_string(std::string* out, const char* what);
  // Points `out` at the next n bytes inside the caller's buffer.
  Status read_bytes(uint64_t n, const uint8_t** out, const char* what);

 private:
  const uint8_t* data_;
  uint64_t size_;       // bytes available (never more than file_size_)
  uint64_t file_size_;  // kUnknownFileSize while streaming
  uint64_t pos_ = 0;
  uint64_t reserve_ = 0;
  uint64_t expected_extra_ = 0;
};

}  // namespace webgguf
