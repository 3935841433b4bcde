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
  const uint8_t* keys;    // [rows] rows of one kv head
  const uint8_t* values;  // [rows]
  int64_t first;
  int n_kv;
  int64_t rows;
};

KvSpan span_for(const AttentionShape& shape, const void* k_cache, const void* v_cache, int kv_head, int64_t position) {
  const int64_t first = shape.window > 0 ? std::max<int64_t>(0, position - shape.window + 1) : 0;
  return {static_cast<const uint8_t*>(k_cache) + kv_head * shape.kv_rows * shape.keys.row_bytes,
          static_cast<const uint8_t*>(v_cache) + kv_head * shape.kv_rows * shape.values.row_bytes, first,
          static_cast<int>(position - first + 1), shape.kv_rows};
}

// As ggml builds it: scale by 1/cap, tanh, scale by cap.
float soft_capped(float score, float softcap) {
  return softcap > 0.0f ? softcap * std::tanh(score * (1.0f / softcap)) : score;
}

// One cached row as f32.
void load_row(const KvRowFormat& format, const uint8_t* row_bytes, int head_dim, float* row) {
  if (format.f16)
    load_cached_row(reinterpret_cast<const uint16_t*>(row_bytes), head_dim, row);
  else
    format.dequantize(row_bytes, row, head_dim);
}

// The n_group query heads that share one kv head, for one token: each cached row is converted
// once and used by every head of the group (GQA: 4 heads per kv head in lexi and Llama 3.2 1B,
// 3 in SmolLM2 360M). Per head the arithmetic is attention_head's, in its order. Quantized keys
// are dotted with the queries quantized once (integer dots, as ggml).
//   q: n_group heads, q_head_stride floats apart; out: [n_group][head_dim];
//   scratch: attention_scratch_floats' layout: scores [n_group * n_kv], row [head_dim], queries.
void attend_group(const float* q, int64_t q_head_stride, int n_group, const KvSpan& kv, const AttentionShape& shape,
                  float scale, float* scratch, float* out) {
  const int n_kv = kv.n_kv, head_dim = shape.head_dim;
  const KvRowFormat& keys = shape.keys;
  const KvRowFormat& values = shape.values;
  float* row = scratch + static_cast<int64_t>(n_group) * n_kv;
  uint8_t* queries = reinterpret_cast<uint8_t*>(row + head_dim);
  if (!keys.f16) {
    for (int g = 0; g < n_group; ++g)
      keys.quantize_query(q + g * q_head_stride, queries + g * keys.query_row_bytes, head_dim);
  }
  int64_t r = kv.first % kv.rows;
  for (int t = 0; t < n_kv; ++t, r = r + 1 == kv.rows ? 0 : r + 1) {
    const uint8_t* key_row = kv.keys + r * keys.row_bytes;
    if (keys.f16) load_cached_row(reinterpret_cast<const uint16_t*>(key_row), head_dim, row);
    for (int g = 0; g < n_group; ++g) {
      const float dot = keys.f16 ? dot_f32(q + g * q_head_stride, row, head_dim)
                                 : keys.dot(head_dim, key_row, queries + g * keys.query_row_bytes);
      scratch[static_cast<int64_t>(g) * n_kv + t] = soft_capped(scale * dot, shape.softcap);
    }
  }
  for (int g = 0; g < n_group; ++g) softmax(scratch + static_cast<int64_t>(g) * n_kv, n_kv);
  for (int i = 0; i < n_group * head_dim; ++i) out[i] = 0.0f;
  r = kv.first % kv.rows;
  for (int t = 0; t < n_kv; ++t, r = r + 1 == kv.rows ? 0 : r + 1) {
    load_row(values, kv.values + r * values.row_bytes, head_dim, row);
    for (int g = 0; g < n_group; ++g) {
      axpy_f32(scratch[static_cast<int64_t>(g) * n_kv + t], row, head_dim, out + static_cast<int64_t>(g) * head_dim);
    }
  }
}

