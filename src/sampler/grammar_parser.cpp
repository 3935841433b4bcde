#include "sampler/grammar_parser.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace webgguf {

namespace {

// llama.cpp's MAX_REPETITION_THRESHOLD: bounds {m,n} and the rules a repetition generates.
constexpr uint64_t kMaxRepetitions = 2000;
// Group nesting and rule text beyond these cannot be a real grammar; they would only exhaust
// the (wasm: 5 MB) call stack of this recursive-descent parser.
constexpr int kMaxGroupDepth = 256;
constexpr uint64_t kNoMax = UINT64_MAX;
// Elements one rule may grow to by repetition ("x"{2000} copies x 2000 times): 4M elements,
// 32 MB, far beyond any real grammar and well inside wasm memory.
constexpr uint64_t kMaxRuleElements = uint64_t{1} << 22;

bool is_digit_char(char c) {
  return '0' <= c && c <= '9';
}
bool is_word_char(char c) {
  return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '-' || is_digit_char(c);
}

// The recursive-descent parser of llama_grammar_parser, with errors as values: the first error
// wins and every caller returns as soon as failed() is true. The text is read up to its first
// NUL byte (llama.cpp reads a C string), and src_[size] is always '\0'.
class GbnfParser {
 public:
  GbnfParser(const std::string& text, const GrammarTokenResolver& resolve_token)
      : src_(text.c_str()), resolve_token_(resolve_token) {}

  Result<ParsedGrammar> parse() {
    size_t pos = parse_space(0, true);
    while (!failed() && src_[pos] != '\0') pos = parse_rule(pos);
    if (!failed()) check_rule_references();
    if (failed()) return error_;
    return std::move(grammar_);
  }

 private:
  bool failed() const { return !error_.is_ok(); }

  // Records the first error with the line and column (1-based, columns in bytes) of `at`.
  size_t fail(size_t at, const std::string& what) {
    if (failed()) return at;
    error_ = Status::error(format("grammar error at %s: %s", line_column(at).c_str(), what.c_str()));
    return at;
  }

