#include "model/recurrent_state.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace webgguf {

uint64_t RecurrentState::layer_floats(const ModelConfig& c, int il) {
  if (!c.layers[il].recurrent) return 0;
  if (c.traits->recurrent == RecurrentLayer::kShortConv)
    return static_cast<uint64_t>(c.shortconv_l_cache - 1) * c.n_embd;
  const ModelConfig::DeltaNet& d = c.delta_net;
  return static_cast<uint64_t>(d.d_conv - 1) * d.conv_channels() +
         static_cast<uint64_t>(d.n_v_heads) * d.head_dim * d.head_dim;
}

uint64_t RecurrentState::state_floats(const ModelConfig& c) {
  uint64_t floats = 0;
  for (int il = 0; il < c.n_layer; ++il) floats += layer_floats(c, il);
  return floats;
}

bool RecurrentState::configure(const ModelConfig& c) {
  offsets_.assign(c.layers.size(), 0);
  size_t floats = 0;
  for (size_t il = 0; il < c.layers.size(); ++il) {
    offsets_[il] = floats;
    floats += static_cast<size_t>(layer_floats(c, static_cast<int>(il)));
  }
  floats_ = floats;
  try {
    live_.assign(floats_, 0.0f);
    checkpoint_data_.assign(floats_ * (kTurnCheckpoints + 1), 0.0f);
  } catch (const std::bad_alloc&) {
    return false;
  }
  slots_.assign(floats_ > 0 ? kTurnCheckpoints + 1 : 0, Checkpoint());
  return true;
}

void RecurrentState::reset() {
  std::fill(live_.begin(), live_.end(), 0.0f);
}

int RecurrentState::find(int32_t pos) const {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].pos == pos) return static_cast<int>(i);
  }
  return -1;
}

bool RecurrentState::has(int32_t pos) const {
  return pos >= 0 && find(pos) >= 0;
}

void RecurrentState::save(int32_t pos, CheckpointKind kind) {
  if (!active() || pos < 0) return;
  // At most kTurnCheckpoints turn boundaries (the oldest makes room) and one abort point (the
  // newest): the slots always have room for both.
  int n_turns = 0, oldest_turn = -1, abort_slot = -1, free_slot = -1;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Checkpoint& k = slots_[i];
    if (k.pos < 0) {
      free_slot = static_cast<int>(i);
    } else if (k.kind == CheckpointKind::kAbortPoint) {
      abort_slot = static_cast<int>(i);
    } else if (k.pos != pos) {
      ++n_turns;
      if (oldest_turn < 0 || k.pos < slots_[oldest_turn].pos) oldest_turn = static_cast<int>(i);
    }
  }
  const int existing = find(pos);
  if (existing >= 0) {  // the same position holds the same state: only its kind may change
    if (kind == CheckpointKind::kTurnBoundary && slots_[existing].kind == CheckpointKind::kAbortPoint) {
      if (n_turns == kTurnCheckpoints) slots_[oldest_turn] = Checkpoint();
      slots_[existing].kind = kind;
    }
    return;
  }
  int slot = free_slot;
  if (kind == CheckpointKind::kAbortPoint && abort_slot >= 0) slot = abort_slot;
  if (kind == CheckpointKind::kTurnBoundary && n_turns == kTurnCheckpoints) slot = oldest_turn;
  slots_[slot] = {pos, kind};
  std::memcpy(slot_data(slot), live_.data(), floats_ * sizeof(float));
}

bool RecurrentState::restore(int32_t pos) {
  const int slot = find(pos);
  if (slot < 0) return false;
  std::memcpy(live_.data(), slot_data(slot), floats_ * sizeof(float));
  return true;
}

void RecurrentState::drop_after(int32_t pos) {
  for (Checkpoint& k : slots_) {
    if (k.pos > pos) k = Checkpoint();
  }
}

std::vector<int32_t> RecurrentState::positions() const {
  std::vector<int32_t> out;
  for (const Checkpoint& k : slots_) {
    if (k.pos >= 0) out.push_back(k.pos);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const float* RecurrentState::checkpoint(int32_t pos) const {
  const int slot = pos >= 0 ? find(pos) : -1;
  return slot < 0 ? nullptr : checkpoint_data_.data() + static_cast<size_t>(slot) * floats_;
}

int32_t RecurrentState::newest_turn_boundary(int32_t before) const {
  int32_t newest = -1;
  for (const Checkpoint& k : slots_) {
    if (k.kind == CheckpointKind::kTurnBoundary && k.pos < before && k.pos > newest) newest = k.pos;
  }
  return newest;
}

void RecurrentState::replace(const uint8_t* live, const std::vector<std::pair<int32_t, const uint8_t*>>& checkpoints) {
  drop_after(-1);
  // save() copies the live state: each checkpoint passes through it on its way to its slot.
  for (const auto& [pos, state] : checkpoints) {
    std::memcpy(live_.data(), state, floats_ * sizeof(float));
    save(pos, CheckpointKind::kTurnBoundary);
  }
  std::memcpy(live_.data(), live, floats_ * sizeof(float));
}

}  // namespace webgguf
