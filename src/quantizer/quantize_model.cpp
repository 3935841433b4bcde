#include "quantizer/quantize_model.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>

#include "quant/traits.h"
#include "quantizer/tensor_types.h"

namespace webgguf {

const char kQuantizeCancelledMessage[] = "quantization cancelled";

namespace {

// llama.cpp's GGML_QNT_VERSION: the quantization format revision written to every output.
constexpr uint32_t kQuantizationVersion = 2;
// A first read for the header; most headers (vocabulary included) fit.
constexpr uint64_t kFirstHeaderRead = 1ull << 20;

bool is_float_type(GgmlType type) {
  return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16;
}

bool is_dropped_key(const std::string& key) {
  // llama-quantize rewrites these two at the end and drops the split keys (the output is one file).
  return key == "general.quantization_version" || key == "general.file_type" || key == "split.no" ||
         key == "split.count" || key == "split.tensors.count";
}

// llama-quantize copies at most 127 bytes of a string option into its KV override.
std::string truncated_option(const std::string& s) {
  return s.substr(0, 127);
}

Status check_convertible(const GgufTensorInfo& tensor, GgmlType to, bool has_importance) {
  if (!is_float_type(tensor.type)) {
    return Status::error(
        format("tensor '%s' is %s: requantizing an already quantized model is not supported; "
               "start from an F32, F16 or BF16 GGUF",
               tensor.name.c_str(), ggml_type_name(tensor.type)));
  }
  const QuantTraits* from = quant_traits(tensor.type);
  const QuantTraits* target = quant_traits(to);
  if (from == nullptr || from->dequantize == nullptr) {
    return Status::error(format("tensor '%s': cannot read type %s", tensor.name.c_str(), ggml_type_name(tensor.type)));
  }
  if (target == nullptr || target->quantize == nullptr) {
    return Status::error(format("tensor '%s': no quantizer for type %s", tensor.name.c_str(), ggml_type_name(to)));
  }
  if (target->needs_importance && !has_importance) {
    return Status::error(
        format("tensor '%s': type %s needs an importance matrix", tensor.name.c_str(), ggml_type_name(to)));
  }
  return Status::ok();
}

// Streams one tensor's rows in slabs: read, convert (or copy), write.
class TensorWriter {
 public:
  TensorWriter(const ReadInputFn& read, const WriteOutputFn& write, const QuantizeOptions& options,
               QuantizeProgress& progress)
      : read_(read), write_(write), options_(options), progress_(progress), converter_(options.n_threads) {}

  Status write_tensor(const GgufTensorInfo& in, uint64_t in_offset, GgmlType out_type, const float* importance) {
    const TensorSlabPlan slabs = plan_tensor_slabs(in, out_type, options_.max_slab_bytes);
    if (slabs.n_rows == 0) return Status::ok();
    if (!reserve_slab(input_, slabs.rows_per_slab, slabs.row_in_bytes) ||
        (slabs.converts && !reserve_slab(output_, slabs.rows_per_slab, slabs.row_out_bytes))) {
      return Status::error(format("out of memory for a slab of tensor '%s'", in.name.c_str()));
    }
    for (int64_t first = 0; first < slabs.n_rows; first += slabs.rows_per_slab) {
      if (options_.cancel != nullptr && options_.cancel->load()) {
        return Status::error(kQuantizeCancelledMessage);
      }
      const int64_t rows = std::min(slabs.rows_per_slab, slabs.n_rows - first);
      WEBGGUF_RETURN_IF_ERROR(
          read_(in_offset + first * slabs.row_in_bytes, rows * slabs.row_in_bytes, input_.as<uint8_t>()));
      if (slabs.converts) {
        WEBGGUF_RETURN_IF_ERROR(converter_.convert(in, out_type, slabs, first, rows, input_.as<uint8_t>(),
                                                   output_.as<uint8_t>(), importance));
        WEBGGUF_RETURN_IF_ERROR(emit(output_.as<uint8_t>(), rows * slabs.row_out_bytes));
      } else {
        WEBGGUF_RETURN_IF_ERROR(emit(input_.as<uint8_t>(), rows * slabs.row_in_bytes));
      }
      if (options_.on_progress) options_.on_progress(progress_);
    }
    return Status::ok();
  }

