// Engine::save_session / load_session: the conversation (tokens, context-shift range, KV rows of
// the positions it uses, hybrid models' recurrent state) to and from the bytes of
// src/engine/session_file.h.
#include <algorithm>
#include <utility>

#include "core/hash64.h"
#include "engine/engine.h"

namespace webgguf {

namespace {

// Of each tensor's data the identity reads this much at its start and at its end: two files with
// the same header but other weights (a fine-tune, a synthetic model with another seed) differ there.
constexpr uint64_t kIdentitySampleBytes = 4096;

std::string cache_types_text(uint32_t keys, uint32_t values) {
  return format("%s keys and %s values", kv_cache_type_name(static_cast<GgmlType>(keys)),
                kv_cache_type_name(static_cast<GgmlType>(values)));
}

}  // namespace

uint64_t Engine::model_identity() {
  if (!has_model_identity_) {
    const uint8_t* data = file_buffer_.as<uint8_t>();
    Hash64 h;
    h.update(data, file_->header_size);
    for (const GgufTensorInfo& t : file_->tensors) {
      const uint8_t* tensor = data + file_->data_offset + t.offset;
      const uint64_t head = std::min(t.size_bytes, kIdentitySampleBytes);
      h.update(tensor, head);
      const uint64_t tail = std::min(t.size_bytes - head, kIdentitySampleBytes);
      h.update(tensor + t.size_bytes - tail, tail);
    }
    model_identity_ = h.finish();
    has_model_identity_ = true;
  }
  return model_identity_;
}

EngineError Engine::save_session(const SessionOutput& out) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  const ModelInfo& info = summary_.model;
  const int32_t n_past = static_cast<int32_t>(history_.size());
  Session s;
  s.model_identity = model_identity();
  s.n_layer = static_cast<uint32_t>(info.n_layer);
  s.n_vocab = static_cast<uint32_t>(info.n_vocab);
  s.model_name = info.name;
  const KvCacheTypes types = model_->cache_types();
  s.key_type = static_cast<uint32_t>(types.keys);
  s.value_type = static_cast<uint32_t>(types.values);
  s.n_ctx = static_cast<uint32_t>(info.n_ctx);
  s.tokens = history_;
  if (shifted_.active()) {
    s.has_shift = true;
    s.shift_begin = static_cast<uint32_t>(shifted_.n_keep());
    s.shift_end = static_cast<uint32_t>(shifted_.end());
    s.shift_prefix_hash = shifted_.prefix_hash();
  }
  std::vector<float> zero_state;
  SessionStateSource states;
  s.key_row_bytes = static_cast<uint32_t>(model_->kv_row_bytes(false));
  s.value_row_bytes = static_cast<uint32_t>(model_->kv_row_bytes(true));
  for (int il = 0; il < info.n_layer; ++il) {
    SessionKvLayer l;
    l.n_head_kv = static_cast<uint32_t>(model_->n_head_kv(il));
    l.first = static_cast<uint32_t>(model_->first_cached_position(il, n_past));
    l.count = static_cast<uint32_t>(n_past) - l.first;
    // A ring holds the positions before n_past only when the last one written is n_past - 1.
    if (l.first > 0 && model_->cached_positions() != n_past) {
      return EngineError::make(ErrorCode::kBadRequest,
                               "the conversation cannot be saved in the middle of a rollback: evaluate a prompt first");
    }
    s.layers.push_back(l);
  }
  if (model_->has_recurrent_layers()) {
    // The state at the end of the conversation: the live one, or a checkpoint there after a
    // rollback; position 0 is the empty state.
    const float* end_state = model_->recurrent_state(n_past);
    if (n_past > 0 && end_state == nullptr) {
      return EngineError::make(
          ErrorCode::kBadRequest,
          format("the conversation cannot be saved in the middle of a rollback: the recurrent layers' state at its "
                 "end (position %d) is not kept (they are at position %d): evaluate a prompt first",
                 n_past, model_->cached_positions()));
    }
    size_t floats = 0;
    for (int il = 0; il < info.n_layer; ++il) {
      s.recurrent_floats.push_back(static_cast<uint32_t>(model_->recurrent_floats(il)));
      floats += model_->recurrent_floats(il);
    }
    s.recurrent.push_back({static_cast<uint32_t>(n_past), nullptr});
    // The newest turn boundary too: regenerate, and a next turn whose reply re-tokenizes
    // differently, resume there (one state more; older turns' edits evaluate from the start).
    const int32_t boundary = model_->recurrent_turn_boundary(n_past);
    if (boundary > 0) s.recurrent.push_back({static_cast<uint32_t>(boundary), nullptr});
    zero_state.assign(n_past == 0 ? floats : 0, 0.0f);
    states = [&, floats, end_state](size_t copy, const SessionSink& sink) {
      const float* state = copy == 0 ? (n_past == 0 ? zero_state.data() : end_state)
                                     : model_->recurrent_state(static_cast<int32_t>(s.recurrent[copy].position));
      sink(reinterpret_cast<const uint8_t*>(state), floats * sizeof(float));
    };
  }
  if (!out.begin(session_bytes(s))) {
    return EngineError::make(ErrorCode::kTooBig, format("no room for a session of %llu bytes",
                                                        static_cast<unsigned long long>(session_bytes(s))));
  }
  write_session(
      s,
      [&](int layer, int head, bool values, const SessionSink& sink) {
        const SessionKvLayer& l = s.layers[static_cast<size_t>(layer)];
        model_->read_kv_rows(layer, head, values, static_cast<int32_t>(l.first), static_cast<int32_t>(l.count), sink);
      },
      out.write, states);
  return EngineError::none();
}

