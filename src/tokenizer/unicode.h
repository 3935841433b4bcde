// Unicode helpers for the tokenizers: lenient UTF-8 decoding (as llama.cpp: each invalid byte
// becomes U+FFFD), encoding, general-category groups, White_Space, simple lowercase, and the
// GPT-2 byte-level alphabet (every byte maps to one printable code point).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace webgguf::unicode {

constexpr uint32_t kReplacementCharacter = 0xFFFD;
constexpr uint32_t kMaxCodepoint = 0x10FFFF;

// Groups of general categories (\p{L}, \p{N}, ...); values match unicode_tables.cpp.
enum class Category : uint8_t {
  Undefined = 0,
  Number = 1,
  Letter = 2,
  Separator = 3,
  Mark = 4,
  Punctuation = 5,
  Symbol = 6,
  Control = 7,
};

Category category(uint32_t cpt);   // Undefined beyond U+10FFFF
bool is_whitespace(uint32_t cpt);  // the White_Space property (\s)
uint32_t to_lower(uint32_t cpt);   // simple lowercase mapping; cpt itself when none

// Length of the UTF-8 sequence a lead byte announces (1 for continuation/invalid bytes), as
// SentencePiece splits text into symbols.
size_t utf8_sequence_length(uint8_t lead);

// Decodes `text`; an invalid or truncated sequence yields U+FFFD and resumes at the next byte.
std::vector<uint32_t> decode_utf8_lenient(std::string_view text);
void append_utf8(uint32_t cpt, std::string& out);  // cpt <= U+10FFFF

// GPT-2 byte-level BPE: the UTF-8 text of the code point standing for `byte` in the vocabulary,
// and the inverse (-1 when the code point stands for no byte).
const std::string& gpt2_byte_to_text(uint8_t byte);
int gpt2_codepoint_to_byte(uint32_t cpt);

}  // namespace webgguf::unicode
