// Corrupt files generated from an enum of failure kinds (as ggml's test-gguf does): each kind
// patches one field of a small valid file and must produce its own specific error.
#include <gtest/gtest.h>

#include <functional>

#include "gguf/gguf.h"
#include "gguf_corrupt_cases.h"
#include "gguf_test_files.h"

namespace webgguf::testing {

Layout small_file_layout() {
  Layout l;
  l.file = testing::make_small_gguf();
  l.bytes = testing::serialize_with_data(l.file);
  l.arch_value = offset_after_string(l.bytes, "general.architecture");
  l.alignment = offset_after_string(l.bytes, "general.alignment");
  l.key_a = offset_after_string(l.bytes, "tiny.key_a") - 8 - 10;
  l.key_b = offset_after_string(l.bytes, "tiny.key_b") - 8 - 10;
  l.tokens = offset_after_string(l.bytes, "tiny.tokens");
  l.tensor_a = offset_after_string(l.bytes, "a.weight");
  l.tensor_b = offset_after_string(l.bytes, "b.weight");
  l.tensor_b_name = l.tensor_b - 8 - 8;
  return l;
}

namespace {
std::string u(uint64_t v) {
  return std::to_string(v);
}
auto same = [](const Layout&) { return std::string(); };
auto need_more = [](const Layout&) { return std::string("need_more"); };
auto ok = [](const Layout&) { return std::string("ok"); };
}  // namespace

const std::vector<CorruptCase>& corrupt_cases() {
  static const std::vector<CorruptCase> cases = {
      {Corruption::BadMagic, "bad magic", [](auto&, auto& b) { std::memcpy(b.data(), "GGML", 4); },
       [](auto&) { return std::string("bad magic 'GGML' at offset 0, expected 'GGUF'"); }, same},
      {Corruption::Version1, "version 1", [](auto&, auto& b) { patch_le(b, 4, 1, 4); },
       [](auto&) { return std::string("GGUF version 1 at offset 4 is not supported (only versions 2 and 3)"); }, same},
      {Corruption::Version4, "version 4", [](auto&, auto& b) { patch_le(b, 4, 4, 4); },
       [](auto&) { return std::string("GGUF version 4 at offset 4 is not supported"); }, same},
      {Corruption::HugeTensorCount, "huge tensor count", [](auto&, auto& b) { patch_le(b, 8, 1ull << 40, 8); },
       [](const Layout& l) {
         return "tensor count 1099511627776 at offset 8: tensor infos at offset 24: 26388279066624 bytes run past "
                "end of file (size " +
                u(l.bytes.size()) + ")";
       },
       [](auto&) {
         return std::string(
             "tensor count 1099511627776 at offset 8: tensor infos at offset 24: the "
             "header would need at least 26388279066648 bytes, more than the 1073741824-byte limit");
       }},
      {Corruption::HugeKvCount, "huge kv count", [](auto&, auto& b) { patch_le(b, 16, 1ull << 40, 8); },
       [](auto&) { return std::string("key/value count 1099511627776 at offset 16: key/value pairs at offset 24"); },
       [](auto&) { return std::string("more than the 1073741824-byte limit"); }},
      {Corruption::KeyLengthPastEnd, "key length past end", [](auto&, auto& b) { patch_le(b, 24, 1ull << 62, 8); },
       [](auto&) { return std::string("key #0: key at offset 32: 4611686018427387904 bytes run past end of file"); },
       [](auto&) { return std::string("key #0: key at offset 32: the header would need at least"); }},
      {Corruption::EmptyKey, "empty key", [](const Layout& l, auto& b) { patch_le(b, l.key_a, 0, 8); },
       [](const Layout& l) { return "key #2 at offset " + u(l.key_a) + ": empty key"; }, same},
      {Corruption::StringLengthPastEnd, "string length past end",
       [](const Layout& l, auto& b) { patch_le(b, l.arch_value + 4, 1000000, 8); },
       [](const Layout& l) {
         return "key 'general.architecture': string value at offset " + u(l.arch_value + 12) +
                ": 1000000 bytes run past end of file (size " + u(l.bytes.size()) + ")";
       },
       need_more},
      {Corruption::UnknownValueType, "unknown value type",
       [](const Layout& l, auto& b) { patch_le(b, l.key_a + 18, 13, 4); },
       [](const Layout& l) { return "key 'tiny.key_a' at offset " + u(l.key_a + 18) + ": unknown value type 13"; },
       same},
      {Corruption::NestedArray, "nested array", [](const Layout& l, auto& b) { patch_le(b, l.tokens + 4, 9, 4); },
       [](const Layout& l) {
         return "key 'tiny.tokens': array element type at offset " + u(l.tokens + 4) +
                ": nested arrays are not supported";
       },
       same},
      {Corruption::ArrayCountPastEnd, "array count past end",
       [](const Layout& l, auto& b) { patch_le(b, l.tokens + 8, 1ull << 40, 8); },
       [](const Layout& l) {
         return "key 'tiny.tokens': array count 1099511627776 at offset " + u(l.tokens + 8) + ": strings";
       },
       [](auto&) { return std::string("more than the 1073741824-byte limit"); }},
      {Corruption::NDims5, "n_dims 5", [](const Layout& l, auto& b) { patch_le(b, l.tensor_b, 5, 4); },
       [](const Layout& l) { return "tensor 'b.weight': n_dims 5 at offset " + u(l.tensor_b) + " exceeds 4"; }, same},
      {Corruption::DimensionProductOverflow, "dimension product overflows 64 bits",
       [](const Layout& l, auto& b) {
         patch_le(b, l.tensor_a + 4, 1ull << 32, 8);
         patch_le(b, l.tensor_a + 12, 1ull << 32, 8);
       },
       [](const Layout& l) {
         return "tensor 'a.weight': shape at offset " + u(l.tensor_a) +
                ": shape [4294967296, 4294967296, 1, 1] has more than INT64_MAX elements";
       },
       same},
      {Corruption::DimensionNegative, "dimension above INT64_MAX",
       [](const Layout& l, auto& b) { patch_le(b, l.tensor_a + 12, 1ull << 63, 8); },
       [](const Layout& l) {
         return "tensor 'a.weight': dimension 1 at offset " + u(l.tensor_a + 12) +
                " is 9223372036854775808, more than INT64_MAX";
       },
       same},
      {Corruption::UnknownGgmlType, "unknown ggml type",
       [](const Layout& l, auto& b) { patch_le(b, l.tensor_b + 12, 99, 4); },
       [](const Layout& l) { return "tensor 'b.weight': unknown ggml type id 99 at offset " + u(l.tensor_b + 12); },
       same},
      {Corruption::RemovedGgmlType, "removed ggml type (Q4_2)",
       [](const Layout& l, auto& b) { patch_le(b, l.tensor_b + 12, 4, 4); },
       [](auto&) { return std::string("tensor 'b.weight': unknown ggml type id 4"); }, same},
      {Corruption::RowNotWholeBlocks, "row not whole blocks",
       [](const Layout& l, auto& b) { patch_le(b, l.tensor_b + 4, 33, 8); },
       [](const Layout& l) {
         return "tensor 'b.weight': shape at offset " + u(l.tensor_b) +
                ": row length 33 is not a multiple of the q8_0 block size 32";
       },
       same},
      {Corruption::MisalignedOffset, "misaligned offset",
       [](const Layout& l, auto& b) { patch_le(b, l.tensor_b + 16, 36, 8); },
       [](const Layout& l) {
         return "tensor 'b.weight': data offset 36 at offset " + u(l.tensor_b + 16) +
                " is not a multiple of the alignment 32";
       },
       same},
      {Corruption::OffsetPastEnd, "offset past end of file",
       [](const Layout& l, auto& b) { patch_le(b, l.tensor_b + 16, 1024, 8); },
       [](const Layout& l) {
         return "tensor 'b.weight': data [offset " + u(l.file.data_offset + 1024) +
                ", 34 bytes] lies past end of file (size " + u(l.bytes.size()) + ")";
       },
       ok},
      {Corruption::OffsetOverflow, "offset overflows 64 bits",
       [](const Layout& l, auto& b) { patch_le(b, l.tensor_b + 16, ~0ull - 31, 8); },
       [](auto&) {
         return std::string(
             "tensor 'b.weight': data [offset 18446744073709551584 in the data section, 34 bytes] overflows 64 bits");
       },
       same},
      {Corruption::OverlappingTensors, "overlapping tensors",
       [](const Layout& l, auto& b) { patch_le(b, l.tensor_b + 16, 0, 8); },
       [](const Layout& l) {
         const std::string d = u(l.file.data_offset);
         return "tensor 'b.weight': data [offset " + d + ", 34 bytes] overlaps tensor 'a.weight' [offset " + d +
                ", 32 bytes]";
       },
       same},
      {Corruption::DuplicateKey, "duplicate key", [](const Layout& l, auto& b) { b[l.key_b + 8 + 9] = 'a'; },
       [](const Layout& l) { return "key 'tiny.key_a' at offset " + u(l.key_b) + ": duplicate key (first is key #2)"; },
       same},
      {Corruption::DuplicateTensorName, "duplicate tensor name",
       [](const Layout& l, auto& b) { b[l.tensor_b_name + 8] = 'a'; },
       [](auto&) { return std::string("tensor 'a.weight' (tensor #1): duplicate tensor name (first is tensor #0)"); },
       same},
      {Corruption::AlignmentNotPowerOfTwo, "alignment 48",
       [](const Layout& l, auto& b) { patch_le(b, l.alignment + 4, 48, 4); },
       [](const Layout& l) {
         return "key 'general.alignment' at offset " + u(l.alignment) + ": 48 is not a nonzero power of two";
       },
       same},
      {Corruption::AlignmentZero, "alignment 0", [](const Layout& l, auto& b) { patch_le(b, l.alignment + 4, 0, 4); },
       [](const Layout& l) {
         return "key 'general.alignment' at offset " + u(l.alignment) + ": 0 is not a nonzero power of two";
       },
       same},
      {Corruption::AlignmentWrongType, "alignment INT32",
       [](const Layout& l, auto& b) { patch_le(b, l.alignment, 5, 4); },
       [](const Layout& l) {
         return "key 'general.alignment' at offset " + u(l.alignment) + ": must be UINT32, not INT32";
       },
       same},
      // The 2^30 alignment the fuzzer found: a power of two, but padding to it costs a GiB.
      {Corruption::AlignmentTooLarge, "alignment 2^30",
       [](const Layout& l, auto& b) { patch_le(b, l.alignment + 4, 1u << 30, 4); },
       [](const Layout& l) {
         return "key 'general.alignment' at offset " + u(l.alignment) +
                ": 1073741824 is larger than the largest supported alignment 1048576 (real files use 32)";
       },
       same},
  };
  return cases;
}

}  // namespace webgguf::testing

