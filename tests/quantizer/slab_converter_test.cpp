// The per-tensor entry point (plan_tensor_slabs + SlabConverter) that the wasm binding drives slab
// by slab: driven by hand, it writes the same file as write_quantized_model.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "quantize_helpers.h"
#include "quantizer/quantize_model.h"

namespace webgguf {
namespace {

using testing::lexi_f16_bytes;
using testing::read_from;
using testing::sha256_hex;

// llama-quantize's Q8_0 of lexi-28m-f16, whole file (as in quantize_model_test.cpp).
constexpr char kLexiQ8Sha256[] = "a37064dc0eb36bbbaa56d5052e7f690ebcb2ad5e7e49d0a853085ee4be54b1ec";

TEST(SlabConverter, SlabBySlabWritesLlamaQuantizesFile) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const std::vector<uint8_t>& input = lexi_f16_bytes();
  Result<GgufFile> header = read_gguf_header(read_from(input), input.size());
  ASSERT_TRUE(header.is_ok()) << header.status().message();
  Result<QuantizationPlan> plan = plan_quantization(header.value(), *find_quant_preset("Q8_0"));
  ASSERT_TRUE(plan.is_ok()) << plan.status().message();

  std::vector<uint8_t> out = plan.value().header_bytes;
  SlabConverter converter(2);
  size_t slab_count = 0;
  for (size_t i = 0; i < plan.value().output.tensors.size(); ++i) {
    const GgufTensorInfo& in = header.value().tensors[plan.value().input_index[i]];
    const GgufTensorInfo& planned = plan.value().output.tensors[i];
    const TensorSlabPlan slabs = plan_tensor_slabs(in, planned.type, 1 << 20);  // many slabs per tensor
    ASSERT_GE(slabs.rows_per_slab, 1);
    EXPECT_EQ(slabs.converts, planned.type != in.type);
    for (int64_t first = 0; first < slabs.n_rows; first += slabs.rows_per_slab, ++slab_count) {
      const int64_t rows = std::min(slabs.rows_per_slab, slabs.n_rows - first);
      const uint8_t* src = input.data() + header.value().data_offset + in.offset + first * slabs.row_in_bytes;
      if (!slabs.converts) {
        out.insert(out.end(), src, src + rows * slabs.row_in_bytes);
        continue;
      }
      std::vector<uint8_t> dst(rows * slabs.row_out_bytes);
      ASSERT_TRUE(converter.convert(in, planned.type, slabs, first, rows, src, dst.data()).is_ok());
      out.insert(out.end(), dst.begin(), dst.end());
    }
    out.resize(out.size() + gguf_padding(planned.size_bytes, plan.value().output.alignment), 0);
  }
  EXPECT_GT(slab_count, plan.value().output.tensors.size());
  ASSERT_EQ(out.size(), plan.value().file_size);
  EXPECT_EQ(sha256_hex(out.data(), out.size()), kLexiQ8Sha256);
}

TEST(SlabConverter, RefusesToConvertFromAQuantizedType) {
  GgufTensorInfo tensor;
  tensor.name = "blk.0.ffn_up.weight";
  tensor.n_dims = 2;
  tensor.ne[0] = 256;
  tensor.ne[1] = 1;
  tensor.type = GgmlType::Q8_0;
  tensor.size_bytes = ggml_row_bytes(GgmlType::Q8_0, 256);
  const TensorSlabPlan slabs = plan_tensor_slabs(tensor, GgmlType::Q4_K, 1 << 20);
  std::vector<uint8_t> src(slabs.row_in_bytes), dst(slabs.row_out_bytes);
  SlabConverter converter(1);
  const Status status = converter.convert(tensor, GgmlType::Q4_K, slabs, 0, 1, src.data(), dst.data());
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("requantizing"), std::string::npos) << status.message();
}

// Slab sizes come from the file's shapes: their product must not wrap (it did in wasm32, where
// static_cast<size_t>(rows * n_per_row) * sizeof(float) of one 2^30-element row was 0 bytes).
TEST(SlabConverter, SlabSizesThatDoNotFitAreRefused) {
  AlignedBuffer buffer;
  EXPECT_FALSE(reserve_slab(buffer, 1ull << 40, 1ull << 40));  // past 64 bits
  EXPECT_EQ(buffer.size(), 0u);
  if (SIZE_MAX == UINT32_MAX) EXPECT_FALSE(reserve_slab(buffer, 1ull << 30, 4));  // 4 GiB in wasm32
  EXPECT_TRUE(reserve_slab(buffer, 3, 5));
  EXPECT_GE(buffer.size(), 15u);
}

// One F16 row whose f32 form does not fit the address space (2^30 elements, 4 GiB, in wasm32;
// 2^62 natively): the converter refuses it before reading `src`.
TEST(SlabConverter, ARowTooLargeForTheAddressSpaceIsAnError) {
  const uint64_t n_per_row = SIZE_MAX == UINT32_MAX ? 1ull << 30 : 1ull << 62;
  GgufTensorInfo row;
  row.name = "huge.weight";
  row.n_dims = 1;
  row.ne[0] = n_per_row;
  row.type = GgmlType::F16;
  row.size_bytes = 2 * n_per_row;
  const TensorSlabPlan slabs = plan_tensor_slabs(row, GgmlType::Q8_0, 32u << 20);
  ASSERT_EQ(slabs.rows_per_slab, 1);
  SlabConverter converter(1);
  const uint8_t src[2] = {}, dst[2] = {};
  const Status status = converter.convert(row, GgmlType::Q8_0, slabs, 0, 1, src, const_cast<uint8_t*>(dst));
  EXPECT_EQ(status.message(), "out of memory for a slab of tensor 'huge.weight'");
}

}  // namespace
}  // namespace webgguf
