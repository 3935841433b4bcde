#include "kernels/thread_pool.h"

#include <algorithm>
#include <chrono>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace webgguf {
namespace {

// How long an idle worker busy-waits for the next task before it sleeps. Tasks inside one
// forward pass follow each other within microseconds, so spinning keeps the barrier cheap;
// between requests the workers fall asleep and leave the cores to others.
constexpr int kSpinsBeforeSleep = 1 << 16;
// How long the caller busy-waits for the workers to finish before it yields its core. On an
// oversubscribed machine a worker may be waiting for exactly this core.
constexpr int kSpinsBeforeYield = 1 << 10;

inline void cpu_relax() {
#if defined(__SSE2__)
  _mm_pause();
#endif
}

}  // namespace

int ThreadPool::max_threads() {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  return 1;
#else
  return 64;
#endif
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::clamp(n_threads, 1, max_threads())) {
  workers_.reserve(n_threads_ - 1);
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    stopping_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::run(TaskFn task, void* context) {
  ++stats_.runs;
  if (n_threads_ == 1) {
    task(context, 0, 1);
    return;
  }
  task_ = task;
  context_ = context;
  pending_.store(n_threads_ - 1);
  generation_.fetch_add(1);  // seq_cst: publishes task_/context_ and pairs with sleepers_
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    wake_.notify_all();
  }
  task(context, 0, n_threads_);
  const auto wait_start = std::chrono::steady_clock::now();
  for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < kSpinsBeforeYield)
      cpu_relax();
    else
      std::this_thread::yield();
  }
  stats_.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start).count();
}

void ThreadPool::worker_loop(int thread_index) {
  uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen && spins < kSpinsBeforeSleep) {
      cpu_relax();
      ++spins;
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(sleep_mutex_);
      sleepers_.fetch_add(1);  // seq_cst: the runner either sees us or we see its generation
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      sleepers_.fetch_sub(1);
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load()) return;
    task_(context_, thread_index, n_threads_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

Range split_range(int64_t count, int thread_index, int n_threads, int64_t granule) {
  const int64_t granules = (count + granule - 1) / granule;
  const int64_t per_thread = granules / n_threads;
  const int64_t extra = granules % n_threads;
  const int64_t first = thread_index * per_thread + std::min<int64_t>(thread_index, extra);
  const int64_t last = first + per_thread + (thread_index < extra ? 1 : 0);
  return {std::min(count, first * granule), std::min(count, last * granule)};
}

}  // namespace webgguf
