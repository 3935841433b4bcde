// GGUF v2/v3: the in-memory description of a file's header (metadata + tensor table).
// The reader (gguf_reader.cpp) fills it from bytes; the writer (gguf_writer.cpp) serialises it.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"
#include "gguf/ggml_type.h"

namespace webgguf {

enum class GgufValueType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};
const char* gguf_value_type_name(GgufValueType t);

// One metadata value. Scalars live in the numeric fields (integers widened, floats as double),
// arrays keep their element type and either `strings` or the raw little-endian element bytes.
struct GgufValue {
  GgufValueType type = GgufValueType::UINT32;
  GgufValueType array_type = GgufValueType::UINT32;  // element type when type == ARRAY
  uint64_t uint_value = 0;                           // UINT8..UINT64, BOOL
  int64_t int_value = 0;                             // INT8..INT64
  double float_value = 0.0;                          // FLOAT32, FLOAT64
  std::string string_value;                          // STRING
  uint64_t array_count = 0;                          // ARRAY
  std::vector<std::string> array_strings;            // ARRAY of STRING
  std::vector<uint8_t> array_bytes;                  // ARRAY of a numeric/bool type, little-endian

  static GgufValue of_u32(uint32_t v);
  static GgufValue of_i32(int32_t v);
  static GgufValue of_u64(uint64_t v);
  static GgufValue of_f32(float v);
  static GgufValue of_bool(bool v);
  static GgufValue of_string(std::string v);
  static GgufValue of_strings(std::vector<std::string> v);
  static GgufValue of_f32_array(const std::vector<float>& v);
  static GgufValue of_i32_array(const std::vector<int32_t>& v);

  bool is_integer() const;  // any signed/unsigned integer type (not BOOL)
  // Numeric element i of an array as double / int64 (caller checks i < array_count).
  double array_number(uint64_t i) const;
  int64_t array_integer(uint64_t i) const;
};

struct GgufTensorInfo {
  std::string name;
  uint32_t n_dims = 0;
  uint64_t ne[4] = {1, 1, 1, 1};  // ne[0] is the row length (contiguous), as in ggml
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;      // relative to the start of the data section
  uint64_t size_bytes = 0;  // computed from type and ne

  uint64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  uint64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
};

struct GgufFile {
  uint32_t version = 3;
  std::vector<std::pair<std::string, GgufValue>> metadata;  // in file order
  std::vector<GgufTensorInfo> tensors;                      // in file order
  uint64_t alignment = 32;                                  // general.alignment
  uint64_t header_size = 0;                                 // bytes up to the end of the tensor table
  uint64_t data_offset = 0;  // absolute offset of the data section (header_size aligned up)
  uint64_t data_size = 0;    // bytes the tensors need: max(offset + size) over tensors

  const GgufValue* find(const std::string& key) const;
  const GgufTensorInfo* find_tensor(const std::string& name) const;

  // Typed getters: return the fallback when the key is absent or has another type.
  // Integers of any width are accepted by the integer getters when the value fits.
  uint64_t get_uint(const std::string& key, uint64_t fallback) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_float(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;

  // Index for find()/find_tensor(); the reader builds it, writers call reindex() after edits.
  void reindex();
  std::unordered_map<std::string, size_t> metadata_index;
  std::unordered_map<std::string, size_t> tensor_index;
};

// Parses the header of a GGUF file from its first `size` bytes.
// `file_size` is the total file size when known (then every tensor must lie inside the file),
// or kUnknownFileSize while streaming. When the prefix is too short the Status needs_more()
// with bytes_needed() = the prefix length to fetch next: more than `size`, at least what the
// header's smallest encoding still needs, plus an extrapolation of string lengths and a margin
// (a few round trips for any real header), never past a known file_size. Call again with at
// least that many bytes. A corrupt prefix is an error as soon as the bytes show it, never
// need_more. Never reads outside [data, data + size).
constexpr uint64_t kUnknownFileSize = ~0ull;
// No real header comes near this (a 256k-token vocabulary is ~5 MB); a count or length that
// would need more is rejected as corrupt even while the file size is unknown.
constexpr uint64_t kMaxGgufHeaderBytes = 1ull << 30;
// Largest general.alignment accepted (llama.cpp takes any power of two). llama.cpp and gguf-py
// write 32; a writer aligning tensors to memory pages for mmap would use at most 64 KiB (arm64 and
// ppc64 pages), so 1 MiB leaves 16x headroom. Above it the padding alone is the file: a 2^30
// alignment puts the data section past 1 GiB, and every writer and quantizer pad to it.
constexpr uint64_t kMaxGgufAlignment = 1ull << 20;
// Most keys a header may have. Real files have fewer than 100 (a vocabulary is one key holding an
// array); a key costs ~14x its smallest encoding in memory (its GgufValue and index entry, see
// tests/gguf/gguf_memory_test.cpp), so this bound keeps hostile headers of tiny keys under ~15 MB
// while strings and tensor infos stay within 5x the bytes read.
constexpr uint64_t kMaxGgufKeyCount = 1ull << 16;
Result<GgufFile> parse_gguf(const uint8_t* data, size_t size, uint64_t file_size);

// Structural equality (derived indexes excluded; floats compared by bits, so NaN == NaN).
bool operator==(const GgufValue& a, const GgufValue& b);
bool operator==(const GgufTensorInfo& a, const GgufTensorInfo& b);
bool operator==(const GgufFile& a, const GgufFile& b);
inline bool operator!=(const GgufValue& a, const GgufValue& b) {
  return !(a == b);
}
inline bool operator!=(const GgufTensorInfo& a, const GgufTensorInfo& b) {
  return !(a == b);
}
inline bool operator!=(const GgufFile& a, const GgufFile& b) {
  return !(a == b);
}

// Split models: parts named NAME-00001-of-0000N.gguf carrying split.no / split.count /
// split.tensors.count. Checks that the parts form one model (same count, every index once,
// no tensor twice, tensor total matches) and returns the parts ordered by split.no.
struct GgufSplitInfo {
  uint32_t index = 0;         // split.no (0-based)
  uint32_t count = 1;         // split.count
  uint64_t tensor_count = 0;  // split.tensors.count (total over all parts)
};
Result<GgufSplitInfo> gguf_split_info(const GgufFile& file);
Status validate_split_parts(const std::vector<const GgufFile*>& parts_in_order);
// "model-00001-of-00003.gguf" -> {"model-00001-of-00003.gguf", ..., "model-00003-of-00003.gguf"};
// empty when the name does not follow the pattern.
std::vector<std::string> gguf_split_part_names(const std::string& first_part_name);

// Writing: the header bytes (metadata + tensor table + padding to the data section); tensor
// offsets are assigned in order, each aligned to file.alignment. The caller then writes each
// tensor's bytes followed by gguf_padding(size, alignment) zero bytes (write_gguf_zeros).
Result<std::vector<uint8_t>> serialize_gguf_header(GgufFile& file);
inline uint64_t gguf_padding(uint64_t size, uint64_t alignment) {
  return (alignment - size % alignment) % alignment;
}
// Calls `write` with pieces of one small static buffer of zeros until `count` bytes are written,
// so padding costs no allocation whatever its size.
using GgufWriteFn = std::function<Status(const uint8_t* data, size_t size)>;
Status write_gguf_zeros(uint64_t count, const GgufWriteFn& write);

}  // namespace webgguf
