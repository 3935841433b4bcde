// Pre-tokenizers of byte-level BPE vocabularies: split text into words before BPE merges, as
// the regex named by `tokenizer.ggml.pre` does. Each regex is a hand-written matcher that
// reproduces llama.cpp's (unicode_regex_split_custom_* and its std::regex fallbacks) exactly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace webgguf {

enum class PreTokenizerKind {
  // [\p{P}$+<=>^~|]+ , GPT-2 regex, \p{N}+ , [0-9]{3} (applied in turn, each refining the last)
  Default,
  // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Gpt2,
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
  // \s*[\r\n]+|\s+(?!\S)|\s+
  Llama3,
  // as Llama3 with single digits: \p{N} instead of \p{N}{1,3}
  Qwen2,
  // \p{N} , then the GPT-2 regex (StarCoder, SmolLM, Command-R...)
  DigitsThenGpt2,
  // [\p{P}$+<=>^~|`]+ , GPT-2 regex, [0-9]{3}
  Falcon,
};

// What a `tokenizer.ggml.pre` name implies for a byte-level BPE vocabulary (llama.cpp's table).
struct PreTokenizerSpec {
  PreTokenizerKind kind = PreTokenizerKind::Default;
  bool ignore_merges = false;  // a word that is itself a token is emitted whole
  bool add_bos = false;        // default for add_bos_token when the file does not say
  bool clean_spaces = true;    // decode() removes the space before , . ? ! and some contractions
};

// False when the name is not one we implement (the caller refuses the vocabulary).
bool find_pre_tokenizer(const std::string& name, PreTokenizerSpec* spec);

// Splits code points into words; returns the length of each word in code points (their sum is
// cpts.size()).
std::vector<size_t> pre_tokenize(PreTokenizerKind kind, const std::vector<uint32_t>& cpts);

}  // namespace webgguf
