// The real GGUF files (vendored vocabularies, fixture models): every one parses, spot checks against values known from
// llama.cpp's gguf-dump, and the incremental (streaming) parse of the real model.
#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/gguf.h"
#include "gguf_test_files.h"

namespace webgguf {
namespace {

using testing::parse_shared_header;
using testing::shared_path;

struct VocabExpectation {
  const char* file;
  const char* architecture;
  const char* tokenizer_model;
  const char* pre;
  uint64_t n_tokens;
  const char* first_token;
};

const VocabExpectation kVocabs[] = {
    {"ggml-vocab-gpt-2.gguf", "gpt2", "gpt2", "gpt-2", 50257, "!"},
    {"ggml-vocab-llama-bpe.gguf", "llama", "gpt2", "llama-bpe", 128256, "!"},
    {"ggml-vocab-llama-spm.gguf", "llama", "llama", "default", 32000, "<unk>"},
    {"ggml-vocab-phi-3.gguf", "phi3", "llama", "default", 32064, "<unk>"},
    {"ggml-vocab-qwen2.gguf", "qwen2", "gpt2", "qwen2", 151936, "!"},
};

void expect_valid_gguf_headers(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    const testing::ParsedPrefix& header = parse_shared_header(path);
    ASSERT_TRUE(header.parsed.is_ok()) << header.parsed.status().message();
    const GgufFile& f = header.parsed.value();
    EXPECT_EQ(f.version, 3u);
    EXPECT_EQ(f.alignment, 32u);
    EXPECT_FALSE(f.get_string("general.architecture", "").empty());
    ASSERT_NE(f.find("tokenizer.ggml.tokens"), nullptr);
    EXPECT_GE(header.file_size, f.tensors.empty() ? f.header_size : f.data_offset + f.data_size);
  }
}

TEST(SharedGguf, VocabFilesParse) {
  expect_valid_gguf_headers(testing::vocab_gguf_paths());
}

TEST(SharedGguf, EveryFileInTheFixturesFolderParses) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  // Found by walking the folder, so a fixture added later is covered too.
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::fixtures_dir())) {
    if (entry.path().extension() == ".gguf") found.push_back(entry.path().string());
  }
  EXPECT_GE(found.size(), testing::model_gguf_paths().size());
  expect_valid_gguf_headers(found);
}

TEST(SharedGguf, VocabFilesHoldTheirTokenizers) {
  for (const VocabExpectation& v : kVocabs) {
    SCOPED_TRACE(v.file);
    const testing::ParsedPrefix& header =
        parse_shared_header(shared_path(std::string("fixtures/tokenizers/") + v.file));
    ASSERT_TRUE(header.parsed.is_ok()) << header.parsed.status().message();
    const GgufFile& f = header.parsed.value();
    EXPECT_EQ(f.get_string("general.architecture", ""), v.architecture);
    EXPECT_EQ(f.get_string("tokenizer.ggml.model", ""), v.tokenizer_model);
    EXPECT_EQ(f.get_string("tokenizer.ggml.pre", ""), v.pre);
    const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->array_type, GgufValueType::STRING);
    EXPECT_EQ(tokens->array_count, v.n_tokens);
    ASSERT_EQ(tokens->array_strings.size(), v.n_tokens);
    EXPECT_EQ(tokens->array_strings[0], v.first_token);
    EXPECT_TRUE(f.tensors.empty());
    EXPECT_EQ(f.header_size, header.file_size);  // vocab-only: the file ends with the header
  }
}

TEST(SharedGguf, Lexi28mSpotChecks) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const testing::ParsedPrefix& header = parse_shared_header(shared_path("models/lexi-28m-f16.gguf"));
  ASSERT_TRUE(header.parsed.is_ok()) << header.parsed.status().message();
  const GgufFile& f = header.parsed.value();
  EXPECT_EQ(f.get_string("general.architecture", ""), "llama");
  EXPECT_EQ(f.metadata.size(), 25u);
  EXPECT_EQ(f.tensors.size(), 75u);
  EXPECT_EQ(f.get_uint("llama.block_count", 0), 8u);
  EXPECT_EQ(f.get_uint("llama.embedding_length", 0), 512u);
  EXPECT_EQ(f.get_uint("llama.attention.head_count_kv", 0), 2u);
  EXPECT_EQ(f.get_int("llama.feed_forward_length", 0), 1536);
  EXPECT_FLOAT_EQ(static_cast<float>(f.get_float("llama.attention.layer_norm_rms_epsilon", 0)), 1e-5f);
  EXPECT_EQ(f.get_float("llama.rope.freq_base", 0), 10000.0);
  EXPECT_FALSE(f.get_bool("tokenizer.ggml.add_bos_token", true));
  EXPECT_EQ(f.get_uint("tokenizer.ggml.eos_token_id", 0), 2u);

  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->array_count, 4096u);
  EXPECT_EQ(tokens->array_strings[1], "<|im_start|>");
  const GgufValue* token_type = f.find("tokenizer.ggml.token_type");
  ASSERT_NE(token_type, nullptr);
  EXPECT_EQ(token_type->array_type, GgufValueType::INT32);
  EXPECT_EQ(token_type->array_integer(0), 3);  // control
  EXPECT_EQ(token_type->array_integer(3), 1);  // normal
  EXPECT_EQ(f.find("tokenizer.ggml.merges")->array_count, 3837u);

  const GgufTensorInfo* q = f.find_tensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, GgmlType::F16);
  EXPECT_EQ(q->n_dims, 2u);
  EXPECT_EQ(q->ne[0], 512u);
  EXPECT_EQ(q->ne[1], 512u);
  EXPECT_EQ(q->size_bytes, 512u * 512u * 2u);
  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->ne[0], 512u);  // [n_embd, n_vocab]
  EXPECT_EQ(embd->ne[1], 4096u);
  EXPECT_EQ(embd->offset, 0u);
  EXPECT_EQ(f.find_tensor("blk.0.attn_norm.weight")->type, GgmlType::F32);
  EXPECT_EQ(f.find_tensor("no.such.tensor"), nullptr);

  EXPECT_EQ(f.header_size, 130618u);
  EXPECT_EQ(f.data_offset, 130624u);
  EXPECT_EQ(f.data_offset + f.data_size, header.file_size);  // the last tensor ends the file
}

