// Access to ../shared/fixtures/quants (see its README): the index of types and the binary files.
// index.json is small and flat, so it is read with a few string searches rather than a library.
#pragma once
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "test_paths.h"

namespace webgguf::testing {

struct QuantFixtureType {
  std::string name;  // "q4_K"; also the file stem
  uint32_t ggml_type = 0;
  uint32_t block_size = 0;
  uint32_t type_size = 0;
  uint32_t row_bytes = 0;
  std::string vec_dot_type;  // "q8_K", "f16", ...
  bool quantized_with_unit_imatrix = false;
};

// gtest prints parameters with this instead of a byte dump.
inline void PrintTo(const QuantFixtureType& t, std::ostream* os) {
  *os << t.name;
}

struct QuantFixtureIndex {
  int rows = 0;
  int n_per_row = 0;
  std::vector<QuantFixtureType> types;
};

inline std::string quant_fixture_path(const std::string& file) {
  return shared_path("fixtures/quants/" + file);
}

namespace detail {

// The raw text after `"key":` inside [begin, end), trimmed of spaces and quotes.
inline std::string json_field(const std::string& text, size_t begin, size_t end, const std::string& key) {
  const size_t at = text.find("\"" + key + "\"", begin);
  if (at == std::string::npos || at >= end) return "";
  size_t value = text.find(':', at) + 1;
  while (value < end && (text[value] == ' ' || text[value] == '"')) ++value;
  size_t stop = value;
  while (stop < end && text[stop] != ',' && text[stop] != '"' && text[stop] != '}' && text[stop] != '\n') ++stop;
  return text.substr(value, stop - value);
}

inline uint32_t to_u32(const std::string& s) {
  return s.empty() ? 0 : static_cast<uint32_t>(std::stoul(s));
}

}  // namespace detail

// Empty `types` when the index cannot be read (tests assert on it).
inline QuantFixtureIndex load_quant_fixture_index() {
  const std::vector<uint8_t> bytes = read_file_bytes(quant_fixture_path("index.json"));
  const std::string text(bytes.begin(), bytes.end());
  QuantFixtureIndex index;
  const size_t types_at = text.find("\"types\"");
  if (types_at == std::string::npos) return index;
  index.rows = static_cast<int>(detail::to_u32(detail::json_field(text, 0, types_at, "rows")));
  index.n_per_row = static_cast<int>(detail::to_u32(detail::json_field(text, 0, types_at, "n_per_row")));
  for (size_t open = text.find('{', types_at); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) break;
    QuantFixtureType t;
    t.name = detail::json_field(text, open, close, "name");
    t.ggml_type = detail::to_u32(detail::json_field(text, open, close, "ggml_type"));
    t.block_size = detail::to_u32(detail::json_field(text, open, close, "block_size"));
    t.type_size = detail::to_u32(detail::json_field(text, open, close, "type_size"));
    t.row_bytes = detail::to_u32(detail::json_field(text, open, close, "row_bytes"));
    t.vec_dot_type = detail::json_field(text, open, close, "vec_dot_type");
    t.quantized_with_unit_imatrix = detail::json_field(text, open, close, "quantized_with_unit_imatrix") == "true";
    index.types.push_back(t);
  }
  return index;
}

inline std::vector<float> read_f32_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  std::vector<float> values(bytes.size() / sizeof(float));
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

}  // namespace webgguf::testing
