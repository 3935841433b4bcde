// GBNF parsing (rule tables as llama.cpp's test-grammar-parser expects them, every grammar of
// llama.cpp's grammars/ folder, the README's syntax) and matching (UTF-8 cut across tokens,
// repetition bounds, token references, where the grammar may end), plus the errors for bad and
// hostile grammars.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sampler/grammar_matcher.h"
#include "test_paths.h"

namespace webgguf {
namespace {

using webgguf::testing::read_file_bytes;
using webgguf::testing::source_path;
using T = GrammarElementType;

ParsedGrammar parse_ok(const std::string& text) {
  Result<ParsedGrammar> g = parse_grammar(text, {});
  EXPECT_TRUE(g.is_ok()) << g.status().message() << "\n" << text;
  return g.is_ok() ? g.take() : ParsedGrammar{};
}

std::string compile_error(const std::string& text) {
  Result<Grammar> g = Grammar::compile(text, {});
  EXPECT_FALSE(g.is_ok()) << text;
  return g.status().message();
}

TEST(GrammarParser, RuleTablesAsLlamaCpp) {
  ParsedGrammar g = parse_ok("root  ::= \"a\" | [bdx-z] | [^1-3]\n");
  ASSERT_EQ(g.rules.size(), 1u);
  EXPECT_EQ(g.rules[0], (GrammarRule{{T::kChar, 'a'},
                                     {T::kAlternate, 0},
                                     {T::kChar, 'b'},
                                     {T::kCharAlternate, 'd'},
                                     {T::kCharAlternate, 'x'},
                                     {T::kCharRangeUpper, 'z'},
                                     {T::kAlternate, 0},
                                     {T::kCharNot, '1'},
                                     {T::kCharRangeUpper, '3'},
                                     {T::kEnd, 0}}));

  g = parse_ok("root  ::= a+\na     ::= \"a\"\n");
  EXPECT_EQ(g.symbol_ids, (std::map<std::string, uint32_t>{{"root", 0}, {"a", 1}, {"root_2", 2}}));
  EXPECT_EQ(g.rules[0], (GrammarRule{{T::kRuleRef, 1}, {T::kRuleRef, 2}, {T::kEnd, 0}}));
  EXPECT_EQ(g.rules[2], (GrammarRule{{T::kRuleRef, 1}, {T::kRuleRef, 2}, {T::kAlternate, 0}, {T::kEnd, 0}}));

  // {3,5000}: the maximum above 2000 means no maximum.
  g = parse_ok("root ::= \"a\"{3,5000}");
  EXPECT_EQ(g.rules[0],
            (GrammarRule{{T::kChar, 'a'}, {T::kChar, 'a'}, {T::kChar, 'a'}, {T::kRuleRef, 1}, {T::kEnd, 0}}));
  EXPECT_EQ(g.rules[1], (GrammarRule{{T::kChar, 'a'}, {T::kRuleRef, 1}, {T::kAlternate, 0}, {T::kEnd, 0}}));

  // {1,3}: nested optional rules, the innermost generated first.
  g = parse_ok("root ::= \"x\"{1,3}");
  EXPECT_EQ(g.rules[0], (GrammarRule{{T::kChar, 'x'}, {T::kRuleRef, 2}, {T::kEnd, 0}}));
  EXPECT_EQ(g.rules[1], (GrammarRule{{T::kChar, 'x'}, {T::kAlternate, 0}, {T::kEnd, 0}}));
  EXPECT_EQ(g.rules[2], (GrammarRule{{T::kChar, 'x'}, {T::kRuleRef, 1}, {T::kAlternate, 0}, {T::kEnd, 0}}));

  // Escapes, Unicode, `.`, token references and comments.
  g = parse_ok("# comment\nroot ::= \"\\x41\\u00e9\\U0001F600\\n\" [ぁ-ゟ] . <[7]> !<[8]> # trailing\n");
  EXPECT_EQ(g.rules[0], (GrammarRule{{T::kChar, 'A'},
                                     {T::kChar, 0xE9},
                                     {T::kChar, 0x1F600},
                                     {T::kChar, '\n'},
                                     {T::kChar, 0x3041},
                                     {T::kCharRangeUpper, 0x309F},
                                     {T::kCharAny, 0},
                                     {T::kToken, 7},
                                     {T::kTokenNot, 8},
                                     {T::kEnd, 0}}));
}

TEST(GrammarParser, AcceptsEveryGrammarOfLlamaCpp) {
  const std::filesystem::path folder = source_path("node_modules/node-llama-cpp/llama/grammars");
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".gbnf") continue;
    const std::vector<uint8_t> bytes = read_file_bytes(entry.path().string());
    ASSERT_FALSE(bytes.empty()) << entry.path();
    Result<Grammar> g = Grammar::compile(std::string(bytes.begin(), bytes.end()), {});
    EXPECT_TRUE(g.is_ok()) << entry.path() << ": " << g.status().message();
    ++n;
  }
  EXPECT_EQ(n, 8);  // arithmetic c chess english japanese json json_arr list
}

