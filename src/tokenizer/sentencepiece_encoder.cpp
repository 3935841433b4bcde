// Port of llama.cpp's llm_tokenizer_spm_session: start from UTF-8 characters and repeatedly merge
// the adjacent pair whose concatenation is the highest-scoring token (leftmost on ties).
#include <queue>
#include <string_view>

#include "tokenizer/encoders.h"
#include "tokenizer/unicode.h"

namespace webgguf {

namespace {

struct Symbol {
  int prev;
  int next;
  size_t begin;  // byte offset in the text
  size_t n;      // byte length; 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t size;  // bytes of both symbols when queued: a changed symbol makes the entry stale
};

struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SentencePieceSession {
 public:
  SentencePieceSession(const Vocab& vocab, const std::string& text) : vocab_(vocab), text_(text) {}

  void encode(std::vector<int32_t>& out) {
    for (size_t offset = 0; offset < text_.size();) {
      const size_t n =
          std::min(unicode::utf8_sequence_length(static_cast<uint8_t>(text_[offset])), text_.size() - offset);
      const int index = static_cast<int>(symbols_.size());
      symbols_.push_back({index - 1, offset + n == text_.size() ? -1 : index + 1, offset, n});
      offset += n;
    }
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add_bigram(i - 1, i);

    while (!queue_.empty()) {
      const Bigram bigram = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[bigram.left];
      Symbol& right = symbols_[bigram.right];
      if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = bigram.left;
      try_add_bigram(left.prev, bigram.left);
      try_add_bigram(bigram.left, left.next);
    }

    for (int i = symbols_.empty() ? -1 : 0; i != -1; i = symbols_[i].next) emit(symbols_[i], out);
  }

 private:
  std::string_view text_of(size_t begin, size_t n) const { return std::string_view(text_.data() + begin, n); }

  void try_add_bigram(int left, int right) {
    if (left == -1 || right == -1) return;
    const size_t size = symbols_[left].n + symbols_[right].n;
    const int32_t id = vocab_.find(text_of(symbols_[left].begin, size));
    if (id < 0) return;
    queue_.push({left, right, vocab_.tokens[id].score, size});
  }

  // A merged symbol is always a token; a lone character may not be: then its bytes.
  void emit(const Symbol& symbol, std::vector<int32_t>& out) const {
    const int32_t id = vocab_.find(text_of(symbol.begin, symbol.n));
    if (id >= 0) {
      out.push_back(id);
      return;
    }
    for (size_t i = 0; i < symbol.n; ++i) {
      const int32_t byte_id = vocab_.byte_to_token[static_cast<uint8_t>(text_[symbol.begin + i])];
      const int32_t fallback = byte_id >= 0 ? byte_id : vocab_.unk;
      if (fallback >= 0) out.push_back(fallback);
    }
  }

  const Vocab& vocab_;
  const std::string& text_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void encode_sentencepiece(const Vocab& vocab, const std::string& text, std::vector<int32_t>& out) {
  SentencePieceSession(vocab, text).encode(out);
}

}  // namespace webgguf
