// Streaming quantization of a GGUF model, byte-identical to llama.cpp's llama-quantize.
//
// The input is read tensor by tensor through a callback (a Blob slice in the browser, a file in
// Node or the CLI) and the output is produced in order through another: first the header (every
// tensor size is known from its type in advance), then each tensor's bytes and its padding. Only
// one slab of rows of one tensor is in memory at a time, so a 7B F16 file fits a browser tab.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/status.h"
#include "gguf/gguf.h"
#include "kernels/thread_pool.h"
#include "quantizer/importance_matrix.h"
#include "quantizer/presets.h"

namespace webgguf {

// Copies `size` bytes starting at byte `offset` of the input file into `dst`.
using ReadInputFn = std::function<Status(uint64_t offset, uint64_t size, uint8_t* dst)>;
// Appends bytes to the output file.
using WriteOutputFn = std::function<Status(const uint8_t* data, size_t size)>;

struct QuantizeProgress {
  size_t tensors_done = 0;  // tensors completely written
  size_t tensor_count = 0;
  uint64_t bytes_written = 0;  // output bytes so far, header included
  uint64_t total_bytes = 0;    // final output file size
};
using QuantizeProgressFn = std::function<void(const QuantizeProgress&)>;

// llama-quantize's options beyond the preset.
struct QuantizationChoices {
  bool pure = false;  // --pure (see plan_quantization)
  // --imatrix, already filtered by --include-weights / --exclude-weights (quantization_weights);
  // nullptr or empty: none. Must outlive the quantization.
  const QuantizationWeights* importance = nullptr;
  std::string imatrix_file;  // the --imatrix path as given: llama-quantize writes it to quantize.imatrix.file
  GgmlType output_tensor_type = GgmlType::COUNT;    // --output-tensor-type (COUNT: the preset's rule)
  GgmlType token_embedding_type = GgmlType::COUNT;  // --token-embedding-type

  bool has_importance() const { return importance != nullptr && !importance->by_name.empty(); }
};

struct QuantizeOptions {
  int n_threads = 1;                          // rows are split across threads
  const std::atomic<bool>* cancel = nullptr;  // checked between slabs of rows
  QuantizeProgressFn on_progress;             // after the header and after every slab
  uint64_t max_slab_bytes = 32ull << 20;      // working memory for one slab of rows
  QuantizationChoices choices;
};

// The message of the Status returned when options.cancel was set.
extern const char kQuantizeCancelledMessage[];

// Everything decided before any tensor data is read: the output header and each tensor's type.
struct QuantizationPlan {
  const QuantPreset* preset = nullptr;
  GgufFile output;                    // header of the output; tensors in output order
  std::vector<uint8_t> header_bytes;  // serialised header, padded to output.data_offset
  std::vector<size_t> input_index;    // output.tensors[i] comes from input.tensors[input_index[i]]
  // output.tensors[i]'s importance [ne[2], ne[0]] (into choices.importance), nullptr for none.
  std::vector<const float*> importance;
  uint64_t file_size = 0;  // total bytes of the output file
};

// Chooses every tensor's type as llama-quantize would and lays out the output file: the input's
// metadata in order without split keys, then general.quantization_version = 2 and
// general.file_type; tensors outside blocks first, then block by block. Fails with a clear message
// when a tensor would need converting from a type we cannot read (anything but F32/F16/BF16).
// choices.pure is llama-quantize's --pure: every quantizable tensor gets preset.default_type (row-length
// fallbacks aside) and general.file_type is still the preset's, as llama-quantize writes it.
// With an importance matrix, its quantize.imatrix.* keys follow general.file_type and every
// converted tensor with an entry is quantized with it; an entry whose size differs from the
// tensor's columns (another model's matrix), a matrix matching no tensor at all, or a type that
// needs one (IQ1/IQ2/IQ3_XXS, Q2_K in Q2_K_S) without it are errors.
Result<QuantizationPlan> plan_quantization(const GgufFile& input, const QuantPreset& preset,
                                           const QuantizationChoices& choices = {});

// Reads and parses the header of a GGUF file of `file_size` bytes through `read`, asking for a
// longer prefix until parse_gguf has what it needs.
Result<GgufFile> read_gguf_header(const ReadInputFn& read, uint64_t file_size);

// Writes the planned file: header, then every tensor (converted or copied) with its padding.
Status write_quantized_model(const GgufFile& input, const QuantizationPlan& plan, const ReadInputFn& read,
                             const WriteOutputFn& write, const QuantizeOptions& options);

// How one tensor is streamed: its rows, their bytes in and out, and how many rows one slab holds.
struct TensorSlabPlan {
  int64_t n_per_row = 0;       // ne[0]
  int64_t n_rows = 0;          // product of ne[1..]
  uint64_t row_in_bytes = 0;   // one row in the input type
  uint64_t row_out_bytes = 0;  // one row in the output type
  int64_t rows_per_slab = 0;   // at least 1 when the tensor has rows
  bool converts = false;       // false: the bytes are copied unchanged
};

// Slabs sized so that the input, f32 and output rows of one slab stay under max_slab_bytes.
TensorSlabPlan plan_tensor_slabs(const GgufTensorInfo& in, GgmlType out_type, uint64_t max_slab_bytes);

// Grows `buffer` to at least rows * bytes_per_row bytes (contents are not kept); false when that
// is out of memory or past size_t (4 GiB in wasm32: one row of 2^30 f32 must not wrap to 0).
bool reserve_slab(AlignedBuffer& buffer, uint64_t rows, uint64_t bytes_per_row);

// The per-tensor entry point: converts slabs of rows of one tensor from its F32/F16/BF16 input to
// the planned type, rows split across threads. write_quantized_model drives it with synchronous
// reads; the wasm binding drives it slab by slab while JS reads the input asynchronously.
class SlabConverter {
 public:
  explicit SlabConverter(int n_threads) : pool_(std::max(1, n_threads)) {}

  // `src` holds `rows` input rows starting at row `first_row`; `dst` receives
  // rows * slabs.row_out_bytes bytes. `importance` (nullptr: none) is the tensor's whole
  // [ne[2], ne[0]] importance: row r of expert e = r / ne[1] is weighted by its row e.
  // Fails on NaN/Inf rows as llama-quantize does.
  Status convert(const GgufTensorInfo& in, GgmlType out_type, const TensorSlabPlan& slabs, int64_t first_row,
                 int64_t rows, const uint8_t* src, uint8_t* dst, const float* importance = nullptr);

 private:
  ThreadPool pool_;
  AlignedBuffer floats_;  // [rows, n_per_row] f32
};

// read_gguf_header + plan_quantization + write_quantized_model.
Status quantize_model(const ReadInputFn& read, uint64_t input_size, const QuantPreset& preset,
                      const WriteOutputFn& write, const QuantizeOptions& options);

}  // namespace webgguf