TEST(GrammarParser, AcceptsTheReadmeSyntax) {
  for (const char* text : {
           "root ::= (\"- \" item)+\nitem ::= [^\\n]+ \"\\n\"\n",
           "single-line ::= [^\\n]+ \"\\n\"\nroot ::= single-line",
           "root ::= <[1000]> thinking <[1001]> .*\nthinking ::= !<[1001]>*\n",
           "ws ::= [ \\t\\n]+\nroot ::= \"a\" ws",
           "char ::= [^\"\\\\\\x7F\\x00-\\x1F] | [\\\\] ([\"\\\\bfnrt] | \"u\" [0-9a-fA-F]{4})\n"
           "item-name ::= \"\\\"\" char{1,100} \"\\\"\" space\n"
           "root ::= \"[\" space item-name (\",\" space item-name){9,99} \"]\" space\n"
           "space ::= | \" \" | \"\\n\" [ \\t]{0,20}\n",
           "root ::= (\n  \"a\"\n  | \"b\"\n)\n",
           "root ::= \"x\"{2} \"y\"{2,} \"z\"{0,3}\r\n",
       }) {
    Result<Grammar> g = Grammar::compile(text, {});
    EXPECT_TRUE(g.is_ok()) << text << ": " << g.status().message();
  }
}

TEST(GrammarParser, ErrorsNameLineColumnAndProblem) {
  EXPECT_EQ(compile_error("root ::= \"a\"\nitem = \"b\""),
            "grammar error at 2:6: expecting '::=' after the rule name 'item'");
  EXPECT_EQ(compile_error("root ::= item"), "grammar error at 1:10: undefined rule 'item'");
  EXPECT_EQ(compile_error("root ::= (\"a\" | \"b\"\n"),
            "grammar error at 2:1: expecting ')' to close the group opened at 1:10");
  EXPECT_EQ(compile_error("item ::= \"a\""),
            "grammar error: no rule named 'root' (the grammar starts at root ::= ...)");
  EXPECT_EQ(compile_error(""), "grammar error: the grammar defines no rules");
  EXPECT_NE(compile_error("root ::= root \"a\" | \"b\"").find("'root' is left-recursive"), std::string::npos);
  EXPECT_NE(compile_error("root ::= x\nx ::= y? x \"a\" | \"b\"\ny ::= \"c\"").find("left-recursive"),
            std::string::npos);
  EXPECT_EQ(compile_error("root ::= \"a\"{3,1}"),
            "grammar error at 1:13: the maximum of a repetition {m,n} is smaller than its minimum");
  EXPECT_EQ(compile_error("root ::= \"a\"{2001}"), "grammar error at 1:13: more than 2000 repetitions");
  EXPECT_NE(compile_error("root ::= (\"a\"{1,50}){50}").find("too many rules"), std::string::npos);
  EXPECT_EQ(compile_error("root ::= \"\\q\""),
            "grammar error at 1:11: unknown escape (use \\x, \\u, \\U, \\t, \\r, \\n, \\\\, \\\", \\[, \\], \\-)");
  EXPECT_EQ(compile_error("root ::= \"\\x4\""), "grammar error at 1:13: expecting 2 hex digits");
  EXPECT_EQ(compile_error("root ::= [a-"), "grammar error at 1:13: unexpected end of input in a character range");
  EXPECT_EQ(compile_error("root ::= \"abc"),
            "grammar error at 1:14: unexpected end of input in a string literal (missing '\"')");
  EXPECT_EQ(compile_error("root ::= *"), "grammar error at 1:10: expecting an item before */+/?/{");
  EXPECT_EQ(compile_error("root ::= \"a\" )"),
            "grammar error at 1:14: unexpected ')': expecting a newline or the end of the grammar");
  EXPECT_EQ(compile_error("root ::= <think>"),
            "grammar error at 1:10: a token reference <text> needs the model's vocabulary");
}

