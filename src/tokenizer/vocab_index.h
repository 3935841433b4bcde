// Flat open-addressing tables for the vocabulary: token text -> id and (left, right) id pair ->
// BPE merge. Vocabularies reach 150k tokens and 280k merges; node-based maps spend most of the
// load time allocating and chasing pointers, these build in one allocation each.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace webgguf {

// Maps each text of `texts` to its index; a text present twice maps to its last index.
class TokenTextIndex {
 public:
  void build(const std::vector<std::string_view>& texts);
  int32_t find(std::string_view text) const;  // -1 when absent

 private:
  // The text itself sits in the slot (16 bytes): a probe touches one cache line, not a second
  // array, which is most of the load time of a 262k-token vocabulary.
  struct Slot {
    const char* data = nullptr;
    uint32_t size = 0;
    int32_t id = -1;  // -1: empty
    std::string_view text() const { return std::string_view(data, size); }
  };
  std::vector<Slot> slots_;  // capacity: a power of two, at most half full
};

// A BPE merge of two adjacent tokens: its priority (lower first) and the token it makes
// (-1 when the concatenation is not in the vocabulary).
struct BpeMerge {
  int32_t rank = 0;
  int32_t result = -1;
};

class BpeMergeTable {
 public:
  void reserve(size_t n_merges);
  // Keeps the first (lowest-rank) merge of a pair, as llama.cpp's bpe_ranks.emplace.
  void insert(int32_t left, int32_t right, BpeMerge merge);
  const BpeMerge* find(int32_t left, int32_t right) const;  // nullptr when the pair never merges

 private:
  struct Slot {
    uint64_t key = kEmpty;
    BpeMerge merge;
  };
  static constexpr uint64_t kEmpty = ~0ull;
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace webgguf
