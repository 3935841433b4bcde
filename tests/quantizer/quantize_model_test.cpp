// Streaming behaviour of quantize_model: progress, cancellation, refusals, input types, and that
// threads and slab sizes never change a byte.
#include "quantizer/quantize_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "core/fp16.h"
#include "quant/traits.h"
#include "quantize_helpers.h"

namespace webgguf {
namespace {

using testing::lexi_f16_bytes;
using testing::quantize_to_memory;

// llama-quantize's Q8_0 of lexi-28m-f16, whole file (see lexi_presets_test.cpp).
constexpr char kLexiQ8Sha256[] = "a37064dc0eb36bbbaa56d5052e7f690ebcb2ad5e7e49d0a853085ee4be54b1ec";

struct SyntheticTensor {
  std::string name;
  std::vector<uint64_t> ne;
  GgmlType type;
};

// Deterministic smooth-ish weights in [-1, 1].
float weight_value(size_t i) {
  return std::sin(0.37f * static_cast<float>(i)) * (1.0f + (i % 7) * 0.1f) / 1.6f;
}

// A one-block llama-like GGUF whose tensors hold weight_value() in their own type (quantized
// types get arbitrary block bytes: they are only ever copied).
std::vector<uint8_t> make_gguf(const std::vector<SyntheticTensor>& specs, uint32_t alignment = 32) {
  GgufFile file;
  file.metadata.emplace_back("general.architecture", GgufValue::of_string("llama"));
  if (alignment != 32) file.metadata.emplace_back("general.alignment", GgufValue::of_u32(alignment));
  file.alignment = alignment;
  file.metadata.emplace_back("general.file_type", GgufValue::of_u32(1));
  file.metadata.emplace_back("llama.block_count", GgufValue::of_u32(1));
  file.metadata.emplace_back("llama.attention.head_count", GgufValue::of_u32(4));
  for (const SyntheticTensor& spec : specs) {
    GgufTensorInfo t;
    t.name = spec.name;
    t.n_dims = static_cast<uint32_t>(spec.ne.size());
    for (size_t d = 0; d < spec.ne.size(); ++d) t.ne[d] = spec.ne[d];
    t.type = spec.type;
    file.tensors.push_back(t);
  }
  Result<std::vector<uint8_t>> header = serialize_gguf_header(file);
  EXPECT_TRUE(header.is_ok()) << header.status().message();
  std::vector<uint8_t> bytes = header.take();
  for (const GgufTensorInfo& t : file.tensors) {
    const size_t n = static_cast<size_t>(t.n_elements());
    for (size_t i = 0; i < n; ++i) {
      const float v = weight_value(i);
      uint8_t raw[4];
      size_t width = 0;
      if (t.type == GgmlType::F32) {
        std::memcpy(raw, &v, 4);
        width = 4;
      }
      if (t.type == GgmlType::F16) {
        const uint16_t h = fp32_to_fp16(v);
        std::memcpy(raw, &h, 2);
        width = 2;
      }
      if (t.type == GgmlType::BF16) {
        const uint16_t h = fp32_to_bf16(v);
        std::memcpy(raw, &h, 2);
        width = 2;
      }
      bytes.insert(bytes.end(), raw, raw + width);
    }
    if (t.type != GgmlType::F32 && t.type != GgmlType::F16 && t.type != GgmlType::BF16) {
      for (uint64_t i = 0; i < t.size_bytes; ++i) bytes.push_back(static_cast<uint8_t>(i * 29 + 3));
    }
    bytes.resize(bytes.size() + gguf_padding(t.size_bytes, file.alignment), 0);
  }
  return bytes;
}

TEST(QuantizeModel, ThreadsAndSlabSizesDoNotChangeTheOutput) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  QuantizeOptions options;
  options.n_threads = 1;
  options.max_slab_bytes = 1;  // one row per slab
  Result<std::vector<uint8_t>> out = quantize_to_memory(lexi_f16_bytes(), "Q8_0", options);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(testing::sha256_hex(out.value().data(), out.value().size()), kLexiQ8Sha256);