TEST(GrammarParser, HostileGrammarsFailWithoutExhaustingMemory) {
  EXPECT_EQ(compile_error("root ::= " + std::string(300, '(') + "\"a\"" + std::string(300, ')')),
            "grammar error at 1:266: groups nested deeper than 256");
  // 2^16 ways to start: more stacks than the bound.
  std::string exploding = "root ::= x0\n";
  for (int i = 0; i < 16; ++i)
    exploding +=
        "x" + std::to_string(i) + " ::= x" + std::to_string(i + 1) + " \"a\" | x" + std::to_string(i + 1) + " \"b\"\n";
  exploding += "x16 ::= \"c\"\n";
  EXPECT_NE(compile_error(exploding).find("too ambiguous"), std::string::npos);
  // Repeating a long literal 1999 times would make a rule of 8M elements.
  EXPECT_NE(compile_error("root ::= \"" + std::string(4096, 'a') + "\"{1999}").find("too large"), std::string::npos);
  // A long chain of rules is fine (no recursion depth problem in the left-recursion check).
  std::string chain = "root ::= r0\n";
  for (int i = 0; i < 3000; ++i) chain += "r" + std::to_string(i) + " ::= r" + std::to_string(i + 1) + "\n";
  chain += "r3000 ::= \"z\"\n";
  EXPECT_TRUE(Grammar::compile(chain, {}).is_ok());
}

// A small vocabulary: id 0 ends the generation; 5 and 6 are the two halves of "é" (C3 A9).
std::shared_ptr<const GrammarVocabulary> small_vocabulary() {
  std::vector<std::string> pieces = {"</s>", "a", "b",  "ab", "ba", "\xC3", "\xA9", "\xC3\xA9", "x\xC3",
                                     "{",    "}", "\"", " ",  "1",  "12",   "",     "\x80",     "aaa"};
  std::vector<bool> eog(pieces.size(), false);
  eog[0] = true;
  return std::make_shared<const GrammarVocabulary>(std::move(pieces), std::move(eog));
}

struct Fixture {
  explicit Fixture(const std::string& text) {
    Result<Grammar> g = Grammar::compile(text, {});
    EXPECT_TRUE(g.is_ok()) << g.status().message();
    matcher = std::make_unique<GrammarMatcher>(std::make_shared<const Grammar>(g.take()), small_vocabulary());
  }
  bool allows(int32_t token) {
    Result<bool> r = matcher->allows(token);
    EXPECT_TRUE(r.is_ok());
    // The full pass must agree with the single check.
    CandidateList all;
    for (int32_t id = 0; id < 18; ++id) all.items.push_back({id, 0.0f, 0.0f});
    size_t n = 0;
    EXPECT_TRUE(matcher->apply(all, &n).is_ok());
    EXPECT_EQ(std::isfinite(all.items[static_cast<size_t>(token)].logit), r.value()) << "token " << token;
    return r.value();
  }
  void accept(int32_t token) { ASSERT_TRUE(matcher->accept(token).is_ok()) << token; }
  std::unique_ptr<GrammarMatcher> matcher;
};

