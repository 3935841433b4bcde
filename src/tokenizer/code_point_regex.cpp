#include "tokenizer/code_point_regex.h"

#include <algorithm>
#include <memory>

namespace webgguf {

namespace {

// Class escapes, as libstdc++'s regex_traits in the "C" locale sees them (ASCII only: llama.cpp
// turns every other White_Space code point into U+000B before matching).
constexpr uint8_t kSpace = 1, kNotSpace = 2, kDigit = 4, kNotDigit = 8, kWord = 16, kNotWord = 32;

bool is_space(uint32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}
bool is_digit(uint32_t c) {
  return c >= '0' && c <= '9';
}
bool is_word(uint32_t c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool in_escapes(uint8_t escapes, uint32_t c) {
  return ((escapes & kSpace) && is_space(c)) || ((escapes & kNotSpace) && !is_space(c)) ||
         ((escapes & kDigit) && is_digit(c)) || ((escapes & kNotDigit) && !is_digit(c)) ||
         ((escapes & kWord) && is_word(c)) || ((escapes & kNotWord) && !is_word(c));
}

// The parsed regex, before it becomes instructions.
struct Node {
  enum Kind { Empty, Char, Concat, Alternation, Repeat, LookAhead, NegativeLookAhead, End };
  explicit Node(Kind k) : kind(k) {}
  Kind kind;
  int32_t char_class = -1;
  int min = 1, max = 1;  // Repeat; max -1 is unbounded
  std::vector<std::unique_ptr<Node>> children;
};

bool can_be_empty(const Node& node) {
  switch (node.kind) {
    case Node::Char: return false;
    case Node::Concat:
      return std::all_of(node.children.begin(), node.children.end(),
                         [](const auto& child) { return can_be_empty(*child); });
    case Node::Alternation:
      return std::any_of(node.children.begin(), node.children.end(),
                         [](const auto& child) { return can_be_empty(*child); });
    case Node::Repeat: return node.min == 0 || can_be_empty(*node.children[0]);
    default: return true;  // Empty, lookaheads, End consume nothing
  }
}

}  // namespace

bool CodePointRegex::CharClass::contains(uint32_t c) const {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), c,
                             [](uint32_t value, const auto& range) { return value < range.first; });
  const bool member = (it != ranges.begin() && c <= std::prev(it)->second) || in_escapes(escapes, c);
  return member != negated;
}

// Recursive-descent parser and code generator.
class RegexCompiler {
 public:
  RegexCompiler(const std::vector<uint32_t>& pattern, CodePointRegex& regex) : p_(pattern), regex_(regex) {}

  Status compile() {
    std::unique_ptr<Node> root;
    WEBGGUF_RETURN_IF_ERROR(parse_alternation(root));
    if (pos_ != p_.size()) return error("unbalanced ')'");
    regex_.programs_.emplace_back();
    return emit_program(*root, 0);
  }

 private:
  Status error(const char* what) const {
    return Status::error(format("pre-tokenizer regex: %s at symbol %zu", what, pos_));
  }
  bool at(uint32_t c) const { return pos_ < p_.size() && p_[pos_] == c; }
  bool at_end() const { return pos_ >= p_.size(); }

  Status parse_alternation(std::unique_ptr<Node>& out) {
    auto alternation = std::make_unique<Node>(Node::Alternation);
    while (true) {
      std::unique_ptr<Node> sequence;
      WEBGGUF_RETURN_IF_ERROR(parse_sequence(sequence));
      alternation->children.push_back(std::move(sequence));
      if (!at('|')) break;
      ++pos_;
    }
    out = alternation->children.size() == 1 ? std::move(alternation->children[0]) : std::move(alternation);
    return Status::ok();
  }

  Status parse_sequence(std::unique_ptr<Node>& out) {
    auto sequence = std::make_unique<Node>(Node::Concat);
    while (!at_end() && !at('|') && !at(')')) {
      std::unique_ptr<Node> atom;
      WEBGGUF_RETURN_IF_ERROR(parse_atom(atom));
      WEBGGUF_RETURN_IF_ERROR(parse_quantifier(atom));
      sequence->children.push_back(std::move(atom));
    }
    out = std::move(sequence);
    return Status::ok();
  }