  options.n_threads = 3;  // more threads than cores, and slabs that end inside tensors
  options.max_slab_bytes = 1 << 20;
  out = quantize_to_memory(lexi_f16_bytes(), "Q8_0", options);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(testing::sha256_hex(out.value().data(), out.value().size()), kLexiQ8Sha256);
}

TEST(QuantizeModel, ReportsProgressUpToTheFileSize) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<uint8_t>& input = lexi_f16_bytes();
  Result<GgufFile> header = read_gguf_header(testing::read_from(input), input.size());
  ASSERT_TRUE(header.is_ok()) << header.status().message();
  Result<QuantizationPlan> plan = plan_quantization(header.value(), *find_quant_preset("Q4_K_M"));
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_EQ(plan.value().file_size, 17510016u);  // llama-quantize's Q4_K_M of lexi-28m

  std::vector<QuantizeProgress> reports;
  QuantizeOptions options;
  options.on_progress = [&](const QuantizeProgress& p) { reports.push_back(p); };
  std::vector<uint8_t> out;
  ASSERT_TRUE(
      write_quantized_model(header.value(), plan.value(), testing::read_from(input), testing::append_to(&out), options)
          .is_ok());
  EXPECT_EQ(out.size(), plan.value().file_size);
  ASSERT_GE(reports.size(), 76u);  // the header, then at least one per tensor
  EXPECT_EQ(reports.front().bytes_written, plan.value().header_bytes.size());
  for (size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GE(reports[i].bytes_written, reports[i - 1].bytes_written);
    EXPECT_GE(reports[i].tensors_done, reports[i - 1].tensors_done);
  }
  EXPECT_EQ(reports.back().tensors_done, 75u);
  EXPECT_EQ(reports.back().tensor_count, 75u);
  EXPECT_EQ(reports.back().bytes_written, plan.value().file_size);
  EXPECT_EQ(reports.back().total_bytes, plan.value().file_size);
}

TEST(QuantizeModel, CancelStopsBetweenSlabs) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::atomic<bool> cancel{false};
  QuantizeOptions options;
  options.cancel = &cancel;
  options.n_threads = 2;
  size_t bytes_at_cancel = 0;
  std::vector<uint8_t> out;
  options.on_progress = [&](const QuantizeProgress& p) {
    if (p.tensors_done == 10 && !cancel.load()) {
      cancel.store(true);
      bytes_at_cancel = p.bytes_written;
    }
  };
  const std::vector<uint8_t>& input = lexi_f16_bytes();
  const Status status = quantize_model(testing::read_from(input), input.size(), *find_quant_preset("Q4_K_M"),
                                       testing::append_to(&out), options);
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.message(), kQuantizeCancelledMessage);
  EXPECT_EQ(out.size(), bytes_at_cancel);  // nothing written after the flag was seen
}

TEST(QuantizeModel, CancelInsideOneBigTensor) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  // token_embd is [512, 4096]: with small slabs the flag is seen before the tensor is done.
  std::atomic<bool> cancel{false};
  QuantizeOptions options;
  options.cancel = &cancel;
  options.max_slab_bytes = 64 * 1024;
  int slabs = 0;
  size_t tensors_done = 0;
  options.on_progress = [&](const QuantizeProgress& p) {
    tensors_done = p.tensors_done;
    if (++slabs == 5) cancel.store(true);
  };
  std::vector<uint8_t> out;
  const std::vector<uint8_t>& input = lexi_f16_bytes();
  const Status status = quantize_model(testing::read_from(input), input.size(), *find_quant_preset("Q8_0"),
                                       testing::append_to(&out), options);
  EXPECT_EQ(status.message(), kQuantizeCancelledMessage);
  EXPECT_EQ(slabs, 5);  // the header, 4 slabs, then the flag was seen
  EXPECT_EQ(tensors_done, 0u);
}

