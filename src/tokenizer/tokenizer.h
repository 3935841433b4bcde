// Text <-> token ids from a GGUF vocabulary, equal to llama.cpp's llama_tokenize/llama_detokenize:
// SentencePiece (`llama` model), byte-level BPE (`gpt2` model) with every pre-tokenizer llama.cpp
// knows for `tokenizer.ggml.pre`, and Gemma 4's SentencePiece-style BPE (`gemma4` model).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "gguf/gguf.h"

namespace webgguf {

// tokenizer.ggml.token_type values.
enum class TokenType : uint8_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct Vocab;

class Tokenizer {
 public:
  // Reads tokenizer.ggml.* metadata (model, pre, tokens, scores, token_type, merges, bos/eos/eot/
  // unk/pad ids, add_bos_token, add_eos_token, add_space_prefix...). Refuses other models
  // (bert, t5, rwkv...) and unknown pre-tokenizers with an error naming them.
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const GgufFile& file);
  ~Tokenizer();

  // add_special: add BOS/EOS as the vocab declares; parse_special: recognise control and
  // user-defined token text (user-defined tokens are always recognised, as in llama.cpp).
  std::vector<int32_t> encode(const std::string& text, bool add_special, bool parse_special) const;
  // Raw bytes of one token (may be partial UTF-8); empty for an invalid id, and for control/
  // unknown tokens unless render_special.
  std::string token_to_piece(int32_t id, bool render_special) const;
  // Whole text of a sequence, as llama_detokenize(remove_special = false): SPM drops the leading
  // space its encoder added; BPE vocabularies with clean_spaces tidy " ," " ." " 's" and the like.
  std::string decode(const std::vector<int32_t>& ids, bool render_special) const;

  int32_t n_vocab() const;
  int32_t bos() const;  // -1 when absent
  int32_t eos() const;
  int32_t eot() const;
  bool is_end_of_generation(int32_t id) const;  // eos, eot, eom and other EOG tokens
  bool adds_bos() const;
  TokenType token_type(int32_t id) const;         // Unused for an invalid id
  std::string_view token_text(int32_t id) const;  // empty for an invalid id

 private:
  explicit Tokenizer(std::unique_ptr<Vocab> vocab);
  std::unique_ptr<Vocab> vocab_;
};

// Streaming UTF-8 for generated text: push token bytes, get back only complete characters.
// Invalid bytes become U+FFFD as soon as they are known to be invalid, so the output is always
// valid UTF-8.
class Utf8StreamDecoder {
 public:
  std::string push(const std::string& bytes);
  // What is left: an incomplete trailing sequence becomes U+FFFD. Resets the decoder.
  std::string flush();

 private:
  std::string pending_;  // an incomplete but so far valid sequence (at most 3 bytes)
};

}  // namespace webgguf
