#include "engine/imatrix.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace webgguf {

namespace {
// llama.cpp's default n_ubatch: a chunk longer than this is evaluated in pieces of this size.
constexpr int32_t kLlamaUbatch = 512;
// llama-imatrix ignores products with fewer input rows than this ("why are small batches ignored?").
constexpr int32_t kMinCollectedRows = 16;
}  // namespace

Result<ImatrixRun> ImatrixRun::plan(std::vector<int32_t> tokens, int32_t n_ctx, int32_t max_chunks, int32_t bos) {
  if (n_ctx < 1) return Status::error(format("imatrix context must be at least 1, got %d", n_ctx));
  if (tokens.size() < static_cast<size_t>(n_ctx)) {
    return Status::error(
        format("the calibration text is %zu tokens, shorter than one chunk of %d tokens: give a longer "
               "text or a smaller context",
               tokens.size(), n_ctx));
  }
  ImatrixRun run;
  const int32_t whole_chunks = static_cast<int32_t>(tokens.size() / static_cast<size_t>(n_ctx));
  run.n_chunks_ = max_chunks > 0 ? std::min(max_chunks, whole_chunks) : whole_chunks;
  run.tokens_ = std::move(tokens);
  run.n_ctx_ = n_ctx;
  run.bos_ = bos;
  return run;
}

void ImatrixRun::observe(const GgufTensorInfo& weight, const float* input, int64_t n_cols, int n_tokens) {
  if (weight.name.compare(0, 4, "blk.") != 0) return;
  ImportanceEntry& e = entries_[weight.name];
  if (e.sums.empty()) {
    e.sums.assign(static_cast<size_t>(n_cols), 0.0f);
    e.counts.assign(1, 0);
  } else if (e.sums.size() != static_cast<size_t>(n_cols)) {
    if (observe_status_.is_ok()) {
      observe_status_ = Status::error(format("imatrix: inconsistent size for %s (%zu vs %lld)", weight.name.c_str(),
                                             e.sums.size(), static_cast<long long>(n_cols)));
    }
    return;
  }
  // Token by token in float, the order of llama-imatrix's accumulation.
  float* acc = e.sums.data();
  for (int t = 0; t < n_tokens; ++t) {
    const float* x = input + static_cast<int64_t>(t) * n_cols;
    for (int64_t j = 0; j < n_cols; ++j) acc[j] += x[j] * x[j];
  }
  e.counts[0] += n_tokens;
}

Status ImatrixRun::evaluate_next_chunk(Model& model) {
  if (done()) return Status::error("imatrix: every chunk is already evaluated");
  if (n_ctx_ > model.info().n_ctx) {
    return Status::error(
        format("imatrix context %d exceeds the model's loaded context %d", n_ctx_, model.info().n_ctx));
  }
  std::vector<int32_t> chunk(tokens_.begin() + static_cast<size_t>(next_chunk_) * n_ctx_,
                             tokens_.begin() + static_cast<size_t>(next_chunk_ + 1) * n_ctx_);
  if (bos_ >= 0) chunk[0] = bos_;
  logits_.resize(static_cast<size_t>(model.info().n_vocab));
  Status status;
  for (int32_t start = 0; start < n_ctx_ && status.is_ok(); start += kLlamaUbatch) {
    const int32_t n = std::min(kLlamaUbatch, n_ctx_ - start);
    model.set_activation_observer(n >= kMinCollectedRows ? this : nullptr);
    status = model.forward(chunk.data() + start, n, start, false, logits_.data());
  }
  model.set_activation_observer(nullptr);
  WEBGGUF_RETURN_IF_ERROR(status);
  WEBGGUF_RETURN_IF_ERROR(observe_status_);
  for (const auto& [name, e] : entries_) {
    if (!std::all_of(e.sums.begin(), e.sums.end(), [](float v) { return std::isfinite(v); })) {
      return Status::error(format("imatrix: non-finite activations in %s", name.c_str()));
    }
  }
  ++next_chunk_;
  return Status::ok();
}

ImportanceMatrix ImatrixRun::result(std::vector<std::string> datasets) const {
  ImportanceMatrix matrix;
  matrix.entries = entries_;
  matrix.datasets = std::move(datasets);
  matrix.chunk_size = n_ctx_;
  // llama-imatrix's m_last_chunk: the most tokens any matrix saw, in whole chunks.
  int64_t max_count = 0;
  for (const auto& entry : entries_) max_count = std::max(max_count, entry.second.counts[0]);
  matrix.chunk_count = n_ctx_ > 0 ? static_cast<int32_t>(max_count / n_ctx_) : 0;
  matrix.has_metadata = true;
  return matrix;
}

}  // namespace webgguf
