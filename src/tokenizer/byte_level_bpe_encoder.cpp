// Port of llama.cpp's llm_tokenizer_bpe_session for byte-level vocabularies. Symbols carry token
// ids and merges are looked up by id pair, so no strings are built while merging.
#include <queue>

#include "tokenizer/encoders.h"
#include "tokenizer/unicode.h"

namespace webgguf {

namespace {

struct Symbol {
  int prev;
  int next;
  size_t n;    // bytes covered; 0 once merged into its left neighbour
  int32_t id;  // token whose text the symbol spells, -1 when none
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
  explicit WordMerger(const Vocab& vocab) : vocab_(vocab) {}

  void encode_word(const std::string& word, std::vector<int32_t>& out) {
    if (vocab_.pre.ignore_merges) {
      const int32_t whole = vocab_.find(to_byte_alphabet(word, 0, word.size()));
      if (whole >= 0) {
        out.push_back(whole);
        return;
      }
    }
    symbols_.clear();
    const int n_bytes = static_cast<int>(word.size());
    for (int i = 0; i < n_bytes; ++i) {
      symbols_.push_back({i - 1, i + 1 == n_bytes ? -1 : i + 1, 1,
                          vocab_.byte_to_token[static_cast<uint8_t>(word[i])]});
    }
    for (int i = 1; i < n_bytes; ++i) add_bigram(i - 1, i);

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

    size_t begin = 0;
    for (const Symbol& symbol : symbols_) {
      if (symbol.n == 0) continue;
      if (symbol.id >= 0) {
        out.push_back(symbol.id);
      } else {
        // As llama.cpp: look up each byte of the symbol's alphabet text as a one-byte token.
        for (char c : to_byte_alphabet(word, begin, symbol.n)) {
          const int32_t id = vocab_.find(std::string_view(&c, 1));
          if (id >= 0) out.push_back(id);
        }
      }
      begin += symbol.n;
    }
  }

 private:
  void add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    const BpeMerge* merge = vocab_.find_merge(symbols_[left].id, symbols_[right].id);
    if (!merge) return;
    queue_.push({left, right, merge->rank, merge->result, symbols_[left].n + symbols_[right].n});
  }

  const Vocab& vocab_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void encode_byte_level_bpe(const Vocab& vocab, const std::string& text, std::vector<int32_t>& out) {
  const std::vector<uint32_t> cpts = unicode::decode_utf8_lenient(text);
  WordMerger merger(vocab);
  std::string word;
  size_t start = 0;
  for (size_t length : pre_tokenize(vocab.pre.kind, cpts)) {
    // Re-encoding the code points turns invalid input bytes into U+FFFD, as llama.cpp does.
    word.clear();
    for (size_t i = start; i < start + length; ++i) unicode::append_utf8(cpts[i], word);
    merger.encode_word(word, out);
    start += length;
  }
}

}  // namespace webgguf
