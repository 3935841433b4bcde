// Streaming quantization of a GGUF model, byte-identical to llama.cpp's llama-quantize.
//
// The input is read tensor by tensor through a callback (a Blob slice in the browser, a file in
// Node or the CLI) and the output is produced in order through another: first the header (every
// tensor size is known from its type in advance), then each tensor's bytes and its padding. Only
// one slab of rows of one tensor is in memory at a time, so a 7B F16 file fits a browser tab.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"
#include "quantizer/presets.h"

namespace webgguf {

// Copies `size` bytes starting at byte `offset` of the input file into `dst`.
using ReadInputFn = std::function<Status(uint64_t offset, uint64_t size, uint8_t* dst)>;
// Appends bytes to the output file.
using WriteOutputFn = std::function<Status(const uint8_t* data, size_t size)>;

struct QuantizeProgress {
  size_t tensors_done = 0;      // tensors completely written
  size_t tensor_count = 0;
  uint64_t bytes_written = 0;   // output bytes so far, header included
  uint64_t total_bytes = 0;     // final output file size
};
using QuantizeProgressFn = std::function<void(const QuantizeProgress&)>;

struct QuantizeOptions {
  int n_threads = 1;                               // rows are split across threads
  const std::atomic<bool>* cancel = nullptr;       // checked between slabs of rows
  QuantizeProgressFn on_progress;                  // after the header and after every slab
  uint64_t max_slab_bytes = 32ull << 20;           // working memory for one slab of rows
};

// The message of the Status returned when options.cancel was set.
extern const char kQuantizeCancelledMessage[];

// Everything decided before any tensor data is read: the output header and each tensor's type.
struct QuantizationPlan {
  const QuantPreset* preset = nullptr;
  GgufFile output;                    // header of the output; tensors in output order
  std::vector<uint8_t> header_bytes;  // serialised header, padded to output.data_offset
  std::vector<size_t> input_index;    // output.tensors[i] comes from input.tensors[input_index[i]]
  uint64_t file_size = 0;             // total bytes of the output file
};

// Chooses every tensor's type as llama-quantize would and lays out the output file: the input's
// metadata in order without split keys, then general.quantization_version = 2 and
// general.file_type; tensors outside blocks first, then block by block. Fails with a clear message
// when a tensor would need converting from a type we cannot read (anything but F32/F16/BF16).
Result<QuantizationPlan> plan_quantization(const GgufFile& input, const QuantPreset& preset);

// Reads and parses the header of a GGUF file of `file_size` bytes through `read`, asking for a
// longer prefix until parse_gguf has what it needs.
Result<GgufFile> read_gguf_header(const ReadInputFn& read, uint64_t file_size);

// Writes the planned file: header, then every tensor (converted or copied) with its padding.
Status write_quantized_model(const GgufFile& input, const QuantizationPlan& plan,
                             const ReadInputFn& read, const WriteOutputFn& write,
                             const QuantizeOptions& options);

// read_gguf_header + plan_quantization + write_quantized_model.
Status quantize_model(const ReadInputFn& read, uint64_t input_size, const QuantPreset& preset,
                      const WriteOutputFn& write, const QuantizeOptions& options);

}  // namespace webgguf