  std::string line_column(size_t at) const {
    int line = 1, column = 1;
    for (size_t i = 0; i < at && src_[i] != '\0'; ++i) {
      if (src_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return format("%d:%d", line, column);
  }

  uint32_t symbol_id(const std::string& name) {
    const uint32_t next_id = static_cast<uint32_t>(grammar_.symbol_ids.size());
    return grammar_.symbol_ids.emplace(name, next_id).first->second;
  }

  // As llama.cpp: name_N with N the current symbol count (an existing name is overwritten).
  uint32_t generate_symbol_id(const std::string& base_name) {
    const uint32_t next_id = static_cast<uint32_t>(grammar_.symbol_ids.size());
    grammar_.symbol_ids[base_name + '_' + std::to_string(next_id)] = next_id;
    return next_id;
  }

  void add_rule(uint32_t rule_id, GrammarRule rule) {
    if (grammar_.rules.size() <= rule_id) grammar_.rules.resize(rule_id + 1);
    grammar_.rules[rule_id] = std::move(rule);
  }

  size_t parse_space(size_t pos, bool newline_ok) const {
    for (;;) {
      const char c = src_[pos];
      if (c == '#') {
        while (src_[pos] != '\0' && src_[pos] != '\r' && src_[pos] != '\n') ++pos;
      } else if (c == ' ' || c == '\t' || (newline_ok && (c == '\r' || c == '\n'))) {
        ++pos;
      } else {
        return pos;
      }
    }
  }

  size_t parse_name(size_t pos) {
    size_t end = pos;
    while (is_word_char(src_[end])) ++end;
    if (end == pos) return fail(pos, "expecting a rule name");
    return end;
  }

  // Decimal digits at pos into *value; false (with an error) when none or when it overflows.
  bool parse_int(size_t* pos, uint64_t* value) {
    size_t end = *pos;
    uint64_t v = 0;
    while (is_digit_char(src_[end])) {
      const uint64_t digit = static_cast<uint64_t>(src_[end] - '0');
      if (v > (UINT64_MAX - digit) / 10) {
        fail(*pos, "integer too large");
        return false;
      }
      v = v * 10 + digit;
      ++end;
    }
    if (end == *pos) {
      fail(*pos, "expecting an integer");
      return false;
    }
    *pos = end;
    *value = v;
    return true;
  }

  size_t parse_hex(size_t pos, int size, uint32_t* value) {
    uint32_t v = 0;
    size_t i = pos;
    for (; i < pos + static_cast<size_t>(size) && src_[i] != '\0'; ++i) {
      const char c = src_[i];
      uint32_t digit;
      if ('a' <= c && c <= 'f') {
        digit = static_cast<uint32_t>(c - 'a' + 10);
      } else if ('A' <= c && c <= 'F') {
        digit = static_cast<uint32_t>(c - 'A' + 10);
      } else if ('0' <= c && c <= '9') {
        digit = static_cast<uint32_t>(c - '0');
      } else {
        break;
      }
      v = (v << 4) + digit;
    }
    if (i != pos + static_cast<size_t>(size)) return fail(pos, format("expecting %d hex digits", size));
    *value = v;
    return i;
  }

  // One UTF-8 character as llama.cpp's decode_utf8 reads grammar text: the length comes from the
  // lead byte (a stray continuation byte counts as one byte), continuation bytes are not checked.
  size_t decode_utf8(size_t pos, uint32_t* value) const {
    static const int kLength[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    const uint8_t first = static_cast<uint8_t>(src_[pos]);
    const int length = kLength[first >> 4];
    uint32_t v = first & ((1u << (8 - length)) - 1);
    size_t i = pos + 1;
    for (; i < pos + static_cast<size_t>(length) && src_[i] != '\0'; ++i) {
      v = (v << 6) + (static_cast<uint8_t>(src_[i]) & 0x3F);
    }
    *value = v;
    return i;
  }

  size_t parse_char(size_t pos, uint32_t* value) {
    if (src_[pos] == '\\') {
      switch (src_[pos + 1]) {
        case 'x': return parse_hex(pos + 2, 2, value);
        case 'u': return parse_hex(pos + 2, 4, value);
        case 'U': return parse_hex(pos + 2, 8, value);
        case 't': *value = '\t'; return pos + 2;
        case 'r': *value = '\r'; return pos + 2;
        case 'n': *value = '\n'; return pos + 2;
        case '\\':
        case '"':
        case '[':
        case ']':
        case '-': *value = static_cast<uint8_t>(src_[pos + 1]); return pos + 2;
        default: return fail(pos, "unknown escape (use \\x, \\u, \\U, \\t, \\r, \\n, \\\\, \\\", \\[, \\], \\-)");
      }
    }
    if (src_[pos] != '\0') return decode_utf8(pos, value);
    return fail(pos, "unexpected end of input");
  }

  // `<[id]>` or `<text>` (tokenized to exactly one token); pos is at '<'.
  size_t parse_token(size_t pos, uint32_t* token) {
    const size_t start = pos;
    if (src_[pos] != '<') return fail(pos, "expecting '<'");
    ++pos;
    if (src_[pos] == '[') {
      ++pos;
      uint64_t id = 0;
      if (!parse_int(&pos, &id)) return pos;
      if (id > UINT32_MAX) return fail(start, "token id too large");
      if (src_[pos] != ']') return fail(pos, "expecting ']'");
      if (src_[pos + 1] != '>') return fail(pos + 1, "expecting '>'");
      *token = static_cast<uint32_t>(id);
      return pos + 2;
    }
    if (!resolve_token_) return fail(start, "a token reference <text> needs the model's vocabulary");
    while (src_[pos] != '\0' && src_[pos] != '>') ++pos;
    if (src_[pos] != '>') return fail(pos, "expecting '>'");
    ++pos;
    Result<uint32_t> id = resolve_token_(std::string(src_ + start, pos - start));
    if (!id.is_ok()) return fail(start, id.status().message());
    *token = id.value();
    return pos;
  }

  // S{m,n} -> S (m times) then n-m nested optional rules; S{m,} -> S (m times) then S' ::= S S' |
  // (llama.cpp's rewrite, which fixes the order and names of the generated rules).
  bool handle_repetitions(GrammarRule& rule, size_t last_sym_start, uint64_t* n_prev_rules,
                          const std::string& rule_name, uint64_t min_times, uint64_t max_times, size_t at) {
    const bool no_max = max_times == kNoMax;
    if (last_sym_start == rule.size()) {
      fail(at, "expecting an item before */+/?/{");
      return false;
    }
    if (!no_max && max_times < min_times) {
      fail(at, "the maximum of a repetition {m,n} is smaller than its minimum");
      return false;
    }
    const GrammarRule prev_rule(rule.begin() + static_cast<std::ptrdiff_t>(last_sym_start), rule.end());
    uint64_t total_rules = 1;
    if (!no_max && max_times > 0) {
      total_rules = max_times;
    } else if (min_times > 0) {
      total_rules = min_times;
    }
    if (*n_prev_rules * total_rules >= kMaxRepetitions) {
      fail(at, "this repetition would generate too many rules (repetitions x rule complexity >= 2000)");
      return false;
    }
    if (min_times > 1 && rule.size() + prev_rule.size() * (min_times - 1) > kMaxRuleElements) {
      fail(at, "this repetition makes the rule too large (more than 4M elements)");
      return false;
    }
    if (min_times == 0) {
      rule.resize(last_sym_start);
    } else {
      for (uint64_t i = 1; i < min_times; ++i) rule.insert(rule.end(), prev_rule.begin(), prev_rule.end());
    }
    uint32_t last_rec_rule_id = 0;
    const uint64_t n_opt = no_max ? 1 : max_times - min_times;
    GrammarRule rec_rule(prev_rule);
    for (uint64_t i = 0; i < n_opt; ++i) {
      rec_rule.resize(prev_rule.size());
      const uint32_t rec_rule_id = generate_symbol_id(rule_name);
      if (i > 0 || no_max) {
        rec_rule.push_back({GrammarElementType::kRuleRef, no_max ? rec_rule_id : last_rec_rule_id});
      }
      rec_rule.push_back({GrammarElementType::kAlternate, 0});
      rec_rule.push_back({GrammarElementType::kEnd, 0});
      add_rule(rec_rule_id, rec_rule);
      last_rec_rule_id = rec_rule_id;
    }
    if (n_opt > 0) rule.push_back({GrammarElementType::kRuleRef, last_rec_rule_id});
    *n_prev_rules *= total_rules;
    return true;
  }

  size_t parse_sequence(size_t pos, const std::string& rule_name, GrammarRule& rule, bool is_nested, int depth) {
    size_t last_sym_start = rule.size();
    uint64_t n_prev_rules = 1;
    while (!failed() && src_[pos] != '\0') {
      const char c = src_[pos];
      if (c == '"') {  // literal string
        ++pos;
        last_sym_start = rule.size();
        n_prev_rules = 1;
        while (src_[pos] != '"') {
          if (src_[pos] == '\0') return fail(pos, "unexpected end of input in a string literal (missing '\"')");
          uint32_t value = 0;
          pos = parse_char(pos, &value);
          if (failed()) return pos;
          rule.push_back({GrammarElementType::kChar, value});
        }
        pos = parse_space(pos + 1, is_nested);
      } else if (c == '[') {  // character class
        ++pos;
        GrammarElementType start_type = GrammarElementType::kChar;
        if (src_[pos] == '^') {
          ++pos;
          start_type = GrammarElementType::kCharNot;
        }
        last_sym_start = rule.size();
        n_prev_rules = 1;
        while (src_[pos] != ']') {
          if (src_[pos] == '\0') return fail(pos, "unexpected end of input in a character class (missing ']')");
          uint32_t value = 0;
          pos = parse_char(pos, &value);
          if (failed()) return pos;
          const GrammarElementType type =
              last_sym_start < rule.size() ? GrammarElementType::kCharAlternate : start_type;
          rule.push_back({type, value});
          if (src_[pos] == '-' && src_[pos + 1] != ']') {
            if (src_[pos + 1] == '\0') return fail(pos + 1, "unexpected end of input in a character range");
            uint32_t upper = 0;
            pos = parse_char(pos + 1, &upper);
            if (failed()) return pos;
            rule.push_back({GrammarElementType::kCharRangeUpper, upper});
          }
        }
        pos = parse_space(pos + 1, is_nested);
      } else if (c == '<' || c == '!') {  // token reference
        GrammarElementType type = GrammarElementType::kToken;
        if (c == '!') {
          type = GrammarElementType::kTokenNot;
          ++pos;
        }
        uint32_t token = 0;
        pos = parse_token(pos, &token);
        if (failed()) return pos;
        last_sym_start = rule.size();
        n_prev_rules = 1;
        rule.push_back({type, token});
        pos = parse_space(pos, is_nested);
      } else if (is_word_char(c)) {  // rule reference
        const size_t name_end = parse_name(pos);
        const uint32_t ref_rule_id = symbol_id(std::string(src_ + pos, name_end - pos));
        pos = parse_space(name_end, is_nested);
        last_sym_start = rule.size();
        n_prev_rules = 1;
        rule.push_back({GrammarElementType::kRuleRef, ref_rule_id});
      } else if (c == '(') {  // group: its alternatives become a generated rule
        if (depth >= kMaxGroupDepth) return fail(pos, format("groups nested deeper than %d", kMaxGroupDepth));
        const size_t open = pos;
        pos = parse_space(pos + 1, true);
        const uint64_t n_rules_before = grammar_.symbol_ids.size();
        const uint32_t sub_rule_id = generate_symbol_id(rule_name);
        pos = parse_alternates(pos, rule_name, sub_rule_id, true, depth + 1);
        if (failed()) return pos;
        n_prev_rules = std::max<uint64_t>(1, grammar_.symbol_ids.size() - n_rules_before);
        last_sym_start = rule.size();
        rule.push_back({GrammarElementType::kRuleRef, sub_rule_id});
        if (src_[pos] != ')')
          return fail(pos, format("expecting ')' to close the group opened at %s", line_column(open).c_str()));
        pos = parse_space(pos + 1, is_nested);
      } else if (c == '.') {  // any character
        last_sym_start = rule.size();
        n_prev_rules = 1;
        rule.push_back({GrammarElementType::kCharAny, 0});
        pos = parse_space(pos + 1, is_nested);
      } else if (c == '*' || c == '+' || c == '?') {
        const size_t at = pos;
        pos = parse_space(pos + 1, is_nested);
        const uint64_t min_times = c == '+' ? 1 : 0;
        const uint64_t max_times = c == '?' ? 1 : kNoMax;
        if (!handle_repetitions(rule, last_sym_start, &n_prev_rules, rule_name, min_times, max_times, at)) return pos;
      } else if (c == '{') {
        const size_t at = pos;
        pos = parse_space(pos + 1, is_nested);
        if (!is_digit_char(src_[pos])) return fail(pos, "expecting an integer after '{'");
        uint64_t min_times = 0;
        if (!parse_int(&pos, &min_times)) return pos;
        pos = parse_space(pos, is_nested);
        uint64_t max_times = kNoMax;
        if (src_[pos] == '}') {
          max_times = min_times;
          pos = parse_space(pos + 1, is_nested);
        } else if (src_[pos] == ',') {
          pos = parse_space(pos + 1, is_nested);
          if (is_digit_char(src_[pos])) {
            if (!parse_int(&pos, &max_times)) return pos;
            pos = parse_space(pos, is_nested);
          }
          if (src_[pos] != '}') return fail(pos, "expecting '}'");
          pos = parse_space(pos + 1, is_nested);
        } else {
          return fail(pos, "expecting ',' or '}'");
        }
        if (min_times > kMaxRepetitions) return fail(at, "more than 2000 repetitions");
        // As llama.cpp: a maximum above the threshold means no maximum.
        if (max_times != kNoMax && max_times > kMaxRepetitions) max_times = kNoMax;
        if (!handle_repetitions(rule, last_sym_start, &n_prev_rules, rule_name, min_times, max_times, at)) return pos;
      } else {
        break;
      }
    }
    return pos;
  }

  size_t parse_alternates(size_t pos, const std::string& rule_name, uint32_t rule_id, bool is_nested, int depth) {
    GrammarRule rule;
    pos = parse_sequence(pos, rule_name, rule, is_nested, depth);
    while (!failed() && src_[pos] == '|') {
      rule.push_back({GrammarElementType::kAlternate, 0});
      pos = parse_space(pos + 1, true);
      pos = parse_sequence(pos, rule_name, rule, is_nested, depth);
    }
    if (failed()) return pos;
    rule.push_back({GrammarElementType::kEnd, 0});
    add_rule(rule_id, std::move(rule));
    return pos;
  }

  size_t parse_rule(size_t pos) {
    const size_t name_end = parse_name(pos);
    if (failed()) return pos;
    const std::string name(src_ + pos, name_end - pos);
    size_t p = parse_space(name_end, false);
    const uint32_t rule_id = symbol_id(name);
    if (!(src_[p] == ':' && src_[p + 1] == ':' && src_[p + 2] == '=')) {
      return fail(p, format("expecting '::=' after the rule name '%s'", name.c_str()));
    }
    p = parse_space(p + 3, true);
    p = parse_alternates(p, name, rule_id, false, 0);
    if (failed()) return p;
    if (src_[p] == '\r') {
      p += src_[p + 1] == '\n' ? 2 : 1;
    } else if (src_[p] == '\n') {
      ++p;
    } else if (src_[p] != '\0') {
      return fail(p, format("unexpected '%c': expecting a newline or the end of the grammar", src_[p]));
    }
    return parse_space(p, true);
  }

  std::string name_of(uint32_t rule_id) const {
    for (const auto& [name, id] : grammar_.symbol_ids) {
      if (id == rule_id) return name;
    }
    return std::to_string(rule_id);
  }

  // Every referenced rule must be defined (llama.cpp's "Undefined rule identifier").
  void check_rule_references() {
    const size_t n_rules = grammar_.rules.size();
    for (size_t i = 0; i < n_rules; ++i) {
      if (grammar_.rules[i].empty()) {
        fail_undefined(static_cast<uint32_t>(i));
        return;
      }
      for (const GrammarElement& e : grammar_.rules[i]) {
        if (e.type == GrammarElementType::kRuleRef && (e.value >= n_rules || grammar_.rules[e.value].empty())) {
          fail_undefined(e.value);
          return;
        }
      }
    }
  }

  void fail_undefined(uint32_t rule_id) {
    const std::string name = name_of(rule_id);
    // The position of its first use, so the message points at the text.
    size_t at = 0;
    for (size_t i = 0; src_[i] != '\0'; ++i) {
      if ((i == 0 || !is_word_char(src_[i - 1])) && std::strncmp(src_ + i, name.c_str(), name.size()) == 0 &&
          !is_word_char(src_[i + name.size()])) {
        at = i;
        break;
      }
    }
    fail(at, format("undefined rule '%s'", name.c_str()));
  }

  const char* src_;
  const GrammarTokenResolver& resolve_token_;
  ParsedGrammar grammar_;
  Status error_;
};

}  // namespace

Result<ParsedGrammar> parse_grammar(const std::string& text, const GrammarTokenResolver& resolve_token) {
  return GbnfParser(text, resolve_token).parse();
}

}  // namespace webgguf
