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
// between requests the workers fall asleep and leave the cores to others. Measured in time, not
// spins (65536 pauses took 1.8 ms on the EPYC here, the same count of wasm loads ~0.07 ms): on a
// busy machine, where the OS schedules the threads of one process from one share of the CPU
// (Linux autogroups), a worker spinning while the calling thread is descheduled burns the time
// that thread needed (2-thread decode at 6.3 tok/s against 14.2 at one thread with a 2 ms spin).
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(50);
// Spins between two reads of the clock (a read costs ~50 ns here).
constexpr int kSpinsPerClockRead = 64;
// How long the caller busy-waits for the shares other threads hold before it yields its core.
// On an oversubscribed machine such a worker may be waiting for exactly this core.
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
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    stopping_.store(true);
    n_shares_.store(0, std::memory_order_relaxed);  // nothing left to claim in the last generation
    claim_.store(static_cast<uint64_t>(++generation_) << 32);
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::run(TaskFn task, void* context, int n_shares) {
  if (n_shares <= 0) return;
  if (n_threads_ == 1 || n_shares == 1) {
    for (int share = 0; share < n_shares; ++share) task(context, share, n_shares);
    return;
  }
  ++stats_.runs;
  task_.store(task, std::memory_order_relaxed);
  context_.store(context, std::memory_order_relaxed);
  n_shares_.store(n_shares, std::memory_order_relaxed);
  finished_.store(0, std::memory_order_relaxed);
  // seq_cst: publishes the task (a worker reads it after loading this word) and pairs with
  // sleepers_ below.
  claim_.store(static_cast<uint64_t>(++generation_) << 32);
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    wake_.notify_all();
  }
  run_shares(claim_.load(std::memory_order_acquire));
  if (finished_.load(std::memory_order_acquire) == n_shares) return;
  const auto wait_start = std::chrono::steady_clock::now();
  for (int spins = 0; finished_.load(std::memory_order_acquire) != n_shares; ++spins) {
    if (spins < kSpinsBeforeYield)
      cpu_relax();
    else
      std::this_thread::yield();
  }
  stats_.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - wait_start).count();
}

void ThreadPool::run_shares(uint64_t claim) {
  const uint32_t generation = static_cast<uint32_t>(claim >> 32);
  for (;;) {
    // Read before the exchange: if it succeeds, task `generation` was still open then, so these
    // are its values (run() writes the next task's only after every share of this one returned).
    const TaskFn task = task_.load(std::memory_order_relaxed);
    void* const context = context_.load(std::memory_order_relaxed);
    const int n_shares = n_shares_.load(std::memory_order_relaxed);
    const uint32_t share = static_cast<uint32_t>(claim);
    if (share >= static_cast<uint32_t>(n_shares)) return;
    if (!claim_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      if (static_cast<uint32_t>(claim >> 32) != generation) return;
      continue;
    }
    task(context, static_cast<int>(share), n_shares);
    finished_.fetch_add(1, std::memory_order_release);
    ++claim;
  }
}

uint64_t ThreadPool::wait_for_task(uint32_t seen) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
  for (int spins = 1;; ++spins) {
    const uint64_t claim = claim_.load(std::memory_order_acquire);
    if (static_cast<uint32_t>(claim >> 32) != seen) return claim;
    cpu_relax();
    if (spins % kSpinsPerClockRead == 0 && std::chrono::steady_clock::now() > deadline) break;
  }
  std::unique_lock<std::mutex> lock(sleep_mutex_);
  sleepers_.fetch_add(1);  // seq_cst: run() either sees us or we see its generation
  wake_.wait(lock, [&] { return static_cast<uint32_t>(claim_.load() >> 32) != seen; });
  sleepers_.fetch_sub(1);
  return claim_.load(std::memory_order_acquire);
}

void ThreadPool::worker_loop() {
  uint32_t seen = 0;
  for (;;) {
    const uint64_t claim = wait_for_task(seen);
    if (stopping_.load()) return;
    run_shares(claim);
    seen = static_cast<uint32_t>(claim >> 32);
  }
}

Range split_range(int64_t count, int share, int n_shares, int64_t granule) {
  const int64_t granules = (count + granule - 1) / granule;
  const int64_t per_share = granules / n_shares;
  const int64_t extra = granules % n_shares;
  const int64_t first = share * per_share + std::min<int64_t>(share, extra);
  const int64_t last = first + per_share + (share < extra ? 1 : 0);
  return {std::min(count, first * granule), std::min(count, last * granule)};
}

}  // namespace webgguf
