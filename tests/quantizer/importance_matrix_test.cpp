// llama.cpp's imatrix files (quantizer/importance_matrix.h): both formats round-trip, llama-imatrix's
// own GGUF reads and writes back byte for byte, every truncation and malformed entry is a named
// error, and the weights handed to the quantizers are llama-quantize's (sums / counts, filtered).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/gguf.h"
#include "quantizer/importance_matrix.h"
#include "test_paths.h"

namespace webgguf {
namespace {

// Written by llama-imatrix 80fb11a (scripts/build_llama_tools.sh) from the data folder:
//   llama-imatrix -m ../models/lexi-28m-f16.gguf -f eval.txt -o lexi-28m-f16.imatrix.gguf -c 512 --chunks 2
std::vector<uint8_t> vendored_llama_imatrix() {
  return testing::read_file_bytes(testing::source_path("tests/fixtures/imatrix/lexi-28m-f16.imatrix.gguf"));
}

ImportanceMatrix small_matrix() {
  ImportanceMatrix m;
  m.entries["blk.0.attn_q.weight"] = {{1.0f, 4.0f, 9.0f, 16.0f}, {2}};
  m.entries["blk.0.ffn_down.weight"] = {{2.0f, 0.5f, 3.0f, 8.0f, 1.0f, 6.0f}, {4, 0}};  // two experts, one unused
  m.datasets = {"calibration.txt"};
  m.chunk_count = 3;
  m.chunk_size = 2;
  m.has_metadata = true;
  return m;
}

TEST(ImportanceMatrix, GgufRoundTrips) {
  const ImportanceMatrix m = small_matrix();
  Result<std::vector<uint8_t>> bytes = serialize_importance_matrix(m);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
  Result<ImportanceMatrix> back = parse_importance_matrix(bytes.value().data(), bytes.value().size());
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_FALSE(back.value().is_legacy);
  EXPECT_TRUE(back.value().has_metadata);
  EXPECT_EQ(back.value().datasets, m.datasets);
  EXPECT_EQ(back.value().chunk_count, 3);
  EXPECT_EQ(back.value().chunk_size, 2);
  ASSERT_EQ(back.value().entries.size(), 2u);
  for (const auto& [name, e] : m.entries) {
    EXPECT_EQ(back.value().entries.at(name).sums, e.sums) << name;
    EXPECT_EQ(back.value().entries.at(name).counts, e.counts) << name;
  }
}

TEST(ImportanceMatrix, LegacyRoundTripsAsLlamaImatrixStoresIt) {
  const ImportanceMatrix m = small_matrix();
  Result<std::vector<uint8_t>> bytes = serialize_importance_matrix_legacy(m);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
  Result<ImportanceMatrix> back = parse_importance_matrix(bytes.value().data(), bytes.value().size());
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_TRUE(back.value().is_legacy);
  EXPECT_EQ(back.value().datasets, m.datasets);
  EXPECT_EQ(back.value().chunk_count, 3);
  // ncall = ceil(max count / chunk size); values (sum / count) * ncall, 1 where the count is 0.
  const ImportanceEntry& q = back.value().entries.at("blk.0.attn_q.weight");
  EXPECT_EQ(q.counts, std::vector<int64_t>{1});
  EXPECT_EQ(q.sums, (std::vector<float>{0.5f, 2.0f, 4.5f, 8.0f}));
  const ImportanceEntry& down = back.value().entries.at("blk.0.ffn_down.weight");
  EXPECT_EQ(down.counts, std::vector<int64_t>{2});
  EXPECT_EQ(down.sums, (std::vector<float>{1.0f, 0.25f, 1.5f, 2.0f, 2.0f, 2.0f}));
  // And llama-quantize divides them by ncall again.
  Result<QuantizationWeights> w = quantization_weights(back.value());
  ASSERT_TRUE(w.is_ok()) << w.status().message();
  EXPECT_EQ(w.value().by_name.at("blk.0.attn_q.weight"), (std::vector<float>{0.5f, 2.0f, 4.5f, 8.0f}));
}

TEST(ImportanceMatrix, WeightsAreMeansWithOneForUnusedExpertsAndFilterByName) {
  Result<QuantizationWeights> w = quantization_weights(small_matrix());
  ASSERT_TRUE(w.is_ok()) << w.status().message();
  EXPECT_EQ(w.value().dataset, "calibration.txt");
  EXPECT_EQ(w.value().chunk_count, 3);
  EXPECT_EQ(w.value().by_name.at("blk.0.attn_q.weight"), (std::vector<float>{0.5f, 2.0f, 4.5f, 8.0f}));
  EXPECT_EQ(w.value().by_name.at("blk.0.ffn_down.weight"), (std::vector<float>{0.5f, 0.125f, 0.75f, 1, 1, 1}));

  Result<QuantizationWeights> only_q = quantization_weights(small_matrix(), {"attn_q"}, {});
  ASSERT_TRUE(only_q.is_ok());
  EXPECT_EQ(only_q.value().by_name.size(), 1u);
  EXPECT_EQ(only_q.value().by_name.count("blk.0.attn_q.weight"), 1u);
  Result<QuantizationWeights> no_q = quantization_weights(small_matrix(), {}, {"attn_q"});
  ASSERT_TRUE(no_q.is_ok());
  EXPECT_EQ(no_q.value().by_name.count("blk.0.attn_q.weight"), 0u);
  EXPECT_EQ(no_q.value().by_name.size(), 1u);
  Result<QuantizationWeights> both = quantization_weights(small_matrix(), {"a"}, {"b"});
  ASSERT_FALSE(both.is_ok());
  EXPECT_NE(both.status().message().find("cannot be used together"), std::string::npos);

  ImportanceMatrix no_metadata = small_matrix();
  no_metadata.has_metadata = false;
  Result<QuantizationWeights> refused = quantization_weights(no_metadata);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("metadata"), std::string::npos);
}

TEST(ImportanceMatrix, LlamaImatrixFileReadsAndWritesBackByteForByte) {
  const std::vector<uint8_t> file = vendored_llama_imatrix();
  ASSERT_FALSE(file.empty());
  Result<ImportanceMatrix> m = parse_importance_matrix(file.data(), file.size());
  ASSERT_TRUE(m.is_ok()) << m.status().message();
  EXPECT_TRUE(m.value().has_metadata);
  EXPECT_EQ(m.value().datasets, std::vector<std::string>{"eval.txt"});
  EXPECT_EQ(m.value().chunk_count, 2);
  EXPECT_EQ(m.value().chunk_size, 512);
  // lexi: 8 blocks x (q, k, v, output, gate, up, down); never output.weight.
  EXPECT_EQ(m.value().entries.size(), 56u);
  for (const auto& [name, e] : m.value().entries) {
    EXPECT_EQ(e.counts, std::vector<int64_t>{1024}) << name;
    EXPECT_EQ(e.sums.size(), name.find("ffn_down") != std::string::npos ? 1536u : 512u) << name;
  }
  Result<std::vector<uint8_t>> again = serialize_importance_matrix(m.value());
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_TRUE(again.value() == file) << "our writer differs from llama-imatrix's file";
}

TEST(ImportanceMatrix, EveryTruncationIsANamedError) {
  const std::vector<uint8_t> gguf = serialize_importance_matrix(small_matrix()).take();
  // Only the last tensor's padding may be cut: every byte of data before it is needed.
  Result<GgufFile> header = parse_gguf(gguf.data(), gguf.size(), gguf.size());
  ASSERT_TRUE(header.is_ok());
  const size_t data_end = header.value().data_offset + header.value().data_size;
  EXPECT_LT(gguf.size() - data_end, 32u);
  for (size_t n = 0; n < data_end; ++n) {
    Result<ImportanceMatrix> m = parse_importance_matrix(gguf.data(), n);
    ASSERT_FALSE(m.is_ok()) << n << " of " << gguf.size() << " bytes parsed";
    EXPECT_NE(m.status().message().find("imatrix"), std::string::npos) << m.status().message();
  }
  // Legacy: the entries are required, the chunk count and dataset name after them are optional.
  const std::vector<uint8_t> legacy = serialize_importance_matrix_legacy(small_matrix()).take();
  const size_t entries_end = legacy.size() - 4 - 4 - std::strlen("calibration.txt");
  for (size_t n = 0; n < legacy.size(); ++n) {
    Result<ImportanceMatrix> m = parse_importance_matrix(legacy.data(), n);
    EXPECT_EQ(m.is_ok(), n >= entries_end) << n << " bytes: " << m.status().message();
  }
}

TEST(ImportanceMatrix, MalformedEntriesAreNamed) {
  // A GGUF holding sums without counts.
  ImportanceMatrix m = small_matrix();
  std::vector<uint8_t> bytes = serialize_importance_matrix(m).take();
  const std::string counts = "blk.0.attn_q.weight.counts";
  auto at = std::search(bytes.begin(), bytes.end(), counts.begin(), counts.end());
  ASSERT_NE(at, bytes.end());
  *(at + counts.size() - 1) = 'X';  // ".countX": no longer a counts tensor
  Result<ImportanceMatrix> parsed = parse_importance_matrix(bytes.data(), bytes.size());
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("blk.0.attn_q.weight"), std::string::npos) << parsed.status().message();

  // Legacy: a negative name length, a zero value count.
  std::vector<uint8_t> legacy = serialize_importance_matrix_legacy(small_matrix()).take();
  std::vector<uint8_t> bad_length = legacy;
  const int32_t minus_one = -1;
  std::memcpy(bad_length.data() + 4, &minus_one, 4);
  EXPECT_FALSE(parse_importance_matrix(bad_length.data(), bad_length.size()).is_ok());
  const int32_t none = 0;
  std::vector<uint8_t> no_values = legacy;
  const size_t nval_at = 4 + 4 + std::strlen("blk.0.attn_q.weight") + 4;
  std::memcpy(no_values.data() + nval_at, &none, 4);
  Result<ImportanceMatrix> empty = parse_importance_matrix(no_values.data(), no_values.size());
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.status().message().find("no values"), std::string::npos) << empty.status().message();
  EXPECT_FALSE(parse_importance_matrix(nullptr, 0).is_ok());
}

}  // namespace
}  // namespace webgguf