EngineError Engine::load_session(const uint8_t* data, size_t size, int32_t* n_tokens) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  Result<Session> parsed = parse_session(data, size);
  if (!parsed.is_ok()) return EngineError::from(ErrorCode::kInvalidSession, parsed.status());
  const Session& s = parsed.value();
  const ModelInfo& info = summary_.model;
  const auto refuse = [](std::string message) { return EngineError::make(ErrorCode::kInvalidSession, message); };
  if (s.model_identity != model_identity()) {
    return refuse(
        format("the session was saved with another model ('%s', identity %016llx), not the loaded '%s' "
               "(%016llx): load that model to restore it",
               s.model_name.c_str(), static_cast<unsigned long long>(s.model_identity), info.name.c_str(),
               static_cast<unsigned long long>(model_identity())));
  }
  const KvCacheTypes types = model_->cache_types();
  if (s.key_type != static_cast<uint32_t>(types.keys) || s.value_type != static_cast<uint32_t>(types.values)) {
    return refuse(
        format("the session was saved with a KV cache of %s; this model is loaded with %s: load it with "
               "cache_type_k '%s' and cache_type_v '%s' to restore it",
               cache_types_text(s.key_type, s.value_type).c_str(),
               cache_types_text(static_cast<uint32_t>(types.keys), static_cast<uint32_t>(types.values)).c_str(),
               kv_cache_type_name(static_cast<GgmlType>(s.key_type)),
               kv_cache_type_name(static_cast<GgmlType>(s.value_type))));
  }
  const size_t n = s.tokens.size();
  if (n > static_cast<size_t>(info.n_ctx)) {
    return refuse(format("the session holds %zu tokens but the context holds %d: load the model with n_ctx >= %zu", n,
                         info.n_ctx, n));
  }
  for (int32_t t : s.tokens) {
    if (t < 0 || t >= info.n_vocab) return refuse(format("the session's token %d is outside the vocabulary", t));
  }
  if (s.recurrent.empty() == model_->has_recurrent_layers()) {
    return refuse(s.recurrent.empty()
                      ? "the session holds no recurrent state ('RCST' section) but this model has recurrent layers: "
                        "it was saved with a model without them"
                      : "the session holds a recurrent state ('RCST' section) but this model has no recurrent layers: "
                        "it was saved with a hybrid model");
  }
  // Before the KV rows: a hybrid of another shape is named by its recurrent state.
  for (size_t il = 0; s.n_layer == static_cast<uint32_t>(info.n_layer) && il < s.recurrent_floats.size(); ++il) {
    if (s.recurrent_floats[il] != model_->recurrent_floats(static_cast<int>(il))) {
      return refuse(
          format("layer %zu of the session's recurrent state ('RCST' section) has %u values, this model's "
                 "has %zu: it was saved with a model of another shape",
                 il, s.recurrent_floats[il], model_->recurrent_floats(static_cast<int>(il))));
    }
  }
  if (s.n_layer != static_cast<uint32_t>(info.n_layer) || s.key_row_bytes != model_->kv_row_bytes(false) ||
      s.value_row_bytes != model_->kv_row_bytes(true)) {
    return refuse(format("the session's KV rows (%u layers, %u + %u bytes a row) are not this model's (%d, %zu + %zu)",
                         s.n_layer, s.key_row_bytes, s.value_row_bytes, info.n_layer, model_->kv_row_bytes(false),
                         model_->kv_row_bytes(true)));
  }
  for (int il = 0; il < info.n_layer; ++il) {
    const SessionKvLayer& l = s.layers[static_cast<size_t>(il)];
    if (l.n_head_kv != static_cast<uint32_t>(model_->n_head_kv(il))) {
      return refuse(format("layer %d of the session has %u kv heads, this model's has %d", il, l.n_head_kv,
                           model_->n_head_kv(il)));
    }
    const uint32_t first = static_cast<uint32_t>(model_->first_cached_position(il, static_cast<int32_t>(n)));
    if (l.first != first || uint64_t{l.first} + l.count != n) {
      // Global layers hold every position; a sliding-window ring's size follows n_ctx.
      return refuse(
          format("layer %d of the session caches positions [%u, %u) of its %zu tokens, this model needs "
                 "[%u, %zu): load it with the context it was saved with (n_ctx %u)",
                 il, l.first, l.first + l.count, n, first, n, s.n_ctx));
    }
  }
  if (s.has_shift && s.shift_begin > static_cast<uint32_t>(info.n_ctx / 2)) {
    return refuse(format("the session's context shift keeps %u tokens, more than half this context (%d)", s.shift_begin,
                         info.n_ctx / 2));
  }

  reset_context();
  perplexity_active_ = false;
  for (int il = 0; il < info.n_layer; ++il) {
    const SessionKvLayer& l = s.layers[static_cast<size_t>(il)];
    for (uint32_t h = 0; h < l.n_head_kv; ++h) {
      const size_t k_offset = size_t{h} * l.count * s.key_row_bytes, v_offset = size_t{h} * l.count * s.value_row_bytes;
      for (const Status& status : {model_->write_kv_rows(il, static_cast<int>(h), false, static_cast<int32_t>(l.first),
                                                         static_cast<int32_t>(l.count), l.keys + k_offset),
                                   model_->write_kv_rows(il, static_cast<int>(h), true, static_cast<int32_t>(l.first),
                                                         static_cast<int32_t>(l.count), l.values + v_offset)}) {
        if (!status.is_ok()) return EngineError::from(ErrorCode::kInvalidSession, status);
      }
    }
  }
  model_->set_cached_positions(static_cast<int32_t>(n));
  if (!s.recurrent.empty()) {
    std::vector<std::pair<int32_t, const uint8_t*>> checkpoints;
    for (size_t i = 1; i < s.recurrent.size(); ++i) {
      checkpoints.emplace_back(static_cast<int32_t>(s.recurrent[i].position), s.recurrent[i].state);
    }
    model_->write_recurrent_state(s.recurrent[0].state, checkpoints);
  }
  history_ = s.tokens;
  if (s.has_shift) shifted_.restore(s.shift_begin, s.shift_end, s.shift_prefix_hash);
  begin_generation();
  *n_tokens = static_cast<int32_t>(n);
  return EngineError::none();
}

}  // namespace webgguf
