// A transformer language model loaded from GGUF, and its forward pass: tokens -> logits.
// Architectures: the table in src/model/architectures.cpp.
// The KV cache holds f16 keys and values (as llama.cpp's default), sized for n_ctx positions on
// global layers and for the window (plus a batch and a rollback margin) on sliding-window layers.
// Recurrent layers (lfm2's short convolutions) keep a fixed-size state with checkpoints instead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"
#include "gguf/ggml_type.h"
#include "kernels/thread_pool.h"

namespace webgguf {

// KV cache element types, llama.cpp's cache_type_k / cache_type_v: f16 (default), q8_0, q4_0.
struct KvCacheTypes {
  GgmlType keys = GgmlType::F16;
  GgmlType values = GgmlType::F16;
};

// "f16" / "q8_0" / "q4_0" -> the type; false for any other name.
bool parse_kv_cache_type(const std::string& name, GgmlType* type);
const char* kv_cache_type_name(GgmlType type);
// "f16, q8_0, q4_0": the names parse_kv_cache_type takes, for error messages.
std::string kv_cache_type_names();
// The types themselves, in that order (for tables of what each costs).
std::vector<GgmlType> kv_cache_type_list();

struct ModelOptions {
  uint32_t n_ctx = 0;  // 0 = min(training context, 4096)
  int n_threads = 1;
  KvCacheTypes cache_types;
};

struct MemoryEstimate {
  uint64_t weights_bytes = 0;    // tensor data (bound in place: already in the caller's buffer)
  uint64_t kv_bytes = 0;         // KV cache for n_ctx positions
  uint64_t recurrent_bytes = 0;  // recurrent layers' state and its checkpoints (fixed, whatever n_ctx)
  uint64_t scratch_bytes = 0;    // activations for one micro-batch, copies of small tensors
  uint64_t total_bytes = 0;
};

// Why a recurrent-state checkpoint is kept (src/model/recurrent_state.h): the position before a
// finished prompt's last token, or where an unfinished prefill stopped.
enum class CheckpointKind { kTurnBoundary, kAbortPoint };

struct ModelInfo {
  std::string architecture, name;
  uint64_t n_params = 0;
  int32_t n_vocab = 0, n_ctx_train = 0, n_ctx = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, n_ff = 0;
  uint32_t file_type = 0;
  std::string cache_type_k = "f16", cache_type_v = "f16";
  MemoryEstimate memory;
};

struct ModelState;  // weights, KV cache, scratch and thread pool (src/model/model_state.h)

// Sees the input of every weight-matrix product of the forward pass: llama-imatrix's collection
// point (its eval callback on GGML_OP_MUL_MAT). Called on the forward pass's thread.
class ActivationObserver {
 public:
  virtual ~ActivationObserver() = default;
  // `input` [n_tokens, n_cols] (f32, before any conversion to the weight's activation format)
  // multiplies the rows of `weight` [n_cols, n_out].
  virtual void observe(const GgufTensorInfo& weight, const float* input, int64_t n_cols, int n_tokens) = 0;
};

class Model {
 public:
  // `data` is the whole GGUF file in memory (kept alive by the caller); weights are bound
  // zero-copy where the kernels can use them in place. Refuses unsupported architectures /
  // tensor types / missing or mis-shaped tensors with a message naming them.
  static Result<std::unique_ptr<Model>> load(const GgufFile& file, const uint8_t* data, size_t size,
                                             const ModelOptions& options);
  // What load() would allocate, from the header alone (for refusing too-big models before download).
  static Result<MemoryEstimate> estimate_memory(const GgufFile& file, uint32_t n_ctx,
                                                KvCacheTypes cache_types = KvCacheTypes());

  // Runs n tokens at positions [pos, pos + n) (pos + n <= n_ctx, else a clear error; entries at
  // >= pos in the KV cache are overwritten). Writes logits for every position (n x n_vocab,
  // row-major) when all_logits, else only for the last (n_vocab floats).
  Status forward(const int32_t* tokens, int32_t n, int32_t pos, bool all_logits, float* logits);
  // The largest position <= pos at which forward() may continue with what the caches hold: 0, the
  // end, or further back while every sliding-window layer still holds the window before it; on a
  // model with recurrent layers only the end or a checkpoint (their state cannot be truncated).
  int32_t resume_point(int32_t pos) const;
  // Keeps a copy of the recurrent layers' state at `pos` (the end, or a checkpoint already there)
  // so a later forward() can start from it; nothing on models without recurrent layers.
  void save_checkpoint(int32_t pos, CheckpointKind kind);
  bool has_recurrent_layers() const;
  // Context shift (llama.cpp's K-shift): drops cached positions [first, first + count) and moves
  // positions [first + count, n_past) down by count, re-rotating their keys by -count positions
  // (RoPE rotations compose). Models with sliding-window or recurrent layers are refused (their
  // ring caches and recurrent states would need re-evaluating).
  Status shift_context(int32_t first, int32_t count, int32_t n_past);
  void set_threads(int n_threads);
  // Barrier counts and waits of the thread pool since the last set_threads() (or load).
  const ThreadPool::Stats& thread_pool_stats() const;
  // nullptr: none (the default). The observer must outlive the forward passes it watches.
  void set_activation_observer(ActivationObserver* observer);
  const ModelInfo& info() const;

  // The cached rows, for saved sessions (src/engine/session_file.h): per layer and kv head one
  // row of key_row_bytes() (values: value_row_bytes()) per position, in the cache's own format.
  KvCacheTypes cache_types() const;
  size_t kv_row_bytes(bool values) const;
  int n_head_kv(int layer) const;
  // The first position of [0, n_past) a layer still holds: 0 on global layers, the oldest one in
  // the ring on sliding-window layers (valid while forward() last wrote position n_past - 1).
  int32_t first_cached_position(int layer, int32_t n_past) const;
  // One past the last position forward() (or restore_kv_rows) wrote.
  int32_t cached_positions() const;
  // Emits the rows of positions [first, first + count) of one layer's kv head, in position order
  // (two pieces when a ring wraps). The positions must be cached.
  void read_kv_rows(int layer, int head, bool values, int32_t first, int32_t count,
                    const std::function<void(const uint8_t*, size_t)>& sink) const;
  // Writes `rows` (count rows) as the cached positions [first, first + count) of a layer's kv head.
  // A sliding-window layer needs count <= its ring. Then set_cached_positions(n_past) makes
  // forward() continue after position n_past - 1.
  Status write_kv_rows(int layer, int head, bool values, int32_t first, int32_t count, const uint8_t* rows);
  void set_cached_positions(int32_t n_past);
  // The recurrent layers' state (hybrid models), for saved sessions: f32 values of one copy of
  // layer il's state (0 on attention layers); every layer's, one after the other, at `pos` (the
  // live state when pos is cached_positions(), else a checkpoint's copy; null when none is kept
  // there); the newest turn-boundary checkpoint before `before` (-1: none).
  size_t recurrent_floats(int layer) const;
  const float* recurrent_state(int32_t pos) const;
  int32_t recurrent_turn_boundary(int32_t before) const;
  // Replaces the state and every checkpoint: `live` becomes the state at cached_positions(),
  // each of `checkpoints` (position, state; unaligned f32) a turn boundary.
  void write_recurrent_state(const uint8_t* live, const std::vector<std::pair<int32_t, const uint8_t*>>& checkpoints);

  ~Model();

 private:
  explicit Model(std::unique_ptr<ModelState> state);
  std::unique_ptr<ModelState> state_;
};

}  // namespace webgguf
