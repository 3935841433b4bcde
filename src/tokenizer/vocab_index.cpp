#include "tokenizer/vocab_index.h"

namespace webgguf {

namespace {

uint64_t hash_text(std::string_view text) {  // FNV-1a, 64-bit
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t hash_pair(uint64_t key) {  // splitmix64 finaliser
  key ^= key >> 30;
  key *= 0xBF58476D1CE4E5B9ull;
  key ^= key >> 27;
  key *= 0x94D049BB133111EBull;
  return key ^ (key >> 31);
}

size_t capacity_for(size_t n) {
  size_t capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  return capacity;
}

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

}  // namespace

void TokenTexts::reserve(size_t n_texts, size_t n_bytes) {
  pool_.reserve(n_bytes);
  ends_.reserve(n_texts);
}

void TokenTexts::append(std::string_view text) {
  pool_.append(text);
  ends_.push_back(static_cast<uint32_t>(pool_.size()));
}

void TokenTexts::build_index() {
  slots_.assign(capacity_for(size()), -1);
  const size_t mask = slots_.size() - 1;
  for (size_t id = 0; id < size(); ++id) {
    const std::string_view new_text = text(static_cast<int32_t>(id));
    for (size_t i = hash_text(new_text) & mask;; i = (i + 1) & mask) {
      int32_t& slot = slots_[i];
      if (slot < 0 || text(slot) == new_text) {
        slot = static_cast<int32_t>(id);
        break;
      }
    }
  }
}

int32_t TokenTexts::find(std::string_view wanted) const {
  if (slots_.empty()) return -1;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash_text(wanted) & mask;; i = (i + 1) & mask) {
    const int32_t slot = slots_[i];
    if (slot < 0) return -1;
    if (text(slot) == wanted) return slot;
  }
}

void BpeMergeTable::reserve(size_t n_merges) {
  if (capacity_for(n_merges) > slots_.size()) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity_for(n_merges), Slot{});
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.key != kEmpty) {
        insert(static_cast<int32_t>(slot.key >> 32), static_cast<int32_t>(slot.key & 0xFFFFFFFFu), slot.merge);
      }
    }
  }
}

void BpeMergeTable::insert(int32_t left, int32_t right, BpeMerge merge) {
  if (2 * (size_ + 1) > slots_.size()) reserve(2 * (size_ + 1));
  const uint64_t key = pair_key(left, right);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash_pair(key) & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.key == key) return;
    if (slot.key == kEmpty) {
      slot = {key, merge};
      ++size_;
      return;
    }
  }
}

const BpeMerge* BpeMergeTable::find(int32_t left, int32_t right) const {
  if (left < 0 || right < 0 || slots_.empty()) return nullptr;
  const uint64_t key = pair_key(left, right);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash_pair(key) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.key == key) return &slot.merge;
    if (slot.key == kEmpty) return nullptr;
  }
}

}  // namespace webgguf
