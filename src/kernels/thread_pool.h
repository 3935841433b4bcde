// A small persistent pool of worker threads for data-parallel kernels (row-split matmuls,
// per-head attention). The calling thread always takes part as thread 0, so a pool of one
// thread creates no std::thread at all: the single-threaded wasm build never needs pthreads.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace webgguf {

class ThreadPool {
 public:
  // A task runs once on each thread: task(context, thread_index, n_threads).
  using TaskFn = void (*)(void* context, int thread_index, int n_threads);

  // n_threads is clamped to [1, max_threads()].
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int n_threads() const { return n_threads_; }
  // 1 when the build has no threads (wasm without -pthread), else a generous cap.
  static int max_threads();

  // Runs the task on every thread and returns when all have finished (the barrier).
  void run(TaskFn task, void* context);

  // What the barriers cost, counted by run() since construction (read by bench/forward_bench.cpp).
  struct Stats {
    uint64_t runs = 0;          // calls of run(): one barrier each when n_threads > 1
    double wait_seconds = 0.0;  // the calling thread's time spent waiting for the other threads
  };
  const Stats& stats() const { return stats_; }

  // Convenience for lambdas: fn(thread_index, n_threads).
  template <typename Fn>
  void run(Fn&& fn) {
    using Callable = std::remove_reference_t<Fn>;
    run([](void* c, int i, int n) { (*static_cast<Callable*>(c))(i, n); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  void worker_loop(int thread_index);

  int n_threads_ = 1;
  Stats stats_;
  std::vector<std::thread> workers_;
  TaskFn task_ = nullptr;
  void* context_ = nullptr;
  // Workers wait for `generation_` to change; the caller waits for `pending_` to reach 0.
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<int> sleepers_{0};
  // Workers that spun too long without work sleep here until the next generation.
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

// The [begin, end) share of `count` items for one thread, in contiguous chunks that are
// multiples of `granule` (except possibly the last).
struct Range {
  int64_t begin, end;
};
Range split_range(int64_t count, int thread_index, int n_threads, int64_t granule = 1);

}  // namespace webgguf
