#include "sampler/grammar.h"

#include <set>
#include <utility>

namespace webgguf {

namespace {

constexpr const char* kRootRule = "root";

bool is_end_of_sequence(const GrammarElement& e) {
  return e.type == GrammarElementType::kEnd || e.type == GrammarElementType::kAlternate;
}

// llama_grammar_detect_left_recursion: a rule is left-recursive when it can reach itself through
// leftmost references (and references after rules with an empty alternative). Rules already
// explored are skipped, which keeps hostile rule graphs linear without changing the answer.
class LeftRecursionCheck {
 public:
  explicit LeftRecursionCheck(const std::vector<GrammarRule>& rules)
      : rules_(rules), visited_(rules.size()), in_progress_(rules.size()), may_be_empty_(rules.size()) {}

  // The id of a left-recursive rule, or -1.
  int64_t find() {
    for (size_t i = 0; i < rules_.size(); ++i) {
      if (!visited_[i] && recurses(i, 0)) return static_cast<int64_t>(i);
    }
    return -1;
  }
  bool too_deep() const { return too_deep_; }

 private:
  // Nested references deeper than this are refused (the recursion would exhaust the call stack).
  static constexpr int kMaxDepth = 4000;

  bool recurses(size_t rule_index, int depth) {
    if (in_progress_[rule_index]) return true;
    if (visited_[rule_index]) return false;
    if (depth > kMaxDepth) {
      too_deep_ = true;
      return true;
    }
    in_progress_[rule_index] = true;
    const GrammarRule& rule = rules_[rule_index];
    bool at_rule_start = true;
    for (const GrammarElement& e : rule) {
      if (is_end_of_sequence(e)) {
        if (at_rule_start) {
          may_be_empty_[rule_index] = true;
          break;
        }
        at_rule_start = true;
      } else {
        at_rule_start = false;
      }
    }
    bool recurse_into_nonterminal = true;
    for (const GrammarElement& e : rule) {
      if (e.type == GrammarElementType::kRuleRef && recurse_into_nonterminal) {
        if (recurses(e.value, depth + 1)) return true;
        if (!may_be_empty_[e.value]) recurse_into_nonterminal = false;
      } else if (is_end_of_sequence(e)) {
        recurse_into_nonterminal = true;
      } else {
        recurse_into_nonterminal = false;
      }
    }
    in_progress_[rule_index] = false;
    visited_[rule_index] = true;
    return false;
  }

  const std::vector<GrammarRule>& rules_;
  std::vector<bool> visited_, in_progress_, may_be_empty_;
  bool too_deep_ = false;
};

std::string rule_name(const ParsedGrammar& g, uint32_t id) {
  for (const auto& [name, rule_id] : g.symbol_ids) {
    if (rule_id == id) return name;
  }
  return std::to_string(id);
}

Status too_ambiguous() {
  return Status::error(
      format("grammar error: the grammar is too ambiguous (more than %zu parse stacks "
             "at one position); simplify overlapping alternatives",
             kMaxGrammarStacks));
}

}  // namespace

void decode_utf8_piece(const std::string& bytes, PartialUtf8 start, std::vector<uint32_t>* code_points,
                       PartialUtf8* end) {
  static const int kLength[] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};
  code_points->clear();
  const size_t n = bytes.size();
  size_t pos = 0;
  uint32_t value = start.value;
  int n_remain = start.n_remain;
  auto byte_at = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  while (pos < n && byte_at(pos) != 0 && n_remain > 0) {
    if ((byte_at(pos) >> 6) != 2) {
      *end = PartialUtf8{0, -1};
      return;
    }
    value = (value << 6) + (byte_at(pos) & 0x3F);
    ++pos;
    --n_remain;
  }
  if (start.n_remain > 0 && n_remain == 0) code_points->push_back(value);
  while (pos < n && byte_at(pos) != 0) {
    const uint8_t first = byte_at(pos);
    n_remain = kLength[first >> 4] - 1;
    if (n_remain < 0) {
      code_points->clear();
      *end = PartialUtf8{0, -1};
      return;
    }
    value = first & ((1u << (7 - n_remain)) - 1);
    ++pos;
    while (pos < n && byte_at(pos) != 0 && n_remain > 0) {
      value = (value << 6) + (byte_at(pos) & 0x3F);
      ++pos;
      --n_remain;
    }
    if (n_remain == 0) code_points->push_back(value);
  }
  // A complete end carries no bits (llama.cpp keeps the last value there, which it never reads).
  *end = n_remain == 0 ? PartialUtf8{} : PartialUtf8{value, n_remain};
}

