// GGUF v2/v3 header reader. Stateless: each call parses the given prefix from its first byte,
// so the streaming loader simply calls again with the longer prefix need_more() asked for.
//
// Layout (little-endian):
//   "GGUF" | u32 version | u64 n_tensors | u64 n_kv
//   n_kv x      { string key | u32 value type | value }       value: scalar | string | array
//   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml type | u64 offset }
//   padding to general.alignment | data section (tensor offsets are relative to its start)
// where string = u64 length + bytes, array = u32 element type + u64 count + elements.
#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstring>
#include <numeric>

#include "gguf/gguf.h"
#include "gguf/gguf_byte_cursor.h"
#include "gguf/gguf_format.h"

namespace webgguf {
namespace {

using namespace gguf_format;  // NOLINT: the format's own vocabulary

// Bytes as they may appear in a one-line error message: non-printable ones escaped, long
// names (a hostile key can be a megabyte) cut.
std::string printable_bytes(const uint8_t* bytes, size_t n) {
  constexpr size_t kMaxShown = 120;
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i == kMaxShown) return out + "...";
    if (std::isprint(bytes[i])) {
      out += static_cast<char>(bytes[i]);
    } else {
      out += format("\\x%02x", bytes[i]);
    }
  }
  return out;
}

std::string printable(const std::string& name) {
  return printable_bytes(reinterpret_cast<const uint8_t*>(name.data()), name.size());
}

class GgufParser {
 public:
  GgufParser(const uint8_t* data, size_t size, uint64_t file_size)
      : data_(data), size_(size), file_size_(file_size), cursor_(data, size, file_size) {}

  Result<GgufFile> parse() {
    WEBGGUF_RETURN_IF_ERROR(parse_preamble());
    file_.metadata.reserve(plausible_count(n_kv_, kMinKvBytes));
    for (uint64_t i = 0; i < n_kv_; ++i) WEBGGUF_RETURN_IF_ERROR(parse_kv(i));
    file_.tensors.reserve(plausible_count(n_tensors_, kMinTensorInfoBytes));
    for (uint64_t i = 0; i < n_tensors_; ++i) WEBGGUF_RETURN_IF_ERROR(parse_tensor_info(i));
    file_.header_size = cursor_.offset();
    file_.data_offset = align_up(file_.header_size, file_.alignment);
    WEBGGUF_RETURN_IF_ERROR(check_tensor_layout());
    return std::move(file_);
  }

 private:
  // How many entries of a count read from the file to reserve room for: never more than the
  // bytes present could hold, so a hostile count allocates nothing.
  size_t plausible_count(uint64_t count, uint64_t min_bytes_each) const {
    const uint64_t present = size_ > cursor_.offset() ? size_ - cursor_.offset() : 0;
    return static_cast<size_t>(std::min(count, present / min_bytes_each));
  }

  // Smallest encoding of everything after key/value pair `index`.
  uint64_t rest_after_kv(uint64_t index) const {
    return saturating_add(saturating_mul(n_kv_ - index - 1, kMinKvBytes),
                          saturating_mul(n_tensors_, kMinTensorInfoBytes));
  }
  uint64_t rest_after_tensor(uint64_t index) const {
    return saturating_mul(n_tensors_ - index - 1, kMinTensorInfoBytes);
  }

  // How much longer than `min_bytes` the elements read since `start` were on average: the
  // guess for each element still to come (real names and strings run longer than empty ones).
  uint64_t extra_per_element(uint64_t start, uint64_t elements_read, uint64_t min_bytes) const {
    if (elements_read == 0) return 0;
    const uint64_t average = (cursor_.offset() - start) / elements_read;
    return average > min_bytes ? average - min_bytes : 0;
  }

