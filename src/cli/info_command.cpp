// `webgguf info FILE`: the metadata and tensor table of a GGUF file, laid out like llama.cpp's
// gguf-dump (long strings cut at 60 characters, arrays shown by their first 6 elements) with a
// bytes column. Reads only the header (growing its read until the parser has enough), but
// knows the file's size, so tensor data running past the end of the file is an error.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/status.h"
#include "gguf/gguf.h"

namespace webgguf {
namespace {

constexpr size_t kMaxStringChars = 60;
constexpr uint64_t kArrayElementsShown = 6;

// A quoted string with non-printable bytes escaped, cut like gguf-dump cuts long strings.
std::string quoted(const std::string& s) {
  std::string body = s.size() > kMaxStringChars ? s.substr(0, kMaxStringChars - 3) + "..." : s;
  std::string out = "'";
  for (unsigned char c : body) {
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += format("\\x%02x", c);
    } else {
      out += static_cast<char>(c);  // UTF-8 bytes pass through
    }
  }
  return out + "'";
}

std::string scalar_text(const GgufValue& v) {
  switch (v.type) {
    case GgufValueType::STRING: return quoted(v.string_value);
    case GgufValueType::BOOL: return v.uint_value != 0 ? "True" : "False";
    case GgufValueType::FLOAT32: return format("%.9g", v.float_value);
    case GgufValueType::FLOAT64: return format("%.17g", v.float_value);
    case GgufValueType::INT8:
    case GgufValueType::INT16:
    case GgufValueType::INT32:
    case GgufValueType::INT64: return format("%" PRId64, v.int_value);
    default: return format("%" PRIu64, v.uint_value);
  }
}

std::string array_element_text(const GgufValue& v, uint64_t i) {
  switch (v.array_type) {
    case GgufValueType::STRING: return quoted(v.array_strings[i]);
    case GgufValueType::BOOL: return v.array_integer(i) != 0 ? "True" : "False";
    case GgufValueType::FLOAT32: return format("%.9g", v.array_number(i));
    case GgufValueType::FLOAT64: return format("%.17g", v.array_number(i));
    case GgufValueType::UINT64: return format("%" PRIu64, static_cast<uint64_t>(v.array_integer(i)));
    default: return format("%" PRId64, v.array_integer(i));
  }
}

std::string value_text(const GgufValue& v) {
  if (v.type != GgufValueType::ARRAY) return scalar_text(v);
  std::string out = "[";
  for (uint64_t i = 0; i < v.array_count && i < kArrayElementsShown; ++i) {
    out += (i ? ", " : "") + array_element_text(v, i);
  }
  return out + (v.array_count > kArrayElementsShown ? ", ...]" : "]");
}

void print_header(const GgufFile& f, uint64_t file_size) {
  std::printf("* GGUF version %" PRIu32 ", alignment %" PRIu64 ", header %" PRIu64
              " bytes, data section at offset %" PRIu64 " (%" PRIu64 " bytes), file %" PRIu64 " bytes\n",
              f.version, f.alignment, f.header_size, f.data_offset, f.data_size, file_size);
  std::printf("* Dumping %zu key/value pair(s)\n", f.metadata.size());
  for (size_t i = 0; i < f.metadata.size(); ++i) {
    const auto& [key, value] = f.metadata[i];
    const bool is_array = value.type == GgufValueType::ARRAY;
    const std::string type =
        is_array ? format("[%s]", gguf_value_type_name(value.array_type)) : gguf_value_type_name(value.type);
    std::printf("  %5zu: %-10s | %8" PRIu64 " | %s = %s\n", i + 1, type.c_str(), is_array ? value.array_count : 1,
                key.c_str(), value_text(value).c_str());
  }
  std::printf("* Dumping %zu tensor(s)\n", f.tensors.size());
  std::printf("  %5s  %10s | %-26s | %-7s | %10s | %s\n", "index", "elements", "shape", "type", "bytes", "name");
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    const GgufTensorInfo& t = f.tensors[i];
    std::string shape;
    for (int d = 0; d < 4; ++d) shape += format("%s%5" PRIu64, d ? ", " : "", t.ne[d]);
    std::string type = ggml_type_name(t.type);
    for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::printf("  %5zu: %10" PRIu64 " | %-26s | %-7s | %10" PRIu64 " | %s\n", i + 1, t.n_elements(), shape.c_str(),
                type.c_str(), t.size_bytes, t.name.c_str());
  }
}

// Parses the header of `path`, reading more of the file until the parser has what it needs.
Result<GgufFile> read_header(const char* path, uint64_t* file_size) {
  struct stat st;
  if (stat(path, &st) != 0) return Status::error(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::error("not a regular file");
  *file_size = static_cast<uint64_t>(st.st_size);
  std::FILE* file = std::fopen(path, "rb");
  if (file == nullptr) return Status::error(std::strerror(errno));

  std::vector<uint8_t> prefix;
  size_t want = 1 << 20;
  Result<GgufFile> parsed = Status::error("empty");
  for (;;) {
    const size_t target = static_cast<size_t>(std::min<uint64_t>(want, *file_size));
    const size_t have = prefix.size();
    prefix.resize(target);
    const size_t got = std::fread(prefix.data() + have, 1, target - have, file);
    if (got != target - have) {
      std::fclose(file);
      return Status::error(format("read failed at offset %zu", have + got));
    }
    parsed = parse_gguf(prefix.data(), prefix.size(), *file_size);
    // need_more never asks past a known file size, so each round reads more.
    if (!parsed.status().needs_more()) break;
    want = std::max(parsed.status().bytes_needed(), want * 2);
  }
  std::fclose(file);
  return parsed;
}

}  // namespace

int command_info(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(argc == 2 ? stdout : stderr, "usage: webgguf info FILE\n");
    return argc == 2 ? 0 : 2;
  }
  const char* path = argv[1];
  uint64_t file_size = 0;
  const Result<GgufFile> parsed = read_header(path, &file_size);
  if (!parsed.is_ok()) {
    std::fprintf(stderr, "webgguf: %s: %s\n", path, parsed.status().message().c_str());
    return 1;
  }
  print_header(parsed.value(), file_size);
  return 0;
}

}  // namespace webgguf
