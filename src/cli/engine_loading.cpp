#include "cli/engine_loading.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace webgguf {

bool load_engine_from_file(Engine& engine, const std::string& path, const LoadOptions& options) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "webgguf: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  bool ok = std::fseek(f, 0, SEEK_END) == 0;
  const long size = ok ? std::ftell(f) : -1;
  ok = ok && size > 0 && std::fseek(f, 0, SEEK_SET) == 0;
  uint8_t* buffer = ok ? engine.allocate_model(static_cast<size_t>(size)) : nullptr;
  if (buffer == nullptr) {
    std::fprintf(stderr, "webgguf: cannot read %s into memory\n", path.c_str());
    std::fclose(f);
    return false;
  }
  ok = std::fread(buffer, 1, static_cast<size_t>(size), f) == static_cast<size_t>(size);
  std::fclose(f);
  if (!ok) {
    std::fprintf(stderr, "webgguf: short read of %s\n", path.c_str());
    return false;
  }
  const EngineError e = engine.load_model(options);
  if (!e.ok()) {
    std::fprintf(stderr, "webgguf: %s: %s (%s)\n", path.c_str(), e.message.c_str(), error_code_name(e.code));
    return false;
  }
  return true;
}

bool read_text_file(const std::string& path, std::string* text) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "webgguf: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  text->clear();
  char chunk[1 << 16];
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0) text->append(chunk, n);
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  if (!ok) std::fprintf(stderr, "webgguf: error reading %s\n", path.c_str());
  return ok;
}

bool parse_int_option(const char* option, const char* value, long long min, long long max, long long* out) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(value, &end, 10);
  if (errno != 0 || end == value || *end != 0 || v < min || v > max) {
    std::fprintf(stderr, "webgguf: %s needs an integer in [%lld, %lld], got '%s'\n", option, min, max, value);
    return false;
  }
  *out = v;
  return true;
}

bool parse_float_option(const char* option, const char* value, double* out) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(value, &end);
  if (errno != 0 || end == value || *end != 0) {
    std::fprintf(stderr, "webgguf: %s needs a number, got '%s'\n", option, value);
    return false;
  }
  *out = v;
  return true;
}

}  // namespace webgguf

namespace webgguf {

bool parse_cache_type_option(const char* option, const char* value, GgmlType* out) {
  if (parse_kv_cache_type(value, out)) return true;
  std::fprintf(stderr, "webgguf: %s '%s' is not a KV cache type (%s)\n", option, value, kv_cache_type_names().c_str());
  return false;
}

}  // namespace webgguf
