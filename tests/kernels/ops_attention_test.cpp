#include <gtest/gtest.h>

#include <cmath>

#include "core/fp16.h"
#include "kernels/ops_attention.h"
#include "kernels/quantize_activations.h"
#include "kernels/thread_pool.h"
#include "quant/traits.h"
#include "ops_kernel_test_util.h"

namespace webgguf {
namespace {
using testing::close_relative;
using testing::random_floats;

std::vector<uint16_t> random_f16(size_t n, uint32_t seed) {
  std::vector<float> f = random_floats(n, seed);
  std::vector<uint16_t> h(n);
  for (size_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(f[i]);
  return h;
}

TEST(OpsAttention, HeadMatchesReferenceOverLengths) {
  for (int head_dim : {4, 7, 64, 80}) {
    for (int n_kv : {1, 2, 5, 33}) {
      std::vector<float> q = random_floats(head_dim, head_dim + n_kv, 2.0f);
      std::vector<uint16_t> k = random_f16(static_cast<size_t>(n_kv) * head_dim, 1 + n_kv);
      std::vector<uint16_t> v = random_f16(static_cast<size_t>(n_kv) * head_dim, 2 + n_kv);
      std::vector<float> scores(n_kv), out(head_dim + 1, NAN), ref(head_dim);
      const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
      attention_head(q.data(), k.data(), v.data(), n_kv, head_dim, scale, scores.data(), out.data());
      attention_head_ref(q.data(), k.data(), v.data(), n_kv, head_dim, scale, scores.data(), ref.data());
      for (int i = 0; i < head_dim; ++i) EXPECT_TRUE(close_relative(out[i], ref[i], 2e-5f)) << head_dim << " " << n_kv;
      EXPECT_TRUE(std::isnan(out[head_dim]));
    }
  }
}

TEST(OpsAttention, SinglePositionReturnsItsValue) {
  std::vector<float> q = random_floats(8, 1), scores(1), out(8);
  std::vector<uint16_t> k = random_f16(8, 2), v = random_f16(8, 3);
  attention_head(q.data(), k.data(), v.data(), 1, 8, 0.3f, scores.data(), out.data());
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out[i], fp16_to_fp32(v[i]));
}

// Causal GQA over a cache [n_head_kv][n_ctx][head_dim], threads vs the one-thread reference,
// and against attention computed head by head from the definition.
TEST(OpsAttention, CausalGroupedQueryMatchesReferenceAndThreads) {
  AttentionShape shape;
  shape.n_head = 6;
  shape.n_head_kv = 2;
  shape.head_dim = 16;
  const int n_ctx = 20, n_tokens = 5, pos = 7;
  shape.kv_rows = n_ctx;
  shape.keys = shape.values = KvRowFormat::f16_rows(shape.head_dim);
  const int64_t head_stride = static_cast<int64_t>(n_ctx) * shape.head_dim;  // elements of one kv head's cache
  shape.q_token_stride = shape.n_head * shape.head_dim + 3;                  // queries sit inside wider rows
  const std::vector<float> q = random_floats(static_cast<size_t>(n_tokens) * shape.q_token_stride, 9);
  const std::vector<uint16_t> k = random_f16(static_cast<size_t>(shape.n_head_kv) * n_ctx * shape.head_dim, 10);
  const std::vector<uint16_t> v = random_f16(static_cast<size_t>(shape.n_head_kv) * n_ctx * shape.head_dim, 11);
  const size_t out_size = static_cast<size_t>(n_tokens) * shape.n_head * shape.head_dim;
  const float scale = 0.25f;

  std::vector<float> ref(out_size), scores(n_ctx);
  attention_causal_ref(shape, q.data(), n_tokens, pos, k.data(), v.data(), scale, scores.data(), ref.data());

  // Token t at position pos + t sees pos + t + 1 cached rows; head h reads kv head h / 3.
  for (int t = 0; t < n_tokens; ++t) {
    for (int h = 0; h < shape.n_head; ++h) {
      const int g = h / 3;
      std::vector<float> expect(shape.head_dim);
      attention_head_ref(q.data() + t * shape.q_token_stride + h * shape.head_dim, k.data() + g * head_stride,
                         v.data() + g * head_stride, pos + t + 1, shape.head_dim, scale, scores.data(), expect.data());
      for (int i = 0; i < shape.head_dim; ++i) {
        EXPECT_EQ(ref[(static_cast<size_t>(t) * shape.n_head + h) * shape.head_dim + i], expect[i]);
      }
    }
  }

  for (int n_threads : {1, 3}) {
    ThreadPool pool(n_threads);
    std::vector<float> out(out_size, NAN);
    const int64_t stride = attention_scratch_floats(shape, n_ctx);
    std::vector<float> thread_scratch(static_cast<size_t>(pool.n_threads() * stride));
    pool.run([&](int i, int n) {
      attention_causal(shape, q.data(), n_tokens, pos, k.data(), v.data(), scale, thread_scratch.data() + i * stride,
                       out.data(), i, n);
    });
    for (size_t i = 0; i < out_size; ++i) EXPECT_TRUE(close_relative(out[i], ref[i], 2e-5f)) << i;
    // A group's heads share each converted cached row, and each head's result is bit-identical
    // to attending with that head alone.
    for (int t = 0; t < n_tokens; ++t) {
      for (int h = 0; h < shape.n_head; ++h) {
        const int g = h / 3;
        std::vector<float> alone(shape.head_dim), scores(n_ctx);
        attention_head(q.data() + t * shape.q_token_stride + h * shape.head_dim, k.data() + g * head_stride,
                       v.data() + g * head_stride, pos + t + 1, shape.head_dim, scale, scores.data(), alone.data());
        for (int i = 0; i < shape.head_dim; ++i) {
          EXPECT_EQ(out[(static_cast<size_t>(t) * shape.n_head + h) * shape.head_dim + i], alone[i]);
        }
      }
    }
  }
}

// A sliding window over a ring of kv_rows rows, with soft-capped scores (Gemma 2/3): each token
// must equal attention over the same positions laid out contiguously, computed from the
// definition; the SIMD kernel must match the reference at every window/ring/batch edge.
TEST(OpsAttention, SlidingWindowRingAndSoftcapMatchContiguousReference) {
  const int head_dim = 12, n_head = 4, n_head_kv = 2, n_group = 2;
  for (int window : {1, 3, 8}) {
    for (int extra_rows : {0, 1, 5}) {
      for (float softcap : {0.0f, 0.7f}) {
        const int kv_rows = window + 3 + extra_rows;  // a batch of 4 tokens needs window + 3 rows
        const int n_tokens = 4;
        for (int pos : {0, 2, 9, 23}) {
          AttentionShape shape;
          shape.n_head = n_head;
          shape.n_head_kv = n_head_kv;
          shape.head_dim = head_dim;
          shape.kv_rows = kv_rows;
          shape.keys = shape.values = KvRowFormat::f16_rows(head_dim);
          shape.q_token_stride = n_head * head_dim;
          shape.window = window;
          shape.softcap = softcap;
          // Every position's key/value (seeded by position), and the ring holding the newest rows.
          const int n_pos = pos + n_tokens;
          const std::vector<uint16_t> k_all = random_f16(static_cast<size_t>(n_head_kv) * n_pos * head_dim, 21 + pos);
          const std::vector<uint16_t> v_all = random_f16(static_cast<size_t>(n_head_kv) * n_pos * head_dim, 22 + pos);
          std::vector<uint16_t> k_ring(static_cast<size_t>(n_head_kv) * kv_rows * head_dim, 0xFFFF);
          std::vector<uint16_t> v_ring(k_ring.size(), 0xFFFF);  // NaN: a row read outside the window shows
          for (int h = 0; h < n_head_kv; ++h) {
            for (int p = std::max(0, n_pos - kv_rows); p < n_pos; ++p) {
              for (int i = 0; i < head_dim; ++i) {
                const size_t ring = (static_cast<size_t>(h) * kv_rows + p % kv_rows) * head_dim + i;
                const size_t all = (static_cast<size_t>(h) * n_pos + p) * head_dim + i;
                k_ring[ring] = k_all[all];
                v_ring[ring] = v_all[all];
              }
            }
          }
          const std::vector<float> q =
              random_floats(static_cast<size_t>(n_tokens) * shape.q_token_stride, 30 + pos, 3.0f);
          const size_t out_size = static_cast<size_t>(n_tokens) * n_head * head_dim;
          std::vector<float> ref(out_size), out(out_size, NAN), scores(kv_rows + n_tokens);
          attention_causal_ref(shape, q.data(), n_tokens, pos, k_ring.data(), v_ring.data(), 0.3f, scores.data(),
                               ref.data());
          std::vector<float> scratch(static_cast<size_t>(attention_scratch_floats(shape, kv_rows + n_tokens)));
          attention_causal(shape, q.data(), n_tokens, pos, k_ring.data(), v_ring.data(), 0.3f, scratch.data(),
                           out.data(), 0, 1);
          for (int t = 0; t < n_tokens; ++t) {
            const int first = std::max(0, pos + t - window + 1), n_kv = pos + t - first + 1;
            for (int h = 0; h < n_head; ++h) {
              // The definition over contiguous rows [first, pos + t].
              const float* qh = q.data() + t * shape.q_token_stride + h * head_dim;
              const size_t base = (static_cast<size_t>(h / n_group) * n_pos + first) * head_dim;
              std::vector<double> w(n_kv);
              double max_w = -1e30, sum = 0.0;
              for (int j = 0; j < n_kv; ++j) {
                double dot = 0.0;
                for (int i = 0; i < head_dim; ++i) dot += qh[i] * fp16_to_fp32(k_all[base + j * head_dim + i]);
                dot *= 0.3;
                w[j] = softcap > 0.0f ? softcap * std::tanh(dot / softcap) : dot;
                max_w = std::max(max_w, w[j]);
              }
              for (int j = 0; j < n_kv; ++j) sum += (w[j] = std::exp(w[j] - max_w));
              for (int i = 0; i < head_dim; ++i) {
                double expect = 0.0;
                for (int j = 0; j < n_kv; ++j) expect += w[j] / sum * fp16_to_fp32(v_all[base + j * head_dim + i]);
                const size_t at = (static_cast<size_t>(t) * n_head + h) * head_dim + i;
                EXPECT_NEAR(ref[at], expect, 1e-5) << window << " " << kv_rows << " " << pos << " " << t;
                EXPECT_TRUE(close_relative(out[at], ref[at], 2e-5f)) << window << " " << kv_rows << " " << pos;
              }
            }
          }
        }
      }
    }
  }
}

// Quantized caches (q8_0 / q4_0 keys and values, llama.cpp's cache_type_k/v): rows quantized by
// the reference quantizers, keys dotted with the queries quantized to q8_0. The kernel must match
// the reference (the same dequantized rows and quantized queries, in double) at every length.
KvRowFormat quantized_format(GgmlType type, int head_dim) {
  const QuantTraits* traits = quant_traits(type);
  KvRowFormat f;
  f.f16 = false;
  f.row_bytes = ggml_row_bytes(type, head_dim);
  f.dot = traits->vec_dot;
  f.quantize_query = quantize_row_q8_0_fast;
  f.dequantize_query = quant_traits(GgmlType::Q8_0)->dequantize;
  f.query_row_bytes = ggml_row_bytes(GgmlType::Q8_0, head_dim);
  f.dequantize = traits->dequantize;
  return f;
}

TEST(OpsAttention, QuantizedCachesMatchReference) {
  const int head_dim = 64, n_head = 4, n_head_kv = 2, n_ctx = 40;
  for (GgmlType key_type : {GgmlType::Q8_0, GgmlType::Q4_0}) {
    for (GgmlType value_type : {GgmlType::Q8_0, GgmlType::Q4_0}) {
      AttentionShape shape;
      shape.n_head = n_head;
      shape.n_head_kv = n_head_kv;
      shape.head_dim = head_dim;
      shape.kv_rows = n_ctx;
      shape.q_token_stride = n_head * head_dim;
      shape.keys = quantized_format(key_type, head_dim);
      shape.values = quantized_format(value_type, head_dim);
      shape.softcap = 2.0f;
      const std::vector<float> k = random_floats(static_cast<size_t>(n_head_kv) * n_ctx * head_dim, 41, 2.0f);
      const std::vector<float> v = random_floats(k.size(), 42, 2.0f);
      std::vector<uint8_t> kq(static_cast<size_t>(n_head_kv) * n_ctx * shape.keys.row_bytes + 64, 0xFF);
      std::vector<uint8_t> vq(static_cast<size_t>(n_head_kv) * n_ctx * shape.values.row_bytes + 64, 0xFF);
      for (int r = 0; r < n_head_kv * n_ctx; ++r) {
        quant_traits(key_type)->quantize(k.data() + r * head_dim, kq.data() + r * shape.keys.row_bytes, head_dim,
                                         nullptr);
        quant_traits(value_type)
            ->quantize(v.data() + r * head_dim, vq.data() + r * shape.values.row_bytes, head_dim, nullptr);
      }
      for (int n_tokens : {1, 3}) {
        for (int pos : {0, 17, n_ctx - n_tokens}) {
          const std::vector<float> q =
              random_floats(static_cast<size_t>(n_tokens) * shape.q_token_stride, 43 + pos, 2.0f);
          const size_t out_size = static_cast<size_t>(n_tokens) * n_head * head_dim;
          std::vector<float> ref(out_size), out(out_size, NAN), scores(n_ctx);
          attention_causal_ref(shape, q.data(), n_tokens, pos, kq.data(), vq.data(), 0.125f, scores.data(), ref.data());
          std::vector<float> scratch(static_cast<size_t>(attention_scratch_floats(shape, n_ctx)));
          attention_causal(shape, q.data(), n_tokens, pos, kq.data(), vq.data(), 0.125f, scratch.data(), out.data(), 0,
                           1);
          for (size_t i = 0; i < out_size; ++i) {
            EXPECT_NEAR(out[i], ref[i], 2e-5f * (1.0f + std::fabs(ref[i])))
                << ggml_type_name(key_type) << "/" << ggml_type_name(value_type) << " " << pos;
          }
        }
      }
    }
  }
}

// One cached position: the output is that position's values, so every f16 bit pattern (zeros,
// subnormals, normals, infinities, NaNs) must come out of the cache's f16-to-f32 conversion as
// fp16_to_fp32 gives it.
TEST(OpsAttention, CacheConversionIsExactForEveryHalf) {
  const int head_dim = 1 << 16;
  std::vector<uint16_t> keys(head_dim, 0), values(head_dim);
  for (int i = 0; i < head_dim; ++i) values[i] = static_cast<uint16_t>(i);
  std::vector<float> q(head_dim, 0.0f), scores(1), out(head_dim);
  attention_head(q.data(), keys.data(), values.data(), 1, head_dim, 1.0f, scores.data(), out.data());
  for (int i = 0; i < head_dim; ++i) {
    const float expect = fp16_to_fp32(values[i]);
    if (std::isnan(expect)) {
      EXPECT_TRUE(std::isnan(out[i])) << i;
    } else {
      EXPECT_EQ(out[i], expect) << i;  // -0 comes out as +0 (0 + 1 * -0), which compares equal
    }
  }
}

}  // namespace
}  // namespace webgguf