  Status emit(const uint8_t* data, uint64_t size) {
    WEBGGUF_RETURN_IF_ERROR(write_(data, static_cast<size_t>(size)));
    progress_.bytes_written += size;
    return Status::ok();
  }

 private:
  const ReadInputFn& read_;
  const WriteOutputFn& write_;
  const QuantizeOptions& options_;
  QuantizeProgress& progress_;
  SlabConverter converter_;
  AlignedBuffer input_;   // [rows_per_slab, row bytes of the input type]
  AlignedBuffer output_;  // [rows_per_slab, row bytes of the output type]
};

}  // namespace

bool reserve_slab(AlignedBuffer& buffer, uint64_t rows, uint64_t bytes_per_row) {
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(rows, bytes_per_row, &bytes) || bytes > SIZE_MAX) return false;
  return buffer.size() >= bytes || buffer.allocate(static_cast<size_t>(bytes));
}

TensorSlabPlan plan_tensor_slabs(const GgufTensorInfo& in, GgmlType out_type, uint64_t max_slab_bytes) {
  TensorSlabPlan slabs;
  slabs.n_per_row = static_cast<int64_t>(in.ne[0]);
  slabs.n_rows = slabs.n_per_row == 0 ? 0 : static_cast<int64_t>(in.n_rows());
  if (slabs.n_rows == 0) return slabs;
  slabs.row_in_bytes = in.size_bytes / static_cast<uint64_t>(slabs.n_rows);
  slabs.row_out_bytes = ggml_row_bytes(out_type, static_cast<uint64_t>(slabs.n_per_row));
  slabs.converts = out_type != in.type;
  // Saturating: a row too large for memory gets a one-row slab, which reserve_slab refuses.
  uint64_t bytes_per_row = slabs.row_in_bytes;
  if (slabs.converts &&
      (__builtin_add_overflow(bytes_per_row, slabs.row_out_bytes, &bytes_per_row) ||
       __builtin_add_overflow(bytes_per_row, 4 * static_cast<uint64_t>(slabs.n_per_row), &bytes_per_row))) {
    bytes_per_row = UINT64_MAX;
  }
  slabs.rows_per_slab = static_cast<int64_t>(
      std::clamp<uint64_t>(max_slab_bytes / bytes_per_row, 1, static_cast<uint64_t>(slabs.n_rows)));
  return slabs;
}

// Dequantizes the slab to f32 and quantizes it to the target type, rows split across threads.
// Every row is quantized on its own (with its expert's importance), so the split changes no byte.
Status SlabConverter::convert(const GgufTensorInfo& in, GgmlType out_type, const TensorSlabPlan& slabs,
                              int64_t first_row, int64_t rows, const uint8_t* src, uint8_t* dst,
                              const float* importance) {
  WEBGGUF_RETURN_IF_ERROR(check_convertible(in, out_type, importance != nullptr));
  const QuantTraits* from = quant_traits(in.type);
  const QuantTraits* to = quant_traits(out_type);
  const int64_t n_per_row = slabs.n_per_row;
  uint64_t row_f32_bytes = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(n_per_row), sizeof(float), &row_f32_bytes) ||
      !reserve_slab(floats_, static_cast<uint64_t>(rows), row_f32_bytes)) {
    return Status::error(format("out of memory for a slab of tensor '%s'", in.name.c_str()));
  }
  float* floats = floats_.as<float>();
  std::atomic<int64_t> non_finite_row{-1};
  std::atomic<bool> quantize_failed{false};
  pool_.run([&](int share, int n_shares) {
    const Range range = split_range(rows, share, n_shares);
    for (int64_t r = range.begin; r < range.end; ++r) {
      float* row = floats + r * n_per_row;
      from->dequantize(src + r * slabs.row_in_bytes, row, n_per_row);
      // llama.cpp rejects rows whose quantized data would hold NaN/Inf; refuse them up front.
      if (!std::all_of(row, row + n_per_row, [](float v) { return std::isfinite(v); })) {
        non_finite_row.store(r);
        return;
      }
      const int64_t expert = (first_row + r) / static_cast<int64_t>(in.ne[1]);
      const float* row_importance = importance != nullptr ? importance + expert * n_per_row : nullptr;
      if (!to->quantize(row, dst + r * slabs.row_out_bytes, n_per_row, row_importance)) {
        quantize_failed.store(true);
        return;
      }
    }
  });
  if (non_finite_row.load() >= 0) {
    return Status::error(format("tensor '%s' has NaN or infinite values in row %" PRId64, in.name.c_str(),
                                first_row + non_finite_row.load()));
  }
  if (quantize_failed.load()) {
    return Status::error(format("tensor '%s': quantizing to %s failed", in.name.c_str(), ggml_type_name(out_type)));
  }
  return Status::ok();
}

