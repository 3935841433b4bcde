#include "tokenizer/pre_tokenizer.h"

#include <cstring>

#include "tokenizer/unicode.h"

namespace webgguf {

namespace {

struct PreTokenizerName {
  const char* name;
  PreTokenizerSpec spec;
};

// Names llama.cpp maps to the regexes we implement, with the settings it attaches to them.
// {kind, ignore_merges, add_bos, clean_spaces}
const PreTokenizerName kPreTokenizerNames[] = {
    {"default", {PreTokenizerKind::Default, false, false, true}},
    {"llama3", {PreTokenizerKind::Llama3, true, true, true}},
    {"llama-v3", {PreTokenizerKind::Llama3, true, true, true}},
    {"llama-bpe", {PreTokenizerKind::Llama3, true, true, true}},
    {"falcon3", {PreTokenizerKind::Llama3, true, true, true}},
    {"falcon-h1", {PreTokenizerKind::Llama3, true, true, true}},
    {"pixtral", {PreTokenizerKind::Llama3, true, true, true}},
    {"midm-2.0", {PreTokenizerKind::Llama3, true, true, true}},
    {"lfm2", {PreTokenizerKind::Llama3, true, true, true}},
    {"jina-v5-nano", {PreTokenizerKind::Llama3, true, true, true}},
    {"dbrx", {PreTokenizerKind::Llama3, false, false, true}},
    {"smaug-bpe", {PreTokenizerKind::Llama3, false, false, true}},
    {"qwen2", {PreTokenizerKind::Qwen2, false, false, false}},
    {"deepseek-r1-qwen", {PreTokenizerKind::Qwen2, false, false, false}},
    {"kormo", {PreTokenizerKind::Qwen2, false, false, false}},
    {"f2llmv2", {PreTokenizerKind::Qwen2, false, false, false}},
    {"megrez", {PreTokenizerKind::Qwen2, false, false, true}},
    {"stablelm2", {PreTokenizerKind::Qwen2, false, false, true}},
    {"hunyuan", {PreTokenizerKind::Qwen2, false, false, false}},
    {"solar-open", {PreTokenizerKind::Qwen2, false, false, false}},
    {"gpt-2", {PreTokenizerKind::Gpt2, false, false, true}},
    {"phi-2", {PreTokenizerKind::Gpt2, false, false, true}},
    {"jina-es", {PreTokenizerKind::Gpt2, false, false, true}},
    {"jina-de", {PreTokenizerKind::Gpt2, false, false, true}},
    {"gigachat", {PreTokenizerKind::Gpt2, false, false, true}},
    {"jina-v2-es", {PreTokenizerKind::Gpt2, false, false, true}},
    {"jina-v2-de", {PreTokenizerKind::Gpt2, false, false, true}},
    {"a.x-4.0", {PreTokenizerKind::Gpt2, false, false, true}},
    {"mellum", {PreTokenizerKind::Gpt2, false, false, true}},
    {"modern-bert", {PreTokenizerKind::Gpt2, false, false, true}},
    {"mpt", {PreTokenizerKind::Gpt2, false, false, true}},
    {"olmo", {PreTokenizerKind::Gpt2, false, false, true}},
    {"jais", {PreTokenizerKind::Gpt2, false, false, true}},
    {"exaone4", {PreTokenizerKind::Gpt2, false, false, true}},
    {"trillion", {PreTokenizerKind::Gpt2, false, false, false}},
    {"granite-docling", {PreTokenizerKind::Gpt2, false, false, false}},
    {"starcoder", {PreTokenizerKind::DigitsThenGpt2, false, false, true}},
    {"refact", {PreTokenizerKind::DigitsThenGpt2, false, false, true}},
    {"command-r", {PreTokenizerKind::DigitsThenGpt2, false, false, false}},
    {"smollm", {PreTokenizerKind::DigitsThenGpt2, false, false, false}},
    {"codeshell", {PreTokenizerKind::DigitsThenGpt2, false, false, true}},
    {"exaone", {PreTokenizerKind::DigitsThenGpt2, false, false, true}},
    {"minerva-7b", {PreTokenizerKind::DigitsThenGpt2, false, false, true}},
    {"mellum2", {PreTokenizerKind::DigitsThenGpt2, false, false, true}},
    {"falcon", {PreTokenizerKind::Falcon, false, false, true}},
};

// Per code point classes, computed once per text.
constexpr uint8_t kLetter = 1;       // \p{L}
constexpr uint8_t kNumber = 2;       // \p{N}
constexpr uint8_t kWhitespace = 4;   // \s
constexpr uint8_t kPunctuation = 8;  // \p{P}
constexpr uint8_t kPresent = 16;     // set on every code point: 0 means "outside the piece"
constexpr uint32_t kOutOfRange = 0xFFFFFFFFu;

// The code points of one piece [begin, end) of the text; outside it, cpt() is kOutOfRange and
// classes() is 0, as llama.cpp's _get_cpt/_get_flags.
class PieceView {
 public:
  PieceView(const std::vector<uint32_t>& cpts, const std::vector<uint8_t>& classes, size_t begin,
            size_t end)
      : cpts_(cpts), classes_(classes), begin_(begin), end_(end) {}
  uint32_t cpt(size_t pos) const { return inside(pos) ? cpts_[pos] : kOutOfRange; }
  uint8_t classes(size_t pos) const { return inside(pos) ? classes_[pos] : 0; }
  size_t begin() const { return begin_; }
  size_t end() const { return end_; }

