// libFuzzer target for the GGUF reader and writer. Beyond "no crash, no sanitizer report" it
// checks the reader's contract on every input (a violation traps, so libFuzzer saves it):
//   - with all bytes present and the size known, the answer is never need_more;
//   - need_more always asks for more than it was given, and never past a known file size;
//   - a header that parses with its size known parses the same while streaming;
//   - streaming: a prefix shorter than the header asks for more, a longer one gives the same;
//   - whatever parses re-serializes, and parse(serialize(x)) == x, byte-stable on a second trip.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gguf/gguf.h"

namespace {

using webgguf::GgufFile;
using webgguf::kUnknownFileSize;
using webgguf::parse_gguf;
using webgguf::Result;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void check_need_more_contract(const Result<GgufFile>& r, size_t given, uint64_t file_size) {
  if (!r.status().needs_more()) return;
  check(r.status().bytes_needed() > given);
  if (file_size != kUnknownFileSize) check(r.status().bytes_needed() <= file_size);
}

void check_round_trip(const GgufFile& parsed) {
  GgufFile copy = parsed;
  Result<std::vector<uint8_t>> bytes = webgguf::serialize_gguf_header(copy);
  check(bytes.is_ok());  // the writer accepts everything the reader accepts
  const Result<GgufFile> again = parse_gguf(bytes.value().data(), bytes.value().size(), kUnknownFileSize);
  check(again.is_ok());
  check(again.value() == copy);
  GgufFile copy_again = again.value();
  const Result<std::vector<uint8_t>> bytes_again = webgguf::serialize_gguf_header(copy_again);
  check(bytes_again.is_ok() && bytes_again.value() == bytes.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The whole file, size known: what `webgguf info` and the loader's final check see.
  const Result<GgufFile> whole = parse_gguf(data, size, size);
  check(!whole.status().needs_more());

  // The same bytes while streaming (size unknown).
  const Result<GgufFile> streaming = parse_gguf(data, size, kUnknownFileSize);
  check_need_more_contract(streaming, size, kUnknownFileSize);
  if (whole.is_ok()) check(streaming.is_ok() && streaming.value() == whole.value());

  // Prefixes of a header that parses: shorter ones ask for more, longer ones agree.
  if (streaming.is_ok()) {
    const GgufFile& header = streaming.value();
    for (size_t n : {size_t{0}, size / 3, size / 2, size - 1, static_cast<size_t>(header.header_size)}) {
      if (n > size) continue;
      const Result<GgufFile> prefix = parse_gguf(data, n, kUnknownFileSize);
      check_need_more_contract(prefix, n, kUnknownFileSize);
      const Result<GgufFile> prefix_sized = parse_gguf(data, n, size);
      check_need_more_contract(prefix_sized, n, size);
      if (n < header.header_size) {
        check(prefix.status().needs_more() && prefix_sized.status().needs_more());
      } else {
        check(prefix.is_ok() && prefix.value() == header);
        check(prefix_sized.is_ok() == whole.is_ok());
      }
    }
    check_round_trip(header);
  }
  return 0;
}
