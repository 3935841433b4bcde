// The reader's table of hostile-file kinds (as ggml's test-gguf): each kind patches one field of
// a small valid file and must produce its own specific error. Defined in
// gguf_corrupt_file_test.cpp; the CLI test feeds the same files to `webgguf info`.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "gguf/gguf.h"

namespace webgguf::testing {

enum class Corruption {
  BadMagic,
  Version1,
  Version4,
  HugeTensorCount,
  HugeKvCount,
  KeyLengthPastEnd,
  EmptyKey,
  StringLengthPastEnd,
  UnknownValueType,
  NestedArray,
  ArrayCountPastEnd,
  NDims5,
  DimensionProductOverflow,
  DimensionNegative,
  UnknownGgmlType,
  RemovedGgmlType,
  RowNotWholeBlocks,
  MisalignedOffset,
  OffsetPastEnd,
  OffsetOverflow,
  OverlappingTensors,
  DuplicateKey,
  DuplicateTensorName,
  AlignmentNotPowerOfTwo,
  AlignmentZero,
  AlignmentWrongType,
  AlignmentTooLarge,
};

// Where the fields of the small file are, found from the strings that precede them.
struct Layout {
  std::vector<uint8_t> bytes;
  GgufFile file;
  size_t arch_value = 0;     // u32 type, then u64 string length
  size_t alignment = 0;      // u32 type, then u32 value
  size_t key_a = 0;          // start of the key string "tiny.key_a"
  size_t key_b = 0;          // start of the key string "tiny.key_b"
  size_t tokens = 0;         // u32 ARRAY, u32 element type, u64 count
  size_t tensor_a = 0;       // u32 n_dims, u64 ne[2], u32 type, u64 offset
  size_t tensor_b = 0;       // u32 n_dims, u64 ne[1], u32 type, u64 offset
  size_t tensor_b_name = 0;  // start of the name string "b.weight"
};

struct CorruptCase {
  Corruption kind;
  const char* name;
  std::function<void(const Layout&, std::vector<uint8_t>&)> patch;
  // Error substring when the file size is known; fields in braces are filled from the layout.
  std::function<std::string(const Layout&)> error_with_size;
  // While streaming (size unknown): "need_more", "ok", or an error substring ("" = same error).
  std::function<std::string(const Layout&)> streaming;
};

Layout small_file_layout();
const std::vector<CorruptCase>& corrupt_cases();

}  // namespace webgguf::testing
