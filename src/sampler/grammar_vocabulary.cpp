#include "sampler/grammar_vocabulary.h"

#include <algorithm>
#include <utility>

namespace webgguf {

GrammarVocabulary::GrammarVocabulary(std::vector<std::string> pieces, std::vector<bool> end_of_generation)
    : pieces_(std::move(pieces)), end_of_generation_(std::move(end_of_generation)) {
  const size_t n = pieces_.size();
  end_of_generation_.resize(n, false);
  in_trie_.assign(n, false);
  end_partial_.assign(n, PartialUtf8{});
  offsets_.assign(n + 1, 0);
  std::vector<uint32_t> decoded;
  for (size_t i = 0; i < n; ++i) {
    offsets_[i] = code_points_.size();
    const std::string& piece = pieces_[i];
    // As llama_grammar_apply_impl: an empty piece or one starting with NUL is never allowed.
    if (end_of_generation_[i] || piece.empty() || piece[0] == '\0') continue;
    PartialUtf8 end;
    decode_utf8_piece(piece, PartialUtf8{}, &decoded, &end);
    if (end.n_remain < 0) continue;  // invalid UTF-8: no grammar position accepts it
    in_trie_[i] = true;
    end_partial_[i] = end;
    code_points_.insert(code_points_.end(), decoded.begin(), decoded.end());
  }
  offsets_[n] = code_points_.size();
  build_trie();
}

void GrammarVocabulary::build_trie() {
  for (size_t i = 0; i < pieces_.size(); ++i) {
    if (in_trie_[i]) sorted_.push_back(static_cast<int32_t>(i));
  }
  auto sequence = [this](int32_t id) {
    size_t len = 0;
    const uint32_t* cps = code_points(id, &len);
    return std::make_pair(cps, cps + len);
  };
  std::sort(sorted_.begin(), sorted_.end(), [&](int32_t a, int32_t b) {
    const auto sa = sequence(a), sb = sequence(b);
    if (std::lexicographical_compare(sa.first, sa.second, sb.first, sb.second)) return true;
    if (std::lexicographical_compare(sb.first, sb.second, sa.first, sa.second)) return false;
    return a < b;
  });
  sorted_index_.assign(pieces_.size(), UINT32_MAX);
  for (size_t i = 0; i < sorted_.size(); ++i) sorted_index_[static_cast<size_t>(sorted_[i])] = static_cast<uint32_t>(i);

  // Breadth first: node i's tokens sorted_[begin, end) share their first depth[i] code points;
  // the shorter ones (ending here) sort first, the rest group by their next code point.
  trie_.push_back(TrieNode{0, 0, 0, 0, static_cast<uint32_t>(sorted_.size()), 0});
  std::vector<uint32_t> depth{0};
  for (size_t node = 0; node < trie_.size(); ++node) {
    const uint32_t d = depth[node];
    uint32_t i = trie_[node].begin;
    const uint32_t end = trie_[node].end;
    auto length_of = [this](int32_t id) {
      return offsets_[static_cast<size_t>(id) + 1] - offsets_[static_cast<size_t>(id)];
    };
    while (i < end && length_of(sorted_[i]) == d) ++i;
    trie_[node].n_ending = i - trie_[node].begin;
    trie_[node].first_child = static_cast<uint32_t>(trie_.size());
    while (i < end) {
      const uint32_t cp = code_points_[offsets_[static_cast<size_t>(sorted_[i])] + d];
      uint32_t j = i + 1;
      while (j < end && code_points_[offsets_[static_cast<size_t>(sorted_[j])] + d] == cp) ++j;
      trie_.push_back(TrieNode{cp, 0, 0, i, j, 0});
      depth.push_back(d + 1);
      ++trie_[node].n_children;
      i = j;
    }
  }
}

}  // namespace webgguf
