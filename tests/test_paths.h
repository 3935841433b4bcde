// Where tests find the shared fixtures (../shared beside the repository) and small data files.
#pragma once
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace webgguf::testing {

inline std::string shared_path(const std::string& relative) {
  return std::string(WEBGGUF_SHARED_DIR) + "/" + relative;
}

inline std::string source_path(const std::string& relative) {
  return std::string(WEBGGUF_SOURCE_DIR) + "/" + relative;
}

// Whole file as bytes; empty when it cannot be read (tests assert on the size).
inline std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace webgguf::testing