// Every prefix shorter than the header asks for more, never past the end of the file; the
// whole header parses to the same file as the file.
TEST(SharedGguf, IncrementalParseOfTheRealModel) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const testing::ParsedPrefix& header = parse_shared_header(shared_path("models/lexi-28m-f16.gguf"));
  ASSERT_TRUE(header.parsed.is_ok());
  const GgufFile& full = header.parsed.value();
  const std::vector<uint8_t>& bytes = header.bytes;

  // Each parse restarts from byte 0, so all 130k prefixes would take minutes (more in wasm):
  // all of the first 4 KiB (magic, counts, the first keys) and the last 512 bytes (the tensor
  // table's end), and a stride of 211 bytes between them, cross every kind of field many times.
  size_t checked = 0;
  double worst_overshoot = 0;  // bytes_needed / header_size
  for (size_t n = 0; n < full.header_size; n += (n < 4096 || n + 512 >= full.header_size) ? 1 : 211) {
    const Result<GgufFile> streaming = parse_gguf(bytes.data(), n, kUnknownFileSize);
    ASSERT_TRUE(streaming.status().needs_more()) << n << ": " << streaming.status().message();
    ASSERT_GT(streaming.status().bytes_needed(), n);
    worst_overshoot = std::max(worst_overshoot, double(streaming.status().bytes_needed()) / full.header_size);
    const Result<GgufFile> sized = parse_gguf(bytes.data(), n, header.file_size);
    ASSERT_TRUE(sized.status().needs_more()) << n << ": " << sized.status().message();
    ASSERT_LE(sized.status().bytes_needed(), header.file_size);
    ++checked;
  }
  EXPECT_GT(checked, 5000u);
  // The estimate extrapolates string lengths and adds a margin: it may ask for a little more
  // than the header, never much more.
  EXPECT_LT(worst_overshoot, 1.5);

  const Result<GgufFile> exact = parse_gguf(bytes.data(), full.header_size, kUnknownFileSize);
  ASSERT_TRUE(exact.is_ok()) << exact.status().message();
  EXPECT_TRUE(exact.value() == full);
  const Result<GgufFile> exact_sized = parse_gguf(bytes.data(), full.header_size, header.file_size);
  ASSERT_TRUE(exact_sized.is_ok()) << exact_sized.status().message();
  EXPECT_TRUE(exact_sized.value() == full);
}

// What the streaming loader does: start small, fetch what need_more asks, repeat. Few rounds
// means few Range requests.
TEST(SharedGguf, FollowingBytesNeededReachesTheHeaderInFewRounds) {
  for (const std::string& path : testing::vocab_gguf_paths()) {
    SCOPED_TRACE(path);
    const testing::ParsedPrefix& header = parse_shared_header(path);
    ASSERT_TRUE(header.parsed.is_ok());
    size_t have = 4096, rounds = 0;
    for (;; ++rounds) {
      const size_t n = std::min(have, header.bytes.size());
      const Result<GgufFile> r = parse_gguf(header.bytes.data(), n, kUnknownFileSize);
      if (r.is_ok()) {
        EXPECT_TRUE(r.value() == header.parsed.value());
        break;
      }
      ASSERT_TRUE(r.status().needs_more()) << r.status().message();
      ASSERT_GT(r.status().bytes_needed(), have);
      have = r.status().bytes_needed();
    }
    std::printf("  %s: header of %llu bytes in %zu rounds from 4 KiB\n", path.c_str(),
                static_cast<unsigned long long>(header.parsed.value().header_size), rounds);
    EXPECT_LE(rounds, 5u);
  }
}

}  // namespace
}  // namespace webgguf
