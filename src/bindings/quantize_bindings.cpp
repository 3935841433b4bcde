// Embind: class WasmQuantizer, a streaming quantization session the JS worker drives, because JS
// reads (fetch, Blob slices, files) are asynchronous while src/quantizer's reader is a callback:
//   begin(headPrefix, fileSize, preset, nThreads, maxSlabBytes, choices) -> the plan (grow the prefix while
//     status is 'need_more'): { status, bytesNeeded, code, error, preset, fileType, fileSize,
//     inputSize, tensors: [{ name, inType, outType, inOffset, rows, rowInBytes, rowOutBytes,
//     rowsPerSlab, converts, padding }] }; choices: llama-quantize's options { imatrix (file bytes or
//     null), imatrixName, includeWeights, excludeWeights, outputTensorType, tokenEmbeddingType, pure };
//   header() -> the output header bytes (a JS-owned copy), written first;
//   then for every tensor in plan order and every slab of its rows: inputBuffer(bytes) -> heap
//     offset where JS copies the slab's input bytes, convertSlab(tensor, firstRow, rows) ->
//     { ok, pointer, bytes } of the output bytes in the heap (valid until the next call), followed
//     by `padding` zero bytes after the tensor's last slab;
//   end() frees the buffers and the threads.
// Only one slab of one tensor is in wasm memory at a time.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "gguf/gguf.h"
#include "quantizer/quantize_model.h"

namespace webgguf {
namespace {

using emscripten::val;

bool is_float_type(GgmlType type) {
  return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16;
}

val failure(const char* status, const char* code, const std::string& message) {
  val out = val::object();
  out.set("status", status);
  out.set("ok", false);
  out.set("code", code);
  out.set("error", message);
  out.set("bytesNeeded", 0);
  return out;
}

class WasmQuantizer {
 public:
  val begin(const val& head, double file_size, const std::string& preset_name, int n_threads, double max_slab_bytes,
            const val& options) {
    end();
    QuantizationChoices choices;
    const std::string refused = read_choices(options, &choices);
    if (!refused.empty()) return failure("error", "invalid_argument", refused);
    const size_t n = head["length"].as<size_t>();
    std::vector<uint8_t> prefix(n);
    if (n > 0) val(emscripten::typed_memory_view(n, prefix.data())).call<void>("set", head);
    Result<GgufFile> parsed = parse_gguf(prefix.data(), prefix.size(), static_cast<uint64_t>(file_size));
    if (!parsed.is_ok()) {
      if (!parsed.status().needs_more()) return failure("error", "not_gguf", parsed.status().message());
      val out = failure("need_more", "not_gguf", parsed.status().message());
      out.set("bytesNeeded", static_cast<double>(parsed.status().bytes_needed()));
      return out;
    }
    const QuantPreset* preset = find_quant_preset(preset_name);
    if (preset == nullptr) {
      return failure("error", "invalid_argument",
                     "unknown quantization preset '" + preset_name + "'; presets: " + quant_preset_names());
    }
    Result<QuantizationPlan> plan = plan_quantization(parsed.value(), *preset, choices);
    if (!plan.is_ok()) {
      // A plan fails on an input it cannot read (already quantized), on a missing or mismatched
      // importance matrix (the caller's argument), or on a file that is no model.
      bool quantized_input = false;
      for (const GgufTensorInfo& t : parsed.value().tensors) quantized_input |= !is_float_type(t.type);
      const bool importance_problem = plan.status().message().find("importance matrix") != std::string::npos;
      const char* code = quantized_input      ? "unsupported_type"
                         : importance_problem ? "invalid_argument"
                                              : "invalid_model";
      return failure("error", code, plan.status().message());
    }
    input_ = parsed.take();
    plan_ = std::make_unique<QuantizationPlan>(plan.take());
    converter_ = std::make_unique<SlabConverter>(n_threads);
    max_slab_bytes_ = max_slab_bytes >= 1.0 ? static_cast<uint64_t>(max_slab_bytes) : (32ull << 20);
    return describe_plan(*preset, file_size);
  }

