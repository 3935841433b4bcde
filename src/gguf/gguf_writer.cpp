// GGUF v2/v3 header writer: the exact inverse of gguf_reader.cpp for any header the reader
// accepts, and the same byte layout llama.cpp's gguf_write_to_buf produces.
#include <algorithm>
#include <cinttypes>
#include <unordered_set>

#include "gguf/gguf.h"
#include "gguf/gguf_format.h"

namespace webgguf {
namespace {

using namespace gguf_format;  // NOLINT: the format's own vocabulary

class ByteWriter {
 public:
  void uint(uint64_t v, uint32_t bytes) {
    const size_t at = out_.size();
    out_.resize(at + bytes);
    store_le(&out_[at], v, bytes);
  }
  void string(const std::string& s) {
    uint(s.size(), 8);
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void bytes(const std::vector<uint8_t>& b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // Appends the zeros piece by piece (the alignment is bounded, but no buffer is sized by it).
  void pad_to(uint64_t alignment) {
    write_gguf_zeros(gguf_padding(out_.size(), alignment), [this](const uint8_t* zeros, size_t n) {
      out_.insert(out_.end(), zeros, zeros + n);
      return Status::ok();
    });
  }
  size_t size() const { return out_.size(); }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

Status validate_value(const std::string& key, const GgufValue& value) {
  const uint32_t type = static_cast<uint32_t>(value.type);
  if (!is_known_value_type(type))
    return Status::error(format("key '%s': unknown value type %" PRIu32, key.c_str(), type));
  if (value.type != GgufValueType::ARRAY) return Status::ok();

  const uint32_t element_type = static_cast<uint32_t>(value.array_type);
  if (value.array_type == GgufValueType::ARRAY) {
    return Status::error(format("key '%s': nested arrays are not supported", key.c_str()));
  }
  if (!is_known_value_type(element_type)) {
    return Status::error(format("key '%s': unknown array element type %" PRIu32, key.c_str(), element_type));
  }
  if (value.array_type == GgufValueType::STRING) {
    if (value.array_strings.size() != value.array_count) {
      return Status::error(format("key '%s': array_count %" PRIu64 " but %zu strings", key.c_str(), value.array_count,
                                  value.array_strings.size()));
    }
    return Status::ok();
  }
  uint64_t bytes = 0;
  if (!checked_mul(value.array_count, value_type_size(element_type), &bytes) || bytes != value.array_bytes.size()) {
    return Status::error(format("key '%s': array_count %" PRIu64 " of %s does not match %zu element bytes", key.c_str(),
                                value.array_count, gguf_value_type_name(value.array_type), value.array_bytes.size()));
  }
  return Status::ok();
}

void write_value(ByteWriter& out, const GgufValue& value) {
  out.uint(static_cast<uint32_t>(value.type), 4);
  switch (value.type) {
    case GgufValueType::STRING: out.string(value.string_value); return;
    case GgufValueType::ARRAY:
      out.uint(static_cast<uint32_t>(value.array_type), 4);
      out.uint(value.array_count, 8);
      if (value.array_type == GgufValueType::STRING) {
        for (const std::string& s : value.array_strings) out.string(s);
      } else {
        out.bytes(value.array_bytes);
      }
      return;
    case GgufValueType::FLOAT32: out.uint(bits_of_float(static_cast<float>(value.float_value)), 4); return;
    case GgufValueType::FLOAT64: out.uint(bits_of_double(value.float_value), 8); return;
    case GgufValueType::INT8:
    case GgufValueType::INT16:
    case GgufValueType::INT32:
    case GgufValueType::INT64:
      out.uint(static_cast<uint64_t>(value.int_value), value_type_size(static_cast<uint32_t>(value.type)));
      return;
    default: out.uint(value.uint_value, value_type_size(static_cast<uint32_t>(value.type))); return;
  }
}

Status validate_metadata(const GgufFile& file) {
  if (file.version < kMinVersion || file.version > kMaxVersion) {
    return Status::error(format("GGUF version %" PRIu32 " cannot be written (only versions 2 and 3)", file.version));
  }
  if (!is_power_of_two(file.alignment) || file.alignment > kMaxGgufAlignment) {
    return Status::error(
        format("alignment %" PRIu64 " is not a power of two up to %" PRIu64, file.alignment, kMaxGgufAlignment));
  }
  std::unordered_set<std::string> keys;
  bool has_alignment_key = false;
  for (const auto& [key, value] : file.metadata) {
    if (key.empty()) return Status::error("metadata has an empty key");
    if (!keys.insert(key).second) return Status::error(format("duplicate key '%s'", key.c_str()));
    WEBGGUF_RETURN_IF_ERROR(validate_value(key, value));
    if (key == kAlignmentKey) {
      has_alignment_key = true;
      if (value.type != GgufValueType::UINT32 || value.uint_value != file.alignment) {
        return Status::error(
            format("key '%s' must be UINT32 %" PRIu64 " (the file's alignment)", kAlignmentKey, file.alignment));
      }
    }
  }
  // A reader would assume the default: the key must say otherwise.
  if (!has_alignment_key && file.alignment != kDefaultAlignment) {
    return Status::error(format("alignment %" PRIu64 " needs a '%s' key", file.alignment, kAlignmentKey));
  }
  return Status::ok();
}

// Size of each tensor from its type and shape, offsets packed in order at the alignment.
Status layout_tensors(const GgufFile& file, std::vector<GgufTensorInfo>* laid_out, uint64_t* data_size) {
  std::unordered_set<std::string> names;
  uint64_t next_offset = 0;
  *data_size = 0;
  for (GgufTensorInfo t : file.tensors) {
    const char* name = t.name.c_str();
    if (!names.insert(t.name).second) return Status::error(format("duplicate tensor name '%s'", name));
    if (t.n_dims > kMaxDims) return Status::error(format("tensor '%s': n_dims %" PRIu32 " exceeds 4", name, t.n_dims));
    for (uint32_t d = t.n_dims; d < kMaxDims; ++d) {
      if (t.ne[d] != 1) {
        return Status::error(format("tensor '%s': dimension %" PRIu32 " is %" PRIu64 " beyond n_dims %" PRIu32, name, d,
                                    t.ne[d], t.n_dims));
      }
    }
    const GgmlTypeInfo* type = ggml_type_info(t.type);
    if (type == nullptr) return Status::error(format("tensor '%s': unknown ggml type", name));
    WEBGGUF_RETURN_IF_ERROR(with_context(tensor_size_bytes(t.ne, *type, &t.size_bytes), format("tensor '%s'", name)));
    if (!checked_add(align_up(next_offset, file.alignment), t.size_bytes, &next_offset)) {
      return Status::error(format("tensor '%s': data offset overflows 64 bits", name));
    }
    t.offset = next_offset - t.size_bytes;
    *data_size = next_offset;
    laid_out->push_back(std::move(t));
  }
  return Status::ok();
}

}  // namespace

Status write_gguf_zeros(uint64_t count, const GgufWriteFn& write) {
  static const uint8_t kZeros[4096] = {};
  while (count > 0) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(count, sizeof kZeros));
    WEBGGUF_RETURN_IF_ERROR(write(kZeros, n));
    count -= n;
  }
  return Status::ok();
}

Result<std::vector<uint8_t>> serialize_gguf_header(GgufFile& file) {
  WEBGGUF_RETURN_IF_ERROR(validate_metadata(file));
  std::vector<GgufTensorInfo> tensors;
  uint64_t data_size = 0;
  WEBGGUF_RETURN_IF_ERROR(layout_tensors(file, &tensors, &data_size));

  ByteWriter out;
  for (uint8_t c : kMagic) out.uint(c, 1);
  out.uint(file.version, 4);
  out.uint(tensors.size(), 8);
  out.uint(file.metadata.size(), 8);
  for (const auto& [key, value] : file.metadata) {
    out.string(key);
    write_value(out, value);
  }
  for (const GgufTensorInfo& t : tensors) {
    out.string(t.name);
    out.uint(t.n_dims, 4);
    for (uint32_t d = 0; d < t.n_dims; ++d) out.uint(t.ne[d], 8);
    out.uint(static_cast<uint32_t>(t.type), 4);
    out.uint(t.offset, 8);
  }
  file.header_size = out.size();
  out.pad_to(file.alignment);
  file.data_offset = out.size();
  file.data_size = data_size;
  file.tensors = std::move(tensors);
  file.reindex();
  return out.take();
}

}  // namespace webgguf
