// One token of qwen35's gated delta rule for one value head, as ggml_gated_delta_net computes it
// (ggml-cpu ops.cpp), with the state stored transposed: row j of `state` is value j over the key
// dimensions i (contiguous).
#pragma once
#include <cstdint>

namespace webgguf {

// For every row j < n of state [n][n]:
//   row_j *= decay;  delta = (v[j] - row_j . k) * beta;  row_j += delta * k;  out[j] = (row_j . q) * scale
// q, k (L2-normed by the caller), v, out: [n]. out must not alias the inputs.
void gated_delta_rule(float* state, const float* q, const float* k, const float* v, float decay, float beta,
                      float scale, int64_t n, float* out);
void gated_delta_rule_ref(float* state, const float* q, const float* k, const float* v, float decay, float beta,
                          float scale, int64_t n, float* out);

}  // namespace webgguf