namespace webgguf {
namespace {

using testing::corrupt_cases;
using testing::CorruptCase;
using testing::Corruption;
using testing::Layout;
using testing::offset_after_string;
using testing::patch_le;
using testing::small_file_layout;

class CorruptFileTest : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(CorruptFileTest, GivesItsSpecificError) {
  const CorruptCase& c = GetParam();
  const Layout layout = small_file_layout();
  std::vector<uint8_t> bytes = layout.bytes;
  c.patch(layout, bytes);

  const Result<GgufFile> whole = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  ASSERT_FALSE(whole.is_ok()) << c.name;
  EXPECT_FALSE(whole.status().needs_more()) << c.name;
  EXPECT_NE(whole.status().message().find(c.error_with_size(layout)), std::string::npos)
      << c.name << "\n  got:  " << whole.status().message() << "\n  want: " << c.error_with_size(layout);

  const Result<GgufFile> streaming = parse_gguf(bytes.data(), bytes.size(), kUnknownFileSize);
  std::string expected = c.streaming(layout);
  if (expected == "ok") {
    EXPECT_TRUE(streaming.is_ok()) << c.name << ": " << streaming.status().message();
  } else if (expected == "need_more") {
    EXPECT_TRUE(streaming.status().needs_more()) << c.name << ": " << streaming.status().message();
    EXPECT_GT(streaming.status().bytes_needed(), bytes.size()) << c.name;
  } else {
    if (expected.empty()) expected = c.error_with_size(layout);
    ASSERT_FALSE(streaming.is_ok()) << c.name;
    EXPECT_FALSE(streaming.status().needs_more()) << c.name << ": " << streaming.status().message();
    EXPECT_NE(streaming.status().message().find(expected), std::string::npos)
        << c.name << "\n  got:  " << streaming.status().message() << "\n  want: " << expected;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryKind, CorruptFileTest, ::testing::ValuesIn(corrupt_cases()),
                         [](const ::testing::TestParamInfo<CorruptCase>& info) {
                           std::string name;
                           for (const char* p = info.param.name; *p; ++p) name += std::isalnum(*p) ? *p : '_';
                           return name;
                         });

TEST(CorruptFile, EveryKindIsInTheTable) {
  EXPECT_EQ(corrupt_cases().size(), static_cast<size_t>(Corruption::AlignmentTooLarge) + 1);
  for (size_t i = 0; i < corrupt_cases().size(); ++i) EXPECT_EQ(static_cast<size_t>(corrupt_cases()[i].kind), i);
}

// Truncated at every byte boundary: while streaming a short prefix asks for more (never past
// the end of the file when its size is known); with the size known, the same bytes are a
// specific error.
TEST(CorruptFile, TruncatedAtEveryByte) {
  const Layout layout = small_file_layout();
  const std::vector<uint8_t>& bytes = layout.bytes;
  const uint64_t tensors_end = layout.file.data_offset + layout.file.data_size;
  for (size_t n = 0; n < bytes.size(); ++n) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    const Result<GgufFile> streaming = parse_gguf(bytes.data(), n, kUnknownFileSize);
    const Result<GgufFile> of_full_size = parse_gguf(bytes.data(), n, bytes.size());
    const Result<GgufFile> truncated = parse_gguf(bytes.data(), n, n);
    if (n < layout.file.header_size) {
      ASSERT_TRUE(streaming.status().needs_more()) << streaming.status().message();
      EXPECT_GT(streaming.status().bytes_needed(), n);
      EXPECT_TRUE(of_full_size.status().needs_more()) << of_full_size.status().message();
      EXPECT_LE(of_full_size.status().bytes_needed(), bytes.size());
      ASSERT_FALSE(truncated.is_ok());
      EXPECT_FALSE(truncated.status().needs_more());
      EXPECT_NE(truncated.status().message().find("past end of file (size " + std::to_string(n) + ")"),
                std::string::npos)
          << truncated.status().message();
    } else {
      ASSERT_TRUE(streaming.is_ok()) << streaming.status().message();
      EXPECT_TRUE(streaming.value() == layout.file);
      EXPECT_TRUE(of_full_size.is_ok()) << of_full_size.status().message();
      if (n < tensors_end) {
        EXPECT_NE(truncated.status().message().find("lies past end of file (size " + std::to_string(n) + ")"),
                  std::string::npos)
            << truncated.status().message();
      } else {
        EXPECT_TRUE(truncated.is_ok()) << truncated.status().message();
      }
    }
  }
}

// The reader's "rest of the header needs at least N bytes" bound must be exact: files that end
// right where their header (or their only tensor) ends are valid.
TEST(CorruptFile, SmallestValidFilesParseWithTheirExactSize) {
  GgufFile empty;
  GgufFile one_byte_value;
  GgufValue u8;
  u8.type = GgufValueType::UINT8;
  one_byte_value.metadata.emplace_back("k", u8);
  GgufFile scalar_tensor;
  GgufTensorInfo t;
  t.name = "s";
  t.type = GgmlType::I8;  // n_dims 0: one element, one byte
  scalar_tensor.tensors.push_back(t);
  for (GgufFile* f : {&empty, &one_byte_value, &scalar_tensor}) {
    std::vector<uint8_t> bytes = serialize_gguf_header(*f).take();
    const size_t size = f->tensors.empty() ? f->header_size : bytes.size() + 1;
    bytes.resize(size, 0);
    const Result<GgufFile> r = parse_gguf(bytes.data(), size, size);
    ASSERT_TRUE(r.is_ok()) << size << ": " << r.status().message();
    EXPECT_TRUE(r.value() == *f);
    for (size_t n = 0; n < f->header_size; ++n) {
      EXPECT_TRUE(parse_gguf(bytes.data(), n, size).status().needs_more()) << n;
    }
  }
  EXPECT_EQ(empty.header_size, 24u);
}

TEST(CorruptFile, MagicIsCheckedOnTheFirstBytes) {
  const uint8_t not_gguf[] = {'G', 'X'};
  const Result<GgufFile> r = parse_gguf(not_gguf, sizeof not_gguf, kUnknownFileSize);
  EXPECT_FALSE(r.status().needs_more());
  EXPECT_EQ(r.status().message(), "bad magic 'GX' at offset 0, expected 'GGUF' (not a GGUF file)");
  const Result<GgufFile> empty = parse_gguf(nullptr, 0, kUnknownFileSize);
  EXPECT_TRUE(empty.status().needs_more());
  EXPECT_GE(empty.status().bytes_needed(), 24u);                         // at least the fixed header
  EXPECT_EQ(parse_gguf(nullptr, 0, 100).status().bytes_needed(), 100u);  // never past the file
}

TEST(CorruptFile, HugeCountOnATinyFileFailsWithoutAllocating) {
  // 2^40 strings claimed by a 100-byte file: rejected from the count alone.
  GgufFile f;
  f.metadata.emplace_back("k", GgufValue::of_strings({"x"}));
  std::vector<uint8_t> bytes = serialize_gguf_header(f).take();
  patch_le(bytes, offset_after_string(bytes, "k") + 8, 1ull << 40, 8);
  const Result<GgufFile> r = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  EXPECT_NE(r.status().message().find("key 'k': array count 1099511627776 at offset 41: strings at offset 49: "
                                      "8796093022208 bytes run past end of file"),
            std::string::npos)
      << r.status().message();
}

// The largest supported alignment is accepted (the bound is inclusive), twice that is not.
TEST(CorruptFile, AlignmentBoundIsInclusive) {
  GgufFile f;
  f.metadata.emplace_back("general.alignment", GgufValue::of_u32(static_cast<uint32_t>(kMaxGgufAlignment)));
  f.alignment = kMaxGgufAlignment;
  std::vector<uint8_t> bytes = serialize_gguf_header(f).take();
  ASSERT_EQ(bytes.size(), kMaxGgufAlignment);  // the header padded to the data section
  const Result<GgufFile> largest = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  ASSERT_TRUE(largest.is_ok()) << largest.status().message();
  EXPECT_EQ(largest.value().data_offset, kMaxGgufAlignment);

  patch_le(bytes, offset_after_string(bytes, "general.alignment") + 4, kMaxGgufAlignment * 2, 4);
  const Result<GgufFile> larger = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  EXPECT_NE(larger.status().message().find("2097152 is larger than the largest supported alignment"), std::string::npos)
      << larger.status().message();
}

}  // namespace
}  // namespace webgguf
