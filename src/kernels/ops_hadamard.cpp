#include "kernels/ops_hadamard.h"

#include <cmath>
#include <vector>

namespace webgguf {

void hadamard_rows(float* x, int64_t count, int n) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(n));
  for (int64_t chunk = 0; chunk + n <= count; chunk += n) {
    float* row = x + chunk;
    for (int i = 0; i < n; ++i) row[i] *= scale;
    for (int len = 1; len < n; len <<= 1) {
      for (int i = 0; i < n; i += 2 * len) {
        for (int j = 0; j < len; ++j) {
          const float u = row[i + j], v = row[i + len + j];
          row[i + j] = u + v;
          row[i + len + j] = u - v;
        }
      }
    }
  }
}

void hadamard_rows_ref(float* x, int64_t count, int n) {
  // H[i][j] = (-1)^popcount(i & j) / sqrt(n), Sylvester's construction.
  std::vector<double> out(n);
  for (int64_t chunk = 0; chunk + n <= count; chunk += n) {
    float* row = x + chunk;
    for (int i = 0; i < n; ++i) {
      double sum = 0.0;
      for (int j = 0; j < n; ++j) sum += (__builtin_popcount(static_cast<unsigned>(i & j)) % 2 ? -1.0 : 1.0) * row[j];
      out[i] = sum / std::sqrt(static_cast<double>(n));
    }
    for (int i = 0; i < n; ++i) row[i] = static_cast<float>(out[i]);
  }
}

int hadamard_key_chunk(int head_dim) {
  if (head_dim <= 0 || head_dim % 64 != 0) return 0;
  int n = 64;
  while (head_dim % (2 * n) == 0) n *= 2;
  return n;
}

int hadamard_value_chunk(int head_dim) {
  return head_dim > 0 && head_dim % 64 == 0 ? 64 : 0;
}

}  // namespace webgguf