Result<Grammar> Grammar::compile(const std::string& text, const GrammarTokenResolver& resolve_token) {
  Result<ParsedGrammar> parsed = parse_grammar(text, resolve_token);
  if (!parsed.is_ok()) return parsed.status();
  const ParsedGrammar& g = parsed.value();
  if (g.rules.empty()) return Status::error("grammar error: the grammar defines no rules");
  auto root = g.symbol_ids.find(kRootRule);
  if (root == g.symbol_ids.end()) {
    return Status::error("grammar error: no rule named 'root' (the grammar starts at root ::= ...)");
  }
  LeftRecursionCheck check(g.rules);
  const int64_t left_recursive = check.find();
  if (check.too_deep()) return Status::error("grammar error: rules reference each other too deeply");
  if (left_recursive >= 0) {
    return Status::error(
        format("grammar error: rule '%s' is left-recursive, which llama.cpp's grammars "
               "do not support (rewrite x ::= x a | b as x ::= b a*)",
               rule_name(g, static_cast<uint32_t>(left_recursive)).c_str()));
  }

  Grammar grammar;
  for (const GrammarRule& rule : g.rules) {
    grammar.rule_start_.push_back(static_cast<uint32_t>(grammar.elements_.size()));
    grammar.elements_.insert(grammar.elements_.end(), rule.begin(), rule.end());
  }
  // Each alternative of root starts a stack (an empty alternative: the empty stack).
  uint32_t pos = grammar.rule_start_[root->second];
  for (;;) {
    GrammarStack stack;
    if (!grammar.is_end_of_sequence(pos)) stack.push_back(pos);
    WEBGGUF_RETURN_IF_ERROR(grammar.advance_stack(stack, &grammar.initial_stacks_));
    while (!grammar.is_end_of_sequence(pos)) ++pos;
    if (grammar.at(pos).type != GrammarElementType::kAlternate) break;
    ++pos;
  }
  return grammar;
}

bool Grammar::match_char(uint32_t pos, uint32_t chr, uint32_t* next) const {
  const GrammarElement* e = &elements_[pos];
  const bool is_positive = e->type == GrammarElementType::kChar || e->type == GrammarElementType::kCharAny;
  bool found = false;
  do {
    if (e[1].type == GrammarElementType::kCharRangeUpper) {
      found = found || (e->value <= chr && chr <= e[1].value);
      e += 2;
    } else if (e->type == GrammarElementType::kCharAny) {
      found = true;
      e += 1;
    } else {
      found = found || e->value == chr;
      e += 1;
    }
  } while (e->type == GrammarElementType::kCharAlternate);
  *next = static_cast<uint32_t>(e - elements_.data());
  return found == is_positive;
}

bool Grammar::match_partial_char(uint32_t pos, PartialUtf8 partial) const {
  const GrammarElement* e = &elements_[pos];
  const bool is_positive = e->type == GrammarElementType::kChar || e->type == GrammarElementType::kCharAny;
  const int n_remain = partial.n_remain;
  // Invalid, or a 7-bit character split over two bytes (overlong).
  if (n_remain < 0 || (n_remain == 1 && partial.value < 2)) return false;
  // The code points this cut sequence can still complete to.
  uint32_t low = partial.value << (n_remain * 6);
  const uint32_t high = low | ((1u << (n_remain * 6)) - 1);
  if (low == 0) {
    if (n_remain == 2) {
      low = 1u << 11;
    } else if (n_remain == 3) {
      low = 1u << 16;
    }
  }
  do {
    if (e[1].type == GrammarElementType::kCharRangeUpper) {
      if (e->value <= high && low <= e[1].value) return is_positive;
      e += 2;
    } else if (e->type == GrammarElementType::kCharAny) {
      return true;
    } else {
      if (low <= e->value && e->value <= high) return is_positive;
      e += 1;
    }
  } while (e->type == GrammarElementType::kCharAlternate);
  return !is_positive;
}

Status Grammar::advance_stack(const GrammarStack& stack, GrammarStacks* out) const {
  std::vector<GrammarStack> todo{stack};
  std::set<GrammarStack> seen;
  size_t steps = 0;
  while (!todo.empty()) {
    GrammarStack current = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(current).second) continue;
    if (++steps > kMaxGrammarAdvanceSteps || out->size() > kMaxGrammarStacks) return too_ambiguous();
    if (current.empty()) {
      out->push_back(std::move(current));
      continue;
    }
    const uint32_t pos = current.back();
    const GrammarElement& top = elements_[pos];
    if (top.type != GrammarElementType::kRuleRef) {
      // A terminal: a character set or a token reference.
      out->push_back(std::move(current));
      continue;
    }
    uint32_t sub = rule_start_[top.value];
    for (;;) {
      GrammarStack next(current.begin(), current.end() - 1);
      if (!is_end_of_sequence(pos + 1)) next.push_back(pos + 1);
      if (!is_end_of_sequence(sub)) next.push_back(sub);
      todo.push_back(std::move(next));
      while (!is_end_of_sequence(sub)) ++sub;
      if (elements_[sub].type != GrammarElementType::kAlternate) break;
      ++sub;
    }
  }
  return Status::ok();
}

Status Grammar::accept_char(const GrammarStack& stack, uint32_t chr, GrammarStacks* out) const {
  uint32_t next = 0;
  if (!match_char(stack.back(), chr, &next)) return Status::ok();
  GrammarStack rest(stack.begin(), stack.end() - 1);
  if (!is_end_of_sequence(next)) rest.push_back(next);
  return advance_stack(rest, out);
}

}  // namespace webgguf
