#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "kernels/thread_pool.h"

namespace webgguf {
namespace {

TEST(OpsThreadPool, EveryShareRunsOnceWithOneSharePerThreadByDefault) {
  for (int n_threads : {1, 2, 3}) {
    ThreadPool pool(n_threads);
    const int n = pool.n_threads();
    EXPECT_LE(n, n_threads);
    std::vector<std::atomic<int>> hits(n);
    for (int round = 0; round < 100; ++round) {
      pool.run([&](int i, int count) {
        EXPECT_EQ(count, n);
        hits[i].fetch_add(1);
      });
    }
    for (int i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 100);
  }
}

TEST(OpsThreadPool, AnyShareCountRunsEachShareExactlyOnce) {
  for (int n_threads : {1, 2, 3}) {
    ThreadPool pool(n_threads);
    for (int n_shares : {0, 1, 2, 3, 5, 16, 64}) {
      std::vector<std::atomic<int>> hits(n_shares);
      for (int round = 0; round < 200; ++round) {
        pool.run(
            [&](int i, int count) {
              EXPECT_EQ(count, n_shares);
              hits[i].fetch_add(1);
            },
            n_shares);
      }
      for (int i = 0; i < n_shares; ++i) EXPECT_EQ(hits[i].load(), 200) << n_threads << " threads, share " << i;
    }
  }
}

// Alternating tasks with different contexts, many short ones in a row: a worker that wakes late
// must neither run a share of a task that already returned nor run a newer task's share twice.
TEST(OpsThreadPool, LateWorkersNeverRunAFinishedTaskAgain) {
  ThreadPool pool(3);
  std::atomic<int> first{0}, second{0};
  for (int round = 0; round < 20000; ++round) {
    std::atomic<int>& counter = round % 2 == 0 ? first : second;
    const int n_shares = 1 + round % 7;
    pool.run([&](int, int) { counter.fetch_add(1); }, n_shares);
  }
  int expect_first = 0, expect_second = 0;
  for (int round = 0; round < 20000; ++round) (round % 2 == 0 ? expect_first : expect_second) += 1 + round % 7;
  EXPECT_EQ(first.load(), expect_first);
  EXPECT_EQ(second.load(), expect_second);
}

TEST(OpsThreadPool, RunReturnsOnlyAfterAllWorkIsDone) {
  ThreadPool pool(3);
  std::vector<int64_t> sums(pool.n_threads());
  for (int round = 1; round <= 50; ++round) {
    pool.run([&](int i, int) {
      int64_t s = 0;
      for (int k = 0; k < 1000 * (i + 1); ++k) s += k % 7;
      sums[i] = s + round;
    });
    for (int i = 0; i < pool.n_threads(); ++i) {
      int64_t s = 0;
      for (int k = 0; k < 1000 * (i + 1); ++k) s += k % 7;
      EXPECT_EQ(sums[i], s + round);
    }
  }
}

TEST(OpsThreadPool, StatsCountThePostedTasks) {
  ThreadPool pool(2);
  pool.run([](int, int) {}, 1);  // one share runs inline: no barrier
  pool.run([](int, int) {}, 4);
  pool.run([](int, int) {});
  EXPECT_EQ(pool.stats().runs, pool.n_threads() > 1 ? 2u : 0u);
  EXPECT_GE(pool.stats().wait_seconds, 0.0);
}

TEST(OpsThreadPool, SplitRangeCoversEverythingOnce) {
  for (int64_t count : {0, 1, 5, 16, 17, 100, 1000}) {
    for (int n : {1, 2, 3, 7}) {
      for (int64_t granule : {1, 4, 16}) {
        int64_t expect_begin = 0;
        for (int i = 0; i < n; ++i) {
          const Range r = split_range(count, i, n, granule);
          EXPECT_EQ(r.begin, expect_begin);
          EXPECT_LE(r.begin, r.end);
          if (r.end < count) EXPECT_EQ(r.end % granule, 0);
          expect_begin = r.end;
        }
        EXPECT_EQ(expect_begin, count);
      }
    }
  }
}

}  // namespace
}  // namespace webgguf
