// Copies of llama.cpp's hand-written splitters (unicode_regex_split_custom_*): llama.cpp runs a
// regex through one of these when its text equals the splitter's regex, and their results are
// what llama.cpp produces (where they differ from the regex, they are what we must match).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace webgguf {

enum class CustomSplitter : uint8_t {
  None,         // no hand-written splitter: the regex matcher runs the regex
  Gpt2,         // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Llama3,       // (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|...
  Qwen2,        // as Llama3 with \p{N}
  Qwen35,       // as Qwen2 with [\p{L}\p{M}]+ and [^\s\p{L}\p{M}\p{N}]+
  KimiK2,       // \p{Han}+ first, then GPT-4o-like words that exclude Han
  AfmoeDigits,  // digit runs cut into groups of 3 from the right (also tiny_aya's \d{1,3}(?=...))
  Newlines,     // [^\n]+|[\n]+
};

// The splitter llama.cpp uses for this exact regex text.
CustomSplitter custom_splitter_for(const std::string& regex);

// Per code point classes (llama.cpp's unicode_cpt_flags, as far as the splitters look).
namespace cpt_class {
constexpr uint8_t kLetter = 1;       // \p{L}
constexpr uint8_t kNumber = 2;       // \p{N}
constexpr uint8_t kWhitespace = 4;   // \s (White_Space)
constexpr uint8_t kPunctuation = 8;  // \p{P}
constexpr uint8_t kMark = 16;        // \p{M}
constexpr uint8_t kSymbol = 32;      // \p{S}
constexpr uint8_t kPresent = 64;     // set on every code point: 0 means "outside the piece"
}  // namespace cpt_class

uint8_t classify_codepoint(uint32_t cpt);

// Splits the piece [begin, end) of `cpts` (classes[i] = classify_codepoint(cpts[i])), appending
// the non-zero word lengths.
void split_custom(CustomSplitter splitter, const std::vector<uint32_t>& cpts, const std::vector<uint8_t>& classes,
                  size_t begin, size_t end, std::vector<size_t>& lengths);

}  // namespace webgguf
