#include "tokenizer/pre_tokenizer.h"

#include "tokenizer/code_point_regex.h"
#include "tokenizer/pre_tokenizer_custom.h"
#include "tokenizer/unicode.h"

namespace webgguf {

using namespace cpt_class;

// One regex of a spec: a hand-written splitter, or a compiled regex that reads either the
// collapsed text (the regex uses \p{..}) or the wide text.
struct PreTokenizer::Stage {
  CustomSplitter custom = CustomSplitter::None;
  bool collapsed = false;
  CodePointRegex regex;
};

namespace {

// The categories llama.cpp's unicode_regex_split knows, the byte each stands for in collapsed
// text, and the ASCII members its collapsed regex adds next to that byte.
struct CategoryStandIn {
  const char* name;
  uint8_t cpt_class;
  char stand_in;
  const char* ascii;
};
const CategoryStandIn kCategories[] = {
    {"\\p{N}", kNumber, '\xD1', "\x30-\x39"},
    {"\\p{L}", kLetter, '\xD2', "\x41-\x5A\x61-\x7A"},
    {"\\p{P}", kPunctuation, '\xD3', "\x21-\x23\x25-\x2A\x2C-\x2F\x3A-\x3B\x3F-\x40\\\x5B-\\\x5D\x5F\\\x7B\\\x7D"},
    {"\\p{M}", kMark, '\xD4', ""},
    {"\\p{S}", kSymbol, '\xD5', "\\\x24\\\x2B\x3C-\x3E\x5E\x60\\\x7C\\\x7E"},
    {"\\p{Lu}", kLetter, '\xD2', "\x41-\x5A\x61-\x7A"},
    {"\\p{Ll}", kLetter, '\xD2', "\x41-\x5A\x61-\x7A"},
    {"\\p{Lt}", kLetter, '\xD2', "\x41-\x5A\x61-\x7A"},
    {"\\p{Lm}", kLetter, '\xD2', "\x41-\x5A\x61-\x7A"},
    {"\\p{Lo}", kLetter, '\xD2', "\x41-\x5A\x61-\x7A"},
};
constexpr uint32_t kWhitespaceStandIn = 0x0B;  // std::regex's \s matches no non-ASCII space
constexpr uint32_t kOtherStandIn = 0xD0;

bool uses_categories(const std::string& regex) {
  for (const CategoryStandIn& category : kCategories) {
    if (regex.find(category.name) != std::string::npos) return true;
  }
  return false;
}

// llama.cpp's rewrite of a regex for collapsed text: each known \p{..} becomes its stand-in byte
// plus its ASCII members (inside [] as they are, outside wrapped in []).
std::string collapse_regex(const std::string& regex) {
  std::string out;
  bool inside = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    if (regex[i] == '[' && (i == 0 || regex[i - 1] != '\\')) {
      out += '[';
      inside = true;
      continue;
    }
    if (inside && regex[i] == ']' && regex[i - 1] != '\\') {
      out += ']';
      inside = false;
      continue;
    }
    if (regex[i] == '\\' && i + 3 < regex.size() && regex[i + 1] == 'p' && regex[i + 2] == '{') {
      const size_t close = regex.find('}', i + 3);
      if (close != std::string::npos && close <= i + 10) {
        const std::string name = regex.substr(i, close - i + 1);
        const CategoryStandIn* found = nullptr;
        for (const CategoryStandIn& category : kCategories) {
          if (name == category.name) found = &category;
        }
        if (found) {
          if (!inside) out += '[';
          out += found->stand_in;
          out += found->ascii;
          if (!inside) out += ']';
          i = close;
          continue;
        }
      }
    }
    out += regex[i];
  }
  return out;
}

// The stand-in of one code point in collapsed text (ASCII stays itself).
uint32_t collapsed_symbol(uint32_t cpt, uint8_t classes) {
  if (cpt < 128) return cpt;
  if (classes & kWhitespace) return kWhitespaceStandIn;
  for (const CategoryStandIn& category : kCategories) {
    if (classes & category.cpt_class) return static_cast<uint8_t>(category.stand_in);
  }
  return kOtherStandIn;
}

}  // namespace

std::vector<uint32_t> regex_symbols_as_llama_cpp_runs(const std::string& regex, bool* collapsed) {
  *collapsed = uses_categories(regex);
  if (!*collapsed) return unicode::decode_utf8_lenient(regex);
  std::vector<uint32_t> pattern;
  for (unsigned char c : collapse_regex(regex)) pattern.push_back(c);  // stand-ins are bytes
  return pattern;
}

PreTokenizer::~PreTokenizer() = default;

Result<std::shared_ptr<const PreTokenizer>> PreTokenizer::create(const PreTokenizerSpec& spec) {
  std::shared_ptr<PreTokenizer> pre(new PreTokenizer());
  for (size_t i = 0; i < spec.n_regexes; ++i) {
    const std::string regex = spec.regexes[i];
    Stage stage;
    stage.custom = custom_splitter_for(regex);
    if (stage.custom == CustomSplitter::None) {
      Result<CodePointRegex> compiled =
          CodePointRegex::compile(regex_symbols_as_llama_cpp_runs(regex, &stage.collapsed));
      if (!compiled.is_ok()) {
        return Status::error(
            format("pre-tokenizer '%s', regex #%zu: %s", spec.name, i, compiled.status().message().c_str()));
      }
      stage.regex = compiled.take();
    }
    pre->stages_.push_back(std::move(stage));
  }
  return std::shared_ptr<const PreTokenizer>(std::move(pre));
}

std::vector<size_t> PreTokenizer::split(const std::vector<uint32_t>& cpts) const {
  if (cpts.empty()) return {};
  std::vector<uint8_t> classes(cpts.size());
  for (size_t i = 0; i < cpts.size(); ++i) classes[i] = classify_codepoint(cpts[i]);
  std::vector<uint32_t> collapsed, wide;  // built when a stage first needs them

  std::vector<size_t> pieces = {cpts.size()};
  for (const Stage& stage : stages_) {
    const std::vector<uint32_t>* text = &cpts;
    if (stage.custom == CustomSplitter::None) {
      std::vector<uint32_t>& view = stage.collapsed ? collapsed : wide;
      if (view.empty()) {
        view.resize(cpts.size());
        for (size_t i = 0; i < cpts.size(); ++i) {
          const bool foreign_space = cpts[i] > 0x7F && (classes[i] & kWhitespace);
          view[i] =
              stage.collapsed ? collapsed_symbol(cpts[i], classes[i]) : (foreign_space ? kWhitespaceStandIn : cpts[i]);
        }
      }
      text = &view;
    }
    std::vector<size_t> words;
    words.reserve(pieces.size() * 2);
    size_t start = 0;
    for (size_t length : pieces) {
      if (stage.custom == CustomSplitter::None) {
        stage.regex.split(*text, start, start + length, words);
      } else {
        split_custom(stage.custom, cpts, classes, start, start + length, words);
      }
      start += length;
    }
    pieces = std::move(words);
  }
  return pieces;
}

}  // namespace webgguf
