// Importance-matrix collection as llama.cpp's llama-imatrix 80fb11a does it
// (tools/imatrix/imatrix.cpp): the calibration tokens are cut into chunks of n_ctx tokens, each
// chunk is evaluated from an empty KV cache (its first token replaced by BOS when the model adds
// one) in micro-batches of llama.cpp's n_ubatch (512), and for every weight matrix of the blocks
// ("blk.*"; never output.weight, llama-imatrix's default) the squares of its input activations
// are summed per input column, token after token, in float. Micro-batches of fewer than 16
// tokens are skipped, as llama-imatrix skips them. The count of a matrix is the tokens summed.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/model.h"
#include "quantizer/importance_matrix.h"

namespace webgguf {

class ImatrixRun : public ActivationObserver {
 public:
  ImatrixRun() = default;
  // `tokens`: the text tokenized as llama.cpp does (BOS at the front when add_bos, no specials).
  // Needs at least one chunk of n_ctx tokens; max_chunks <= 0 takes every whole chunk.
  static Result<ImatrixRun> plan(std::vector<int32_t> tokens, int32_t n_ctx, int32_t max_chunks, int32_t bos);

  int32_t n_chunks() const { return n_chunks_; }
  int32_t chunks_done() const { return next_chunk_; }
  bool done() const { return next_chunk_ >= n_chunks_; }
  size_t n_tokens() const { return tokens_.size(); }

  // Evaluates the next chunk (overwriting the model's KV cache from position 0) and adds its
  // activations to the sums.
  Status evaluate_next_chunk(Model& model);

  // The collected matrix; `datasets` names the calibration text(s) in the file.
  ImportanceMatrix result(std::vector<std::string> datasets) const;

  void observe(const GgufTensorInfo& weight, const float* input, int64_t n_cols, int n_tokens) override;

 private:
  std::vector<int32_t> tokens_;
  int32_t n_ctx_ = 0;
  int32_t bos_ = -1;
  int32_t n_chunks_ = 0;
  int32_t next_chunk_ = 0;
  Status observe_status_;  // the first inconsistency observe() met (shapes changing under a name)
  std::map<std::string, ImportanceEntry> entries_;
  std::vector<float> logits_;  // [n_vocab]: forward() writes the last position's logits
};

}  // namespace webgguf
