// Port of llama.cpp's llm_tokenizer_bpe_session. Symbols carry token ids and merges are looked up
// by id pair, so no strings are built while merging. Byte-level vocabularies start from one
// symbol per byte (its GPT-2 alphabet character); raw-byte ones (Gemma 4) from one per UTF-8
// character, with <0xXX> tokens for characters no token spells.
#include <queue>

#include "tokenizer/encoders.h"
#include "tokenizer/unicode.h"

namespace webgguf {

namespace {

struct Symbol {
  int prev;
  int next;
  size_t begin;  // byte offset in the word
  size_t n;      // bytes covered; 0 once merged into its left neighbour
  int32_t id;    // token whose text the symbol spells, -1 when none
};

struct Bigram {
  int left;
  int right;
  int32_t rank;
  int32_t result;
  size_t size;  // bytes of both symbols when queued: a changed symbol makes the entry stale
};

struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

// The word in the GPT-2 alphabet (each byte -> one printable code point).
std::string to_byte_alphabet(const std::string& bytes, size_t begin, size_t n) {
  std::string text;
  for (size_t i = 0; i < n; ++i) text += unicode::gpt2_byte_to_text(static_cast<uint8_t>(bytes[begin + i]));
  return text;
}

class WordMerger {
 public:
  explicit WordMerger(const Vocab& vocab) : vocab_(vocab), byte_encode_(vocab.pre.byte_encode) {}

  void encode_word(const std::string& word, std::vector<int32_t>& out) {
    if (emit_whole(word, out)) return;
    symbols_.clear();
    for (size_t offset = 0; offset < word.size();) {
      size_t n = 1;
      int32_t id = vocab_.byte_to_token[static_cast<uint8_t>(word[offset])];
      if (!byte_encode_) {
        n = std::min(unicode::utf8_sequence_length(static_cast<uint8_t>(word[offset])), word.size() - offset);
        id = vocab_.find(std::string_view(word.data() + offset, n));
      }
      const int index = static_cast<int>(symbols_.size());
      symbols_.push_back({index - 1, offset + n == word.size() ? -1 : index + 1, offset, n, id});
      offset += n;
    }
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) add_bigram(i - 1, i);

    while (!queue_.empty()) {
      const Bigram bigram = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[bigram.left];
      Symbol& right = symbols_[bigram.right];
      if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
      left.n += right.n;
      left.id = bigram.result;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = bigram.left;
      add_bigram(left.prev, bigram.left);
      add_bigram(bigram.left, left.next);
    }

    for (const Symbol& symbol : symbols_) {
      if (symbol.n == 0) continue;
      if (symbol.id >= 0) {
        out.push_back(symbol.id);
      } else if (byte_encode_) {
        // As llama.cpp: look up each byte of the symbol's alphabet text as a one-byte token.
        for (char c : to_byte_alphabet(word, symbol.begin, symbol.n)) {
          const int32_t id = vocab_.find(std::string_view(&c, 1));
          if (id >= 0) out.push_back(id);
        }
      } else {
        for (size_t i = symbol.begin; i < symbol.begin + symbol.n; ++i) {
          const int32_t id = vocab_.byte_to_token[static_cast<uint8_t>(word[i])];
          if (id >= 0) out.push_back(id);
        }
      }
    }
  }

 private:
  // ignore_merges: a word that is a token is that token. Gemma 4 does the same for a run of
  // newlines (its merges never join them).
  bool emit_whole(const std::string& word, std::vector<int32_t>& out) const {
    const bool newlines_only = word.find_first_not_of('\n') == std::string::npos;
    if (!vocab_.pre.ignore_merges && !(vocab_.pre.whole_newline_runs && newlines_only)) return false;
    const int32_t whole = vocab_.find(byte_encode_ ? to_byte_alphabet(word, 0, word.size()) : word);
    if (whole < 0) return false;
    out.push_back(whole);
    return true;
  }

  void add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    const BpeMerge* merge = vocab_.find_merge(symbols_[left].id, symbols_[right].id);
    if (!merge) return;
    queue_.push({left, right, merge->rank, merge->result, symbols_[left].n + symbols_[right].n});
  }

  const Vocab& vocab_;
  const bool byte_encode_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void encode_bpe(const Vocab& vocab, const std::string& text, std::vector<int32_t>& out) {
  const std::vector<uint32_t> cpts = unicode::decode_utf8_lenient(text);
  WordMerger merger(vocab);
  std::string word;
  size_t start = 0;
  for (size_t length : vocab.pre_tokenizer->split(cpts)) {
    // Re-encoding the code points turns invalid input bytes into U+FFFD, as llama.cpp does.
    word.clear();
    for (size_t i = start; i < start + length; ++i) unicode::append_utf8(cpts[i], word);
    merger.encode_word(word, out);
    start += length;
  }
}

}  // namespace webgguf