// One head from the definition, in double: rows dequantized (keys dotted with the query as the
// kernel quantizes it), soft-capped scores, softmax, weighted sum of the values.
void attend_head_ref(const float* q, const KvSpan& kv, const AttentionShape& shape, float scale, float* scores,
                     float* out) {
  const int head_dim = shape.head_dim;
  std::vector<float> query(q, q + head_dim), row(head_dim);
  if (!shape.keys.f16) {
    std::vector<uint8_t> quantized(shape.keys.query_row_bytes);
    shape.keys.quantize_query(q, quantized.data(), head_dim);
    shape.keys.dequantize_query(quantized.data(), query.data(), head_dim);
  }
  auto row_of = [&](const KvRowFormat& f, const uint8_t* base, int t) {
    const uint8_t* bytes = base + ((kv.first + t) % kv.rows) * f.row_bytes;
    if (f.f16) {
      for (int i = 0; i < head_dim; ++i) row[i] = fp16_to_fp32(reinterpret_cast<const uint16_t*>(bytes)[i]);
    } else {
      f.dequantize(bytes, row.data(), head_dim);
    }
    return row.data();
  };
  for (int t = 0; t < kv.n_kv; ++t) {
    const float* k = row_of(shape.keys, kv.keys, t);
    double sum = 0.0;
    for (int i = 0; i < head_dim; ++i) sum += static_cast<double>(query[i]) * k[i];
    scores[t] = shape.softcap > 0.0f ? static_cast<float>(shape.softcap * std::tanh(scale * sum / shape.softcap))
                                     : scale * static_cast<float>(sum);
  }
  softmax_ref(scores, kv.n_kv);
  std::vector<double> sum(head_dim, 0.0);
  for (int t = 0; t < kv.n_kv; ++t) {
    const float* v = row_of(shape.values, kv.values, t);
    for (int i = 0; i < head_dim; ++i) sum[i] += static_cast<double>(scores[t]) * v[i];
  }
  for (int i = 0; i < head_dim; ++i) out[i] = static_cast<float>(sum[i]);
}

// A single head over contiguous f16 rows, as the public single-head functions take it.
AttentionShape single_head_shape(int n_kv, int head_dim) {
  AttentionShape shape;
  shape.n_head = shape.n_head_kv = 1;
  shape.head_dim = head_dim;
  shape.kv_rows = n_kv;
  shape.keys = shape.values = KvRowFormat::f16_rows(head_dim);
  return shape;
}

}  // namespace

int64_t attention_scratch_floats(const AttentionShape& shape, int64_t n_ctx) {
  const int64_t n_group = shape.n_head / shape.n_head_kv;
  const int64_t query_floats =
      shape.keys.f16 ? 0 : (n_group * static_cast<int64_t>(shape.keys.query_row_bytes) + 3) / 4;
  return n_group * n_ctx + shape.head_dim + query_floats;
}

void attention_head(const float* q, const uint16_t* keys, const uint16_t* values, int n_kv, int head_dim, float scale,
                    float* scores, float* out) {
  // A group of one; attend_group wants its row buffer after the scores.
  const AttentionShape shape = single_head_shape(n_kv, head_dim);
  std::vector<float> scratch(static_cast<size_t>(attention_scratch_floats(shape, n_kv)));
  attend_group(q, head_dim, 1, span_for(shape, keys, values, 0, n_kv - 1), shape, scale, scratch.data(), out);
  std::copy(scratch.begin(), scratch.begin() + n_kv, scores);
}

void attention_head_ref(const float* q, const uint16_t* keys, const uint16_t* values, int n_kv, int head_dim,
                        float scale, float* scores, float* out) {
  const AttentionShape shape = single_head_shape(n_kv, head_dim);
  attend_head_ref(q, span_for(shape, keys, values, 0, n_kv - 1), shape, scale, scores, out);
}

void attention_causal(const AttentionShape& shape, const float* q, int n_tokens, int32_t pos, const void* k_cache,
                      const void* v_cache, float scale, float* scratch, float* out, int share, int n_shares) {
  // Interleaved rather than contiguous: later tokens see more positions, so this balances the load.
  const int n_group = shape.n_head / shape.n_head_kv;
  const int64_t n_items = static_cast<int64_t>(n_tokens) * shape.n_head_kv;
  for (int64_t item = share; item < n_items; item += n_shares) {
    const int token = static_cast<int>(item / shape.n_head_kv);
    const int kv_head = static_cast<int>(item % shape.n_head_kv);
    const int first_head = kv_head * n_group;
    attend_group(q + token * shape.q_token_stride + static_cast<int64_t>(first_head) * shape.head_dim, shape.head_dim,
                 n_group, span_for(shape, k_cache, v_cache, kv_head, pos + token), shape, scale, scratch,
                 out + (static_cast<int64_t>(token) * shape.n_head + first_head) * shape.head_dim);
  }
}

void attention_causal_ref(const AttentionShape& shape, const float* q, int n_tokens, int32_t pos, const void* k_cache,
                          const void* v_cache, float scale, float* scores, float* out) {
  const int n_group = shape.n_head / shape.n_head_kv;
  for (int token = 0; token < n_tokens; ++token) {
    for (int head = 0; head < shape.n_head; ++head) {
      const KvSpan kv = span_for(shape, k_cache, v_cache, head / n_group, pos + token);
      attend_head_ref(q + token * shape.q_token_stride + static_cast<int64_t>(head) * shape.head_dim, kv, shape, scale,
                      scores, out + (static_cast<int64_t>(token) * shape.n_head + head) * shape.head_dim);
    }
  }
}

}  // namespace webgguf
