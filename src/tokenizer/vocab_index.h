// Flat open-addressing tables for the vocabulary: token text -> id and (left, right) id pair ->
// BPE merge. Vocabularies reach 150k tokens and 280k merges; node-based maps spend most of the
// load time allocating and chasing pointers, these build in one allocation each.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace webgguf {

// The vocabulary's texts, end to end in one allocation, and the index from text to id (a text
// present twice maps to its last id, as llama.cpp's token_to_id). A 262k-token vocabulary (Gemma 3)
// costs ~20 bytes per token here in wasm (text bytes aside); one std::string per token plus a
// 12-byte (data, size, id) slot at half load cost 40, and the wasm heap budget is tight.
class TokenTexts {
 public:
  void reserve(size_t n_texts, size_t n_bytes);
  void append(std::string_view text);  // the next id's text
  void build_index();                  // once, after the last append

  size_t size() const { return ends_.size(); }
  std::string_view text(int32_t id) const {
    const uint32_t begin = id == 0 ? 0 : ends_[static_cast<size_t>(id) - 1];
    return std::string_view(pool_.data() + begin, ends_[static_cast<size_t>(id)] - begin);
  }
  int32_t find(std::string_view text) const;  // -1 when absent

 private:
  std::string pool_;
  std::vector<uint32_t> ends_;  // text id ends at pool_[ends_[id]]
  // Open addressing on ids (-1: empty); capacity a power of two, at most half full. A probe reads
  // the slot, the id's end offsets and the text.
  std::vector<int32_t> slots_;
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