  Status parse_preamble() {
    // Compare whatever part of the magic is present, so a non-GGUF stream fails at once.
    const size_t have = static_cast<size_t>(std::min<uint64_t>({size_, file_size_, 4}));
    if (have > 0 && std::memcmp(data_, kMagic, have) != 0) {
      return Status::error(format("bad magic '%s' at offset 0, expected 'GGUF' (not a GGUF file)",
                                  printable_bytes(data_, have).c_str()));
    }
    const uint8_t* magic = nullptr;
    cursor_.set_reserve(kFixedHeaderBytes - 4);
    WEBGGUF_RETURN_IF_ERROR(cursor_.read_bytes(4, &magic, "magic"));
    cursor_.set_reserve(kFixedHeaderBytes - 8);

    WEBGGUF_RETURN_IF_ERROR(cursor_.read_u32(&file_.version, "version"));
    if (file_.version < kMinVersion || file_.version > kMaxVersion) {
      const bool byte_swapped = (file_.version & 0xffff) == 0 && file_.version != 0;
      return Status::error(format("GGUF version %" PRIu32 " at offset 4 is not supported (only versions 2 and 3)%s",
                                  file_.version, byte_swapped ? "; is it a big-endian file?" : ""));
    }

    cursor_.set_reserve(8);
    WEBGGUF_RETURN_IF_ERROR(cursor_.read_u64(&n_tensors_, "tensor count"));
    cursor_.set_reserve(0);
    WEBGGUF_RETURN_IF_ERROR(cursor_.read_u64(&n_kv_, "key/value count"));

    // Counts must fit in the file (or the header size limit) at their smallest encoding.
    cursor_.set_reserve(0);
    WEBGGUF_RETURN_IF_ERROR(
        with_context(cursor_.check_fits(saturating_mul(n_tensors_, kMinTensorInfoBytes), "tensor infos"),
                     format("tensor count %" PRIu64 " at offset 8", n_tensors_)));
    cursor_.set_reserve(saturating_mul(n_tensors_, kMinTensorInfoBytes));
    WEBGGUF_RETURN_IF_ERROR(with_context(cursor_.check_fits(saturating_mul(n_kv_, kMinKvBytes), "key/value pairs"),
                                         format("key/value count %" PRIu64 " at offset 16", n_kv_)));
    if (n_kv_ > kMaxGgufKeyCount) {
      return Status::error(format("key/value count %" PRIu64 " at offset 16 is more than %" PRIu64
                                  " (real files have fewer than 100 keys)",
                                  n_kv_, kMaxGgufKeyCount));
    }
    return Status::ok();
  }

  Status parse_kv(uint64_t index) {
    const uint64_t kv_offset = cursor_.offset();
    cursor_.set_reserve(rest_after_kv(index) + 4 + 1);  // + value type + smallest value
    std::string key;
    WEBGGUF_RETURN_IF_ERROR(with_context(cursor_.read_string(&key, "key"), format("key #%" PRIu64, index)));
    if (key.empty())
      return Status::error(format("key #%" PRIu64 " at offset %" PRIu64 ": empty key", index, kv_offset));
    const std::string context = format("key '%s'", printable(key).c_str());
    const auto [it, inserted] = file_.metadata_index.emplace(key, file_.metadata.size());
    if (!inserted) {
      return Status::error(format("%s at offset %" PRIu64 ": duplicate key (first is key #%zu)", context.c_str(),
                                  kv_offset, it->second));
    }

    cursor_.set_reserve(rest_after_kv(index) + 1);
    const uint64_t type_offset = cursor_.offset();
    uint32_t type = 0;
    WEBGGUF_RETURN_IF_ERROR(with_context(cursor_.read_u32(&type, "value type"), context));
    if (!is_known_value_type(type)) {
      return Status::error(
          format("%s at offset %" PRIu64 ": unknown value type %" PRIu32, context.c_str(), type_offset, type));
    }
    cursor_.set_reserve(rest_after_kv(index));
    GgufValue value;
    value.type = static_cast<GgufValueType>(type);
    if (value.type == GgufValueType::ARRAY) {
      WEBGGUF_RETURN_IF_ERROR(with_context(parse_array(index, &value), context));
    } else {
      WEBGGUF_RETURN_IF_ERROR(with_context(parse_scalar(&value), context));
    }
    if (key == kAlignmentKey) WEBGGUF_RETURN_IF_ERROR(apply_alignment(value, type_offset));
    file_.metadata.emplace_back(std::move(key), std::move(value));
    return Status::ok();
  }

  Status parse_scalar(GgufValue* value) {
    if (value->type == GgufValueType::STRING) return cursor_.read_string(&value->string_value, "string value");
    const uint32_t width = value_type_size(static_cast<uint32_t>(value->type));
    uint64_t raw = 0;
    WEBGGUF_RETURN_IF_ERROR(cursor_.read_uint(width, &raw, "value"));
    switch (value->type) {
      case GgufValueType::INT8:
      case GgufValueType::INT16:
      case GgufValueType::INT32:
      case GgufValueType::INT64: value->int_value = sign_extend(raw, width); break;
      case GgufValueType::FLOAT32: value->float_value = float_from_bits(static_cast<uint32_t>(raw)); break;
      case GgufValueType::FLOAT64: value->float_value = double_from_bits(raw); break;
      default: value->uint_value = raw; break;  // unsigned integers and BOOL (kept as stored)
    }
    return Status::ok();
  }

