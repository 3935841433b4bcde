// Model construction: config, weight binding, KV cache and scratch allocation, memory estimate.
#include "model/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "kernels/quantize_activations.h"

#include "kernels/ops_attention.h"
#include "kernels/ops_hadamard.h"
#include "model/model_state.h"

namespace webgguf {
namespace {

// Threads the memory estimate assumes (each needs its own attention scratch).
constexpr int kEstimateThreads = 8;

struct ScratchSizes {
  size_t floats_per_token = 0;  // B-proportional f32 buffers, per token
  size_t activation_row_bytes = 0;
};

// Floats per token of the recurrent layers' scratch (ModelState::shortconv / delta_net).
size_t recurrent_scratch_per_token(const ModelConfig& c) {
  if (!c.has_recurrent_layers()) return 0;
  if (c.traits->recurrent == RecurrentLayer::kShortConv) return 5 * static_cast<size_t>(c.n_embd);
  const ModelConfig::DeltaNet& d = c.delta_net;
  return 2 * static_cast<size_t>(d.conv_channels()) + 2 * d.d_inner + 2 * d.n_v_heads;
}

ScratchSizes scratch_sizes(const ModelConfig& c, size_t max_activation_row_bytes) {
  const size_t max_dim = std::max({c.n_embd, c.n_embd_q(), c.n_ff});
  ScratchSizes s;
  s.floats_per_token = c.n_embd + max_dim + (c.n_embd_q() + 2 * c.n_embd_kv()) + c.n_embd_q() + 2 * c.n_ff + c.n_embd +
                       2 * c.n_rot + recurrent_scratch_per_token(c) +
                       (c.traits->attention_output_gate ? 2 * c.n_embd_q() : 0);
  s.activation_row_bytes = max_activation_row_bytes;
  return s;
}

// Cached rows of a layer: every position for a global layer; for a sliding-window layer the
// window, the rest of a micro-batch (its first token still needs the window before it), and a
// rollback margin of another window, so that a chat can drop that many tokens (regenerate,
// an edited last turn) without re-evaluating from the start.
int64_t layer_kv_rows(const ModelConfig& c, int il, uint32_t n_ctx) {
  if (!c.layers[il].sliding) return n_ctx;
  return std::min<int64_t>(n_ctx, 2 * static_cast<int64_t>(c.n_swa) + kMaxBatch - 1);
}

uint64_t kv_cache_bytes(const ModelConfig& c, uint32_t n_ctx, KvCacheTypes types) {
  const uint64_t row_bytes = ggml_row_bytes(types.keys, c.head_dim) + ggml_row_bytes(types.values, c.head_dim);
  uint64_t bytes = 0;
  for (int il = 0; il < c.n_layer; ++il) {
    bytes += c.layers[il].n_head_kv * layer_kv_rows(c, il, n_ctx) * row_bytes;
  }
  return bytes;
}

void store_f16(const float* src, void* row, int64_t n) {
  uint16_t* halves = static_cast<uint16_t*>(row);
  for (int64_t i = 0; i < n; ++i) halves[i] = fp32_to_fp16(src[i]);
}

// A quantized cache row through the traits table: the reference quantizers, byte-identical to
// ggml's (llama.cpp copies k and v into a quantized cache with them).
template <GgmlType kType>
void store_quantized(const float* src, void* row, int64_t n) {
  quant_traits(kType)->quantize(src, row, n, nullptr);
}

void quantize_query_q8_0(const float* src, void* dst, int64_t n) {
  quantize_row_q8_0_fast(src, dst, n);
}

// How the attention kernel reads and the forward pass writes one cached row of `type`.
Result<KvRowFormat> kv_row_format(GgmlType type, int head_dim) {
  KvRowFormat f = KvRowFormat::f16_rows(head_dim);
  f.quantize_row = store_f16;
  if (type == GgmlType::F16) return f;
  const QuantTraits* traits = quant_traits(type);
  if (head_dim % 32 != 0) {
    return Status::error(format("a %s KV cache needs a head size that is a multiple of 32 (this model's is %d)",
                                kv_cache_type_name(type), head_dim));
  }
  f.f16 = false;
  f.row_bytes = ggml_row_bytes(type, head_dim);
  f.dot = traits->vec_dot;
  f.quantize_query = quantize_query_q8_0;  // q8_0 and q4_0 both dot with q8_0 rows
  f.dequantize_query = quant_traits(GgmlType::Q8_0)->dequantize;
  f.query_row_bytes = ggml_row_bytes(GgmlType::Q8_0, head_dim);
  f.dequantize = traits->dequantize;
  f.quantize_row = type == GgmlType::Q8_0 ? store_quantized<GgmlType::Q8_0> : store_quantized<GgmlType::Q4_0>;
  return f;
}

size_t attention_scratch_stride(const ModelConfig& c, uint32_t n_ctx, const KvRowFormat& keys) {
  size_t stride = 0;
  for (const LayerConfig& l : c.layers) {  // the widest group of query heads sets the size
    if (l.recurrent) continue;
    AttentionShape shape;
    shape.n_head = l.n_head;
    shape.n_head_kv = l.n_head_kv;
    shape.head_dim = c.head_dim;
    shape.keys = keys;
    stride = std::max(stride, static_cast<size_t>(attention_scratch_floats(shape, n_ctx)));
  }
  return stride;
}

MemoryEstimate make_estimate(const ModelConfig& c, uint32_t n_ctx, KvCacheTypes types, const KvRowFormat& keys,
                             uint64_t tensor_bytes, uint64_t copied_bytes, size_t max_activation_row_bytes,
                             int n_threads) {
  const ScratchSizes s = scratch_sizes(c, max_activation_row_bytes);
  MemoryEstimate m;
  m.weights_bytes = tensor_bytes;
  m.kv_bytes = kv_cache_bytes(c, n_ctx, types);
  m.recurrent_bytes = RecurrentState::total_bytes(c);
  m.scratch_bytes = copied_bytes +
                    sizeof(float) * (kMaxBatch * s.floats_per_token +
                                     static_cast<uint64_t>(n_threads) * attention_scratch_stride(c, n_ctx, keys)) +
                    kActivationSlots * kMaxBatch * s.activation_row_bytes;
  m.total_bytes = m.weights_bytes + m.kv_bytes + m.recurrent_bytes + m.scratch_bytes;
  return m;
}

Status check_context(uint32_t n_ctx) {
  if (n_ctx == 0 || n_ctx > (1u << 24)) return Status::error(format("context size %u is not usable", n_ctx));
  return Status::ok();
}

}  // namespace

// The KV cache types llama.cpp's cache_type_k/v accept that we implement: the one list.
constexpr GgmlType kKvCacheTypes[] = {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0};

bool parse_kv_cache_type(const std::string& name, GgmlType* type) {
  for (GgmlType t : kKvCacheTypes) {
    if (name == kv_cache_type_name(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

std::string kv_cache_type_names() {
  std::string names;
  for (GgmlType t : kKvCacheTypes) names += (names.empty() ? "" : ", ") + std::string(kv_cache_type_name(t));
  return names;
}

std::vector<GgmlType> kv_cache_type_list() {
  return std::vector<GgmlType>(std::begin(kKvCacheTypes), std::end(kKvCacheTypes));
}

const char* kv_cache_type_name(GgmlType type) {
  switch (type) {
    case GgmlType::F16: return "f16";
    case GgmlType::Q8_0: return "q8_0";
    case GgmlType::Q4_0: return "q4_0";
    default: return "unsupported";
  }
}

Model::Model(std::unique_ptr<ModelState> state) : state_(std::move(state)) {}
Model::~Model() = default;

const ModelInfo& Model::info() const {
  return state_->info;
}

int32_t Model::resume_point(int32_t pos) const {
  const ModelState& s = *state_;
  if (pos <= 0) return 0;
  // A local layer's ring holds positions [n_written - rows, n_written); evaluating at p needs
  // its window before p, [p - n_swa + 1, p), still there.
  auto windows_held = [&](int32_t p) {
    if (p > s.n_written) return false;
    for (int il = 0; il < s.config.n_layer; ++il) {
      if (!s.config.layers[il].sliding) continue;
      const int64_t needed_from = std::max<int64_t>(0, static_cast<int64_t>(p) - s.config.n_swa + 1);
      if (needed_from < static_cast<int64_t>(s.n_written) - s.kv_rows[il]) return false;
    }
    return true;
  };
  if (!s.recurrent.active()) {
    if (!s.config.has_sliding_layers()) return pos;
    return windows_held(pos) ? pos : 0;
  }
  // The recurrent state exists at the end and at its checkpoints only: the nearest one before pos.
  int32_t best = 0;
  if (s.n_written <= pos && windows_held(s.n_written)) best = s.n_written;
  for (int32_t p : s.recurrent.positions()) {
    if (p <= pos && p > best && windows_held(p)) best = p;
  }
  return best;
}

void Model::save_checkpoint(int32_t pos, CheckpointKind kind) {
  ModelState& s = *state_;
  if (pos == s.n_written || s.recurrent.has(pos)) s.recurrent.save(pos, kind);
}

bool Model::has_recurrent_layers() const {
  return state_->recurrent.active();
}

void Model::set_activation_observer(ActivationObserver* observer) {
  state_->observer = observer;
}

void Model::set_threads(int n_threads) {
  ModelState& s = *state_;
  s.pool = std::make_unique<ThreadPool>(n_threads);
  s.attention_scratch_stride = attention_scratch_stride(s.config, s.n_ctx, s.key_format);
  s.attention_scratch.assign(static_cast<size_t>(s.pool->n_threads()) * s.attention_scratch_stride, 0.0f);
}

const ThreadPool::Stats& Model::thread_pool_stats() const {
  return state_->pool->stats();
}

Status Model::shift_context(int32_t first, int32_t count, int32_t n_past) {
  ModelState& s = *state_;
  const ModelConfig& c = s.config;
  if (c.has_sliding_layers() || c.has_recurrent_layers()) {
    return Status::error(format("context shift is not supported for '%s' models (%s layers)", c.arch_name.c_str(),
                                c.has_recurrent_layers() ? "recurrent" : "sliding-window"));
  }
  if (first < 0 || count <= 0 || n_past > s.n_written || first + count > n_past) {
    return Status::error(format("cannot shift %d positions from %d of %d cached ones", count, first, n_past));
  }
  const int hd = c.head_dim;
  std::vector<float> cos_sin(static_cast<size_t>(std::max(c.n_rot, 2)));
  rope_cos_sin(s.rope, -count, cos_sin.data());
  std::vector<float> row(hd);
  const size_t k_row = s.key_format.row_bytes, v_row = s.value_format.row_bytes;
  for (int il = 0; il < c.n_layer; ++il) {
    const LayerConfig& lc = c.layers[il];
    uint8_t* keys = s.layer_keys(il);  // [n_head_kv, n_ctx] rows
    uint8_t* values = s.layer_values(il);
    const int64_t rows = s.kv_rows[il];
    for (int h = 0; h < lc.n_head_kv; ++h) {
      for (int32_t p = first + count; p < n_past; ++p) {
        // k: to f32, rotate by -count, back to the cache's type (as ggml's K-shift of the cache)
        const uint8_t* from_k = keys + (h * rows + p) * k_row;
        if (s.key_format.f16) {
          for (int i = 0; i < hd; ++i) row[i] = fp16_to_fp32(reinterpret_cast<const uint16_t*>(from_k)[i]);
        } else {
          s.key_format.dequantize(from_k, row.data(), hd);
        }
        // A rotated cache is rotated back for RoPE and forward again (H H = I), as llama.cpp does.
        if (s.key_rotation) hadamard_rows(row.data(), hd, s.key_rotation);
        if (lc.rope) rope_apply(s.rope, cos_sin.data(), row.data(), 1, hd);
        if (s.key_rotation) hadamard_rows(row.data(), hd, s.key_rotation);
        s.key_format.quantize_row(row.data(), keys + (h * rows + p - count) * k_row, hd);
        std::memmove(values + (h * rows + p - count) * v_row, values + (h * rows + p) * v_row, v_row);
      }
    }
  }
  s.n_written = n_past - count;
  return Status::ok();
}

KvCacheTypes Model::cache_types() const {
  return state_->cache_types;
}

size_t Model::kv_row_bytes(bool values) const {
  return values ? state_->value_format.row_bytes : state_->key_format.row_bytes;
}

int Model::n_head_kv(int layer) const {
  return state_->config.layers[layer].n_head_kv;
}

int32_t Model::first_cached_position(int layer, int32_t n_past) const {
  const ModelState& s = *state_;
  if (!s.config.layers[layer].sliding) return 0;
  return static_cast<int32_t>(std::max<int64_t>(0, n_past - s.kv_rows[layer]));
}

int32_t Model::cached_positions() const {
  return state_->n_written;
}

void Model::read_kv_rows(int layer, int head, bool values, int32_t first, int32_t count,
                         const std::function<void(const uint8_t*, size_t)>& sink) const {
  ModelState& s = *state_;
  const size_t row_bytes = kv_row_bytes(values);
  const int64_t rows = s.kv_rows[layer];
  const uint8_t* head_rows = (values ? s.layer_values(layer) : s.layer_keys(layer)) + head * rows * row_bytes;
  // Position p is in row p % rows: a ring that wrapped gives [first % rows, rows) then [0, ...).
  int64_t p = first;
  for (int64_t left = count; left > 0;) {
    const int64_t row = p % rows, n = std::min(left, rows - row);
    sink(head_rows + row * row_bytes, static_cast<size_t>(n) * row_bytes);
    p += n;
    left -= n;
  }
}

Status Model::write_kv_rows(int layer, int head, bool values, int32_t first, int32_t count, const uint8_t* src) {
  ModelState& s = *state_;
  const int64_t rows = s.kv_rows[layer];
  if (first < 0 || count < 0 || count > rows || int64_t{first} + count > s.n_ctx) {
    return Status::error(format("layer %d caches %lld positions of a %u-token context, not [%d, %lld)", layer,
                                static_cast<long long>(rows), s.n_ctx, first,
                                static_cast<long long>(int64_t{first} + count)));
  }
  const size_t row_bytes = kv_row_bytes(values);
  uint8_t* head_rows = (values ? s.layer_values(layer) : s.layer_keys(layer)) + head * rows * row_bytes;
  for (int64_t p = first, left = count; left > 0;) {
    const int64_t row = p % rows, n = std::min(left, rows - row);
    std::memcpy(head_rows + row * row_bytes, src, static_cast<size_t>(n) * row_bytes);
    src += n * row_bytes;
    p += n;
    left -= n;
  }
  return Status::ok();
}

void Model::set_cached_positions(int32_t n_past) {
  state_->n_written = n_past;
}

size_t Model::recurrent_floats(int layer) const {
  return static_cast<size_t>(RecurrentState::layer_floats(state_->config, layer));
}

const float* Model::recurrent_state(int32_t pos) const {
  const ModelState& s = *state_;
  if (!s.recurrent.active()) return nullptr;
  return pos == s.n_written ? s.recurrent.live() : s.recurrent.checkpoint(pos);
}

int32_t Model::recurrent_turn_boundary(int32_t before) const {
  return state_->recurrent.newest_turn_boundary(before);
}

void Model::write_recurrent_state(const uint8_t* live,
                                  const std::vector<std::pair<int32_t, const uint8_t*>>& checkpoints) {
  state_->recurrent.replace(live, checkpoints);
}

Result<MemoryEstimate> Model::estimate_memory(const GgufFile& file, uint32_t n_ctx, KvCacheTypes cache_types) {
  Result<ModelConfig> config = parse_model_config(file);
  if (!config.is_ok()) return config.status();
  const ModelConfig& c = config.value();
  n_ctx = effective_context(c, n_ctx);
  WEBGGUF_RETURN_IF_ERROR(check_context(n_ctx));
  Result<KvRowFormat> keys = kv_row_format(cache_types.keys, c.head_dim);
  if (!keys.is_ok()) return keys.status();
  Result<KvRowFormat> values = kv_row_format(cache_types.values, c.head_dim);
  if (!values.is_ok()) return values.status();
  uint64_t tensor_bytes = 0, copied_bytes = 0;
  size_t max_activation_row_bytes = 0;
  for (const auto& t : file.tensors) {
    tensor_bytes += t.size_bytes;
    if (t.n_rows() == 1) {
      copied_bytes += t.n_elements() * sizeof(float);
      continue;
    }
    const QuantTraits* traits = quant_traits(t.type);
    if (traits == nullptr) {
      return Status::error(format("tensor '%s' has unsupported type %s", t.name.c_str(), ggml_type_name(t.type)));
    }
    max_activation_row_bytes =
        std::max<size_t>(max_activation_row_bytes, ggml_row_bytes(traits->vec_dot_type, t.ne[0]));
  }
  return make_estimate(c, n_ctx, cache_types, keys.value(), tensor_bytes, copied_bytes, max_activation_row_bytes,
                       kEstimateThreads);
}

Result<std::unique_ptr<Model>> Model::load(const GgufFile& file, const uint8_t* data, size_t size,
                                           const ModelOptions& options) {
  Result<ModelConfig> config = parse_model_config(file);
  if (!config.is_ok()) return config.status();
  auto state = std::make_unique<ModelState>();
  ModelState& s = *state;
  s.config = config.take();
  const ModelConfig& c = s.config;
  s.n_ctx = effective_context(c, options.n_ctx);
  WEBGGUF_RETURN_IF_ERROR(check_context(s.n_ctx));

  Result<ModelWeights> weights = bind_weights(file, data, size, c, s.n_ctx);
  if (!weights.is_ok()) return weights.status();
  s.weights = weights.take();

  s.rope.n_rot = c.n_rot;
  s.rope.neox = c.rope_neox;
  s.rope.freq_base = c.rope_freq_base;
  s.rope.freq_scale = c.rope_freq_scale;
  s.rope.attn_factor = c.rope_attn_factor;
  s.rope.freq_factors = s.weights.rope_factors.empty() ? nullptr : s.weights.rope_factors.data();
  s.rope_swa = s.rope;
  s.rope_swa.freq_base = c.rope_freq_base_swa;
  s.rope_swa.freq_scale = c.rope_freq_scale_swa;
  s.rope_swa.attn_factor = c.rope_attn_factor_swa;

  Result<KvRowFormat> keys = kv_row_format(options.cache_types.keys, c.head_dim);
  if (!keys.is_ok()) return keys.status();
  Result<KvRowFormat> values = kv_row_format(options.cache_types.values, c.head_dim);
  if (!values.is_ok()) return values.status();
  s.cache_types = options.cache_types;
  s.key_format = keys.value();
  s.value_format = values.value();
  s.key_rotation = s.key_format.f16 ? 0 : hadamard_key_chunk(c.head_dim);
  s.value_rotation = s.value_format.f16 ? 0 : hadamard_value_chunk(c.head_dim);
  s.kv_rows.resize(c.n_layer);
  s.k_offsets.resize(c.n_layer);
  s.v_offsets.resize(c.n_layer);
  size_t k_bytes = 0, v_bytes = 0;
  for (int il = 0; il < c.n_layer; ++il) {
    s.kv_rows[il] = layer_kv_rows(c, il, s.n_ctx);
    s.k_offsets[il] = k_bytes;
    s.v_offsets[il] = v_bytes;
    const size_t rows = static_cast<size_t>(c.layers[il].n_head_kv) * s.kv_rows[il];
    k_bytes += rows * s.key_format.row_bytes;
    v_bytes += rows * s.value_format.row_bytes;
  }
  const uint64_t kv_bytes = k_bytes + v_bytes;
  if (!s.k_cache.allocate(k_bytes) || !s.v_cache.allocate(v_bytes)) {
    return Status::error(format("out of memory allocating the KV cache (%llu bytes for %u positions)",
                                static_cast<unsigned long long>(kv_bytes), s.n_ctx));
  }
  if (!s.recurrent.configure(c)) {
    return Status::error(format("out of memory allocating the recurrent state (%llu bytes)",
                                static_cast<unsigned long long>(RecurrentState::total_bytes(c))));
  }
  const size_t max_dim = std::max({c.n_embd, c.n_embd_q(), c.n_ff});
  if (c.has_recurrent_layers()) {
    std::vector<float>& scratch = c.traits->recurrent == RecurrentLayer::kShortConv ? s.shortconv : s.delta_net;
    scratch.resize(kMaxBatch * recurrent_scratch_per_token(c));
  }
  if (c.traits->attention_output_gate) s.attn_gate.resize(static_cast<size_t>(kMaxBatch) * 2 * c.n_embd_q());
  s.x.resize(static_cast<size_t>(kMaxBatch) * c.n_embd);
  s.xn.resize(static_cast<size_t>(kMaxBatch) * max_dim);
  s.qkv.resize(static_cast<size_t>(kMaxBatch) * (c.n_embd_q() + 2 * c.n_embd_kv()));
  s.attn.resize(static_cast<size_t>(kMaxBatch) * c.n_embd_q());
  s.gate_up.resize(static_cast<size_t>(kMaxBatch) * 2 * c.n_ff);
  s.proj.resize(static_cast<size_t>(kMaxBatch) * c.n_embd);
  s.cos_sin.resize(static_cast<size_t>(kMaxBatch) * std::max(c.n_rot, 2));
  s.cos_sin_swa.resize(s.cos_sin.size());
  s.activation_slot_bytes = s.weights.max_activation_row_bytes;
  for (auto& slot : s.activations) {
    if (!slot.allocate(kMaxBatch * s.activation_slot_bytes))
      return Status::error("out of memory allocating activations");
  }

  ModelInfo& info = s.info;
  info.architecture = c.arch_name;
  info.name = c.name;
  info.n_params = s.weights.n_params;
  info.n_vocab = c.n_vocab;
  info.n_ctx_train = c.n_ctx_train;
  info.n_ctx = static_cast<int32_t>(s.n_ctx);
  info.n_embd = c.n_embd;
  info.n_layer = c.n_layer;
  info.n_head = c.n_head;
  info.n_head_kv = c.n_head_kv;
  info.n_ff = c.n_ff;
  info.file_type = c.file_type;
  info.cache_type_k = kv_cache_type_name(options.cache_types.keys);
  info.cache_type_v = kv_cache_type_name(options.cache_types.values);

  std::unique_ptr<Model> model(new Model(std::move(state)));
  model->set_threads(options.n_threads);
  info.memory = make_estimate(c, model->state_->n_ctx, options.cache_types, model->state_->key_format,
                              model->state_->weights.tensor_bytes, model->state_->weights.copied_bytes,
                              model->state_->activation_slot_bytes, model->state_->pool->n_threads());
  return Result<std::unique_ptr<Model>>(std::move(model));
}

}  // namespace webgguf
