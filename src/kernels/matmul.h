// y = W x for weight matrices stored in any ggml type, one dot product per (weight row, token)
// through the type's vec_dot, or in prefill through its multi-token kernel (vec_dot_tokens.h),
// which unpacks each weight block once for up to kMaxDotTokens tokens. Activations arrive
// already converted to the weight type's vec_dot_type (the caller does that once per token; see
// src/model). Decode (1 token) is a GEMV with the rows split into shares that the threads claim;
// prefill walks each share's rows once per tile of tokens, so each weight row is read from memory once per tile
// and reused from L1 for every token in it.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/thread_pool.h"
#include "kernels/vec_dot_tokens.h"

namespace webgguf {

// Dot product of one weight row with one activation row of n elements (quant traits' vec_dot).
using RowDotFn = float (*)(int64_t n, const void* weights, const void* activations);

struct MatmulWeights {
  const uint8_t* data = nullptr;  // n_rows rows of row_bytes
  size_t row_bytes = 0;
  int64_t n_rows = 0;  // output features
  int64_t n_cols = 0;  // input features
  RowDotFn dot = nullptr;
  // Optional: the same dot products for up to kMaxDotTokens tokens per call (prefill), with
  // results equal to `dot`'s (see vec_dot_tokens.h); nullptr -> `dot` per token.
  TokensDotFn dot_tokens = nullptr;
};

// One product of a multi-matrix matmul call.
struct MatmulTask {
  const MatmulWeights* weights;
  const uint8_t* activations;  // n_tokens rows of activation_row_bytes, in the vec_dot type
  size_t activation_row_bytes;
  float* out;  // [n_tokens][out_stride]; row r of token t goes to out[t * out_stride + r]
  int64_t out_stride;
};

// Runs every task over n_tokens, splitting the rows of all tasks together into shares of the
// pool (one barrier for e.g. Q, K and V).
void matmul(ThreadPool& pool, const MatmulTask* tasks, int n_tasks, int n_tokens);

// Scalar reference: the same dot products in the plainest order, one thread.
void matmul_ref(const MatmulTask* tasks, int n_tasks, int n_tokens);

}  // namespace webgguf
