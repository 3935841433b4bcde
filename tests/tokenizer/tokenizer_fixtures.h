// Loading tokenizers from the shared fixtures once per test binary (the largest vocabulary has
// 151,936 tokens), and reading llama.cpp's .inp/.out vector files.
#pragma once
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace webgguf::testing {

// Up to `max_bytes` from the start of a file (fewer when the file is shorter).
inline std::vector<uint8_t> read_file_prefix(const std::string& path, size_t max_bytes, uint64_t* file_size) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  *file_size = static_cast<uint64_t>(in.tellg());
  std::vector<uint8_t> bytes(static_cast<size_t>(std::min<uint64_t>(*file_size, max_bytes)));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

// The metadata of a GGUF, parsed from the header only (a model's weights are never read).
inline Result<GgufFile> read_gguf_header(const std::string& path) {
  size_t prefix = 1 << 20;
  while (true) {
    uint64_t file_size = 0;
    const std::vector<uint8_t> bytes = read_file_prefix(path, prefix, &file_size);
    if (bytes.empty()) return Status::error("cannot read " + path);
    Result<GgufFile> file = parse_gguf(bytes.data(), bytes.size(), file_size);
    if (!file.status().needs_more() || bytes.size() == file_size) return file;
    prefix = std::max(file.status().bytes_needed(), prefix * 2);
  }
}

// The tokenizer of a GGUF file, loaded once per test binary; nullptr with `error` set on failure.
inline const Tokenizer* load_tokenizer(const std::string& path, std::string* error) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(path);
  if (it != cache.end()) return it->second.get();
  Result<GgufFile> file = read_gguf_header(path);
  if (!file.is_ok()) {
    *error = path + ": " + file.status().message();
    return nullptr;
  }
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file.value());
  if (!tokenizer.is_ok()) {
    *error = path + ": " + tokenizer.status().message();
    return nullptr;
  }
  return (cache[path] = tokenizer.take()).get();
}

// The tokenizer of a GGUF under ../shared (e.g. "models/lexi-28m-f16.gguf").
inline const Tokenizer* shared_tokenizer(const std::string& relative, std::string* error) {
  return load_tokenizer(shared_path(relative), error);
}

struct VocabVector {
  std::string text;
  std::vector<int32_t> ids;
};

// As llama.cpp's test-tokenizer-0: strings separated by "\n__ggml_vocab_test__\n" (the file ends
// with one), ids one line per string separated by spaces.
inline std::vector<VocabVector> read_vocab_vectors(const std::string& inp_path, const std::string& out_path) {
  const std::vector<uint8_t> inp_bytes = read_file_bytes(inp_path);
  const std::vector<uint8_t> out_bytes = read_file_bytes(out_path);
  const std::string inp(inp_bytes.begin(), inp_bytes.end());
  const std::string out(out_bytes.begin(), out_bytes.end());
  const std::string separator = "\n__ggml_vocab_test__\n";

  std::vector<std::string> texts;
  for (size_t pos = 0; pos < inp.size();) {
    const size_t next = inp.find(separator, pos);
    if (next == std::string::npos) {
      texts.push_back(inp.substr(pos));
      break;
    }
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + separator.size();
  }

  std::vector<VocabVector> vectors;
  size_t line_start = 0;
  for (const std::string& text : texts) {
    if (line_start > out.size()) break;
    size_t line_end = out.find('\n', line_start);
    if (line_end == std::string::npos) line_end = out.size();
    VocabVector vector{text, {}};
    const std::string line = out.substr(line_start, line_end - line_start);
    for (size_t pos = 0; pos < line.size();) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      if (pos == line.size()) break;
      size_t end = line.find(' ', pos);
      if (end == std::string::npos) end = line.size();
      vector.ids.push_back(static_cast<int32_t>(std::stol(line.substr(pos, end - pos))));
      pos = end;
    }
    vectors.push_back(std::move(vector));
    line_start = line_end + 1;
  }
  return vectors;
}

}  // namespace webgguf::testing
