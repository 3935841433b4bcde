// The vocabulary a Tokenizer works from, loaded from GGUF metadata with llama.cpp's rules
// (default special ids per model, EOG detection by token text, forced control types...).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_index.h"

namespace webgguf {

enum class VocabModel { SentencePiece, BytePairEncoding };

struct TokenData {     // the text is in Vocab::texts
  float score = 0.0f;  // SentencePiece merge priority
  TokenType type = TokenType::Normal;
  bool lstrip = false;  // special token swallows the whitespace on its left (when parsed)
  bool rstrip = false;  // ... and on its right
};

struct Vocab {
  VocabModel model = VocabModel::SentencePiece;
  PreTokenizerSpec pre;                               // BPE only: the name's flags
  std::shared_ptr<const PreTokenizer> pre_tokenizer;  // BPE only: its compiled regexes
  std::vector<TokenData> tokens;
  TokenTexts texts;  // of every token, and the text -> id index
  BpeMergeTable merges;
  // The token of each byte: <0xXX> (SentencePiece and raw-byte BPE) or the GPT-2 alphabet's
  // character; -1 when the vocabulary has no such byte.
  std::array<int32_t, 256> byte_to_token{};
  int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, pad = -1;
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;           // SentencePiece: a space before text that starts a fragment
  bool clean_spaces = false;               // decode() tidies spaces before punctuation
  std::vector<int32_t> special_tokens;     // control, user-defined and unknown; longest text first
  std::vector<int32_t> end_of_generation;  // sorted

  int32_t find(std::string_view text) const { return texts.find(text); }
  std::string_view text(int32_t id) const { return texts.text(id); }
  const BpeMerge* find_merge(int32_t left, int32_t right) const { return merges.find(left, right); }
  bool valid(int32_t id) const { return id >= 0 && static_cast<size_t>(id) < tokens.size(); }
};

Result<std::unique_ptr<Vocab>> load_vocab(const GgufFile& file);

}  // namespace webgguf
