#include "gguf/gguf_byte_cursor.h"

#include <algorithm>
#include <cinttypes>

#include "gguf/gguf_format.h"

namespace webgguf {

using gguf_format::saturating_add;

constexpr uint64_t kNeedMoreMarginBytes = 16 * 1024;

GgufByteCursor::GgufByteCursor(const uint8_t* data, size_t size, uint64_t file_size)
    : data_(data), size_(size), file_size_(file_size) {
  if (file_size_ != kUnknownFileSize && size_ > file_size_) size_ = file_size_;
}

Status GgufByteCursor::check_fits(uint64_t bytes, const char* what) const {
  const uint64_t end = saturating_add(pos_, bytes);
  const uint64_t header_end = saturating_add(end, reserve_);
  if (file_size_ != kUnknownFileSize) {
    if (end > file_size_) {
      return Status::error(format("%s at offset %" PRIu64 ": %" PRIu64 " bytes run past end of file (size %" PRIu64 ")",
                                  what, pos_, bytes, file_size_));
    }
    if (header_end > file_size_) {
      return Status::error(format("%s at offset %" PRIu64 ": the rest of the header needs at least %" PRIu64
                                  " bytes, past end of file (size %" PRIu64 ")",
                                  what, pos_, header_end, file_size_));
    }
  }
  if (header_end > kMaxGgufHeaderBytes) {
    return Status::error(format("%s at offset %" PRIu64 ": the header would need at least %" PRIu64
                                " bytes, more than the %" PRIu64 "-byte limit",
                                what, pos_, header_end, kMaxGgufHeaderBytes));
  }
  return Status::ok();
}

Status GgufByteCursor::require(uint64_t bytes, const char* what) const {
  WEBGGUF_RETURN_IF_ERROR(check_fits(bytes, what));
  if (pos_ + bytes <= size_) return Status::ok();
  // check_fits bounded the minimum by kMaxGgufHeaderBytes (so it fits size_t on 32-bit wasm).
  // Ask for the extrapolated guess plus a margin: the rest of the header is only known by its
  // smallest encoding, and every round costs a streaming loader a network round trip. The
  // request never goes past the file (or the header size limit).
  const uint64_t minimum = pos_ + bytes + reserve_;
  const uint64_t guess = saturating_add(minimum, expected_extra_);
  const uint64_t with_margin = saturating_add(guess, guess / 8 + kNeedMoreMarginBytes);
  const uint64_t wanted = std::max(minimum, std::min({with_margin, file_size_, kMaxGgufHeaderBytes}));
  return Status::need_more(static_cast<size_t>(wanted),
                           format("%s at offset %" PRIu64 ": need at least %" PRIu64 " bytes of header, have %" PRIu64,
                                  what, pos_, minimum, size_));
}

Status GgufByteCursor::read_uint(uint32_t bytes, uint64_t* out, const char* what) {
  WEBGGUF_RETURN_IF_ERROR(require(bytes, what));
  *out = gguf_format::load_le(data_ + pos_, bytes);
  pos_ += bytes;
  return Status::ok();
}

Status GgufByteCursor::read_u32(uint32_t* out, const char* what) {
  uint64_t v = 0;
  WEBGGUF_RETURN_IF_ERROR(read_uint(4, &v, what));
  *out = static_cast<uint32_t>(v);
  return Status::ok();
}

Status GgufByteCursor::read_bytes(uint64_t n, const uint8_t** out, const char* what) {
  WEBGGUF_RETURN_IF_ERROR(require(n, what));
  *out = data_ + pos_;
  pos_ += n;
  return Status::ok();
}

Status GgufByteCursor::read_string(std::string* out, const char* what) {
  uint64_t length = 0;
  WEBGGUF_RETURN_IF_ERROR(read_uint(8, &length, what));
  const uint8_t* bytes = nullptr;
  WEBGGUF_RETURN_IF_ERROR(read_bytes(length, &bytes, what));
  out->assign(reinterpret_cast<const char*>(bytes), static_cast<size_t>(length));
  return Status::ok();
}

}  // namespace webgguf
