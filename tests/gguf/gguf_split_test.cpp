// Split models: small generated 3-part sets, good and broken, and the part-name pattern.
#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "gguf_test_files.h"

namespace webgguf {
namespace {

GgufTensorInfo f32_tensor(const std::string& name) {
  GgufTensorInfo t;
  t.name = name;
  t.n_dims = 1;
  t.ne[0] = 8;
  return t;
}

// Part `index` (0-based) of a split model of `count` parts holding `total` tensors, written and
// parsed back as a loader would see it. `prefix` spells the keys: "split." or "general.split.".
GgufFile split_part(uint32_t index, uint32_t count, int32_t total, std::vector<std::string> tensor_names,
                    const std::string& prefix = "split.") {
  GgufFile f;
  if (index == 0) f.metadata.emplace_back("general.architecture", GgufValue::of_string("llama"));
  // gguf-split writes split.no and split.count as UINT16 and split.tensors.count as INT32.
  GgufValue no;
  no.type = GgufValueType::UINT16;
  no.uint_value = index;
  GgufValue n_parts = no;
  n_parts.uint_value = count;
  f.metadata.emplace_back(prefix + "no", no);
  f.metadata.emplace_back(prefix + "count", n_parts);
  f.metadata.emplace_back(prefix + "tensors.count", GgufValue::of_i32(total));
  for (const std::string& name : tensor_names) f.tensors.push_back(f32_tensor(name));
  std::vector<uint8_t> bytes = testing::serialize_with_data(f);
  return parse_gguf(bytes.data(), bytes.size(), bytes.size()).take();
}

std::vector<GgufFile> good_three_parts(const std::string& prefix = "split.") {
  return {split_part(0, 3, 5, {"a", "b"}, prefix), split_part(1, 3, 5, {"c", "d"}, prefix),
          split_part(2, 3, 5, {"e"}, prefix)};
}

std::vector<const GgufFile*> pointers(const std::vector<GgufFile>& parts) {
  std::vector<const GgufFile*> out;
  for (const GgufFile& p : parts) out.push_back(&p);
  return out;
}

TEST(GgufSplit, ReadsSplitKeysInBothSpellings) {
  for (const std::string prefix : {"split.", "general.split."}) {
    const std::vector<GgufFile> parts = good_three_parts(prefix);
    const Result<GgufSplitInfo> info = gguf_split_info(parts[1]);
    ASSERT_TRUE(info.is_ok()) << info.status().message();
    EXPECT_EQ(info.value().index, 1u);
    EXPECT_EQ(info.value().count, 3u);
    EXPECT_EQ(info.value().tensor_count, 5u);
    EXPECT_TRUE(validate_split_parts(pointers(parts)).is_ok()) << prefix;
  }
}

TEST(GgufSplit, AnUnsplitFileIsOnePart) {
  GgufFile f = testing::make_small_gguf();
  const Result<GgufSplitInfo> info = gguf_split_info(f);
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info.value().index, 0u);
  EXPECT_EQ(info.value().count, 1u);
  EXPECT_EQ(info.value().tensor_count, 2u);
  EXPECT_TRUE(validate_split_parts({&f}).is_ok());
}

TEST(GgufSplit, BrokenSetsAreRejected) {
  struct Case {
    const char* name;
    std::vector<GgufFile> parts;
    const char* error;
  };
  std::vector<GgufFile> good = good_three_parts();
  const Case cases[] = {
      {"missing middle part", {good[0], good[2]}, "part 2 of 3 is missing"},
      {"missing last part", {good[0], good[1]}, "part 3 of 3 is missing"},
      {"part given twice", {good[0], good[1], good[1]}, "part 2 of 3 is given twice"},
      {"duplicate tensor", {good[0], split_part(1, 3, 5, {"c", "a"}), good[2]}, "tensor 'a' is in part 1 and part 2"},
      {"wrong part count",
       {good[0], split_part(1, 4, 5, {"c", "d"}), good[2]},
       "part 2 says 4 parts and 5 tensors, part 1 says 3 parts and 5 tensors"},
      {"wrong tensor total",
       {split_part(0, 3, 6, {"a", "b"}), split_part(1, 3, 6, {"c", "d"}), split_part(2, 3, 6, {"e"})},
       "the parts hold 5 tensors but split.tensors.count is 6"},
      {"too many parts", {good[0], good[1], good[2], split_part(2, 3, 5, {"f"})}, "part 3 of 3 is given twice"},
      {"split.no past count", {split_part(3, 3, 5, {"a"})}, "part 1: split.no 3 is not below split.count 3"},
      {"no parts", {}, "a split model needs at least one part"},
  };
  for (const Case& c : cases) {
    const Status s = validate_split_parts(pointers(c.parts));
    ASSERT_FALSE(s.is_ok()) << c.name;
    EXPECT_EQ(s.message(), c.error) << c.name;
  }
}

TEST(GgufSplit, SplitKeysMustBeIntegers) {
  GgufFile f = split_part(0, 2, 2, {"a"});
  f.metadata[1].second = GgufValue::of_string("zero");  // split.no
  f.reindex();
  const Result<GgufSplitInfo> info = gguf_split_info(f);
  ASSERT_FALSE(info.is_ok());
  EXPECT_EQ(info.status().message(), "key 'split.no' must be a non-negative integer, not STRING");
  f.metadata.erase(f.metadata.begin() + 1);
  f.reindex();
  EXPECT_EQ(gguf_split_info(f).status().message(), "split model lacks key 'split.no'");
}

TEST(GgufSplit, PartNamesFollowLlamaCppsPattern) {
  EXPECT_EQ(gguf_split_part_names("https://host/m/qwen-7b-00001-of-00003.gguf"),
            (std::vector<std::string>{"https://host/m/qwen-7b-00001-of-00003.gguf",
                                      "https://host/m/qwen-7b-00002-of-00003.gguf",
                                      "https://host/m/qwen-7b-00003-of-00003.gguf"}));
  EXPECT_EQ(gguf_split_part_names("m-00002-of-00002.gguf"),
            (std::vector<std::string>{"m-00001-of-00002.gguf", "m-00002-of-00002.gguf"}));
  EXPECT_EQ(gguf_split_part_names("-00001-of-00001.gguf"), (std::vector<std::string>{"-00001-of-00001.gguf"}));
  for (const char* not_split :
       {"model.gguf", "m-00001-of-00003.bin", "m-0001-of-0003.gguf", "m-00004-of-00003.gguf", "m-00000-of-00003.gguf",
        "m-00001-of-00000.gguf", "m-0000a-of-00003.gguf", "m_00001-of-00003.gguf", ""}) {
    EXPECT_TRUE(gguf_split_part_names(not_split).empty()) << not_split;
  }
}

}  // namespace
}  // namespace webgguf
