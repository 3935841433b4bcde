// Engine::imatrix_begin/next/file: the engine side of ImatrixRun (engine/imatrix.h).
#include <utility>

#include "engine/engine.h"

namespace webgguf {

namespace {

ImatrixProgress progress_of(const ImatrixRun& run) {
  ImatrixProgress p;
  p.chunk = run.chunks_done();
  p.n_chunks = run.n_chunks();
  p.n_tokens = run.n_tokens();
  p.done = run.done();
  return p;
}

}  // namespace

EngineError Engine::imatrix_begin(const std::string& text, int32_t n_ctx, int32_t max_chunks,
                                  ImatrixProgress* progress) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (n_ctx <= 0) n_ctx = summary_.model.n_ctx;
  if (n_ctx > summary_.model.n_ctx) {
    return EngineError::make(ErrorCode::kBadRequest,
                             format("imatrix context %d exceeds the loaded context %d; load the model with "
                                    "n_ctx >= %d",
                                    n_ctx, summary_.model.n_ctx, n_ctx));
  }
  // As llama-imatrix: BOS added when the model adds one, special-token text not parsed.
  std::vector<int32_t> tokens = tokenizer_->encode(text, /*add_special=*/true, /*parse_special=*/false);
  const int32_t bos = tokenizer_->adds_bos() ? tokenizer_->bos() : -1;
  Result<ImatrixRun> run = ImatrixRun::plan(std::move(tokens), n_ctx, max_chunks, bos);
  if (!run.is_ok()) return EngineError::from(ErrorCode::kBadRequest, run.status());
  reset_context();
  imatrix_ = run.take();
  imatrix_active_ = true;
  *progress = progress_of(imatrix_);
  return EngineError::none();
}

EngineError Engine::imatrix_next(ImatrixProgress* progress) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (!imatrix_active_) return EngineError::make(ErrorCode::kBadRequest, "no imatrix run: call imatrixBegin first");
  if (!imatrix_.done()) {
    Status status = imatrix_.evaluate_next_chunk(*model_);
    if (!status.is_ok()) {
      imatrix_active_ = false;
      return EngineError::from(ErrorCode::kInvalidModel, status);
    }
  }
  *progress = progress_of(imatrix_);
  return EngineError::none();
}

EngineError Engine::imatrix_file(const std::string& dataset, bool legacy, std::vector<uint8_t>* bytes) const {
  if (!imatrix_active_ || imatrix_.chunks_done() == 0) {
    return EngineError::make(ErrorCode::kBadRequest, "no imatrix collected: run imatrixBegin and imatrixNext first");
  }
  std::vector<std::string> datasets;
  if (!dataset.empty()) datasets.push_back(dataset);
  const ImportanceMatrix matrix = imatrix_.result(std::move(datasets));
  Result<std::vector<uint8_t>> file =
      legacy ? serialize_importance_matrix_legacy(matrix) : serialize_importance_matrix(matrix);
  if (!file.is_ok()) return EngineError::from(ErrorCode::kBadRequest, file.status());
  *bytes = file.take();
  return EngineError::none();
}

}  // namespace webgguf
