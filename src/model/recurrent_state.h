// The recurrent layers' state, beside the KV cache (lfm2: the last shortconv.l_cache - 1 inputs of
// each short-conv layer's convolution; qwen35: the last ssm.conv_kernel - 1 inputs of each Gated
// DeltaNet layer's convolution, then its [head_dim, head_dim] matrix per value head). A KV cache can continue at any
// earlier position by overwriting rows; this state is a summary of every position before it, so it cannot be truncated.
// Copies of it ("checkpoints") are kept where a conversation comes back to: the position before the
// last token of each finished prompt (regenerate, the next turn when the reply re-tokenizes
// differently) and the end of an unfinished prefill (an abort). Going back elsewhere resumes from
// the nearest checkpoint before it and evaluates the rest again.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "model/model.h"
#include "model/model_config.h"

namespace webgguf {

class RecurrentState {
 public:
  // Turn-boundary checkpoints kept (the newest); an abort point has one more slot of its own.
  static constexpr int kTurnCheckpoints = 4;

  // Floats of one copy of the state of layer il (0 for attention layers), of every layer.
  static uint64_t layer_floats(const ModelConfig& c, int il);
  static uint64_t state_floats(const ModelConfig& c);
  // Bytes of the live state and all checkpoint slots: what configure() allocates.
  static uint64_t total_bytes(const ModelConfig& c) { return sizeof(float) * state_floats(c) * (2 + kTurnCheckpoints); }

  // Sizes the buffers for `c` (allocated once here, none later). Returns false when out of memory.
  bool configure(const ModelConfig& c);
  bool active() const { return floats_ > 0; }

  // Layer il's live state: [l_cache - 1, n_embd] (lfm2), oldest input first; qwen35: the conv
  // inputs [d_conv - 1, conv_channels], then [n_v_heads][head_dim (value j)][head_dim (key i)].
  float* layer(int il) { return live_.data() + offsets_[il]; }
  // The state of position 0 (no input seen).
  void reset();

  // Copies the live state, which is the state at `pos`, into a checkpoint. A checkpoint already at
  // pos is kept (and becomes a turn boundary if kind says so) without copying.
  void save(int32_t pos, CheckpointKind kind);
  bool has(int32_t pos) const;
  // Makes checkpoint `pos` the live state; false when there is none at pos.
  bool restore(int32_t pos);
  // Forgets the checkpoints after pos (the positions from pos on are being overwritten).
  void drop_after(int32_t pos);
  // Checkpoint positions, ascending.
  std::vector<int32_t> positions() const;

  // Saved sessions: every layer's state, one after the other (state_floats values).
  const float* live() const { return live_.data(); }
  // Checkpoint pos's copy, or null when there is none at pos.
  const float* checkpoint(int32_t pos) const;
  // The newest turn-boundary checkpoint before `before`, or -1.
  int32_t newest_turn_boundary(int32_t before) const;
  // Forgets every checkpoint, keeps each of `checkpoints` (position, state_floats f32 values,
  // unaligned) as a turn boundary and makes `live` the live state.
  void replace(const uint8_t* live, const std::vector<std::pair<int32_t, const uint8_t*>>& checkpoints);

 private:
  struct Checkpoint {
    int32_t pos = -1;  // -1: free slot
    CheckpointKind kind = CheckpointKind::kTurnBoundary;
  };
  float* slot_data(size_t slot) { return checkpoint_data_.data() + slot * floats_; }
  int find(int32_t pos) const;

  std::vector<size_t> offsets_;  // [n_layer] floats into a state copy (recurrent layers only)
  size_t floats_ = 0;
  std::vector<float> live_;             // [floats_]
  std::vector<float> checkpoint_data_;  // [kTurnCheckpoints + 1, floats_]
  std::vector<Checkpoint> slots_;       // [kTurnCheckpoints + 1]
};

}  // namespace webgguf
