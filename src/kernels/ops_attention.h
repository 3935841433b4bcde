// Causal multi-head attention with grouped-query heads (GQA) over an f16 KV cache, optionally
// restricted to a sliding window (the cache then is a ring of kv_rows rows) and with Gemma 2's
// soft-capped scores.
#pragma once
#include <cstddef>
#include <cstdint>

namespace webgguf {

// How cached rows of keys or values are stored: f16 (converted to f32 exactly) or a quantized
// block type (llama.cpp's cache_type_k/v q8_0, q4_0), read through the functions the model
// layer passes from src/quant's traits table.
struct KvRowFormat {
  bool f16 = true;
  size_t row_bytes = 0;  // one head_dim row
  // Quantized keys: q.k is dot(head_dim, key_row, q8_0 row of q), q quantized by quantize_query
  // into query_row_bytes (ggml converts q to the key type's vec_dot_type likewise).
  float (*dot)(int64_t n, const void* key_row, const void* query_row) = nullptr;
  void (*quantize_query)(const float* q, void* dst, int64_t n) = nullptr;
  void (*dequantize_query)(const void* src, float* dst, int64_t n) = nullptr;  // the reference's
  size_t query_row_bytes = 0;
  // Quantized rows to f32 (values always; keys in the reference), and f32 into a cached row.
  void (*dequantize)(const void* row, float* dst, int64_t n) = nullptr;
  void (*quantize_row)(const float* src, void* row, int64_t n) = nullptr;

  static KvRowFormat f16_rows(int head_dim) {
    KvRowFormat f;
    f.row_bytes = static_cast<size_t>(head_dim) * 2;
    return f;
  }
};

struct AttentionShape {
  int n_head = 0;
  int n_head_kv = 0;  // divides n_head; query head h reads kv head h / (n_head / n_head_kv)
  int head_dim = 0;
  int64_t q_token_stride = 0;  // elements from one token's queries to the next (>= n_head * head_dim)
  int64_t kv_rows = 0;         // rows per kv head: position p is cached in row p % kv_rows
  int32_t window = 0;          // a token at p attends to positions (p - window, p]; 0: to [0, p]
  float softcap = 0.0f;        // score -> softcap * tanh(score / softcap) before the softmax; 0: off
  KvRowFormat keys, values;    // one kv head's cache is kv_rows rows of row_bytes, then the next head's
};

// One query head over n_kv cached positions:
//   out[head_dim] = sum_t softmax_t(scale * q . keys[t]) * values[t]
// q: [head_dim] f32; keys, values: [n_kv][head_dim] f16 bits; scores: scratch [n_kv].
void attention_head(const float* q, const uint16_t* keys, const uint16_t* values, int n_kv, int head_dim, float scale,
                    float* scores, float* out);
void attention_head_ref(const float* q, const uint16_t* keys, const uint16_t* values, int n_kv, int head_dim,
                        float scale, float* scores, float* out);

// Floats of per-thread scratch attention_causal needs for contexts of up to n_ctx positions:
// the scores of one kv head's group of query heads, one cached row as f32, and the group's
// queries in the key type's dot format when the keys are quantized.
int64_t attention_scratch_floats(const AttentionShape& shape, int64_t n_ctx);

// A batch of tokens: token i sits at position pos + i and attends to positions [0, pos + i]
// (or the last `window` of them), scores scale * q.k (soft-capped when shape.softcap > 0).
//   q: [n_tokens][q_token_stride]; out: [n_tokens][n_head * head_dim];
//   k_cache, v_cache: [n_head_kv][kv_rows] rows in shape.keys / shape.values' format.
// The (token, kv head) pairs are split into n_shares; this call does share `share`.
// scratch: this share's, attention_scratch_floats(shape, pos + n_tokens) floats.
void attention_causal(const AttentionShape& shape, const float* q, int n_tokens, int32_t pos, const void* k_cache,
                      const void* v_cache, float scale, float* scratch, float* out, int share, int n_shares);
// Reference: every (token, head) pair from the definition in double, one thread.
void attention_causal_ref(const AttentionShape& shape, const float* q, int n_tokens, int32_t pos, const void* k_cache,
                          const void* v_cache, float scale, float* scores, float* out);

}  // namespace webgguf
