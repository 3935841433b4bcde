#include "engine/shifted_conversation.h"

namespace webgguf {

namespace {
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
}  // namespace

uint64_t ShiftedConversation::extend_hash(uint64_t hash, const int32_t* tokens, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const uint32_t t = static_cast<uint32_t>(tokens[i]);
    for (int b = 0; b < 4; ++b) hash = (hash ^ ((t >> (8 * b)) & 0xFF)) * kFnvPrime;
  }
  return hash;
}

void ShiftedConversation::forget() {
  begin_ = end_ = 0;
  prefix_hash_ = 0;
}

bool ShiftedConversation::map(const std::vector<int32_t>& tokens, std::vector<int32_t>* visible) const {
  if (!active() || tokens.size() < end_) return false;
  if (extend_hash(kFnvOffset, tokens.data(), end_) != prefix_hash_) return false;
  visible->assign(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(begin_));
  visible->insert(visible->end(), tokens.begin() + static_cast<std::ptrdiff_t>(end_), tokens.end());
  return true;
}

void ShiftedConversation::drop(const std::vector<int32_t>& visible, size_t n_keep, size_t count) {
  if (!active() || n_keep != begin_) {
    // A new range: the conversation's first n_keep tokens are the visible ones.
    begin_ = end_ = n_keep;
    prefix_hash_ = extend_hash(kFnvOffset, visible.data(), n_keep);
  }
  // Visible [n_keep, n_keep + count) are the conversation's [end_, end_ + count).
  prefix_hash_ = extend_hash(prefix_hash_, visible.data() + n_keep, count);
  end_ += count;
}

}  // namespace webgguf
