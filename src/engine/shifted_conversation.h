// The bookkeeping of context shift. The caller always sends the whole conversation; after a shift
// the KV cache holds only its first n_keep tokens and a later tail: the tokens [n_keep, end) of the
// conversation were dropped (each shift drops the oldest tokens after n_keep, so the dropped part
// is one range). A later prompt whose first `end` tokens are the same conversation maps onto the
// cache by leaving the range out; one that differs there (an edited history, another system
// prompt) no longer matches, and the range is forgotten.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace webgguf {

class ShiftedConversation {
 public:
  bool active() const { return end_ > begin_; }
  int32_t n_keep() const { return static_cast<int32_t>(begin_); }
  size_t dropped() const { return end_ - begin_; }
  void forget();
  // For saved sessions: the dropped range and the hash of the conversation up to its end.
  size_t end() const { return end_; }
  uint64_t prefix_hash() const { return prefix_hash_; }
  void restore(size_t begin, size_t end, uint64_t prefix_hash) {
    begin_ = begin;
    end_ = end;
    prefix_hash_ = prefix_hash;
  }

  // `tokens` as the cache sees them (the dropped range left out) in *visible; false (and
  // *visible untouched) when the range does not apply to them.
  bool map(const std::vector<int32_t>& tokens, std::vector<int32_t>* visible) const;

  // The visible tokens [n_keep, n_keep + count) are dropped now. `visible` is what the cache held
  // before the drop (its first n_keep + count tokens are read). A different n_keep than the active
  // range's starts a new range.
  void drop(const std::vector<int32_t>& visible, size_t n_keep, size_t count);

 private:
  static uint64_t extend_hash(uint64_t hash, const int32_t* tokens, size_t n);
  size_t begin_ = 0, end_ = 0;  // the dropped range, in conversation positions
  uint64_t prefix_hash_ = 0;    // FNV-1a of the conversation's tokens [0, end_)
};

}  // namespace webgguf
