#include "kernels/ops_attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/fp16.h"
#include "hwy/highway.h"
#include "kernels/ops_activation.h"
#include "kernels/simd128-inl.h"

namespace webgguf {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

// row[0, n) = f16 bits as f32, exactly (simd::HalvesToFloats: about half the operations of
// Highway 1.0.3's PromoteTo, which SSE4 and SIMD128 both emulate); n is a multiple of 4 here.
void halves_to_row(const uint16_t* halves, int n, float* row) {
  const hn::Full128<float> df;
  const hn::Full64<uint16_t> du16;
  const hn::Full128<uint32_t> du32;
  for (int i = 0; i < n; i += 4) {
    hn::StoreU(simd::HalvesToFloats(hn::PromoteTo(du32, hn::LoadU(du16, halves + i))), df, row + i);
  }
}

float dot_f32(const float* a, const float* b, int n) {
  const hn::Full128<float> df;
  auto acc = hn::Zero(df);
  int i = 0;
  for (; i + 4 <= n; i += 4) acc = hn::MulAdd(hn::LoadU(df, a + i), hn::LoadU(df, b + i), acc);
  float sum = hn::GetLane(hn::SumOfLanes(df, acc));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// out += weight * b
void axpy_f32(float weight, const float* b, int n, float* out) {
  const hn::Full128<float> df;
  const auto w = hn::Set(df, weight);
  int i = 0;
  for (; i + 4 <= n; i += 4) hn::StoreU(hn::MulAdd(w, hn::LoadU(df, b + i), hn::LoadU(df, out + i)), df, out + i);
  for (; i < n; ++i) out[i] += weight * b[i];
}

// One cached row of keys or values (f16) as f32 in `row`.
void load_cached_row(const uint16_t* halves, int head_dim, float* row) {
  const int vector_part = head_dim & ~3;
  halves_to_row(halves, vector_part, row);
  for (int i = vector_part; i < head_dim; ++i) row[i] = fp16_to_fp32(halves[i]);
}

// The cached positions one token attends to: n_kv rows starting at position `first`, which
// sits in row first % rows (rows = n_ctx for a global layer, the ring size for a local one).
struct KvSpan {
  const uint16_t* keys;    // [rows][head_dim] of one kv head
  const uint16_t* values;  // [rows][head_dim]
  int64_t first;
  int n_kv;
  int64_t rows;
};

KvSpan span_for(const AttentionShape& shape, const uint16_t* k_cache, const uint16_t* v_cache, int kv_head,
                int64_t position) {
  const int64_t kv_offset = kv_head * shape.kv_head_stride;
  const int64_t first = shape.window > 0 ? std::max<int64_t>(0, position - shape.window + 1) : 0;
  return {k_cache + kv_offset, v_cache + kv_offset, first, static_cast<int>(position - first + 1), shape.kv_rows};
}

// As ggml builds it: scale by 1/cap, tanh, scale by cap.
float soft_capped(float score, float softcap) {
  return softcap > 0.0f ? softcap * std::tanh(score * (1.0f / softcap)) : score;
}

// The n_group query heads that share one kv head, for one token: each cached row is converted
// from f16 once and used by every head of the group (GQA: 4 heads per kv head in lexi and
// Llama 3.2 1B, 3 in SmolLM2 360M). Per head the arithmetic is attention_head's, in its order.
//   q: n_group heads, q_head_stride floats apart; out: [n_group][head_dim];
//   scratch: [n_group * n_kv + head_dim] floats.
void attend_group(const float* q, int64_t q_head_stride, int n_group, const KvSpan& kv, int head_dim, float scale,
                  float softcap, float* scratch, float* out) {
  const int n_kv = kv.n_kv;
  float* row = scratch + static_cast<int64_t>(n_group) * n_kv;
  int64_t r = kv.first % kv.rows;
  for (int t = 0; t < n_kv; ++t, r = r + 1 == kv.rows ? 0 : r + 1) {
    load_cached_row(kv.keys + r * head_dim, head_dim, row);
    for (int g = 0; g < n_group; ++g) {
      const float score = scale * dot_f32(q + g * q_head_stride, row, head_dim);
      scratch[static_cast<int64_t>(g) * n_kv + t] = soft_capped(score, softcap);
    }
  }
  for (int g = 0; g < n_group; ++g) softmax(scratch + static_cast<int64_t>(g) * n_kv, n_kv);
  for (int i = 0; i < n_group * head_dim; ++i) out[i] = 0.0f;
  r = kv.first % kv.rows;
  for (int t = 0; t < n_kv; ++t, r = r + 1 == kv.rows ? 0 : r + 1) {
    load_cached_row(kv.values + r * head_dim, head_dim, row);
    for (int g = 0; g < n_group; ++g) {
      axpy_f32(scratch[static_cast<int64_t>(g) * n_kv + t], row, head_dim, out + static_cast<int64_t>(g) * head_dim);
    }
  }
}

// attention_head_ref over a span (rows in ring order), soft-capped.
void attend_head_ref(const float* q, const KvSpan& kv, int head_dim, float scale, float softcap, float* scores,
                     float* out) {
  auto row_of = [&](int t) { return ((kv.first + t) % kv.rows) * head_dim; };
  for (int t = 0; t < kv.n_kv; ++t) {
    double sum = 0.0;
    for (int i = 0; i < head_dim; ++i) sum += static_cast<double>(q[i]) * fp16_to_fp32(kv.keys[row_of(t) + i]);
    scores[t] = softcap > 0.0f ? static_cast<float>(softcap * std::tanh(scale * sum / softcap))
                               : scale * static_cast<float>(sum);
  }
  softmax_ref(scores, kv.n_kv);
  for (int i = 0; i < head_dim; ++i) {
    double sum = 0.0;
    for (int t = 0; t < kv.n_kv; ++t) sum += static_cast<double>(scores[t]) * fp16_to_fp32(kv.values[row_of(t) + i]);
    out[i] = static_cast<float>(sum);
  }
}

}  // namespace

int64_t attention_scratch_floats(const AttentionShape& shape, int64_t n_ctx) {
  return static_cast<int64_t>(shape.n_head / shape.n_head_kv) * n_ctx + shape.head_dim;
}

void attention_head(const float* q, const uint16_t* keys, const uint16_t* values, int n_kv,
                    int head_dim, float scale, float* scores, float* out) {
  // A group of one; attend_group wants its row buffer after the scores.
  std::vector<float> scratch(static_cast<size_t>(n_kv) + head_dim);
  attend_group(q, head_dim, 1, KvSpan{keys, values, 0, n_kv, n_kv}, head_dim, scale, 0.0f, scratch.data(), out);
  std::copy(scratch.begin(), scratch.begin() + n_kv, scores);
}

void attention_head_ref(const float* q, const uint16_t* keys, const uint16_t* values, int n_kv,
                        int head_dim, float scale, float* scores, float* out) {
  attend_head_ref(q, KvSpan{keys, values, 0, n_kv, n_kv}, head_dim, scale, 0.0f, scores, out);
}

void attention_causal(const AttentionShape& shape, const float* q, int n_tokens, int32_t pos,
                      const uint16_t* k_cache, const uint16_t* v_cache, float scale, float* scratch,
                      float* out, int thread_index, int n_threads) {
  // Interleaved rather than contiguous: later tokens see more positions, so this balances the load.
  const int n_group = shape.n_head / shape.n_head_kv;
  const int64_t n_items = static_cast<int64_t>(n_tokens) * shape.n_head_kv;
  for (int64_t item = thread_index; item < n_items; item += n_threads) {
    const int token = static_cast<int>(item / shape.n_head_kv);
    const int kv_head = static_cast<int>(item % shape.n_head_kv);
    const int first_head = kv_head * n_group;
    attend_group(q + token * shape.q_token_stride + static_cast<int64_t>(first_head) * shape.head_dim,
                 shape.head_dim, n_group, span_for(shape, k_cache, v_cache, kv_head, pos + token), shape.head_dim,
                 scale, shape.softcap, scratch,
                 out + (static_cast<int64_t>(token) * shape.n_head + first_head) * shape.head_dim);
  }
}

void attention_causal_ref(const AttentionShape& shape, const float* q, int n_tokens, int32_t pos,
                          const uint16_t* k_cache, const uint16_t* v_cache, float scale,
                          float* scores, float* out) {
  const int n_group = shape.n_head / shape.n_head_kv;
  for (int token = 0; token < n_tokens; ++token) {
    for (int head = 0; head < shape.n_head; ++head) {
      const KvSpan kv = span_for(shape, k_cache, v_cache, head / n_group, pos + token);
      attend_head_ref(q + token * shape.q_token_stride + static_cast<int64_t>(head) * shape.head_dim, kv,
                      shape.head_dim, scale, shape.softcap, scores,
                      out + (static_cast<int64_t>(token) * shape.n_head + head) * shape.head_dim);
    }
  }
}

}  // namespace webgguf
