// Importance matrices (llama.cpp's "imatrix"): per weight matrix, the sum over calibration tokens
// of the squared activation entering each input column, and how many tokens were summed.
// Both of llama.cpp's file formats are read and written, so files move both ways:
//  - GGUF (what llama-imatrix 80fb11a writes): general.type = "imatrix", imatrix.datasets
//    [strings], imatrix.chunk_count and imatrix.chunk_size (u32); per matrix NAME (sorted by
//    name) the F32 tensors NAME.in_sum2 [n_cols, n_mat] (raw sums) and NAME.counts [1, n_mat].
//  - legacy .dat: i32 n_entries; per entry i32 name length, name, i32 ncall, i32 nval, nval f32
//    holding (sum / count) * ncall; then optionally i32 chunk count, i32 length + dataset name.
// llama-quantize divides the sums by the counts (quantization_weights below) and weights every
// column's rounding error by the result.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace webgguf {

struct ImportanceEntry {
  std::vector<float> sums;      // [n_mat, n_cols]: sum of x^2 per input column (per expert)
  std::vector<int64_t> counts;  // [n_mat]: tokens summed
};

struct ImportanceMatrix {
  std::map<std::string, ImportanceEntry> entries;  // by weight name ("blk.0.attn_q.weight"), sorted
  std::vector<std::string> datasets;               // calibration file names
  int32_t chunk_count = 0;                         // chunks of chunk_size tokens evaluated
  int32_t chunk_size = 0;                          // 0 in the legacy format
  bool is_legacy = false;                          // read from the .dat format
  bool has_metadata = false;                       // the GGUF carried all three imatrix.* keys
};

// Either format, told apart by the GGUF magic. Every length, count and offset is checked: a
// truncated or hostile file is an error naming what is wrong, never a read past `size`.
Result<ImportanceMatrix> parse_importance_matrix(const uint8_t* data, size_t size);

// The file llama-imatrix writes (GGUF), byte for byte for the same values.
Result<std::vector<uint8_t>> serialize_importance_matrix(const ImportanceMatrix& matrix);
// The legacy .dat file llama-imatrix --output-format dat writes (entries with no data skipped).
Result<std::vector<uint8_t>> serialize_importance_matrix_legacy(const ImportanceMatrix& matrix);

// What llama-quantize feeds the quantizers: per weight name, [n_mat * n_cols] mean squared
// activations (sums / counts; 1 where a count is 0; the legacy values divided by ncall).
// `include` / `exclude` are llama-quantize's --include-weights / --exclude-weights: substrings of
// names to keep only, or to drop (at most one of the two is non-empty).
struct QuantizationWeights {
  std::map<std::string, std::vector<float>> by_name;
  std::string dataset;  // the first dataset, or empty
  int32_t chunk_count = 0;
};
Result<QuantizationWeights> quantization_weights(const ImportanceMatrix& matrix,
                                                 const std::vector<std::string>& include = {},
                                                 const std::vector<std::string>& exclude = {});

}  // namespace webgguf