TEST(GrammarMatcher, RepetitionBoundsAndEndOfGeneration) {
  Fixture f("root ::= \"a\"{2,3}");
  EXPECT_FALSE(f.allows(0));  // cannot end before two a
  EXPECT_TRUE(f.allows(1));
  EXPECT_TRUE(f.allows(17) == true);  // "aaa" fits in {2,3}
  EXPECT_FALSE(f.allows(2));
  EXPECT_FALSE(f.allows(3));
  f.accept(1);
  EXPECT_FALSE(f.allows(0));
  EXPECT_FALSE(f.allows(17));  // would make four
  f.accept(1);
  EXPECT_TRUE(f.allows(0));
  EXPECT_TRUE(f.allows(1));
  f.accept(1);
  EXPECT_TRUE(f.allows(0));
  EXPECT_FALSE(f.allows(1));
  EXPECT_TRUE(f.matcher->can_end());
}

TEST(GrammarMatcher, Utf8CutAcrossTokens) {
  Fixture f("root ::= [à-ê] \"b\"");
  EXPECT_TRUE(f.allows(7));   // é whole
  EXPECT_TRUE(f.allows(5));   // C3 can still become é
  EXPECT_FALSE(f.allows(6));  // a lone continuation byte is invalid
  EXPECT_FALSE(f.allows(8));  // x is outside the class
  EXPECT_FALSE(f.allows(16));
  EXPECT_FALSE(f.allows(15));  // empty piece
  f.accept(5);
  EXPECT_TRUE(f.allows(6));   // completes é
  EXPECT_FALSE(f.allows(2));  // not a continuation byte
  f.accept(6);
  EXPECT_TRUE(f.allows(2));
  f.accept(2);
  EXPECT_TRUE(f.allows(0));

  Fixture ascii("root ::= [a-z]+");
  EXPECT_FALSE(ascii.allows(5));  // C3 completes to U+00C0..U+00FF, outside [a-z]
}

TEST(GrammarMatcher, NegatedClassesAnyCharAndAlternatives) {
  Fixture f("root ::= [^a\"] . (\"a\" | \"ba\")");
  EXPECT_FALSE(f.allows(1));
  EXPECT_FALSE(f.allows(11));
  EXPECT_TRUE(f.allows(2));  // b
  EXPECT_TRUE(f.allows(4));  // "ba": b then any
  f.accept(2);
  EXPECT_TRUE(f.allows(7));  // any character, é
  f.accept(7);
  EXPECT_TRUE(f.allows(1));
  EXPECT_TRUE(f.allows(4));
  EXPECT_FALSE(f.allows(3));  // "ab": a ends the grammar, b cannot follow
  f.accept(4);
  EXPECT_TRUE(f.allows(0));
}

TEST(GrammarMatcher, TokenReferences) {
  Fixture f("root ::= <[3]> !<[1]>+");
  EXPECT_TRUE(f.allows(3));
  EXPECT_FALSE(f.allows(1));
  f.accept(3);
  EXPECT_FALSE(f.allows(1));
  EXPECT_TRUE(f.allows(2));
  EXPECT_FALSE(f.allows(0));
  f.accept(2);
  EXPECT_TRUE(f.allows(0));
}

TEST(GrammarMatcher, AcceptingARejectedTokenIsAnError) {
  Fixture f("root ::= \"a\"");
  EXPECT_FALSE(f.matcher->accept(2).is_ok());
  EXPECT_FALSE(f.matcher->accept(0).is_ok());  // cannot end yet
  f.accept(1);
  EXPECT_TRUE(f.matcher->accept(0).is_ok());
}

}  // namespace
}  // namespace webgguf
