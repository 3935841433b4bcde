#include "tokenizer/special_partition.h"

#include <string_view>

namespace webgguf {

namespace {

// std::isspace in the C locale.
bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Splits one raw fragment on every occurrence of `token_id`, appending the pieces to `out`.
void split_fragment(const Vocab& vocab, const std::string& text, const TextFragment& fragment, int32_t token_id,
                    std::vector<TextFragment>& out) {
  const TokenData& token = vocab.tokens[token_id];
  const std::string_view token_text = vocab.text(token_id);
  size_t base = fragment.offset;
  size_t length = fragment.length;
  while (true) {
    const size_t match = std::string_view(text.data(), base + length).find(token_text, base);
    if (match == std::string_view::npos) break;
    if (match > base) {
      size_t left_length = match - base;
      if (token.lstrip) {
        while (left_length > 0 && is_ascii_space(text[base + left_length - 1])) --left_length;
      }
      if (left_length > 0) out.push_back({-1, base, left_length});
    }
    out.push_back({token_id, 0, 0});
    size_t right = match + token_text.size();
    size_t right_length = base + length - right;
    if (token.rstrip) {
      while (right_length > 0 && is_ascii_space(text[right])) {
        ++right;
        --right_length;
      }
    }
    base = right;
    length = right_length;
    if (length == 0) return;
  }
  out.push_back({-1, base, length});
}

}  // namespace

std::vector<TextFragment> partition_special_tokens(const Vocab& vocab, const std::string& text, bool parse_special) {
  std::vector<TextFragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({-1, 0, text.size()});
  std::vector<TextFragment> next;
  for (int32_t id : vocab.special_tokens) {
    const TokenType type = vocab.tokens[id].type;
    if (!parse_special && (type == TokenType::Control || type == TokenType::Unknown)) continue;
    next.clear();
    for (const TextFragment& fragment : fragments) {
      if (fragment.token >= 0) {
        next.push_back(fragment);
      } else {
        split_fragment(vocab, text, fragment, id, next);
      }
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace webgguf
