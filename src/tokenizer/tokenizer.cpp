#include "tokenizer/tokenizer.h"

#include <algorithm>

#include "tokenizer/encoders.h"
#include "tokenizer/special_partition.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace webgguf {

namespace {

const char kEscapedSpace[] = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

std::string escape_spaces(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    if (c == ' ') {
      escaped += kEscapedSpace;
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string unescape_spaces(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, kEscapedSpace) == 0) {
      result += ' ';
      i += 3;
    } else {
      result += text[i++];
    }
  }
  return result;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// "<0xAB>" -> the byte; empty when the text is not of that form.
std::string byte_token_piece(std::string_view text) {
  if (text.size() != 6 || text.compare(0, 3, "<0x") != 0 || text[5] != '>') return "";
  const int high = hex_digit(text[3]);
  const int low = hex_digit(text[4]);
  if (high < 0 || low < 0) return "";
  return std::string(1, static_cast<char>(high * 16 + low));
}

// GPT-2 alphabet text -> the bytes it stands for. A code point outside the alphabet is written
// as llama.cpp's llama_decode_text writes it.
std::string decode_byte_alphabet(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string bytes;
  for (uint32_t cpt : unicode::decode_utf8_lenient(text)) {
    const int byte = unicode::gpt2_codepoint_to_byte(cpt);
    if (byte >= 0) {
      bytes += static_cast<char>(byte);
      continue;
    }
    std::string utf8;
    unicode::append_utf8(cpt, utf8);
    bytes += "[UNK_BYTE_0x";
    for (unsigned char c : utf8) {
      bytes += kHex[c >> 4];
      bytes += kHex[c & 15];
    }
    bytes.append(text);
    bytes += ']';
  }
  return bytes;
}

// llama_detokenize's clean_spaces passes, in place and in the same order (each pass reads the
// buffer the previous steps of the same pass have rewritten).
void clean_up_spaces(std::string& text) {
  // " ?", " !", " .", " ," -> drop the space.
  size_t total = text.empty() ? 0 : 1;
  for (size_t i = 1; i < text.size(); ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --total;
    text[total++] = x;
  }
  text.resize(total);

  // " ' " -> "'": a lone apostrophe loses the spaces around it.
  const size_t total2 = text.size();
  total = total2 ? 1 : 0;
  for (size_t i = 1; i < total2; ++i) {
    const char x = text[i];
    if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
      --total;
      text[++i] = '\0';
    }
    text[total++] = x;
  }
  text.resize(total);

  // " 's", " 'm", " 're", " 've" -> drop the space (" 't", " 'd", " 'll" keep it).
  const size_t total3 = text.size();
  total = total3 ? 1 : 0;
  for (size_t i = 1; i < total3; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
      const char x1 = text[i + 1];
      if (x1 == 's' || x1 == 'm') {
        --total;
      } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
        const char x2 = text[i + 2];
        if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;
      }
    }
    text[total++] = x;
  }
  text.resize(total);
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Vocab> vocab) : vocab_(std::move(vocab)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const GgufFile& file) {
  Result<std::unique_ptr<Vocab>> vocab = load_vocab(file);
  if (!vocab.is_ok()) return vocab.status();
  return std::unique_ptr<Tokenizer>(new Tokenizer(vocab.take()));
}

std::vector<int32_t> Tokenizer::encode(const std::string& text, bool add_special, bool parse_special) const {
  const Vocab& vocab = *vocab_;
  std::vector<int32_t> ids;
  if (add_special && vocab.add_bos) ids.push_back(vocab.bos);
  // SentencePiece puts a space before text that starts the input or follows a special token.
  bool previous_is_special = true;
  for (const TextFragment& fragment : partition_special_tokens(vocab, text, parse_special)) {
    if (fragment.token >= 0) {
      ids.push_back(fragment.token);
      previous_is_special = true;
      continue;
    }
    std::string piece = text.substr(fragment.offset, fragment.length);
    if (vocab.model == VocabModel::SentencePiece) {
      if (vocab.add_space_prefix && previous_is_special) piece.insert(0, 1, ' ');
      encode_sentencepiece(vocab, escape_spaces(piece), ids);
    } else {
      encode_bpe(vocab, vocab.pre.escape_whitespaces ? escape_spaces(piece) : piece, ids);
    }
    previous_is_special = false;
  }
  if (add_special && vocab.add_eos) ids.push_back(vocab.eos);
  return ids;
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  const Vocab& vocab = *vocab_;
  if (!vocab.valid(id)) return "";
  const std::string_view text = vocab.text(id);
  switch (vocab.tokens[id].type) {
    case TokenType::Control:
    case TokenType::Unknown: return render_special ? std::string(text) : "";
    case TokenType::UserDefined: return std::string(text);
    case TokenType::Normal:
      return vocab.model == VocabModel::SentencePiece || vocab.pre.escape_whitespaces ? unescape_spaces(text)
                                                                                      : decode_byte_alphabet(text);
    case TokenType::Byte: return byte_token_piece(text);
    case TokenType::Unused: return "";
  }
  return "";
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool render_special) const {
  std::string text;
  // The space SentencePiece added in front of the text goes away again.
  bool remove_space = vocab_->add_space_prefix;
  for (int32_t id : ids) {
    const std::string piece = token_to_piece(id, render_special);
    const size_t skip = remove_space && !piece.empty() && piece[0] == ' ' ? 1 : 0;
    text.append(piece, skip, std::string::npos);
    remove_space = false;
  }
  if (vocab_->clean_spaces) clean_up_spaces(text);
  return text;
}

int32_t Tokenizer::n_vocab() const {
  return static_cast<int32_t>(vocab_->tokens.size());
}
int32_t Tokenizer::bos() const {
  return vocab_->bos;
}
int32_t Tokenizer::eos() const {
  return vocab_->eos;
}
int32_t Tokenizer::eot() const {
  return vocab_->eot;
}
bool Tokenizer::adds_bos() const {
  return vocab_->add_bos;
}

bool Tokenizer::is_end_of_generation(int32_t id) const {
  const std::vector<int32_t>& eog = vocab_->end_of_generation;
  return std::binary_search(eog.begin(), eog.end(), id);
}

TokenType Tokenizer::token_type(int32_t id) const {
  return vocab_->valid(id) ? vocab_->tokens[id].type : TokenType::Unused;
}

std::string_view Tokenizer::token_text(int32_t id) const {
  return vocab_->valid(id) ? vocab_->text(id) : std::string_view();
}

}  // namespace webgguf
