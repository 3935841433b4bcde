// GgufValue / GgufFile accessors: constructors for the writer, typed getters for the model
// loader, equality for round-trip tests.
#include <cstring>

#include "gguf/gguf.h"
#include "gguf/gguf_format.h"

namespace webgguf {

using gguf_format::bits_of_double;
using gguf_format::load_le;
using gguf_format::value_type_size;

const char* gguf_value_type_name(GgufValueType t) {
  switch (t) {
    case GgufValueType::UINT8: return "UINT8";
    case GgufValueType::INT8: return "INT8";
    case GgufValueType::UINT16: return "UINT16";
    case GgufValueType::INT16: return "INT16";
    case GgufValueType::UINT32: return "UINT32";
    case GgufValueType::INT32: return "INT32";
    case GgufValueType::FLOAT32: return "FLOAT32";
    case GgufValueType::BOOL: return "BOOL";
    case GgufValueType::STRING: return "STRING";
    case GgufValueType::ARRAY: return "ARRAY";
    case GgufValueType::UINT64: return "UINT64";
    case GgufValueType::INT64: return "INT64";
    case GgufValueType::FLOAT64: return "FLOAT64";
  }
  return "?";
}

namespace {

bool is_signed_integer(GgufValueType t) {
  return t == GgufValueType::INT8 || t == GgufValueType::INT16 || t == GgufValueType::INT32 ||
         t == GgufValueType::INT64;
}
bool is_unsigned_integer(GgufValueType t) {
  return t == GgufValueType::UINT8 || t == GgufValueType::UINT16 || t == GgufValueType::UINT32 ||
         t == GgufValueType::UINT64;
}
bool is_float(GgufValueType t) {
  return t == GgufValueType::FLOAT32 || t == GgufValueType::FLOAT64;
}

GgufValue array_of(GgufValueType element_type, uint64_t count) {
  GgufValue v;
  v.type = GgufValueType::ARRAY;
  v.array_type = element_type;
  v.array_count = count;
  return v;
}

}  // namespace

GgufValue GgufValue::of_u32(uint32_t v) {
  GgufValue value;
  value.type = GgufValueType::UINT32;
  value.uint_value = v;
  return value;
}

GgufValue GgufValue::of_i32(int32_t v) {
  GgufValue value;
  value.type = GgufValueType::INT32;
  value.int_value = v;
  return value;
}

GgufValue GgufValue::of_u64(uint64_t v) {
  GgufValue value;
  value.type = GgufValueType::UINT64;
  value.uint_value = v;
  return value;
}

GgufValue GgufValue::of_f32(float v) {
  GgufValue value;
  value.type = GgufValueType::FLOAT32;
  value.float_value = v;
  return value;
}

GgufValue GgufValue::of_bool(bool v) {
  GgufValue value;
  value.type = GgufValueType::BOOL;
  value.uint_value = v ? 1 : 0;
  return value;
}

GgufValue GgufValue::of_string(std::string v) {
  GgufValue value;
  value.type = GgufValueType::STRING;
  value.string_value = std::move(v);
  return value;
}

GgufValue GgufValue::of_strings(std::vector<std::string> v) {
  GgufValue value = array_of(GgufValueType::STRING, v.size());
  value.array_strings = std::move(v);
  return value;
}

GgufValue GgufValue::of_f32_array(const std::vector<float>& v) {
  GgufValue value = array_of(GgufValueType::FLOAT32, v.size());
  value.array_bytes.resize(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    gguf_format::store_le(&value.array_bytes[i * 4], gguf_format::bits_of_float(v[i]), 4);
  }
  return value;
}

GgufValue GgufValue::of_i32_array(const std::vector<int32_t>& v) {
  GgufValue value = array_of(GgufValueType::INT32, v.size());
  value.array_bytes.resize(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    gguf_format::store_le(&value.array_bytes[i * 4], static_cast<uint32_t>(v[i]), 4);
  }
  return value;
}

bool GgufValue::is_integer() const {
  return is_signed_integer(type) || is_unsigned_integer(type);
}

double GgufValue::array_number(uint64_t i) const {
  const uint32_t width = value_type_size(static_cast<uint32_t>(array_type));
  if (width == 0 || i >= array_count || i >= array_bytes.size() / width) return 0.0;
  const uint64_t raw = load_le(&array_bytes[i * width], width);
  if (array_type == GgufValueType::FLOAT32) return gguf_format::float_from_bits(static_cast<uint32_t>(raw));
  if (array_type == GgufValueType::FLOAT64) return gguf_format::double_from_bits(raw);
  if (is_signed_integer(array_type)) return static_cast<double>(gguf_format::sign_extend(raw, width));
  if (array_type == GgufValueType::BOOL) return raw != 0 ? 1.0 : 0.0;
  return static_cast<double>(raw);
}

int64_t GgufValue::array_integer(uint64_t i) const {
  const uint32_t width = value_type_size(static_cast<uint32_t>(array_type));
  if (width == 0 || i >= array_count || i >= array_bytes.size() / width) return 0;
  if (is_float(array_type)) {
    // Truncates toward zero like a C cast, but only where the result is representable.
    const double d = array_number(i);
    return (d > -9.2e18 && d < 9.2e18) ? static_cast<int64_t>(d) : 0;
  }
  const uint64_t raw = load_le(&array_bytes[i * width], width);
  if (is_signed_integer(array_type)) return gguf_format::sign_extend(raw, width);
  if (array_type == GgufValueType::BOOL) return raw != 0 ? 1 : 0;
  return static_cast<int64_t>(raw);
}

const GgufValue* GgufFile::find(const std::string& key) const {
  const auto it = metadata_index.find(key);
  return it == metadata_index.end() ? nullptr : &metadata[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  const auto it = tensor_index.find(name);
  return it == tensor_index.end() ? nullptr : &tensors[it->second];
}

uint64_t GgufFile::get_uint(const std::string& key, uint64_t fallback) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return fallback;
  if (is_unsigned_integer(v->type)) return v->uint_value;
  if (is_signed_integer(v->type) && v->int_value >= 0) return static_cast<uint64_t>(v->int_value);
  return fallback;
}

int64_t GgufFile::get_int(const std::string& key, int64_t fallback) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return fallback;
  if (is_signed_integer(v->type)) return v->int_value;
  if (is_unsigned_integer(v->type) && v->uint_value <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->uint_value);
  }
  return fallback;
}

