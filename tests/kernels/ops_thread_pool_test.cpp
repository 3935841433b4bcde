#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "kernels/thread_pool.h"

namespace webgguf {
namespace {

TEST(OpsThreadPool, EveryThreadRunsEachTaskOnce) {
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