  val header() const {
    if (!plan_) return val::null();
    return val(emscripten::typed_memory_view(plan_->header_bytes.size(), plan_->header_bytes.data()))
        .call<val>("slice");
  }

  // Heap offset of a buffer of at least `bytes` for the next slab's input; 0 when out of memory.
  double inputBuffer(double bytes) {
    if (!(bytes >= 0.0) || bytes > 4294967295.0) return 0.0;
    if (!reserve_slab(input_slab_, 1, static_cast<uint64_t>(bytes))) return 0.0;
    return static_cast<double>(reinterpret_cast<uintptr_t>(input_slab_.data()));
  }

  val convertSlab(int tensor, double first_row, double rows) {
    if (!plan_ || tensor < 0 || static_cast<size_t>(tensor) >= plan_->output.tensors.size()) {
      return failure("error", "bad_request", "convertSlab: no such tensor in the plan");
    }
    const GgufTensorInfo& in = input_.tensors[plan_->input_index[tensor]];
    const GgmlType out_type = plan_->output.tensors[tensor].type;
    const TensorSlabPlan slabs = plan_tensor_slabs(in, out_type, max_slab_bytes_);
    const int64_t first = static_cast<int64_t>(first_row);
    const int64_t count = static_cast<int64_t>(rows);
    if (first < 0 || count < 1 || count > slabs.n_rows - first ||
        input_slab_.size() < static_cast<uint64_t>(count) * slabs.row_in_bytes) {
      return failure("error", "bad_request", "convertSlab: rows outside the tensor or the input buffer");
    }
    val out = val::object();
    out.set("ok", true);
    if (!slabs.converts) {
      out.set("pointer", static_cast<double>(reinterpret_cast<uintptr_t>(input_slab_.data())));
      out.set("bytes", static_cast<double>(count * slabs.row_in_bytes));
      return out;
    }
    if (!reserve_slab(output_slab_, static_cast<uint64_t>(count), slabs.row_out_bytes)) {
      return failure("error", "too_big", "out of wasm memory for a slab of tensor '" + in.name + "'");
    }
    const Status status = converter_->convert(in, out_type, slabs, first, count, input_slab_.as<uint8_t>(),
                                              output_slab_.as<uint8_t>(), plan_->importance[tensor]);
    if (!status.is_ok()) return failure("error", "invalid_model", status.message());
    out.set("pointer", static_cast<double>(reinterpret_cast<uintptr_t>(output_slab_.data())));
    out.set("bytes", static_cast<double>(count * slabs.row_out_bytes));
    return out;
  }

  void end() {
    plan_.reset();
    converter_.reset();
    input_ = GgufFile();
    importance_ = QuantizationWeights();
    input_slab_.allocate(0);
    output_slab_.allocate(0);
  }

