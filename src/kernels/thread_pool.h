// A small persistent pool of worker threads for data-parallel kernels (row-split matmuls,
// per-head attention). A task is cut into shares that the threads claim one at a time, the
// calling thread included, so a pool of one thread creates no std::thread at all (the
// single-threaded wasm build never needs pthreads), and a worker that the OS has not scheduled
// when a task is posted (a busy machine, a browser's other threads) holds nobody up: the threads
// that are running take its shares. A static split makes every barrier wait for the slowest
// thread's timeslice: on a loaded 2-core machine (scripts/bench_threads.sh, 360M Q4_K_M) 2-thread
// decode fell to 1.6 tok/s against 13 at one thread, the caller waiting 572 ms per token in its
// 161 barriers; with claimed shares it waits 0.1 ms.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace webgguf {

class ThreadPool {
 public:
  // One share of a task: task(context, share, n_shares), on whichever thread claimed it.
  using TaskFn = void (*)(void* context, int share, int n_shares);

  // n_threads is clamped to [1, max_threads()].
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int n_threads() const { return n_threads_; }
  // 1 when the build has no threads (wasm without -pthread), else a generous cap.
  static int max_threads();

  // Runs every share in [0, n_shares) exactly once and returns when all have finished (the
  // barrier). Shares may run in any order and on any thread, two at once only on two threads:
  // per-share scratch indexed by the share is safe. One share, or one thread, runs inline.
  void run(TaskFn task, void* context, int n_shares);
  // One share per thread.
  void run(TaskFn task, void* context) { run(task, context, n_threads_); }

  // Convenience for lambdas: fn(share, n_shares).
  template <typename Fn>
  void run(Fn&& fn, int n_shares) {
    using Callable = std::remove_reference_t<Fn>;
    run([](void* c, int i, int n) { (*static_cast<Callable*>(c))(i, n); },
        const_cast<void*>(static_cast<const void*>(&fn)), n_shares);
  }
  template <typename Fn>
  void run(Fn&& fn) {
    run(std::forward<Fn>(fn), n_threads_);
  }

  // What the barriers cost, counted by run() since construction (read by bench/forward_bench.cpp).
  struct Stats {
    uint64_t runs = 0;          // calls of run() that posted a task to the workers: one barrier each
    double wait_seconds = 0.0;  // the calling thread's time spent waiting for shares other threads hold
  };
  const Stats& stats() const { return stats_; }

 private:
  void worker_loop();
  // Waits until the posted generation differs from `seen`; returns the claim word then.
  uint64_t wait_for_task(uint32_t seen);
  // Claims and runs shares of the task posted as generation `claim >> 32` until none is left or
  // a newer task replaced it.
  void run_shares(uint64_t claim);

  int n_threads_ = 1;
  Stats stats_;
  std::vector<std::thread> workers_;
  // The posted task, written by run() before it publishes a new generation in claim_.
  std::atomic<TaskFn> task_{nullptr};
  std::atomic<void*> context_{nullptr};
  std::atomic<int> n_shares_{0};
  // generation << 32 | next unclaimed share. A thread runs a share only after moving this word
  // from (g, s) to (g, s + 1): a worker that wakes after task g finished fails that exchange, so
  // it never runs a share twice or reads a task that has been replaced.
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> finished_{0};  // shares of the current task that have returned
  uint32_t generation_ = 0;       // written by the calling thread only
  std::atomic<bool> stopping_{false};
  std::atomic<int> sleepers_{0};
  // Workers that spun too long without work sleep here until the next generation.
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

// Share `share` of n_shares of `count` items: [begin, end), contiguous, a multiple of `granule`
// long (except possibly the last).
struct Range {
  int64_t begin, end;
};
Range split_range(int64_t count, int share, int n_shares, int64_t granule = 1);

}  // namespace webgguf
