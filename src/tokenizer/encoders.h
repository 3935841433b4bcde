// The two subword algorithms, applied to one fragment of text (special tokens already split off).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/vocab.h"

namespace webgguf {

// SentencePiece BPE by scores: `text` has its spaces already escaped to U+2581; characters no
// token covers fall back to <0xXX> byte tokens (or the unknown token).
void encode_sentencepiece(const Vocab& vocab, const std::string& text, std::vector<int32_t>& out);

// BPE: pre-tokenize into words, map bytes to the GPT-2 alphabet (byte-level vocabularies), apply
// merges by rank.
void encode_bpe(const Vocab& vocab, const std::string& text, std::vector<int32_t>& out);

}  // namespace webgguf
