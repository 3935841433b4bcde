// The writer: parse(serialize(x)) == x for every value type, llama.cpp's exact bytes for a
// real header, and the checks that keep it from writing a file the reader would reject.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "gguf/gguf.h"
#include "gguf_test_files.h"

namespace webgguf {
namespace {

// An array of a numeric type from raw little-endian elements.
GgufValue raw_array(GgufValueType element_type, uint64_t count, std::vector<uint8_t> bytes) {
  GgufValue v;
  v.type = GgufValueType::ARRAY;
  v.array_type = element_type;
  v.array_count = count;
  v.array_bytes = std::move(bytes);
  return v;
}

GgufValue scalar(GgufValueType type, uint64_t u, int64_t i, double f) {
  GgufValue v;
  v.type = type;
  v.uint_value = u;
  v.int_value = i;
  v.float_value = f;
  return v;
}

// Every one of the 13 value types as a scalar (ARRAY as arrays of each of the other 12),
// with the edge values of each.
GgufFile file_with_every_value_type() {
  GgufFile f;
  f.version = 3;
  auto set = [&](const std::string& key, GgufValue v) { f.metadata.emplace_back(key, std::move(v)); };
  set("t.u8", scalar(GgufValueType::UINT8, 255, 0, 0));
  set("t.i8", scalar(GgufValueType::INT8, 0, -128, 0));
  set("t.u16", scalar(GgufValueType::UINT16, 65535, 0, 0));
  set("t.i16", scalar(GgufValueType::INT16, 0, -32768, 0));
  set("t.u32", GgufValue::of_u32(4294967295u));
  set("t.i32", GgufValue::of_i32(-2147483647 - 1));
  set("t.f32", GgufValue::of_f32(-1.5e-7f));
  set("t.f32_nan", GgufValue::of_f32(std::numeric_limits<float>::quiet_NaN()));
  set("t.f32_inf", GgufValue::of_f32(-std::numeric_limits<float>::infinity()));
  set("t.bool", GgufValue::of_bool(true));
  set("t.string", GgufValue::of_string(std::string("h\xc3\xa9llo \0 world", 14)));
  set("t.empty_string", GgufValue::of_string(""));
  set("t.u64", GgufValue::of_u64(~0ull));
  set("t.i64", scalar(GgufValueType::INT64, 0, std::numeric_limits<int64_t>::min(), 0));
  set("t.f64", scalar(GgufValueType::FLOAT64, 0, 0, 0.1));
  set("t.strings", GgufValue::of_strings({"a", "", "\xf0\x9f\x98\x80", std::string(300, 'x')}));
  set("t.empty_strings", GgufValue::of_strings({}));
  set("t.f32s", GgufValue::of_f32_array({1.0f, -0.0f, 3.25f}));
  set("t.i32s", GgufValue::of_i32_array({-1, 0, 2147483647}));
  set("t.u8s", raw_array(GgufValueType::UINT8, 3, {1, 2, 255}));
  set("t.i8s", raw_array(GgufValueType::INT8, 2, {0x80, 0x7f}));
  set("t.u16s", raw_array(GgufValueType::UINT16, 1, {0xff, 0xff}));
  set("t.i16s", raw_array(GgufValueType::INT16, 1, {0x00, 0x80}));
  set("t.u32s", raw_array(GgufValueType::UINT32, 1, {1, 0, 0, 0x80}));
  set("t.bools", raw_array(GgufValueType::BOOL, 2, {1, 0}));
  set("t.u64s", raw_array(GgufValueType::UINT64, 1, std::vector<uint8_t>(8, 0xff)));
  set("t.i64s", raw_array(GgufValueType::INT64, 1, {0, 0, 0, 0, 0, 0, 0, 0x80}));
  set("t.f64s", raw_array(GgufValueType::FLOAT64, 1, {0, 0, 0, 0, 0, 0, 0xf0, 0x3f}));
  set("t.empty_u32s", raw_array(GgufValueType::UINT32, 0, {}));
  f.metadata.emplace_back("general.alignment", GgufValue::of_u32(64));
  f.alignment = 64;

  const struct {
    const char* name;
    GgmlType type;
    uint32_t n_dims;
    uint64_t ne[4];
  } tensors[] = {
      {"f32.scalar", GgmlType::F32, 0, {1, 1, 1, 1}},       {"q4_k.matrix", GgmlType::Q4_K, 2, {512, 3, 1, 1}},
      {"bf16.4d", GgmlType::BF16, 4, {3, 5, 7, 2}},         {"q8_0.vector", GgmlType::Q8_0, 1, {96, 1, 1, 1}},
      {"iq4_nl.empty", GgmlType::IQ4_NL, 2, {32, 0, 1, 1}},
  };
  for (const auto& t : tensors) {
    GgufTensorInfo info;
    info.name = t.name;
    info.type = t.type;
    info.n_dims = t.n_dims;
    std::copy(t.ne, t.ne + 4, info.ne);
    f.tensors.push_back(info);
  }
  return f;
}

TEST(GgufWriter, RoundTripsEveryValueType) {
  for (uint32_t version : {2u, 3u}) {
    GgufFile original = file_with_every_value_type();
    original.version = version;
    const Result<std::vector<uint8_t>> bytes = serialize_gguf_header(original);
    ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
    EXPECT_EQ(bytes.value().size() % 64, 0u);
    EXPECT_EQ(original.data_offset, bytes.value().size());

    const Result<GgufFile> parsed = parse_gguf(bytes.value().data(), bytes.value().size(), kUnknownFileSize);
    ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
    EXPECT_TRUE(parsed.value() == original);
    for (size_t i = 0; i < original.metadata.size(); ++i) {
      EXPECT_TRUE(parsed.value().metadata[i] == original.metadata[i]) << original.metadata[i].first;
    }
    for (size_t i = 0; i < original.tensors.size(); ++i) {
      EXPECT_TRUE(parsed.value().tensors[i] == original.tensors[i]) << original.tensors[i].name;
    }

    // Offsets packed in order at the alignment, sizes from the block geometry.
    const GgufFile& f = parsed.value();
    EXPECT_EQ(f.find_tensor("f32.scalar")->offset, 0u);
    EXPECT_EQ(f.find_tensor("f32.scalar")->size_bytes, 4u);
    EXPECT_EQ(f.find_tensor("q4_k.matrix")->offset, 64u);
    EXPECT_EQ(f.find_tensor("q4_k.matrix")->size_bytes, 2u * 144u * 3u);
    EXPECT_EQ(f.find_tensor("bf16.4d")->offset, 64u + 896u);
    EXPECT_EQ(f.find_tensor("bf16.4d")->size_bytes, 3u * 5u * 7u * 2u * 2u);
    EXPECT_EQ(f.find_tensor("iq4_nl.empty")->size_bytes, 0u);

    GgufFile reparsed = parsed.value();
    std::vector<uint8_t> again = serialize_gguf_header(reparsed).take();
    EXPECT_EQ(again, bytes.value());
  }
}

TEST(GgufWriter, TypedGettersReadEveryWidth) {
  GgufFile f = file_with_every_value_type();
  f.reindex();
  EXPECT_EQ(f.get_uint("t.u8", 0), 255u);
  EXPECT_EQ(f.get_uint("t.u64", 0), ~0ull);
  EXPECT_EQ(f.get_int("t.u64", 7), 7);  // does not fit int64
  EXPECT_EQ(f.get_int("t.i8", 0), -128);
  EXPECT_EQ(f.get_uint("t.i8", 9), 9u);  // negative: no uint
  EXPECT_EQ(f.get_int("t.u32", 0), 4294967295);
  EXPECT_EQ(f.get_int("t.i64", 0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f.get_float("t.f64", 0), 0.1);
  EXPECT_EQ(f.get_float("t.u32", -1), -1);  // another type: fallback
  EXPECT_TRUE(f.get_bool("t.bool", false));
  EXPECT_EQ(f.get_string("t.u32", "none"), "none");
  EXPECT_EQ(f.get_string("missing", "none"), "none");
  EXPECT_TRUE(f.find("t.u8")->is_integer());
  EXPECT_FALSE(f.find("t.bool")->is_integer());

  const GgufValue& i8s = *f.find("t.i8s");
  EXPECT_EQ(i8s.array_integer(0), -128);
  EXPECT_EQ(i8s.array_integer(1), 127);
  EXPECT_EQ(i8s.array_integer(2), 0);  // out of range reads nothing
  EXPECT_EQ(f.find("t.i16s")->array_integer(0), -32768);
  EXPECT_EQ(f.find("t.u16s")->array_integer(0), 65535);
  EXPECT_EQ(f.find("t.u32s")->array_number(0), 2147483649.0);
  EXPECT_EQ(f.find("t.i64s")->array_integer(0), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f.find("t.f64s")->array_number(0), 1.0);
  EXPECT_EQ(f.find("t.f32s")->array_number(2), 3.25);
  EXPECT_EQ(f.find("t.f32s")->array_integer(2), 3);
  EXPECT_EQ(f.find("t.i32s")->array_integer(0), -1);
  EXPECT_EQ(f.find("t.bools")->array_number(0), 1.0);
  EXPECT_EQ(f.find("t.strings")->array_number(0), 0.0);  // not numeric
}

// llama.cpp wrote these files: re-serializing a parsed header gives the same bytes.
void expect_header_reproduced(const std::string& path) {
  SCOPED_TRACE(path);
  const testing::ParsedPrefix& header = testing::parse_shared_header(path);
  ASSERT_TRUE(header.parsed.is_ok());
  GgufFile copy = header.parsed.value();
  const Result<std::vector<uint8_t>> bytes = serialize_gguf_header(copy);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
  EXPECT_TRUE(copy == header.parsed.value());
  // Vocab-only files end at the header, without the padding llama.cpp's writer adds today.
  const size_t compared = std::min<size_t>(copy.data_offset, header.file_size);
  ASSERT_LE(compared, bytes.value().size());
  ASSERT_LE(compared, header.bytes.size());
  EXPECT_TRUE(std::equal(header.bytes.begin(), header.bytes.begin() + compared, bytes.value().begin()));
}

TEST(GgufWriter, ReproducesTheVocabHeadersByteForByte) {
  for (const std::string& path : testing::vocab_gguf_paths()) expect_header_reproduced(path);
}

TEST(GgufWriter, ReproducesTheModelHeadersByteForByte) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  for (const std::string& path : testing::model_gguf_paths()) expect_header_reproduced(path);
}

struct WriterRejection {
  const char* name;
  void (*edit)(GgufFile&);
  const char* error;
};

TEST(GgufWriter, RefusesWhatTheReaderWouldReject) {
  const WriterRejection cases[] = {
      {"version 1", [](GgufFile& f) { f.version = 1; }, "GGUF version 1 cannot be written"},
      {"duplicate key", [](GgufFile& f) { f.metadata.emplace_back("tiny.key_a", GgufValue::of_u32(1)); },
       "duplicate key 'tiny.key_a'"},
      {"empty key", [](GgufFile& f) { f.metadata.emplace_back("", GgufValue::of_u32(1)); }, "empty key"},
      {"alignment without key",
       [](GgufFile& f) {
         f.metadata.erase(f.metadata.begin() + 1);
         f.alignment = 64;
       },
       "alignment 64 needs a 'general.alignment' key"},
      {"alignment key disagrees", [](GgufFile& f) { f.alignment = 64; }, "key 'general.alignment' must be UINT32 64"},
      {"alignment 24", [](GgufFile& f) { f.alignment = 24; }, "alignment 24 is not a power of two"},
      {"alignment 2^21", [](GgufFile& f) { f.alignment = kMaxGgufAlignment * 2; },
       "alignment 2097152 is not a power of two up to 1048576"},
      {"nested array", [](GgufFile& f) { f.metadata.emplace_back("x", raw_array(GgufValueType::ARRAY, 0, {})); },
       "key 'x': nested arrays are not supported"},
      {"array bytes disagree with count",
       [](GgufFile& f) {
         f.metadata.emplace_back("x", raw_array(GgufValueType::UINT16, 2, {1, 2, 3}));
       },
       "key 'x': array_count 2 of UINT16 does not match 3 element bytes"},
      {"string count disagrees",
       [](GgufFile& f) {
         GgufValue v = GgufValue::of_strings({"a"});
         v.array_count = 2;
         f.metadata.emplace_back("x", v);
       },
       "key 'x': array_count 2 but 1 strings"},
      {"duplicate tensor", [](GgufFile& f) { f.tensors[1].name = "a.weight"; }, "duplicate tensor name 'a.weight'"},
      {"n_dims 5", [](GgufFile& f) { f.tensors[0].n_dims = 5; }, "tensor 'a.weight': n_dims 5 exceeds 4"},
      {"dimension beyond n_dims", [](GgufFile& f) { f.tensors[1].ne[2] = 3; },
       "tensor 'b.weight': dimension 2 is 3 beyond n_dims 1"},
      {"row not whole blocks", [](GgufFile& f) { f.tensors[1].ne[0] = 48; },
       "tensor 'b.weight': row length 48 is not a multiple of the q8_0 block size 32"},
      {"unknown type", [](GgufFile& f) { f.tensors[1].type = static_cast<GgmlType>(5); },
       "tensor 'b.weight': unknown ggml type"},
      {"too many elements",
       [](GgufFile& f) {
         f.tensors[0].ne[0] = 1ull << 40;
         f.tensors[0].ne[1] = 1ull << 30;
       },
       "tensor 'a.weight': shape [1099511627776, 1073741824, 1, 1] has more than INT64_MAX elements"},
  };
  for (const WriterRejection& c : cases) {
    GgufFile f = testing::make_small_gguf();
    c.edit(f);
    const Result<std::vector<uint8_t>> r = serialize_gguf_header(f);
    ASSERT_FALSE(r.is_ok()) << c.name;
    EXPECT_NE(r.status().message().find(c.error), std::string::npos) << c.name << ": " << r.status().message();
  }
}

// Padding comes from one small static buffer, whatever its length.
TEST(GgufWriter, WritesZerosInSmallPieces) {
  uint64_t total = 0;
  size_t largest = 0;
  bool all_zero = true;
  const Status status = write_gguf_zeros(3 * kMaxGgufAlignment + 5, [&](const uint8_t* data, size_t n) {
    total += n;
    largest = std::max(largest, n);
    all_zero = all_zero && std::all_of(data, data + n, [](uint8_t b) { return b == 0; });
    return Status::ok();
  });
  ASSERT_TRUE(status.is_ok());
  EXPECT_EQ(total, 3 * kMaxGgufAlignment + 5);
  EXPECT_LE(largest, 4096u);
  EXPECT_TRUE(all_zero);
  const Status failed = write_gguf_zeros(10, [](const uint8_t*, size_t) { return Status::error("disk full"); });
  EXPECT_EQ(failed.message(), "disk full");
}

}  // namespace
}  // namespace webgguf