  Status parse_array(uint64_t kv_index, GgufValue* value) {
    const uint64_t type_offset = cursor_.offset();
    uint32_t element_type = 0;
    cursor_.set_reserve(rest_after_kv(kv_index) + 8);
    WEBGGUF_RETURN_IF_ERROR(cursor_.read_u32(&element_type, "array element type"));
    if (element_type == static_cast<uint32_t>(GgufValueType::ARRAY)) {
      return Status::error(
          format("array element type at offset %" PRIu64 ": nested arrays are not supported", type_offset));
    }
    if (!is_known_value_type(element_type)) {
      return Status::error(
          format("array element type at offset %" PRIu64 ": unknown value type %" PRIu32, type_offset, element_type));
    }
    value->array_type = static_cast<GgufValueType>(element_type);
    cursor_.set_reserve(rest_after_kv(kv_index));
    const uint64_t count_offset = cursor_.offset();
    WEBGGUF_RETURN_IF_ERROR(cursor_.read_u64(&value->array_count, "array count"));
    const uint64_t count = value->array_count;

    if (value->array_type != GgufValueType::STRING) {
      uint64_t bytes = 0;
      if (!checked_mul(count, value_type_size(element_type), &bytes)) {
        return Status::error(format("array count %" PRIu64 " at offset %" PRIu64 ": %s elements overflow 64 bits",
                                    count, count_offset, gguf_value_type_name(value->array_type)));
      }
      const uint8_t* elements = nullptr;
      WEBGGUF_RETURN_IF_ERROR(cursor_.read_bytes(bytes, &elements, "array data"));
      value->array_bytes.assign(elements, elements + bytes);
      return Status::ok();
    }

    // Each string takes at least its 8-byte length: bound the count before allocating anything.
    WEBGGUF_RETURN_IF_ERROR(with_context(cursor_.check_fits(saturating_mul(count, kMinStringBytes), "strings"),
                                         format("array count %" PRIu64 " at offset %" PRIu64, count, count_offset)));
    value->array_strings.reserve(plausible_count(count, kMinStringBytes));
    const uint64_t rest = rest_after_kv(kv_index);
    const uint64_t elements_start = cursor_.offset();
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t remaining = count - i - 1;
      cursor_.set_reserve(saturating_add(rest, remaining * kMinStringBytes),
                          remaining * extra_per_element(elements_start, i, kMinStringBytes));
      std::string element;
      const Status read = cursor_.read_string(&element, "string");
      if (!read.is_ok()) return with_context(read, format("array element %" PRIu64, i));  // formats only on failure
      value->array_strings.push_back(std::move(element));
    }
    return Status::ok();
  }

  Status apply_alignment(const GgufValue& value, uint64_t type_offset) {
    if (value.type != GgufValueType::UINT32) {
      return Status::error(format("key '%s' at offset %" PRIu64 ": must be UINT32, not %s", kAlignmentKey, type_offset,
                                  gguf_value_type_name(value.type)));
    }
    if (!is_power_of_two(value.uint_value)) {
      return Status::error(format("key '%s' at offset %" PRIu64 ": %" PRIu64 " is not a nonzero power of two",
                                  kAlignmentKey, type_offset, value.uint_value));
    }
    if (value.uint_value > kMaxGgufAlignment) {
      return Status::error(format("key '%s' at offset %" PRIu64 ": %" PRIu64 " is larger than the largest supported"
                                  " alignment %" PRIu64 " (real files use 32)",
                                  kAlignmentKey, type_offset, value.uint_value, kMaxGgufAlignment));
    }
    file_.alignment = value.uint_value;
    return Status::ok();
  }

  Status parse_tensor_info(uint64_t index) {
    if (index == 0) tensor_infos_start_ = cursor_.offset();
    const uint64_t rest = rest_after_tensor(index);
    cursor_.set_reserve(rest + 4 + 4 + 8,  // + n_dims + type + offset
                        (n_tensors_ - index - 1) * extra_per_element(tensor_infos_start_, index, kMinTensorInfoBytes));
    GgufTensorInfo info;
    WEBGGUF_RETURN_IF_ERROR(
        with_context(cursor_.read_string(&info.name, "tensor name"), format("tensor #%" PRIu64, index)));
    const std::string context = format("tensor '%s'", printable(info.name).c_str());
    const auto [it, inserted] = file_.tensor_index.emplace(info.name, file_.tensors.size());
    if (!inserted) {
      return Status::error(format("%s (tensor #%" PRIu64 "): duplicate tensor name (first is tensor #%zu)",
                                  context.c_str(), index, it->second));
    }

    const uint64_t dims_offset = cursor_.offset();
    cursor_.set_reserve(rest + 4 + 8);
    WEBGGUF_RETURN_IF_ERROR(with_context(cursor_.read_u32(&info.n_dims, "n_dims"), context));
    if (info.n_dims > kMaxDims) {
      return Status::error(format("%s: n_dims %" PRIu32 " at offset %" PRIu64 " exceeds %" PRIu32, context.c_str(),
                                  info.n_dims, dims_offset, kMaxDims));
    }
    for (uint32_t d = 0; d < info.n_dims; ++d) {
      cursor_.set_reserve(rest + (info.n_dims - d - 1) * 8 + 4 + 8);
      const uint64_t dim_offset = cursor_.offset();
      WEBGGUF_RETURN_IF_ERROR(with_context(cursor_.read_u64(&info.ne[d], "dimension"), context));
      if (info.ne[d] > static_cast<uint64_t>(INT64_MAX)) {  // ggml keeps shapes in int64_t
        return Status::error(format("%s: dimension %" PRIu32 " at offset %" PRIu64 " is %" PRIu64
                                    ", more than INT64_MAX",
                                    context.c_str(), d, dim_offset, info.ne[d]));
      }
    }

    cursor_.set_reserve(rest + 8);
    const uint64_t type_offset = cursor_.offset();
    uint32_t type_id = 0;
    WEBGGUF_RETURN_IF_ERROR(with_context(cursor_.read_u32(&type_id, "ggml type"), context));
    const GgmlTypeInfo* type = ggml_type_info(type_id);
    if (type == nullptr) {
      return Status::error(
          format("%s: unknown ggml type id %" PRIu32 " at offset %" PRIu64, context.c_str(), type_id, type_offset));
    }
    info.type = static_cast<GgmlType>(type_id);

    cursor_.set_reserve(rest);
    const uint64_t offset_offset = cursor_.offset();
    WEBGGUF_RETURN_IF_ERROR(with_context(cursor_.read_u64(&info.offset, "data offset"), context));
    WEBGGUF_RETURN_IF_ERROR(with_context(tensor_size_bytes(info.ne, *type, &info.size_bytes),
                                         format("%s: shape at offset %" PRIu64, context.c_str(), dims_offset)));
    if (info.offset % file_.alignment != 0) {
      return Status::error(format("%s: data offset %" PRIu64 " at offset %" PRIu64
                                  " is not a multiple of the alignment %" PRIu64,
                                  context.c_str(), info.offset, offset_offset, file_.alignment));
    }
    file_.tensors.push_back(std::move(info));
    return Status::ok();
  }

  // Every tensor inside the file (when its size is known), no two overlapping.
  Status check_tensor_layout() {
    const std::vector<GgufTensorInfo>& tensors = file_.tensors;
    std::vector<uint64_t> starts(tensors.size());  // absolute file offsets
    for (size_t i = 0; i < tensors.size(); ++i) {
      const GgufTensorInfo& t = tensors[i];
      uint64_t end = 0;
      if (!checked_add(file_.data_offset, t.offset, &starts[i]) || !checked_add(starts[i], t.size_bytes, &end)) {
        return Status::error(format("tensor '%s': data [offset %" PRIu64 " in the data section, %" PRIu64
                                    " bytes] overflows 64 bits",
                                    printable(t.name).c_str(), t.offset, t.size_bytes));
      }
      if (file_size_ != kUnknownFileSize && end > file_size_) {
        return Status::error(format("tensor '%s': data [offset %" PRIu64 ", %" PRIu64
                                    " bytes] lies past end of file (size %" PRIu64 ")",
                                    printable(t.name).c_str(), starts[i], t.size_bytes, file_size_));
      }
      file_.data_size = std::max(file_.data_size, t.offset + t.size_bytes);
    }

    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return tensors[a].offset != tensors[b].offset ? tensors[a].offset < tensors[b].offset
                                                    : tensors[a].size_bytes < tensors[b].size_bytes;
    });
    for (size_t k = 1; k < order.size(); ++k) {
      const GgufTensorInfo& previous = tensors[order[k - 1]];
      const GgufTensorInfo& current = tensors[order[k]];
      if (previous.offset + previous.size_bytes > current.offset) {
        return Status::error(format("tensor '%s': data [offset %" PRIu64 ", %" PRIu64 " bytes] overlaps tensor '%s'"
                                    " [offset %" PRIu64 ", %" PRIu64 " bytes]",
                                    printable(current.name).c_str(), starts[order[k]], current.size_bytes,
                                    printable(previous.name).c_str(), starts[order[k - 1]], previous.size_bytes));
      }
    }
    return Status::ok();
  }

  const uint8_t* data_;
  uint64_t size_;
  uint64_t file_size_;
  GgufByteCursor cursor_;
  GgufFile file_;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
  uint64_t tensor_infos_start_ = 0;
};

}  // namespace

Result<GgufFile> parse_gguf(const uint8_t* data, size_t size, uint64_t file_size) {
  if (data == nullptr) size = 0;
  return GgufParser(data, size, file_size).parse();
}

}  // namespace webgguf