  Status parse_quantifier(std::unique_ptr<Node>& atom) {
    int min = 1, max = 1;
    if (at('*')) {
      min = 0, max = -1;
    } else if (at('+')) {
      min = 1, max = -1;
    } else if (at('?')) {
      min = 0, max = 1;
    } else if (at('{')) {
      ++pos_;
      if (!parse_number(&min)) return error("expected a count after '{'");
      max = min;
      if (at(',')) {
        ++pos_;
        max = -1;
        if (!at('}') && !parse_number(&max)) return error("expected a count after ','");
      }
      if (!at('}') || (max >= 0 && max < min)) return error("bad {n,m} quantifier");
    } else {
      return Status::ok();
    }
    ++pos_;
    if (at('?') || at('+')) return error("lazy and possessive quantifiers are not supported");
    if (atom->kind == Node::LookAhead || atom->kind == Node::NegativeLookAhead || atom->kind == Node::End) {
      return error("quantified assertion");
    }
    if (max < 0 && can_be_empty(*atom)) return error("unbounded loop over a body that can be empty");
    auto repeat = std::make_unique<Node>(Node::Repeat);
    repeat->min = min;
    repeat->max = max;
    repeat->children.push_back(std::move(atom));
    atom = std::move(repeat);
    return Status::ok();
  }

  bool parse_number(int* value) {
    const size_t start = pos_;
    *value = 0;
    while (!at_end() && is_digit(p_[pos_]) && *value < 100000) *value = *value * 10 + (p_[pos_++] - '0');
    return pos_ > start;
  }

  Status parse_atom(std::unique_ptr<Node>& out) {
    const uint32_t c = p_[pos_++];
    if (c == '(') {
      Node::Kind kind = Node::Concat;  // a plain or non-capturing group
      if (at('?')) {
        ++pos_;
        if (at(':')) {
          kind = Node::Concat;
        } else if (at('=')) {
          kind = Node::LookAhead;
        } else if (at('!')) {
          kind = Node::NegativeLookAhead;
        } else {
          return error("unsupported group kind after '(?'");
        }
        ++pos_;
      }
      std::unique_ptr<Node> inner;
      WEBGGUF_RETURN_IF_ERROR(parse_alternation(inner));
      if (!at(')')) return error("missing ')'");
      ++pos_;
      if (kind == Node::Concat) {
        out = std::move(inner);
      } else {
        out = std::make_unique<Node>(kind);
        out->children.push_back(std::move(inner));
      }
      return Status::ok();
    }
    if (c == '[') return parse_bracket(out);
    if (c == '$') {
      out = std::make_unique<Node>(Node::End);
      return Status::ok();
    }
    if (c == '^' || c == '.' || c == '*' || c == '+' || c == '?' || c == '{' || c == ')') {
      --pos_;
      return error("unsupported or misplaced operator");
    }
    CodePointRegex::CharClass cls;
    uint32_t literal = c;
    if (c == '\\') WEBGGUF_RETURN_IF_ERROR(parse_escape(&cls.escapes, &literal, false));
    if (!cls.escapes) cls.ranges.push_back({literal, literal});
    out = char_node(std::move(cls));
    return Status::ok();
  }

  // After a backslash: a class escape (\s \S \d \D \w \W) sets *class_escape, anything else is
  // one literal.
  Status parse_escape(uint8_t* class_escape, uint32_t* literal, bool in_bracket) {
    if (at_end()) return error("pattern ends in '\\'");
    const uint32_t c = p_[pos_++];
    *class_escape = 0;
    switch (c) {
      case 's': *class_escape = kSpace; return Status::ok();
      case 'S': *class_escape = kNotSpace; return Status::ok();
      case 'd': *class_escape = kDigit; return Status::ok();
      case 'D': *class_escape = kNotDigit; return Status::ok();
      case 'w': *class_escape = kWord; return Status::ok();
      case 'W': *class_escape = kNotWord; return Status::ok();
      default: break;
    }
    if (!escaped_literal(c, literal)) {
      --pos_;
      return error(in_bracket ? "unsupported escape in a class" : "unsupported escape");
    }
    return Status::ok();
  }

  static bool escaped_literal(uint32_t c, uint32_t* literal) {
    switch (c) {
      case 'n': *literal = '\n'; return true;
      case 'r': *literal = '\r'; return true;
      case 't': *literal = '\t'; return true;
      case 'v': *literal = '\v'; return true;
      case 'f': *literal = '\f'; return true;
      default: break;
    }
    // ECMAScript identity escapes: any character that is not a letter or a digit.
    if (c < 128 && is_word(c)) return false;
    *literal = c;
    return true;
  }