namespace {

// The importance of one tensor as llama-quantize picks it, or an error where it refuses.
Result<const float*> tensor_importance(const GgufTensorInfo& tensor, GgmlType type, const QuantPreset& preset,
                                       const QuantizationChoices& choices) {
  const bool required = tensor_requires_importance(tensor, type, preset.file_type);
  if (!choices.has_importance()) {
    if (!required) return static_cast<const float*>(nullptr);
    return Status::error(
        format("%s needs an importance matrix (tensor '%s' would be %s): make one with "
               "`webgguf imatrix` or engine.imatrix() from calibration text",
               preset.name, tensor.name.c_str(), ggml_type_name(type)));
  }
  const auto found = choices.importance->by_name.find(tensor.name);
  if (found == choices.importance->by_name.end()) {
    if (!required) return static_cast<const float*>(nullptr);
    return Status::error(format("the importance matrix has no entry for tensor '%s', which %s quantizes to %s",
                                tensor.name.c_str(), preset.name, ggml_type_name(type)));
  }
  const uint64_t expected = tensor.ne[0] * tensor.ne[2];
  if (found->second.size() != expected) {
    // llama-quantize lets token_embd pass (its size never matches); it is quantized without one.
    if (tensor.name == "token_embd.weight" || tensor.name == "per_layer_token_embd.weight") {
      return static_cast<const float*>(nullptr);
    }
    return Status::error(format("the importance matrix has %zu values for tensor '%s' of %" PRIu64
                                " columns: it was made for another model",
                                found->second.size(), tensor.name.c_str(), expected));
  }
  return found->second.data();
}

}  // namespace

Result<QuantizationPlan> plan_quantization(const GgufFile& input, const QuantPreset& preset,
                                           const QuantizationChoices& choices) {
  if (input.get_uint("split.count", 1) > 1) {
    return Status::error("the input is one part of a split model: merge the parts into one GGUF first");
  }
  Result<QuantModelInfo> model = read_quant_model_info(input);
  if (!model.is_ok()) return model.status();
  const std::vector<size_t> order = llama_quantize_tensor_order(input);
  if (choices.has_importance()) {
    const auto& by_name = choices.importance->by_name;
    const bool any_match = std::any_of(input.tensors.begin(), input.tensors.end(),
                                       [&](const GgufTensorInfo& t) { return by_name.count(t.name) > 0; });
    if (!any_match) {
      return Status::error(
          format("the importance matrix names none of this model's tensors (its first entry is "
                 "'%s'): it was made for another model",
                 by_name.begin()->first.c_str()));
    }
  }
  TensorTypeOptions type_options;
  type_options.pure = choices.pure;
  type_options.has_imatrix = choices.has_importance();
  type_options.output_tensor_type = choices.output_tensor_type;
  type_options.token_embedding_type = choices.token_embedding_type;
  Result<std::vector<GgmlType>> types = choose_tensor_types(input, order, preset, model.value(), type_options);
  if (!types.is_ok()) return types.status();

  QuantizationPlan plan;
  plan.preset = &preset;
  GgufFile& out = plan.output;
  out.version = 3;
  out.alignment = input.alignment;
  for (const auto& [key, value] : input.metadata) {
    if (!is_dropped_key(key)) out.metadata.emplace_back(key, value);
  }
  out.metadata.emplace_back("general.quantization_version", GgufValue::of_u32(kQuantizationVersion));
  out.metadata.emplace_back("general.file_type", GgufValue::of_u32(static_cast<uint32_t>(preset.file_type)));
  if (choices.has_importance()) {
    // llama-quantize's KV overrides, in its order.
    const QuantizationWeights& importance = *choices.importance;
    out.metadata.emplace_back("quantize.imatrix.file", GgufValue::of_string(truncated_option(choices.imatrix_file)));
    if (!importance.dataset.empty()) {
      out.metadata.emplace_back("quantize.imatrix.dataset", GgufValue::of_string(truncated_option(importance.dataset)));
    }
    out.metadata.emplace_back("quantize.imatrix.entries_count",
                              GgufValue::of_u32(static_cast<uint32_t>(importance.by_name.size())));
    if (importance.chunk_count > 0) {
      out.metadata.emplace_back("quantize.imatrix.chunks_count",
                                GgufValue::of_u32(static_cast<uint32_t>(importance.chunk_count)));
    }
  }

  for (size_t index : order) {
    const GgufTensorInfo& tensor = input.tensors[index];
    const GgmlType type = types.value()[index];
    const float* importance = nullptr;
    if (type != tensor.type) {
      Result<const float*> found = tensor_importance(tensor, type, preset, choices);
      if (!found.is_ok()) return found.status();
      importance = found.value();
      WEBGGUF_RETURN_IF_ERROR(check_convertible(tensor, type, importance != nullptr));
    }
    plan.importance.push_back(importance);
    GgufTensorInfo info = tensor;
    info.type = type;
    info.n_dims = effective_n_dims(tensor);  // as ggml writes it: trailing 1s dropped
    out.tensors.push_back(std::move(info));
    plan.input_index.push_back(index);
  }
  Result<std::vector<uint8_t>> header = serialize_gguf_header(out);
  if (!header.is_ok()) return header.status();
  plan.header_bytes = header.take();
  plan.file_size = out.data_offset + out.data_size + gguf_padding(out.data_size, out.alignment);
  return plan;
}

