// A vocabulary as the grammar sees it, built once per loaded model: every token's piece (as
// llama.cpp's token_to_piece with special tokens rendered), decoded to code points from a clean
// UTF-8 start, and a prefix trie over those code points so a full pass over 150k-262k tokens
// walks shared prefixes once and drops a whole subtree at its first rejected character.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sampler/grammar.h"

namespace webgguf {

class GrammarVocabulary {
 public:
  // pieces [n_vocab]; end_of_generation [n_vocab] marks EOS/EOT/EOG tokens.
  GrammarVocabulary(std::vector<std::string> pieces, std::vector<bool> end_of_generation);

  struct TrieNode {
    uint32_t code_point;   // the character that leads here from the parent (root: unused)
    uint32_t first_child;  // children are nodes [first_child, first_child + n_children)
    uint32_t n_children;
    uint32_t begin, end;  // the subtree's tokens: sorted_tokens()[begin, end)
    uint32_t n_ending;    // of which the first n_ending end exactly at this node
  };

  size_t size() const { return pieces_.size(); }
  const std::string& piece(int32_t id) const { return pieces_[static_cast<size_t>(id)]; }
  bool is_end_of_generation(int32_t id) const { return end_of_generation_[static_cast<size_t>(id)]; }
  // A token the grammar can never take: empty piece, NUL first byte, or invalid UTF-8 (from a
  // clean start).
  bool is_rejected_from_clean_start(int32_t id) const { return !in_trie_[static_cast<size_t>(id)]; }
  // Code points and trailing cut sequence of a token's piece from a clean start.
  const uint32_t* code_points(int32_t id, size_t* n) const {
    const size_t i = static_cast<size_t>(id);
    *n = offsets_[i + 1] - offsets_[i];
    return code_points_.data() + offsets_[i];
  }
  PartialUtf8 end_partial(int32_t id) const { return end_partial_[static_cast<size_t>(id)]; }

  const std::vector<TrieNode>& trie() const { return trie_; }  // trie()[0] is the root
  const std::vector<int32_t>& sorted_tokens() const { return sorted_; }
  // Index of a token in sorted_tokens(), or UINT32_MAX when it is not in the trie.
  uint32_t sorted_index(int32_t id) const { return sorted_index_[static_cast<size_t>(id)]; }

 private:
  void build_trie();

  std::vector<std::string> pieces_;
  std::vector<bool> end_of_generation_;
  std::vector<bool> in_trie_;
  std::vector<uint32_t> code_points_;  // every token's code points, back to back
  std::vector<size_t> offsets_;        // [n_vocab + 1]
  std::vector<PartialUtf8> end_partial_;
  std::vector<int32_t> sorted_;  // trie tokens by code point sequence (then id)
  std::vector<uint32_t> sorted_index_;
  std::vector<TrieNode> trie_;
};

}  // namespace webgguf