  Status parse_bracket(std::unique_ptr<Node>& out) {
    CodePointRegex::CharClass cls;
    if (at('^')) {
      cls.negated = true;
      ++pos_;
    }
    // In ECMAScript a ']' always closes the class ("[]" matches nothing), unlike POSIX.
    while (!at_end() && !at(']')) {
      uint32_t low = 0;
      if (at('\\')) {
        ++pos_;
        uint8_t class_escape = 0;
        WEBGGUF_RETURN_IF_ERROR(parse_escape(&class_escape, &low, true));
        if (class_escape) {
          cls.escapes |= class_escape;
          continue;
        }
      } else if (at('[') && pos_ + 1 < p_.size() &&
                 (p_[pos_ + 1] == ':' || p_[pos_ + 1] == '.' || p_[pos_ + 1] == '=')) {
        return error("POSIX bracket expressions are not supported");
      } else {
        low = p_[pos_++];
      }
      uint32_t high = low;
      if (at('-') && pos_ + 1 < p_.size() && p_[pos_ + 1] != ']') {
        ++pos_;
        if (at('\\')) {
          ++pos_;
          uint8_t class_escape = 0;
          WEBGGUF_RETURN_IF_ERROR(parse_escape(&class_escape, &high, true));
          if (class_escape) return error("class escape as a range end");
        } else {
          high = p_[pos_++];
        }
        if (high < low) return error("range out of order");
      }
      cls.ranges.push_back({low, high});
    }
    if (!at(']')) return error("missing ']'");
    ++pos_;
    out = char_node(std::move(cls));
    return Status::ok();
  }

  std::unique_ptr<Node> char_node(CodePointRegex::CharClass cls) {
    std::sort(cls.ranges.begin(), cls.ranges.end());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    for (const auto& range : cls.ranges) {
      if (!merged.empty() && range.first <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, range.second);
      } else {
        merged.push_back(range);
      }
    }
    cls.ranges = std::move(merged);
    auto node = std::make_unique<Node>(Node::Char);
    node->char_class = static_cast<int32_t>(regex_.classes_.size());
    regex_.classes_.push_back(std::move(cls));
    return node;
  }

  // Code generation: a backtracking program per regex and per lookahead body.
  using Op = CodePointRegex::Op;
  int32_t emit(size_t program, Op op, int32_t x = 0, int32_t y = 0) {
    auto& code = regex_.programs_[program];
    code.push_back({op, x, y});
    return static_cast<int32_t>(code.size() - 1);
  }
  int32_t here(size_t program) const { return static_cast<int32_t>(regex_.programs_[program].size()); }

  Status emit_program(const Node& root, size_t program) {
    WEBGGUF_RETURN_IF_ERROR(emit_node(root, program));
    emit(program, Op::Match);
    return Status::ok();
  }

  Status emit_node(const Node& node, size_t program) {
    auto& code = regex_.programs_;
    switch (node.kind) {
      case Node::Empty: return Status::ok();
      case Node::Char: emit(program, Op::Char, node.char_class); return Status::ok();
      case Node::End: emit(program, Op::AssertEnd); return Status::ok();
      case Node::Concat:
        for (const auto& child : node.children) WEBGGUF_RETURN_IF_ERROR(emit_node(*child, program));
        return Status::ok();
      case Node::Alternation: {
        // split L1, next; L1: a; jump end; next: split L2, ... ; last alternative falls through.
        std::vector<int32_t> jumps;
        for (size_t i = 0; i < node.children.size(); ++i) {
          const bool last = i + 1 == node.children.size();
          const int32_t split = last ? -1 : emit(program, Op::Split, 0, 0);
          if (!last) code[program][split].x = here(program);
          WEBGGUF_RETURN_IF_ERROR(emit_node(*node.children[i], program));
          if (!last) {
            jumps.push_back(emit(program, Op::Jump));
            code[program][split].y = here(program);
          }
        }
        for (int32_t jump : jumps) code[program][jump].x = here(program);
        return Status::ok();
      }
      case Node::Repeat: {
        const Node& body = *node.children[0];
        for (int i = 0; i < node.min; ++i) WEBGGUF_RETURN_IF_ERROR(emit_node(body, program));
        if (node.max < 0) {  // loop: split body, out; body; jump loop
          const int32_t loop = emit(program, Op::Split, 0, 0);
          code[program][loop].x = here(program);
          WEBGGUF_RETURN_IF_ERROR(emit_node(body, program));
          emit(program, Op::Jump, loop);
          code[program][loop].y = here(program);
          return Status::ok();
        }
        // Optional copies, nested: skipping one skips the rest (greedy, as {n,m} in libstdc++).
        std::vector<int32_t> splits;
        for (int i = node.min; i < node.max; ++i) {
          const int32_t split = emit(program, Op::Split, 0, 0);
          code[program][split].x = here(program);
          splits.push_back(split);
          WEBGGUF_RETURN_IF_ERROR(emit_node(body, program));
        }
        for (int32_t split : splits) code[program][split].y = here(program);
        return Status::ok();
      }
      case Node::LookAhead:
      case Node::NegativeLookAhead: {
        const size_t sub = code.size();
        code.emplace_back();
        WEBGGUF_RETURN_IF_ERROR(emit_program(*node.children[0], sub));
        emit(program, node.kind == Node::LookAhead ? Op::LookAhead : Op::NegativeLookAhead, static_cast<int32_t>(sub));
        return Status::ok();
      }
    }
    return Status::ok();
  }

  const std::vector<uint32_t>& p_;
  CodePointRegex& regex_;
  size_t pos_ = 0;
};

