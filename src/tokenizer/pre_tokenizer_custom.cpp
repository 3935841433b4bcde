#include "tokenizer/pre_tokenizer_custom.h"

#include "tokenizer/unicode.h"

namespace webgguf {

using namespace cpt_class;

namespace {

constexpr uint32_t kOutOfRange = 0xFFFFFFFFu;

// The code points of one piece [begin, end) of the text; outside it, cpt() is kOutOfRange and
// classes() is 0, as llama.cpp's _get_cpt/_get_flags.
class PieceView {
 public:
  PieceView(const std::vector<uint32_t>& cpts, const std::vector<uint8_t>& classes, size_t begin, size_t end)
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

bool is_line_break(uint32_t c) {
  return c == '\r' || c == '\n';
}

// llama.cpp's unicode_cpt_is_han.
bool is_han(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0x2CEB0 && c <= 0x2EBEF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// 's|'t|'re|'ve|'m|'ll|'d at pos (lowercasing the letters when case_insensitive): match length.
size_t match_contraction(const PieceView& v, size_t pos, bool case_insensitive) {
  if (v.cpt(pos) != '\'' || pos + 1 >= v.end()) return 0;
  auto letter = [&](size_t p) { return case_insensitive ? unicode::to_lower(v.cpt(p)) : v.cpt(p); };
  const uint32_t next = letter(pos + 1);
  if (next == 's' || next == 't' || next == 'm' || next == 'd') return 2;
  if (pos + 2 >= v.end()) return 0;
  const uint32_t after = letter(pos + 2);
  if ((next == 'r' && after == 'e') || (next == 'v' && after == 'e') || (next == 'l' && after == 'l')) {
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

// The tail every llama3-like splitter shares: \s*[\r\n]+|\s+(?!\S)|\s+, else one code point.
void split_whitespace_tail(const PieceView& v, WordSink& sink, size_t& pos, bool line_breaks) {
  const WhitespaceRun run = whitespace_run(v, pos);
  if (line_breaks && run.end_of_last_line_break > 0) {  // '\s*[\r\n]+'
    pos = run.end_of_last_line_break;
  } else if (run.length > 1 && v.cpt(pos + run.length) != kOutOfRange) {  // '\s+(?!\S)'
    pos += run.length - 1;
  } else if (run.length > 0) {  // '\s+'
    pos += run.length;
  } else {
    ++pos;
  }
  sink.add(pos);
}

// ' ?[^\s WORD]+[\r\n]*' at pos, else \s*[\r\n]+|\s+(?!\S)|\s+. Before the run llama.cpp tests
// that the code point at pos is in the piece (llama3-like) or, for Kimi-K2, the one it looks at
// (after a space).
void split_symbols_then_whitespace(const PieceView& v, WordSink& sink, size_t& pos, uint8_t word_classes,
                                   bool guard_on_looked_at) {
  const uint32_t c = v.cpt(pos);
  uint8_t next = c == ' ' ? v.classes(pos + 1) : v.classes(pos);
  const uint8_t guard = guard_on_looked_at ? next : v.classes(pos);
  if (!(next & word_classes) && guard) {
    pos += (c == ' ');
    while (!(next & word_classes) && next) next = v.classes(++pos);
    while (is_line_break(v.cpt(pos))) ++pos;
    sink.add(pos);
    return;
  }
  split_whitespace_tail(v, sink, pos, true);
}

// \p{N}{1,max} at pos: the digit run, cut every max_digits.
void split_digit_groups(const PieceView& v, WordSink& sink, size_t& pos, size_t max_digits) {
  size_t group_start = pos;
  while (v.classes(pos) & kNumber) {
    if (++pos - group_start >= max_digits) {
      sink.add(pos);
      group_start = pos;
    }
  }
  sink.add(pos);
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
    split_whitespace_tail(v, sink, pos, false);
  }
}

// Llama 3 (letters \p{L}, max_digits 3), Qwen2 (max_digits 1) and Qwen3.5 (letters [\p{L}\p{M}]):
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?LETTERS+|\p{N}{1,max}| ?[^\s LETTERS \p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
void split_llama3_like(const PieceView& v, WordSink& sink, uint8_t letters, size_t max_digits) {
  const uint8_t word_classes = kWhitespace | letters | kNumber;
  for (size_t pos = v.begin(); pos < v.end();) {
    const uint32_t c = v.cpt(pos);
    const uint8_t classes = v.classes(pos);
    if (const size_t n = match_contraction(v, pos, true)) {
      pos += sink.add(pos + n);
      continue;
    }
    // '[^\r\n\p{L}\p{N}]?LETTERS+'
    if (!is_line_break(c) && !(classes & kNumber) && ((classes & letters) || (v.classes(pos + 1) & letters))) {
      ++pos;
      while (v.classes(pos) & letters) ++pos;
      sink.add(pos);
      continue;
    }
    if (classes & kNumber) {  // '\p{N}{1,max}'
      split_digit_groups(v, sink, pos, max_digits);
      continue;
    }
    split_symbols_then_whitespace(v, sink, pos, word_classes, false);
  }
}

// llama.cpp's unicode_regex_split_custom_kimi_k2 (its own reading of Kimi-K2's regex).
void split_kimi_k2(const PieceView& v, WordSink& sink) {
  auto letter_not_han = [&](size_t p) { return (v.classes(p) & kLetter) && !is_han(v.cpt(p)); };
  for (size_t pos = v.begin(); pos < v.end();) {
    const uint32_t c = v.cpt(pos);
    const uint8_t classes = v.classes(pos);
    if (is_han(c)) {  // [\p{Han}]+
      while (is_han(v.cpt(pos))) ++pos;
      sink.add(pos);
      continue;
    }
    const bool may_lead = !(is_line_break(c) || (classes & (kLetter | kNumber)));
    if (letter_not_han(pos) || (may_lead && letter_not_han(pos + 1))) {
      bool has_leading_char = false;
      if (may_lead) {
        has_leading_char = true;
        ++pos;
      }
      bool has_letters = false;
      while (letter_not_han(pos)) {
        has_letters = true;
        ++pos;
      }
      if (has_letters || (!has_leading_char && letter_not_han(pos))) {
        if (!has_letters) ++pos;
        while (letter_not_han(pos)) ++pos;
        pos += match_contraction(v, pos, true);  // (?i:'s|'t|'re|'ve|'m|'ll|'d)?
        sink.add(pos);
        continue;
      }
      if (has_leading_char) --pos;
    }
    if (classes & kNumber) {  // \p{N}{1,3}
      split_digit_groups(v, sink, pos, 3);
      continue;
    }
    split_symbols_then_whitespace(v, sink, pos, kWhitespace | kLetter | kNumber, true);
  }
}

// llama.cpp's unicode_regex_split_custom_afmoe: a digit run is cut into a leading group of
// length % 3 and then groups of 3. The first group also takes whatever non-digits precede it
// in the piece (words are only closed at digit groups), as llama.cpp's code does.
void split_afmoe_digits(const PieceView& v, WordSink& sink) {
  for (size_t pos = v.begin(); pos < v.end();) {
    if (!(v.classes(pos) & kNumber)) {
      ++pos;
      continue;
    }
    const size_t digit_start = pos;
    while (v.classes(pos) & kNumber) ++pos;
    const size_t count = pos - digit_start;
    size_t current = digit_start;
    if (count % 3 > 0) {
      current += count % 3;
      sink.add(current);
    }
    for (; current < digit_start + count; current += 3) sink.add(current + 3);
  }
  sink.add(v.end());
}

// [^\n]+|[\n]+
void split_newlines(const PieceView& v, WordSink& sink) {
  for (size_t pos = v.begin(); pos < v.end();) {
    const bool newline = v.cpt(pos) == '\n';
    while (pos < v.end() && (v.cpt(pos) == '\n') == newline) ++pos;
    sink.add(pos);
  }
}

}  // namespace

CustomSplitter custom_splitter_for(const std::string& regex) {
  // The exact texts llama.cpp's unicode_regex_split_custom compares against.
  static const struct {
    const char* regex;
    CustomSplitter splitter;
  } kCustom[] = {
      {"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)", CustomSplitter::Gpt2},
      {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
       "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
       CustomSplitter::Llama3},
      {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
       "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
       CustomSplitter::Llama3},
      {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
       "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
       CustomSplitter::Qwen2},
      {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}"
       "\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
       CustomSplitter::Qwen35},
      {"\\p{Han}+", CustomSplitter::KimiK2},
      {"\\p{AFMoE_digits}", CustomSplitter::AfmoeDigits},
      {"[^\\n]+|[\\n]+", CustomSplitter::Newlines},
      {"\\d{1,3}(?=(?:\\d{3})*\\b)", CustomSplitter::AfmoeDigits},
  };
  for (const auto& entry : kCustom) {
    if (regex == entry.regex) return entry.splitter;
  }
  return CustomSplitter::None;
}

uint8_t classify_codepoint(uint32_t cpt) {
  uint8_t classes = kPresent;
  switch (unicode::category(cpt)) {
    case unicode::Category::Letter: classes |= kLetter; break;
    case unicode::Category::Number: classes |= kNumber; break;
    case unicode::Category::Punctuation: classes |= kPunctuation; break;
    case unicode::Category::Mark: classes |= kMark; break;
    case unicode::Category::Symbol: classes |= kSymbol; break;
    default: break;
  }
  if (unicode::is_whitespace(cpt)) classes |= kWhitespace;
  return classes;
}

void split_custom(CustomSplitter splitter, const std::vector<uint32_t>& cpts, const std::vector<uint8_t>& classes,
                  size_t begin, size_t end, std::vector<size_t>& lengths) {
  const PieceView view(cpts, classes, begin, end);
  WordSink sink(lengths, begin);
  switch (splitter) {
    case CustomSplitter::Gpt2: return split_gpt2(view, sink);
    case CustomSplitter::Llama3: return split_llama3_like(view, sink, kLetter, 3);
    case CustomSplitter::Qwen2: return split_llama3_like(view, sink, kLetter, 1);
    case CustomSplitter::Qwen35: return split_llama3_like(view, sink, kLetter | kMark, 1);
    case CustomSplitter::KimiK2: return split_kimi_k2(view, sink);
    case CustomSplitter::AfmoeDigits: return split_afmoe_digits(view, sink);
    case CustomSplitter::Newlines: return split_newlines(view, sink);
    case CustomSplitter::None: break;
  }
  sink.add(end);
}

}  // namespace webgguf