TEST(QuantizeModel, ReadsF32AndBf16Inputs) {
  const std::vector<uint8_t> input = make_gguf({{"token_embd.weight", {64, 8}, GgmlType::BF16},
                                                {"blk.0.attn_q.weight", {64, 4}, GgmlType::F32},
                                                {"blk.0.attn_norm.weight", {64}, GgmlType::F32}});
  Result<std::vector<uint8_t>> out = quantize_to_memory(input, "Q8_0");
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  const std::vector<uint8_t>& bytes = out.value();
  Result<GgufFile> parsed = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  const GgufFile& file = parsed.value();
  ASSERT_EQ(file.tensors.size(), 3u);
  EXPECT_EQ(file.tensors[0].name, "token_embd.weight");  // outside blocks first
  EXPECT_EQ(file.tensors[1].name, "blk.0.attn_norm.weight");
  EXPECT_EQ(file.tensors[1].type, GgmlType::F32);
  EXPECT_EQ(file.get_uint("general.file_type", 0), 7u);

  // Each converted tensor equals the reference quantizer applied to the decoded input rows.
  const QuantTraits* q8 = quant_traits(GgmlType::Q8_0);
  for (const GgufTensorInfo* t : {&file.tensors[0], &file.tensors[2]}) {
    EXPECT_EQ(t->type, GgmlType::Q8_0);
    const bool bf16 = t->name == "token_embd.weight";
    std::vector<uint8_t> expected(t->size_bytes);
    const uint64_t row_bytes = t->size_bytes / t->n_rows();
    for (uint64_t r = 0; r < t->n_rows(); ++r) {
      std::vector<float> row(64);
      for (size_t i = 0; i < 64; ++i) {
        const float v = weight_value(r * 64 + i);
        row[i] = bf16 ? bf16_to_fp32(fp32_to_bf16(v)) : v;
      }
      ASSERT_TRUE(q8->quantize(row.data(), expected.data() + r * row_bytes, 64, nullptr));
    }
    EXPECT_EQ(std::vector<uint8_t>(bytes.begin() + file.data_offset + t->offset,
                                   bytes.begin() + file.data_offset + t->offset + t->size_bytes),
              expected)
        << t->name;
  }
}

QuantizationChoices pure_choices() {
  QuantizationChoices choices;
  choices.pure = true;
  return choices;
}

TEST(QuantizeModel, PureLexiIsOneTypeWithTheAliasFileType) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  // llama-quantize `--pure Q4_K`: Q4_K is the Q4_K_M alias, so general.file_type is 15.
  Result<GgufFile> input = parse_gguf(lexi_f16_bytes().data(), lexi_f16_bytes().size(), lexi_f16_bytes().size());
  ASSERT_TRUE(input.is_ok()) << input.status().message();
  Result<QuantizationPlan> plan = plan_quantization(input.value(), *find_quant_preset("Q4_K"), pure_choices());
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();
  EXPECT_EQ(plan.value().output.get_uint("general.file_type", 0), 15u);
  size_t matrices = 0;
  for (const GgufTensorInfo& t : plan.value().output.tensors) {
    const bool matrix = t.n_dims == 2;
    matrices += matrix;
    EXPECT_EQ(t.type, matrix ? GgmlType::Q4_K : GgmlType::F32) << t.name;
  }
  EXPECT_GT(matrices, 50u);

  // Q8_0's mix rules change nothing, so pure Q8_0 is llama-quantize's Q8_0 file byte for byte.
  QuantizeOptions pure;
  pure.choices.pure = true;
  Result<std::vector<uint8_t>> q8 = quantize_to_memory(lexi_f16_bytes(), "Q8_0", pure);
  ASSERT_TRUE(q8.is_ok()) << q8.status().message();
  EXPECT_EQ(testing::sha256_hex(q8.value().data(), q8.value().size()), kLexiQ8Sha256);
}

TEST(QuantizeModel, RefusesToRequantize) {
  const std::vector<uint8_t> input =
      make_gguf({{"token_embd.weight", {64, 8}, GgmlType::F16}, {"blk.0.attn_q.weight", {64, 4}, GgmlType::Q8_0}});
  Result<std::vector<uint8_t>> out = quantize_to_memory(input, "Q4_0");
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("blk.0.attn_q.weight"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("q8_0"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("F16"), std::string::npos) << out.status().message();

  // A tensor already in the target type is copied as it is.
  out = quantize_to_memory(input, "Q8_0");
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  Result<GgufFile> parsed = parse_gguf(out.value().data(), out.value().size(), out.value().size());
  ASSERT_TRUE(parsed.is_ok());
  const GgufTensorInfo* copied = parsed.value().find_tensor("blk.0.attn_q.weight");
  ASSERT_NE(copied, nullptr);
  EXPECT_EQ(out.value()[parsed.value().data_offset + copied->offset + 5], static_cast<uint8_t>(5 * 29 + 3));
}

// The fuzzer's 668-byte finding: general.alignment = 2^30 in a header with no tensors. The
// quantizer copies the input's alignment to its output, so it must be refused on reading.
TEST(QuantizeModel, RefusesAHugeAlignmentBeforeWritingAnything) {
  std::vector<uint8_t> input = make_gguf({{"token_embd.weight", {64, 8}, GgmlType::F16}}, 64);
  const std::string key = "general.alignment";  // then a u32 type and the u32 value
  const size_t value_at =
      std::search(input.begin(), input.end(), key.begin(), key.end()) - input.begin() + key.size() + 4;
  for (int i = 0; i < 4; ++i) input.at(value_at + i) = static_cast<uint8_t>((1u << 30) >> (8 * i));
  std::vector<uint8_t> out;
  const Status status = quantize_model(testing::read_from(input), input.size(), *find_quant_preset("Q8_0"),
                                       testing::append_to(&out), QuantizeOptions());
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("key 'general.alignment' at offset " + std::to_string(value_at - 4) +
                                  ": 1073741824 is larger than the largest supported alignment 1048576"),
            std::string::npos)
      << status.message();
  EXPECT_TRUE(out.empty());
}

