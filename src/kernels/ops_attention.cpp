#include "kernels/ops_attention.h"

#include <cmath>

#include "core/fp16.h"
#include "hwy/highway.h"
#include "kernels/ops_activation.h"

namespace webgguf {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

const hn::ScalableTag<float> kF32;
const hn::Rebind<hwy::float16_t, decltype(kF32)> kF16;

inline auto load_f16(const uint16_t* p) {
  return hn::PromoteTo(kF32, hn::LoadU(kF16, reinterpret_cast<const hwy::float16_t*>(p)));
}

float dot_f32_f16(const float* a, const uint16_t* b, int n) {
  const int lanes = static_cast<int>(hn::Lanes(kF32));
  auto acc = hn::Zero(kF32);
  int i = 0;
  for (; i + lanes <= n; i += lanes) acc = hn::MulAdd(hn::LoadU(kF32, a + i), load_f16(b + i), acc);
  float sum = hn::GetLane(hn::SumOfLanes(kF32, acc));
  for (; i < n; ++i) sum += a[i] * fp16_to_fp32(b[i]);
  return sum;
}

// out += weight * b
void axpy_f16(float weight, const uint16_t* b, int n, float* out) {
  const int lanes = static_cast<int>(hn::Lanes(kF32));
  const auto w = hn::Set(kF32, weight);
  int i = 0;
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(hn::MulAdd(w, load_f16(b + i), hn::LoadU(kF32, out + i)), kF32, out + i);
  }
  for (; i < n; ++i) out[i] += weight * fp16_to_fp32(b[i]);
}

using HeadFn = void (*)(const float*, const uint16_t*, const uint16_t*, int, int, float, float*, float*);

void attend_pair(const AttentionShape& shape, const float* q, int64_t pair, int32_t pos,
                 const uint16_t* k_cache, const uint16_t* v_cache, float scale, float* scores,
                 float* out, HeadFn head_fn) {
  const int token = static_cast<int>(pair / shape.n_head);
  const int head = static_cast<int>(pair % shape.n_head);
  const int kv_head = head / (shape.n_head / shape.n_head_kv);
  const int64_t q_offset = token * shape.q_token_stride + static_cast<int64_t>(head) * shape.head_dim;
  const int64_t out_offset = (static_cast<int64_t>(token) * shape.n_head + head) * shape.head_dim;
  const int64_t kv_offset = kv_head * shape.kv_head_stride;
  head_fn(q + q_offset, k_cache + kv_offset, v_cache + kv_offset, pos + token + 1, shape.head_dim,
          scale, scores, out + out_offset);
}

}  // namespace

void attention_head(const float* q, const uint16_t* keys, const uint16_t* values, int n_kv,
                    int head_dim, float scale, float* scores, float* out) {
  for (int t = 0; t < n_kv; ++t) {
    scores[t] = scale * dot_f32_f16(q, keys + static_cast<int64_t>(t) * head_dim, head_dim);
  }
  softmax(scores, n_kv);
  for (int i = 0; i < head_dim; ++i) out[i] = 0.0f;
  for (int t = 0; t < n_kv; ++t) {
    axpy_f16(scores[t], values + static_cast<int64_t>(t) * head_dim, head_dim, out);
  }
}

void attention_head_ref(const float* q, const uint16_t* keys, const uint16_t* values, int n_kv,
                        int head_dim, float scale, float* scores, float* out) {
  for (int t = 0; t < n_kv; ++t) {
    double sum = 0.0;
    for (int i = 0; i < head_dim; ++i) {
      sum += static_cast<double>(q[i]) * fp16_to_fp32(keys[static_cast<int64_t>(t) * head_dim + i]);
    }
    scores[t] = scale * static_cast<float>(sum);
  }
  softmax_ref(scores, n_kv);
  for (int i = 0; i < head_dim; ++i) {
    double sum = 0.0;
    for (int t = 0; t < n_kv; ++t) {
      sum += static_cast<double>(scores[t]) * fp16_to_fp32(values[static_cast<int64_t>(t) * head_dim + i]);
    }
    out[i] = static_cast<float>(sum);
  }
}

void attention_causal(const AttentionShape& shape, const float* q, int n_tokens, int32_t pos,
                      const uint16_t* k_cache, const uint16_t* v_cache, float scale, float* scores,
                      float* out, int thread_index, int n_threads) {
  // Interleaved rather than contiguous: later tokens see more positions, so this balances the load.
  const int64_t n_pairs = static_cast<int64_t>(n_tokens) * shape.n_head;
  for (int64_t pair = thread_index; pair < n_pairs; pair += n_threads) {
    attend_pair(shape, q, pair, pos, k_cache, v_cache, scale, scores, out, attention_head);
  }
}

void attention_causal_ref(const AttentionShape& shape, const float* q, int n_tokens, int32_t pos,
                          const uint16_t* k_cache, const uint16_t* v_cache, float scale,
                          float* scores, float* out) {
  for (int64_t pair = 0; pair < static_cast<int64_t>(n_tokens) * shape.n_head; ++pair) {
    attend_pair(shape, q, pair, pos, k_cache, v_cache, scale, scores, out, attention_head_ref);
  }
}

}  // namespace webgguf