double GgufFile::get_float(const std::string& key, double fallback) const {
  const GgufValue* v = find(key);
  return v != nullptr && is_float(v->type) ? v->float_value : fallback;
}

bool GgufFile::get_bool(const std::string& key, bool fallback) const {
  const GgufValue* v = find(key);
  return v != nullptr && v->type == GgufValueType::BOOL ? v->uint_value != 0 : fallback;
}

std::string GgufFile::get_string(const std::string& key, const std::string& fallback) const {
  const GgufValue* v = find(key);
  return v != nullptr && v->type == GgufValueType::STRING ? v->string_value : fallback;
}

void GgufFile::reindex() {
  metadata_index.clear();
  tensor_index.clear();
  // emplace keeps the first of two equal names, as the reader (which rejects duplicates) would.
  for (size_t i = 0; i < metadata.size(); ++i) metadata_index.emplace(metadata[i].first, i);
  for (size_t i = 0; i < tensors.size(); ++i) tensor_index.emplace(tensors[i].name, i);
}

bool operator==(const GgufValue& a, const GgufValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case GgufValueType::STRING: return a.string_value == b.string_value;
    case GgufValueType::ARRAY:
      return a.array_type == b.array_type && a.array_count == b.array_count && a.array_strings == b.array_strings &&
             a.array_bytes == b.array_bytes;
    case GgufValueType::FLOAT32:
    case GgufValueType::FLOAT64: return bits_of_double(a.float_value) == bits_of_double(b.float_value);
    default: return is_signed_integer(a.type) ? a.int_value == b.int_value : a.uint_value == b.uint_value;
  }
}

bool operator==(const GgufTensorInfo& a, const GgufTensorInfo& b) {
  return a.name == b.name && a.n_dims == b.n_dims && std::memcmp(a.ne, b.ne, sizeof a.ne) == 0 && a.type == b.type &&
         a.offset == b.offset && a.size_bytes == b.size_bytes;
}

bool operator==(const GgufFile& a, const GgufFile& b) {
  return a.version == b.version && a.metadata == b.metadata && a.tensors == b.tensors && a.alignment == b.alignment &&
         a.header_size == b.header_size && a.data_offset == b.data_offset && a.data_size == b.data_size;
}

}  // namespace webgguf