// At the largest supported alignment the output is padded to it by writing small pieces of
// zeros: no single write (and so no buffer) is larger than a slab or the header.
TEST(QuantizeModel, PadsTheLargestAlignmentInSmallWrites) {
  const std::vector<uint8_t> input =
      make_gguf({{"token_embd.weight", {64, 8}, GgmlType::F16}, {"output_norm.weight", {64}, GgmlType::F32}},
                static_cast<uint32_t>(kMaxGgufAlignment));
  std::vector<uint8_t> out;
  size_t largest_write = 0;
  const WriteOutputFn write = [&](const uint8_t* data, size_t size) {
    largest_write = std::max(largest_write, size);
    out.insert(out.end(), data, data + size);
    return Status::ok();
  };
  const Status status =
      quantize_model(testing::read_from(input), input.size(), *find_quant_preset("Q8_0"), write, QuantizeOptions());
  ASSERT_TRUE(status.is_ok()) << status.message();
  const Result<GgufFile> parsed = parse_gguf(out.data(), out.size(), out.size());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  EXPECT_EQ(parsed.value().alignment, kMaxGgufAlignment);
  ASSERT_EQ(parsed.value().tensors.size(), 2u);
  EXPECT_EQ(out.size(), 3 * kMaxGgufAlignment);  // header, then two tensors each padded to 1 MiB
  EXPECT_EQ(largest_write, kMaxGgufAlignment);   // the padded header; every other write is small
}

TEST(QuantizeModel, RefusesNonFiniteWeights) {
  std::vector<uint8_t> input = make_gguf({{"token_embd.weight", {64, 8}, GgmlType::F32}});
  Result<GgufFile> header = parse_gguf(input.data(), input.size(), input.size());
  ASSERT_TRUE(header.is_ok());
  const float inf = INFINITY;
  std::memcpy(&input[header.value().data_offset + 4 * (64 * 3 + 5)], &inf, 4);
  Result<std::vector<uint8_t>> out = quantize_to_memory(input, "Q4_0");
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("row 3"), std::string::npos) << out.status().message();
}

TEST(QuantizeModel, RefusesInputsThatAreNotModels) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<uint8_t> not_gguf(1000, 'x');
  Result<std::vector<uint8_t>> out = quantize_to_memory(not_gguf, "Q4_K_M");
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("GGUF"), std::string::npos) << out.status().message();

  const std::vector<uint8_t>& lexi = lexi_f16_bytes();
  const std::vector<uint8_t> truncated(lexi.begin(), lexi.begin() + lexi.size() / 2);
  out = quantize_to_memory(truncated, "Q4_K_M");
  EXPECT_FALSE(out.is_ok());

  GgufFile split;
  split.metadata.emplace_back("general.architecture", GgufValue::of_string("llama"));
  split.metadata.emplace_back("llama.block_count", GgufValue::of_u32(1));
  split.metadata.emplace_back("split.count", GgufValue::of_u32(2));
  split.reindex();
  Result<QuantizationPlan> plan = plan_quantization(split, *find_quant_preset("Q8_0"));
  ASSERT_FALSE(plan.is_ok());
  EXPECT_NE(plan.status().message().find("split"), std::string::npos);
}

TEST(QuantizeModel, WriteErrorsStopTheRun) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  int writes = 0;
  const std::vector<uint8_t>& input = lexi_f16_bytes();
  const Status status = quantize_model(
      testing::read_from(input), input.size(), *find_quant_preset("Q8_0"),
      [&](const uint8_t*, size_t) { return ++writes == 3 ? Status::error("disk full") : Status::ok(); }, {});
  EXPECT_EQ(status.message(), "disk full");
  EXPECT_EQ(writes, 3);
}

}  // namespace
}  // namespace webgguf