 private:
  bool inside(size_t pos) const { return pos >= begin_ && pos < end_; }
  const std::vector<uint32_t>& cpts_;
  const std::vector<uint8_t>& classes_;
  size_t begin_, end_;
};

// Collects word lengths; add(end) closes the word running from the previous end.
class WordSink {
 public:
  WordSink(std::vector<size_t>& lengths, size_t start) : lengths_(lengths), previous_end_(start) {}
  size_t add(size_t end) {
    const size_t length = end - previous_end_;
    if (length > 0) lengths_.push_back(length);
    previous_end_ = end;
    return length;
  }

 private:
  std::vector<size_t>& lengths_;
  size_t previous_end_;
};

bool is_line_break(uint32_t c) { return c == '\r' || c == '\n'; }

// 's|'t|'re|'ve|'m|'ll|'d at pos (lowercasing the letters when case_insensitive): match length.
size_t match_contraction(const PieceView& v, size_t pos, bool case_insensitive) {
  if (v.cpt(pos) != '\'' || pos + 1 >= v.end()) return 0;
  auto letter = [&](size_t p) { return case_insensitive ? unicode::to_lower(v.cpt(p)) : v.cpt(p); };
  const uint32_t next = letter(pos + 1);
  if (next == 's' || next == 't' || next == 'm' || next == 'd') return 2;
  if (pos + 2 >= v.end()) return 0;
  const uint32_t after = letter(pos + 2);
  if ((next == 'r' && after == 'e') || (next == 'v' && after == 'e') ||
      (next == 'l' && after == 'l')) {
    return 3;
  }
  return 0;
}

// Whitespace run at pos: its length, and the end of its last \r or \n (0 when none).
struct WhitespaceRun {
  size_t length = 0;
  size_t end_of_last_line_break = 0;
};
WhitespaceRun whitespace_run(const PieceView& v, size_t pos) {
  WhitespaceRun run;
  while (v.classes(pos + run.length) & kWhitespace) {
    if (is_line_break(v.cpt(pos + run.length))) run.end_of_last_line_break = pos + run.length + 1;
    ++run.length;
  }
  return run;
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void split_gpt2(const PieceView& v, WordSink& sink) {
  constexpr uint8_t kWordClasses = kWhitespace | kLetter | kNumber;
  for (size_t pos = v.begin(); pos < v.end();) {
    const uint32_t c = v.cpt(pos);
    if (const size_t n = match_contraction(v, pos, false)) {
      pos += sink.add(pos + n);
      continue;
    }
    uint8_t next = c == ' ' ? v.classes(pos + 1) : v.classes(pos);
    if (next & kLetter) {  // ' ?\p{L}+'
      pos += (c == ' ');
      while (next & kLetter) next = v.classes(++pos);
      sink.add(pos);
      continue;
    }
    if (next & kNumber) {  // ' ?\p{N}+'
      pos += (c == ' ');
      while (next & kNumber) next = v.classes(++pos);
      sink.add(pos);
      continue;
    }
    if (!(next & kWordClasses) && next) {  // ' ?[^\s\p{L}\p{N}]+'
      pos += (c == ' ');
      while (!(next & kWordClasses) && next) next = v.classes(++pos);
      sink.add(pos);
      continue;
    }
    const WhitespaceRun run = whitespace_run(v, pos);
    if (run.length > 1 && v.cpt(pos + run.length) != kOutOfRange) {  // '\s+(?!\S)'
      pos += run.length - 1;
      sink.add(pos);
      continue;
    }
    if (run.length > 0) {  // '\s+'
      pos += run.length;
      sink.add(pos);
      continue;
    }
    sink.add(++pos);
  }
}

// Llama 3 (max_digits 3) and Qwen2 (max_digits 1):
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
void split_llama3_like(const PieceView& v, WordSink& sink, size_t max_digits) {
  constexpr uint8_t kWordClasses = kWhitespace | kLetter | kNumber;
  for (size_t pos = v.begin(); pos < v.end();) {
    const uint32_t c = v.cpt(pos);
    const uint8_t classes = v.classes(pos);
    if (const size_t n = match_contraction(v, pos, true)) {
      pos += sink.add(pos + n);
      continue;
    }
    // '[^\r\n\p{L}\p{N}]?\p{L}+'
    if (!is_line_break(c) && !(classes & kNumber) &&
        ((classes & kLetter) || (v.classes(pos + 1) & kLetter))) {
      ++pos;
      while (v.classes(pos) & kLetter) ++pos;
      sink.add(pos);
      continue;
    }
    if (classes & kNumber) {  // '\p{N}{1,max}': a run cut every max_digits
      size_t group_start = pos;
      while (v.classes(pos) & kNumber) {
        if (++pos - group_start >= max_digits) {
          sink.add(pos);
          group_start = pos;
        }
      }
      sink.add(pos);
      continue;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    uint8_t next = c == ' ' ? v.classes(pos + 1) : classes;
    if (!(next & kWordClasses) && classes) {
      pos += (c == ' ');
      while (!(next & kWordClasses) && next) next = v.classes(++pos);
      while (is_line_break(v.cpt(pos))) ++pos;
      sink.add(pos);
      continue;
    }
    const WhitespaceRun run = whitespace_run(v, pos);
    if (run.end_of_last_line_break > 0) {  // '\s*[\r\n]+'
      pos = run.end_of_last_line_break;
      sink.add(pos);
      continue;
    }
    if (run.length > 1 && v.cpt(pos + run.length) != kOutOfRange) {  // '\s+(?!\S)'
      pos += run.length - 1;
      sink.add(pos);
      continue;
    }
    if (run.length > 0) {  // '\s+'
      pos += run.length;
      sink.add(pos);
      continue;
    }
    sink.add(++pos);
  }
}

// A regex made of one character class, as std::regex_iterator applies it: every match and every
// gap between matches becomes a word. `run` says whether the class repeats ('+').
template <typename InClass>
void split_class(const PieceView& v, WordSink& sink, bool run, InClass in_class) {
  size_t pos = v.begin();
  while (pos < v.end()) {
    if (!in_class(pos)) {
      ++pos;
      continue;
    }
    sink.add(pos);  // the gap before the match
    ++pos;
    while (run && pos < v.end() && in_class(pos)) ++pos;
    sink.add(pos);
  }
  sink.add(v.end());
}

// '[\p{P}$+<=>^~|]+' (with_backtick adds '`', as Falcon's). For ASCII, llama.cpp's \p{P} is the
// set !-#%-*,-/:-;?-@[-]_{} and the regex adds $+<=>^~|: every ASCII punctuation or symbol
// character except '`'.
void split_punctuation_runs(const PieceView& v, WordSink& sink, bool with_backtick) {
  split_class(v, sink, true, [&](size_t pos) {
    const uint32_t c = v.cpt(pos);
    if (c < 128) {
      // (c != 0: strchr would match the list's terminating NUL)
      return (c != '`' || with_backtick) && c != 0 &&
             std::strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", static_cast<int>(c)) != nullptr;
    }
    return (v.classes(pos) & kPunctuation) != 0;
  });
}

void split_number_runs(const PieceView& v, WordSink& sink, bool single) {
  split_class(v, sink, !single, [&](size_t pos) { return (v.classes(pos) & kNumber) != 0; });
}

// '[0-9][0-9][0-9]': leftmost triples of ASCII digits; the rest stays in the gaps.
void split_ascii_digit_triples(const PieceView& v, WordSink& sink) {
  auto digit = [&](size_t pos) { return v.cpt(pos) >= '0' && v.cpt(pos) <= '9'; };
  size_t pos = v.begin();
  while (pos < v.end()) {
    if (pos + 3 <= v.end() && digit(pos) && digit(pos + 1) && digit(pos + 2)) {
      sink.add(pos);
      pos += 3;
      sink.add(pos);
    } else {
      ++pos;
    }
  }
  sink.add(v.end());
}

enum class Stage {
  PunctuationRuns, PunctuationRunsWithBacktick, Gpt2, Llama3, Qwen2, NumberRuns, SingleNumbers,
  AsciiDigitTriples,
};

void apply_stage(Stage stage, const PieceView& v, WordSink& sink) {
  switch (stage) {
    case Stage::PunctuationRuns: return split_punctuation_runs(v, sink, false);
    case Stage::PunctuationRunsWithBacktick: return split_punctuation_runs(v, sink, true);
    case Stage::Gpt2: return split_gpt2(v, sink);
    case Stage::Llama3: return split_llama3_like(v, sink, 3);
    case Stage::Qwen2: return split_llama3_like(v, sink, 1);
    case Stage::NumberRuns: return split_number_runs(v, sink, false);
    case Stage::SingleNumbers: return split_number_runs(v, sink, true);
    case Stage::AsciiDigitTriples: return split_ascii_digit_triples(v, sink);
  }
}

std::vector<Stage> stages_of(PreTokenizerKind kind) {
  switch (kind) {
    case PreTokenizerKind::Default:
      return {Stage::PunctuationRuns, Stage::Gpt2, Stage::NumberRuns, Stage::AsciiDigitTriples};
    case PreTokenizerKind::Gpt2: return {Stage::Gpt2};
    case PreTokenizerKind::Llama3: return {Stage::Llama3};
    case PreTokenizerKind::Qwen2: return {Stage::Qwen2};
    case PreTokenizerKind::DigitsThenGpt2: return {Stage::SingleNumbers, Stage::Gpt2};
    case PreTokenizerKind::Falcon:
      return {Stage::PunctuationRunsWithBacktick, Stage::Gpt2, Stage::AsciiDigitTriples};
  }
  return {};
}

uint8_t classify(uint32_t cpt) {
  uint8_t classes = kPresent;
  switch (unicode::category(cpt)) {
    case unicode::Category::Letter: classes |= kLetter; break;
    case unicode::Category::Number: classes |= kNumber; break;
    case unicode::Category::Punctuation: classes |= kPunctuation; break;
    default: break;
  }
  if (unicode::is_whitespace(cpt)) classes |= kWhitespace;
  return classes;
}

}  // namespace

bool find_pre_tokenizer(const std::string& name, PreTokenizerSpec* spec) {
  for (const PreTokenizerName& entry : kPreTokenizerNames) {
    if (name == entry.name) {
      *spec = entry.spec;
      return true;
    }
  }
  return false;
}

std::vector<size_t> pre_tokenize(PreTokenizerKind kind, const std::vector<uint32_t>& cpts) {
  if (cpts.empty()) return {};
  std::vector<uint8_t> classes(cpts.size());
  for (size_t i = 0; i < cpts.size(); ++i) classes[i] = classify(cpts[i]);

  std::vector<size_t> pieces = {cpts.size()};
  for (Stage stage : stages_of(kind)) {
    std::vector<size_t> words;
    words.reserve(pieces.size() * 2);
    size_t start = 0;
    for (size_t length : pieces) {
      const PieceView view(cpts, classes, start, start + length);
      WordSink sink(words, start);
      apply_stage(stage, view, sink);
      start += length;
    }
    pieces = std::move(words);
  }
  return pieces;
}

}  // namespace webgguf
