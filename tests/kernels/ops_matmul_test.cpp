#include <gtest/gtest.h>

#include <cstring>

#include "kernels/matmul.h"
#include "ops_kernel_test_util.h"

namespace webgguf {
namespace {
using testing::random_floats;

// f32 x f32 rows: exact in a fixed order, so threaded/tiled results must equal the reference.
float dot_f32(int64_t n, const void* w, const void* a) {
  const float* x = static_cast<const float*>(w);
  const float* y = static_cast<const float*>(a);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += x[i] * y[i];
  return sum;
}

struct Matrix {
  std::vector<float> values;
  MatmulWeights weights;
  Matrix(int64_t rows, int64_t cols, uint32_t seed) : values(random_floats(rows * cols, seed)) {
    weights = {reinterpret_cast<const uint8_t*>(values.data()), static_cast<size_t>(cols) * 4, rows, cols, dot_f32};
  }
};

TEST(OpsMatmul, ThreadedTiledMultiMatrixEqualsReference) {
  const int64_t n_cols = 24;
  Matrix a(37, n_cols, 1), b(5, n_cols, 2), c(64, n_cols, 3);
  for (int n_tokens : {1, 3, 70}) {
    const std::vector<float> x = random_floats(n_tokens * n_cols, 4);
    const auto* act = reinterpret_cast<const uint8_t*>(x.data());
    const int64_t stride = 37 + 5 + 64 + 1;  // all three outputs side by side, plus one untouched column
    std::vector<float> ref(n_tokens * stride, -1.0f);
    const MatmulTask ref_tasks[] = {{&a.weights, act, n_cols * 4, ref.data(), stride},
                                    {&b.weights, act, n_cols * 4, ref.data() + 37, stride},
                                    {&c.weights, act, n_cols * 4, ref.data() + 42, stride}};
    matmul_ref(ref_tasks, 3, n_tokens);
    for (int t = 0; t < n_tokens; ++t) {
      EXPECT_EQ(ref[t * stride + 3], dot_f32(n_cols, a.values.data() + 3 * n_cols, x.data() + t * n_cols));
      EXPECT_EQ(ref[t * stride + stride - 1], -1.0f);
    }
    for (int n_threads : {1, 2, 3}) {
      ThreadPool pool(n_threads);
      std::vector<float> out(n_tokens * stride, -1.0f);
      const MatmulTask tasks[] = {{&a.weights, act, n_cols * 4, out.data(), stride},
                                  {&b.weights, act, n_cols * 4, out.data() + 37, stride},
                                  {&c.weights, act, n_cols * 4, out.data() + 42, stride}};
      matmul(pool, tasks, 3, n_tokens);
      EXPECT_EQ(0, std::memcmp(out.data(), ref.data(), out.size() * 4)) << n_tokens << " " << n_threads;
    }
  }
}

}  // namespace
}  // namespace webgguf
