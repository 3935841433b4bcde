#include "kernels/matmul.h"

#include <algorithm>

namespace webgguf {
namespace {

// Activations of one token tile should stay in L2 while a thread sweeps its rows.
constexpr size_t kTileActivationBytes = 96 * 1024;
// Rows are handed out in multiples of this (keeps each share's output writes on separate cache
// lines).
constexpr int64_t kRowGranule = 16;
// Shares per thread: more shares than threads let the running threads take the rows of one the
// OS has not scheduled (thread_pool.h) and even out threads of unequal speed. A claim costs one
// atomic exchange (~0.1 us) against at least 16 rows of dot products (>= 1 us for a
// 960-wide Q4_K row block).
constexpr int kSharesPerThread = 8;

struct MatmulJob {
  const MatmulTask* tasks;
  int n_tasks;
  int n_tokens;
  int64_t total_rows;
};

void run_rows(const MatmulTask& task, int64_t row_begin, int64_t row_end, int n_tokens) {
  const MatmulWeights& w = *task.weights;
  const int tile = static_cast<int>(
      std::clamp<size_t>(kTileActivationBytes / std::max<size_t>(task.activation_row_bytes, 1), 1, n_tokens));
  for (int t0 = 0; t0 < n_tokens; t0 += tile) {
    const int t1 = std::min(n_tokens, t0 + tile);
    for (int64_t r = row_begin; r < row_end; ++r) {
      const uint8_t* row = w.data + r * w.row_bytes;
      if (w.dot_tokens != nullptr && n_tokens > 1) {
        // Each weight block is unpacked once per group of up to kMaxDotTokens tokens.
        for (int t = t0; t < t1; t += kMaxDotTokens) {
          w.dot_tokens(w.n_cols, row, task.activations + t * task.activation_row_bytes, task.activation_row_bytes,
                       std::min(kMaxDotTokens, t1 - t), task.out + t * task.out_stride + r, task.out_stride);
        }
        continue;
      }
      for (int t = t0; t < t1; ++t) {
        task.out[t * task.out_stride + r] = w.dot(w.n_cols, row, task.activations + t * task.activation_row_bytes);
      }
    }
  }
}

void matmul_share(void* context, int share_index, int n_shares) {
  const MatmulJob& job = *static_cast<const MatmulJob*>(context);
  const Range share = split_range(job.total_rows, share_index, n_shares, kRowGranule);
  // Walk the tasks as one concatenated row space and do the part that falls in our share.
  int64_t first_row = 0;
  for (int i = 0; i < job.n_tasks; ++i) {
    const int64_t n_rows = job.tasks[i].weights->n_rows;
    const int64_t begin = std::max(share.begin, first_row) - first_row;
    const int64_t end = std::min(share.end, first_row + n_rows) - first_row;
    if (begin < end) run_rows(job.tasks[i], begin, end, job.n_tokens);
    first_row += n_rows;
  }
}

}  // namespace

void matmul(ThreadPool& pool, const MatmulTask* tasks, int n_tasks, int n_tokens) {
  MatmulJob job{tasks, n_tasks, n_tokens, 0};
  for (int i = 0; i < n_tasks; ++i) job.total_rows += tasks[i].weights->n_rows;
  const int64_t granules = (job.total_rows + kRowGranule - 1) / kRowGranule;
  const int n_shares =
      pool.n_threads() == 1
          ? 1
          : static_cast<int>(std::min<int64_t>(granules, int64_t{kSharesPerThread} * pool.n_threads()));
  pool.run(matmul_share, &job, n_shares);
}

void matmul_ref(const MatmulTask* tasks, int n_tasks, int n_tokens) {
  for (int i = 0; i < n_tasks; ++i) {
    const MatmulTask& task = tasks[i];
    const MatmulWeights& w = *task.weights;
    for (int t = 0; t < n_tokens; ++t) {
      for (int64_t r = 0; r < w.n_rows; ++r) {
        task.out[t * task.out_stride + r] =
            w.dot(w.n_cols, w.data + r * w.row_bytes, task.activations + t * task.activation_row_bytes);
      }
    }
  }
}

}  // namespace webgguf