 private:
  // The options object into choices (the imatrix parsed into importance_); an error message or "".
  std::string read_choices(const val& options, QuantizationChoices* choices) {
    auto strings = [](const val& array) {
      std::vector<std::string> out;
      const size_t n = array.isUndefined() || array.isNull() ? 0 : array["length"].as<size_t>();
      for (size_t i = 0; i < n; ++i) out.push_back(array[i].as<std::string>());
      return out;
    };
    auto type_option = [](const val& name, const char* option, GgmlType* type) -> std::string {
      const std::string text = name.isString() ? name.as<std::string>() : std::string();
      if (text.empty() || parse_ggml_type_name(text.c_str(), type)) return "";
      return std::string(option) + ": unknown ggml type '" + text + "' (e.g. q8_0, q6_K, f16)";
    };
    choices->pure = options["pure"].isTrue();
    std::string error = type_option(options["outputTensorType"], "outputTensorType", &choices->output_tensor_type);
    if (error.empty()) {
      error = type_option(options["tokenEmbeddingType"], "tokenEmbeddingType", &choices->token_embedding_type);
    }
    if (!error.empty()) return error;
    const val imatrix = options["imatrix"];
    if (imatrix.isUndefined() || imatrix.isNull()) return "";
    std::vector<uint8_t> bytes(imatrix["length"].as<size_t>());
    if (!bytes.empty()) val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<void>("set", imatrix);
    Result<ImportanceMatrix> matrix = parse_importance_matrix(bytes.data(), bytes.size());
    Result<QuantizationWeights> weights = matrix.is_ok()
                                              ? quantization_weights(matrix.value(), strings(options["includeWeights"]),
                                                                     strings(options["excludeWeights"]))
                                              : matrix.status();
    if (!weights.is_ok()) return "imatrix: " + weights.status().message();
    importance_ = weights.take();
    choices->importance = &importance_;
    choices->imatrix_file =
        options["imatrixName"].isString() ? options["imatrixName"].as<std::string>() : "imatrix.gguf";
    return "";
  }

  val describe_plan(const QuantPreset& preset, double input_size) const {
    val out = val::object();
    out.set("status", "ok");
    out.set("ok", true);
    out.set("bytesNeeded", 0);
    out.set("preset", std::string(preset.name));
    out.set("fileType", static_cast<double>(static_cast<uint32_t>(preset.file_type)));
    out.set("fileSize", static_cast<double>(plan_->file_size));
    out.set("headerBytes", static_cast<double>(plan_->header_bytes.size()));
    out.set("inputSize", input_size);
    val tensors = val::array();
    for (size_t i = 0; i < plan_->output.tensors.size(); ++i) {
      const GgufTensorInfo& in = input_.tensors[plan_->input_index[i]];
      const GgufTensorInfo& planned = plan_->output.tensors[i];
      const TensorSlabPlan slabs = plan_tensor_slabs(in, planned.type, max_slab_bytes_);
      val t = val::object();
      t.set("name", in.name);
      t.set("inType", std::string(ggml_type_name(in.type)));
      t.set("outType", std::string(ggml_type_name(planned.type)));
      t.set("inOffset", static_cast<double>(input_.data_offset + in.offset));
      t.set("rows", static_cast<double>(slabs.n_rows));
      t.set("rowInBytes", static_cast<double>(slabs.row_in_bytes));
      t.set("rowOutBytes", static_cast<double>(slabs.converts ? slabs.row_out_bytes : slabs.row_in_bytes));
      t.set("rowsPerSlab", static_cast<double>(slabs.rows_per_slab));
      t.set("converts", slabs.converts);
      t.set("padding", static_cast<double>(gguf_padding(planned.size_bytes, plan_->output.alignment)));
      tensors.call<void>("push", t);
    }
    out.set("tensors", tensors);
    return out;
  }

  GgufFile input_;
  std::unique_ptr<QuantizationPlan> plan_;
  std::unique_ptr<SlabConverter> converter_;
  QuantizationWeights importance_;  // the plan points into it
  uint64_t max_slab_bytes_ = 32ull << 20;
  AlignedBuffer input_slab_;   // [rows of one slab, input row bytes]
  AlignedBuffer output_slab_;  // [rows of one slab, output row bytes]
};

}  // namespace
}  // namespace webgguf

EMSCRIPTEN_BINDINGS(webgguf_quantize) {
  using webgguf::WasmQuantizer;
  emscripten::class_<WasmQuantizer>("WasmQuantizer")
      .constructor<>()
      .function("begin", &WasmQuantizer::begin)
      .function("header", &WasmQuantizer::header)
      .function("inputBuffer", &WasmQuantizer::inputBuffer)
      .function("convertSlab", &WasmQuantizer::convertSlab)
      .function("end", &WasmQuantizer::end);
}
