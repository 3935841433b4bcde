// Internal to src/model: everything a loaded Model owns. model.cpp builds it, forward.cpp runs it.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/aligned_buffer.h"
#include "kernels/ops_attention.h"
#include "kernels/ops_rope.h"
#include "kernels/thread_pool.h"
#include "model/model.h"
#include "model/model_config.h"
#include "model/model_weights.h"
#include "model/recurrent_state.h"

namespace webgguf {

// forward() runs long inputs in micro-batches of at most this many tokens, which bounds the
// scratch memory; each weight row is streamed once per micro-batch.
constexpr int kMaxBatch = 64;
// Distinct activation formats one projection group may need at once (Q, K, V can differ).
constexpr int kActivationSlots = 3;

struct ModelState {
  ModelConfig config;
  ModelWeights weights;
  ModelInfo info;
  uint32_t n_ctx = 0;
  RopeParams rope;      // global layers
  RopeParams rope_swa;  // sliding-window layers (gemma: their own base)

  // Keys and values, per layer [n_head_kv][kv_rows] rows of head_dim values each, one layer after
  // the other, in the cache types' formats (f16 as llama.cpp's default, or q8_0 / q4_0 blocks).
  // A global layer keeps n_ctx rows (position p in row p); a sliding-window layer keeps only the
  // rows its window and a rollback margin need (position p in row p % kv_rows).
  AlignedBuffer k_cache, v_cache;
  KvCacheTypes cache_types;
  KvRowFormat key_format, value_format;
  // Walsh-Hadamard chunks of the rotation llama.cpp applies with a quantized cache (0: none):
  // q and k before the keys are stored, v before its rows are stored and the attention output after.
  int key_rotation = 0, value_rotation = 0;
  std::vector<int64_t> kv_rows;   // [n_layer]
  std::vector<size_t> k_offsets;  // [n_layer] bytes into k_cache
  std::vector<size_t> v_offsets;  // [n_layer] bytes into v_cache
  int32_t n_written = 0;          // one past the last position whose keys were written
  RecurrentState recurrent;       // recurrent layers' state at n_written, and its checkpoints
  std::unique_ptr<ThreadPool> pool;
  ActivationObserver* observer = nullptr;  // sees every projection's input when set

  // Scratch for one micro-batch of B <= kMaxBatch tokens.
  std::vector<float> x;                  // [B, n_embd] residual stream
  std::vector<float> xn;                 // [B, max(n_embd, n_embd_q, n_ff)] normalised input of a projection
  std::vector<float> qkv;                // [B, n_embd_q + 2 n_embd_kv]
  std::vector<float> attn;               // [B, n_embd_q]
  std::vector<float> gate_up;            // [B, 2 n_ff]
  std::vector<float> proj;               // [B, n_embd] output of attn_output / ffn_down before the residual add
  std::vector<float> shortconv;          // [B, 5 n_embd] B | C | X, then B*X and the conv (short-conv layers)
  std::vector<float> delta_net;          // [B, 2 conv_channels + 2 d_inner + 2 n_v_heads] (Gated DeltaNet layers)
  std::vector<float> attn_gate;          // [B, 2 n_embd_q] q | gate per head (attention with an output gate)
  std::vector<float> cos_sin;            // [B, n_rot] rope table per token (global layers)
  std::vector<float> cos_sin_swa;        // [B, n_rot] rope table per token (sliding-window layers)
  std::vector<float> attention_scratch;  // [n_threads, attention_scratch_stride] per thread
  size_t attention_scratch_stride = 0;   // attention_scratch_floats(shape, n_ctx)
  AlignedBuffer activations[kActivationSlots];  // [B] rows in a vec_dot type each
  size_t activation_slot_bytes = 0;

  uint8_t* layer_keys(int layer) { return k_cache.as<uint8_t>() + k_offsets[layer]; }
  uint8_t* layer_values(int layer) { return v_cache.as<uint8_t>() + v_offsets[layer]; }
};

}  // namespace webgguf