Result<GgufFile> read_gguf_header(const ReadInputFn& read, uint64_t file_size) {
  std::vector<uint8_t> prefix;
  uint64_t want = std::min(kFirstHeaderRead, file_size);
  while (true) {
    const uint64_t have = prefix.size();
    prefix.resize(static_cast<size_t>(want));
    WEBGGUF_RETURN_IF_ERROR(read(have, want - have, prefix.data() + have));
    Result<GgufFile> parsed = parse_gguf(prefix.data(), prefix.size(), file_size);
    if (parsed.is_ok() || !parsed.status().needs_more()) return parsed;
    const uint64_t needed = std::max<uint64_t>(parsed.status().bytes_needed(), 2 * want);
    if (want >= file_size || needed <= want) return Status::error("GGUF header: " + parsed.status().message());
    want = std::min(needed, file_size);
  }
}

Status write_quantized_model(const GgufFile& input, const QuantizationPlan& plan, const ReadInputFn& read,
                             const WriteOutputFn& write, const QuantizeOptions& options) {
  QuantizeProgress progress;
  progress.tensor_count = plan.output.tensors.size();
  progress.total_bytes = plan.file_size;
  TensorWriter writer(read, write, options, progress);
  WEBGGUF_RETURN_IF_ERROR(writer.emit(plan.header_bytes.data(), plan.header_bytes.size()));
  if (options.on_progress) options.on_progress(progress);

  for (size_t i = 0; i < plan.output.tensors.size(); ++i) {
    const GgufTensorInfo& in = input.tensors[plan.input_index[i]];
    const GgufTensorInfo& out = plan.output.tensors[i];
    WEBGGUF_RETURN_IF_ERROR(writer.write_tensor(in, input.data_offset + in.offset, out.type, plan.importance[i]));
    WEBGGUF_RETURN_IF_ERROR(write_gguf_zeros(gguf_padding(out.size_bytes, plan.output.alignment),
                                             [&](const uint8_t* zeros, size_t n) { return writer.emit(zeros, n); }));
    progress.tensors_done = i + 1;
    if (options.on_progress) options.on_progress(progress);
  }
  if (progress.bytes_written != plan.file_size) {
    return Status::error(
        format("wrote %" PRIu64 " bytes but planned %" PRIu64, progress.bytes_written, plan.file_size));
  }
  return Status::ok();
}

Status quantize_model(const ReadInputFn& read, uint64_t input_size, const QuantPreset& preset,
                      const WriteOutputFn& write, const QuantizeOptions& options) {
  Result<GgufFile> input = read_gguf_header(read, input_size);
  if (!input.is_ok()) return input.status();
  Result<QuantizationPlan> plan = plan_quantization(input.value(), preset, options.choices);
  if (!plan.is_ok()) return plan.status();
  return write_quantized_model(input.value(), plan.value(), read, write, options);
}

}  // namespace webgguf