Result<CodePointRegex> CodePointRegex::compile(const std::vector<uint32_t>& pattern) {
  CodePointRegex regex;
  RegexCompiler compiler(pattern, regex);
  WEBGGUF_RETURN_IF_ERROR(compiler.compile());
  return regex;
}

bool CodePointRegex::run(size_t program, const Cursor& cursor, size_t start, bool not_null, size_t* match_end,
                         std::vector<std::pair<int32_t, size_t>>& stack) const {
  const std::vector<Instruction>& code = programs_[program];
  const size_t base = stack.size();  // lookaheads run on top of the caller's entries
  stack.push_back({0, start});
  while (stack.size() > base) {
    int32_t pc = stack.back().first;
    size_t pos = stack.back().second;
    stack.pop_back();
    while (true) {
      const Instruction& inst = code[pc];
      bool ok = true;
      switch (inst.op) {
        case Op::Char:
          ok = pos < cursor.end && classes_[inst.x].contains(cursor.text[pos]);
          ++pos, ++pc;
          break;
        case Op::Split:
          stack.push_back({inst.y, pos});
          pc = inst.x;
          break;
        case Op::Jump: pc = inst.x; break;
        case Op::AssertEnd:
          ok = pos == cursor.end;
          ++pc;
          break;
        case Op::LookAhead:
        case Op::NegativeLookAhead: {
          size_t ignored = 0;
          const bool found = run(static_cast<size_t>(inst.x), cursor, pos, false, &ignored, stack);
          ok = found == (inst.op == Op::LookAhead);
          ++pc;
          break;
        }
        case Op::Match:
          // match_not_null rejects an empty match and keeps backtracking, as libstdc++ does.
          if (not_null && pos == start) {
            ok = false;
            break;
          }
          *match_end = pos;
          stack.resize(base);
          return true;
      }
      if (!ok) break;
    }
  }
  return false;
}

bool CodePointRegex::search(const Cursor& cursor, size_t from, size_t* match_begin, size_t* match_end,
                            std::vector<std::pair<int32_t, size_t>>& stack) const {
  for (size_t start = from; start <= cursor.end; ++start) {
    if (run(0, cursor, start, false, match_end, stack)) {
      *match_begin = start;
      return true;
    }
  }
  return false;
}

void CodePointRegex::split(const std::vector<uint32_t>& text, size_t begin, size_t end,
                           std::vector<size_t>& lengths) const {
  const Cursor cursor{text, end};
  std::vector<std::pair<int32_t, size_t>> stack;
  size_t previous_end = begin;  // end of the last match: the next gap starts here
  auto add = [&](size_t length) {
    if (length > 0) lengths.push_back(length);
  };
  size_t match_begin = 0, match_end = 0;
  bool found = search(cursor, begin, &match_begin, &match_end, stack);
  while (found) {
    add(match_begin - previous_end);
    add(match_end - match_begin);
    previous_end = match_end;
    if (match_begin != match_end) {
      found = search(cursor, match_end, &match_begin, &match_end, stack);
      continue;
    }
    // After an empty match: a non-empty match at the same place, else search one further on.
    if (match_end == end) break;
    const size_t at = match_end;
    if (run(0, cursor, at, true, &match_end, stack)) {
      match_begin = at;
      continue;
    }
    found = search(cursor, at + 1, &match_begin, &match_end, stack);
  }
  add(end - previous_end);
}

}  // namespace webgguf
