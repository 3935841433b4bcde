// Pre-tokenizers of BPE vocabularies: split text into words before the merges, as the regexes
// llama.cpp attaches to each `tokenizer.ggml.pre` name do. Every regex is run the way llama.cpp's
// unicode_regex_split runs it: the ones it has hand-written splitters for go to our copies of
// those splitters (pre_tokenizer_custom.cpp), the others to a regex matcher over the same
// "collapsed" or wide text std::regex sees there (code_point_regex.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace webgguf {

class CodePointRegex;

// What a `tokenizer.ggml.pre` name implies (llama.cpp's llama_vocab::impl::load chain).
struct PreTokenizerSpec {
  const char* name = "";
  const char* const* regexes = nullptr;  // applied in turn, each splitting the words of the last
  size_t n_regexes = 0;
  bool ignore_merges = false;       // a word that is itself a token is emitted whole
  bool add_bos = false;             // default for add_bos_token when the file does not say
  bool clean_spaces = true;         // decode() removes the space before , . ? ! and some contractions
  bool escape_whitespaces = false;  // spaces become U+2581 before splitting (SentencePiece-style BPE)
  bool byte_encode = true;          // GPT-2 byte alphabet; false: raw UTF-8, <0xXX> byte fallback
  bool whole_newline_runs = false;  // Gemma 4: a run of '\n' that is a token is emitted whole
  bool no_default_bos = false;      // ChatGLM: no BOS unless the file names one
  bool force_add_bos = false;       // Gemma 4: add_bos even when the file says false
  bool merges_optional = false;     // Kimi-K2 ships no merges
};

// The spec of a name, or an error naming the unknown pre-tokenizer.
Result<const PreTokenizerSpec*> find_pre_tokenizer(const std::string& name);
// Every name we implement, in table order (the docs and the tests read it).
std::vector<std::string> pre_tokenizer_names();

// The pattern llama.cpp's unicode_regex_split hands std::regex for `regex`, as symbols: when the
// regex names a \p{..} category it runs on the collapsed text and the pattern is its rewrite (one
// symbol per byte); otherwise the code points of the regex, on the wide text.
std::vector<uint32_t> regex_symbols_as_llama_cpp_runs(const std::string& regex, bool* collapsed);

// The regexes of one spec, compiled once per vocabulary.
class PreTokenizer {
 public:
  static Result<std::shared_ptr<const PreTokenizer>> create(const PreTokenizerSpec& spec);
  ~PreTokenizer();

  // Splits code points into words; returns the length of each word in code points (their sum is
  // cpts.size(); no word is empty).
  std::vector<size_t> split(const std::vector<uint32_t>& cpts) const;

  struct Stage;

 private:
  PreTokenizer() = default;
  std::vector<Stage> stages_;
};

}  // namespace webgguf
