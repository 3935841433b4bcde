// Memory the reader uses for hostile headers: the densest encodings of many keys, of many
// strings in one array and of many tensors. Each header's in-memory form must stay within a
// small multiple of its bytes (so the memory a header costs is bounded by what was downloaded).
#include <gtest/gtest.h>
#include <malloc.h>

#include "gguf/gguf.h"
#include "gguf_test_files.h"

namespace webgguf {
namespace {

size_t heap_in_use() {
#ifdef __EMSCRIPTEN__
  return static_cast<size_t>(mallinfo().uordblks);
#else
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // small blocks + large ones (mmap'ed)
#endif
}

// Bytes the parsed header holds on the heap, over the bytes of the file.
double memory_per_byte(const std::vector<uint8_t>& bytes) {
  const size_t before = heap_in_use();
  Result<GgufFile> parsed = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  const size_t after = heap_in_use();
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().message();
  return static_cast<double>(after - before) / static_cast<double>(bytes.size());
}

std::string short_name(size_t i) {  // distinct names of 1-3 bytes
  std::string name(1, static_cast<char>('a' + i % 26));
  if (i >= 26) name += static_cast<char>('a' + i / 26 % 26);
  if (i >= 26 * 26) name += static_cast<char>('a' + i / 676 % 26);
  return name;
}

constexpr size_t kEntries = 17000;

TEST(GgufMemory, ManyKeys) {
  GgufFile f;
  GgufValue u8;
  u8.type = GgufValueType::UINT8;
  for (size_t i = 0; i < kEntries; ++i) f.metadata.emplace_back(short_name(i), u8);
  const double ratio = memory_per_byte(serialize_gguf_header(f).take());
  std::printf("  %zu one-byte keys: %.1f heap bytes per file byte\n", kEntries, ratio);
  EXPECT_LT(ratio, 16.0);  // measured 14.1 (glibc, 64-bit): bounded in all by kMaxGgufKeyCount
}

TEST(GgufMemory, KeyCountIsBounded) {
  GgufFile f;
  GgufValue u8;
  u8.type = GgufValueType::UINT8;
  for (size_t i = 0; i <= kMaxGgufKeyCount; ++i) f.metadata.emplace_back(std::to_string(i), u8);
  std::vector<uint8_t> bytes = serialize_gguf_header(f).take();
  const Result<GgufFile> r = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  EXPECT_EQ(r.status().message(),
            "key/value count 65537 at offset 16 is more than 65536 (real files have fewer than 100 keys)");
  f.metadata.pop_back();
  bytes = serialize_gguf_header(f).take();
  EXPECT_TRUE(parse_gguf(bytes.data(), bytes.size(), bytes.size()).is_ok());
}

TEST(GgufMemory, ManyEmptyStrings) {
  GgufFile f;
  f.metadata.emplace_back("s", GgufValue::of_strings(std::vector<std::string>(kEntries * 8)));
  const double ratio = memory_per_byte(serialize_gguf_header(f).take());
  std::printf("  %zu empty strings: %.1f heap bytes per file byte\n", kEntries * 8, ratio);
  EXPECT_LT(ratio, 5.0);  // measured 4.0: a 32-byte std::string per 8-byte length
}

TEST(GgufMemory, ManyTensors) {
  GgufFile f;
  for (size_t i = 0; i < kEntries; ++i) {
    GgufTensorInfo t;
    t.name = short_name(i);
    t.ne[0] = 0;  // no data: every tensor may start at offset 0
    t.n_dims = 1;
    f.tensors.push_back(t);
  }
  const double ratio = memory_per_byte(serialize_gguf_header(f).take());
  std::printf("  %zu empty tensors: %.1f heap bytes per file byte\n", kEntries, ratio);
  EXPECT_LT(ratio, 6.0);  // measured 4.9: GgufTensorInfo and its index entry per 25-byte info
}

}  // namespace
}  // namespace webgguf
