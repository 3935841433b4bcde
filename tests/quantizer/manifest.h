// Reads ../shared/fixtures/quantized-manifests/*.json: what llama-quantize made of lexi-28m-f16.
//   {"file_type": 15, "tensors": {"blk.0.attn_k.weight": [12, [512, 128], "91278cf09a08efdf"], ...}}
// A small JSON reader for exactly this shape (numbers, strings without escapes, arrays, objects).
#pragma once
#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace webgguf::testing {

struct ManifestTensor {
  uint32_t type = 0;
  std::vector<uint64_t> dims;
  std::string sha256_prefix;  // first 16 hex digits of the sha256 of the tensor's data bytes
};

struct Manifest {
  uint32_t file_type = 0;
  std::map<std::string, ManifestTensor> tensors;
};

class ManifestParser {
 public:
  explicit ManifestParser(const std::string& text) : text_(text) {}

  // Returns false on any syntax the manifests do not use.
  bool parse(Manifest* out) {
    if (!expect('{')) return false;
    do {
      std::string key;
      if (!string(&key) || !expect(':')) return false;
      if (key == "file_type") {
        uint64_t v = 0;
        if (!number(&v)) return false;
        out->file_type = static_cast<uint32_t>(v);
      } else if (key == "tensors") {
        if (!tensors(&out->tensors)) return false;
      } else {
        return false;
      }
    } while (accept(','));
    return expect('}');
  }

 private:
  bool tensors(std::map<std::string, ManifestTensor>* out) {
    if (!expect('{')) return false;
    do {
      std::string name;
      ManifestTensor t;
      uint64_t type = 0;
      if (!string(&name) || !expect(':') || !expect('[') || !number(&type) || !expect(',') || !expect('[')) {
        return false;
      }
      t.type = static_cast<uint32_t>(type);
      do {
        uint64_t d = 0;
        if (!number(&d)) return false;
        t.dims.push_back(d);
      } while (accept(','));
      if (!expect(']') || !expect(',') || !string(&t.sha256_prefix) || !expect(']')) return false;
      (*out)[name] = t;
    } while (accept(','));
    return expect('}');
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool expect(char c) { return accept(c); }
  bool string(std::string* out) {
    if (!accept('"')) return false;
    const size_t end = text_.find('"', pos_);
    if (end == std::string::npos) return false;
    *out = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return true;
  }
  bool number(uint64_t* out) {
    skip_space();
    const size_t start = pos_;
    *out = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      *out = *out * 10 + static_cast<uint64_t>(text_[pos_++] - '0');
    }
    return pos_ > start;
  }

  const std::string& text_;
  size_t pos_ = 0;
};

}  // namespace webgguf::testing
