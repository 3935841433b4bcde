// Embind: parseGgufHeader(bytes, fileSize[, fullArrays]) -> the header of a GGUF file as a
// plain JS object, from a prefix of the file (the loader grows the prefix while status is
// 'need_more'). Only conversions live here; parsing is src/gguf.
//
//   { status: 'ok' | 'need_more' | 'error',
//     bytesNeeded,   // need_more: the prefix length to fetch next (at least); else 0
//     error,         // message naming the field and byte offset ('' unless status is 'error')
//     version, alignment, headerSize, dataOffset, dataSize,   // when ok
//     metadata: { key: value },
//     tensors: [{ name, type, typeId, shape, offset, size }] }
//
// Values: integers and floats are Numbers, except 64-bit integers beyond 2^53, which are BigInt
// (Number would round them); BOOL is a boolean; STRING a string (UTF-8 decoded); arrays are JS
// arrays, but arrays of more than 1000 elements are { type, length } unless fullArrays is true
// (a vocabulary of 150k strings is costly to convert and rarely wanted). Tensor `type` is
// ggml's name ('f16', 'q4_K'), `shape` has n_dims entries (ne[0] = row length first),
// `offset` is relative to the data section (absolute = dataOffset + offset), `size` in bytes.
// fileSize is -1 while unknown; when known, tensors past the end of the file are an error.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf.h"

namespace webgguf {
namespace {

using emscripten::val;

constexpr uint64_t kMaxSafeInteger = (1ull << 53) - 1;  // Number.MAX_SAFE_INTEGER
constexpr uint64_t kArrayElementsInline = 1000;

val js_uint(uint64_t v) {
  return v <= kMaxSafeInteger ? val(static_cast<double>(v)) : val::global("BigInt")(std::to_string(v));
}

val js_int(int64_t v) {
  const bool safe = v >= -static_cast<int64_t>(kMaxSafeInteger) && v <= static_cast<int64_t>(kMaxSafeInteger);
  return safe ? val(static_cast<double>(v)) : val::global("BigInt")(std::to_string(v));
}

val scalar_to_js(const GgufValue& v) {
  switch (v.type) {
    case GgufValueType::STRING: return val(v.string_value);
    case GgufValueType::BOOL: return val(v.uint_value != 0);
    case GgufValueType::FLOAT32:
    case GgufValueType::FLOAT64: return val(v.float_value);
    case GgufValueType::INT8:
    case GgufValueType::INT16:
    case GgufValueType::INT32:
    case GgufValueType::INT64: return js_int(v.int_value);
    default: return js_uint(v.uint_value);
  }
}

val array_element_to_js(const GgufValue& v, uint64_t i) {
  switch (v.array_type) {
    case GgufValueType::BOOL: return val(v.array_integer(i) != 0);
    case GgufValueType::FLOAT32:
    case GgufValueType::FLOAT64: return val(v.array_number(i));
    case GgufValueType::UINT64: return js_uint(static_cast<uint64_t>(v.array_integer(i)));
    default: return js_int(v.array_integer(i));
  }
}

val array_to_js(const GgufValue& v, bool full_arrays) {
  if (v.array_count > kArrayElementsInline && !full_arrays) {
    val summary = val::object();
    summary.set("type", val(gguf_value_type_name(v.array_type)));
    summary.set("length", js_uint(v.array_count));
    return summary;
  }
  val out = val::array();
  for (uint64_t i = 0; i < v.array_count; ++i) {
    out.call<void>("push", v.array_type == GgufValueType::STRING ? val(v.array_strings[i]) : array_element_to_js(v, i));
  }
  return out;
}

val tensor_to_js(const GgufTensorInfo& t) {
  val tensor = val::object();
  tensor.set("name", val(t.name));
  tensor.set("type", val(std::string(ggml_type_name(t.type))));
  tensor.set("typeId", val(static_cast<uint32_t>(t.type)));
  val shape = val::array();
  for (uint32_t d = 0; d < t.n_dims; ++d) shape.call<void>("push", js_uint(t.ne[d]));
  tensor.set("shape", shape);
  tensor.set("offset", js_uint(t.offset));
  tensor.set("size", js_uint(t.size_bytes));
  return tensor;
}

val parse_gguf_header_full(const val& bytes, double file_size, bool full_arrays) {
  // One copy into the wasm heap with TypedArray.set (not an element-wise loop).
  const size_t n = bytes["length"].as<size_t>();
  std::vector<uint8_t> prefix(n);
  if (n > 0) val(emscripten::typed_memory_view(n, prefix.data())).call<void>("set", bytes);
  // -1 (or anything not a non-negative number, such as undefined -> NaN) means unknown.
  const uint64_t size = file_size >= 0 && file_size < 1.8e19 ? static_cast<uint64_t>(file_size) : kUnknownFileSize;
  const Result<GgufFile> parsed = parse_gguf(prefix.data(), prefix.size(), size);

  val out = val::object();
  const Status& status = parsed.status();
  out.set("status", val(std::string(status.is_ok() ? "ok" : status.needs_more() ? "need_more" : "error")));
  out.set("bytesNeeded", val(static_cast<double>(status.needs_more() ? status.bytes_needed() : 0)));
  out.set("error", val(status.needs_more() ? std::string() : status.message()));
  if (!status.is_ok()) return out;

  const GgufFile& f = parsed.value();
  out.set("version", val(f.version));
  out.set("alignment", js_uint(f.alignment));
  out.set("headerSize", js_uint(f.header_size));
  out.set("dataOffset", js_uint(f.data_offset));
  out.set("dataSize", js_uint(f.data_size));
  // No prototype: a key such as '__proto__' from a hostile file stays an ordinary property.
  val metadata = val::global("Object").call<val>("create", val::null());
  for (const auto& [key, value] : f.metadata) {
    metadata.set(key, value.type == GgufValueType::ARRAY ? array_to_js(value, full_arrays) : scalar_to_js(value));
  }
  out.set("metadata", metadata);
  val tensors = val::array();
  for (const GgufTensorInfo& t : f.tensors) tensors.call<void>("push", tensor_to_js(t));
  out.set("tensors", tensors);
  return out;
}

val parse_gguf_header(const val& bytes, double file_size) {
  return parse_gguf_header_full(bytes, file_size, false);
}

}  // namespace
}  // namespace webgguf

EMSCRIPTEN_BINDINGS(webgguf_gguf) {
  emscripten::function("parseGgufHeader", &webgguf::parse_gguf_header);
  emscripten::function("parseGgufHeader", &webgguf::parse_gguf_header_full);
}
