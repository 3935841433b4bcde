// Test inputs for the GGUF tests: a small valid file built with the writer, and readers for
// the real GGUF files in ../shared (headers only, so the tests stay fast).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "test_paths.h"

namespace webgguf::testing {

// Five of llama.cpp's vocab files (in its source checkout, build/llama.cpp/models).
inline std::vector<std::string> vocab_gguf_paths() {
  std::vector<std::string> paths;
  for (const char* vocab : {"gpt-2", "llama-bpe", "llama-spm", "phi-3", "qwen2"}) {
    paths.push_back(shared_path(std::string("fixtures/tokenizers/ggml-vocab-") + vocab + ".gguf"));
  }
  return paths;
}

// Both fixture models (in the fixtures folder: WEBGGUF_NEEDS_FIXTURE_MODELS).
inline std::vector<std::string> model_gguf_paths() {
  return {shared_path("models/lexi-28m-f16.gguf"), shared_path("models/lexi-28m-chat-f16.gguf")};
}

inline uint64_t file_size_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  return in ? static_cast<uint64_t>(in.tellg()) : 0;
}

// The first n bytes of a file (fewer when the file is shorter).
inline std::vector<uint8_t> read_prefix(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes(n);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

// The whole header of a real file, grown until the parser stops asking for more. Cached: each
// file is read and parsed once per test binary.
struct ParsedPrefix {
  std::vector<uint8_t> bytes;  // a prefix holding the whole header
  uint64_t file_size = 0;
  Result<GgufFile> parsed = Status::error("not parsed");
};
inline const ParsedPrefix& parse_shared_header(const std::string& path) {
  static std::map<std::string, ParsedPrefix> cache;
  auto [it, inserted] = cache.emplace(path, ParsedPrefix());
  ParsedPrefix& out = it->second;
  if (!inserted) return out;
  out.file_size = file_size_of(path);
  size_t want = 64 * 1024;
  for (;;) {
    out.bytes = read_prefix(path, want);
    out.parsed = parse_gguf(out.bytes.data(), out.bytes.size(), out.file_size);
    if (!out.parsed.status().needs_more()) return out;
    want = std::max(out.parsed.status().bytes_needed(), want * 2);
  }
}

// A small valid file: three kinds of metadata, two tensors of different types, alignment 32.
inline GgufFile make_small_gguf() {
  GgufFile f;
  f.metadata.emplace_back("general.architecture", GgufValue::of_string("tiny"));
  f.metadata.emplace_back("general.alignment", GgufValue::of_u32(32));
  f.metadata.emplace_back("tiny.key_a", GgufValue::of_u32(7));
  f.metadata.emplace_back("tiny.key_b", GgufValue::of_f32(0.5f));
  f.metadata.emplace_back("tiny.tokens", GgufValue::of_strings({"a", "bc", "def"}));
  GgufTensorInfo a;
  a.name = "a.weight";  // F32 [4, 2]: 32 bytes
  a.n_dims = 2;
  a.ne[0] = 4;
  a.ne[1] = 2;
  a.type = GgmlType::F32;
  GgufTensorInfo b;
  b.name = "b.weight";  // Q8_0 [32]: one 34-byte block
  b.n_dims = 1;
  b.ne[0] = 32;
  b.type = GgmlType::Q8_0;
  f.tensors = {a, b};
  return f;
}

// Header + tensor data (a counting pattern) + padding after each tensor, as llama.cpp writes.
inline std::vector<uint8_t> serialize_with_data(GgufFile& file) {
  std::vector<uint8_t> bytes = serialize_gguf_header(file).take();
  for (const GgufTensorInfo& t : file.tensors) {
    bytes.resize(file.data_offset + t.offset);
    for (uint64_t i = 0; i < t.size_bytes; ++i) bytes.push_back(static_cast<uint8_t>(i));
    bytes.resize(bytes.size() + gguf_padding(bytes.size(), file.alignment), 0);
  }
  return bytes;
}

// Offset just past the first GGUF string (u64 length + bytes) equal to s; the test fails
// loudly through an out-of-range value if it is absent.
inline size_t offset_after_string(const std::vector<uint8_t>& bytes, const std::string& s) {
  std::vector<uint8_t> encoded(8 + s.size());
  for (int i = 0; i < 8; ++i) encoded[i] = static_cast<uint8_t>(static_cast<uint64_t>(s.size()) >> (8 * i));
  std::memcpy(encoded.data() + 8, s.data(), s.size());
  const auto it = std::search(bytes.begin(), bytes.end(), encoded.begin(), encoded.end());
  return it == bytes.end() ? ~size_t{0} : static_cast<size_t>(it - bytes.begin()) + encoded.size();
}

inline void patch_le(std::vector<uint8_t>& bytes, size_t at, uint64_t v, int width) {
  for (int i = 0; i < width; ++i) bytes.at(at + i) = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace webgguf::testing
