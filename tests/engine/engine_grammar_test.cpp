// The engine with a grammar and logprobs, on the lexi-28m chat model: an invalid grammar is a
// bad_request naming line:column and leaves the engine usable; constrained generation follows
// the grammar and ends only where it may; logprobs are the log-softmax of the raw logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_json.h"
#include "test_paths.h"

namespace webgguf {
namespace {

using webgguf::testing::read_file_bytes;
using webgguf::testing::shared_path;

std::unique_ptr<Engine> load_lexi_chat() {
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path("models/lexi-28m-chat-f16.gguf"));
  EXPECT_FALSE(bytes.empty());
  auto engine = std::make_unique<Engine>();
  std::memcpy(engine->allocate_model(bytes.size()), bytes.data(), bytes.size());
  LoadOptions options;
  options.n_ctx = 256;
  EXPECT_TRUE(engine->load_model(options).ok());
  return engine;
}

SamplerParams greedy() {
  SamplerParams p;
  p.temperature = 0.0f;
  return p;
}

std::string generate(Engine& engine, const std::string& prompt, int max_tokens, bool* ended) {
  std::vector<int32_t> ids;
  EXPECT_TRUE(engine.tokenize(prompt, false, true, &ids).ok());
  PromptResult r;
  EXPECT_TRUE(engine.set_prompt(ids, &r).ok());
  std::string text;
  *ended = false;
  for (int i = 0; i < max_tokens; ++i) {
    StepResult s;
    EngineError e = engine.step(&s);
    EXPECT_TRUE(e.ok()) << e.message;
    if (!e.ok()) break;
    text += s.text;
    if (s.end_of_generation) {
      *ended = true;
      break;
    }
  }
  return text;
}

const char kQuestion[] = "<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n";

TEST(EngineGrammar, InvalidGrammarIsABadRequestAndTheEngineStaysUsable) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_lexi_chat();
  EngineError e = engine->set_sampler(greedy(), {}, "root ::= \"a\"\nitem ::= (\"b\"\n");
  EXPECT_EQ(e.code, ErrorCode::kBadRequest);
  EXPECT_EQ(e.message, "grammar error at 3:1: expecting ')' to close the group opened at 2:10");
  e = engine->set_sampler(greedy(), {}, "root ::= \"x\"", 21);
  EXPECT_EQ(e.code, ErrorCode::kBadRequest);
  EXPECT_NE(e.message.find("top_logprobs"), std::string::npos);

  EngineJsonApi api;
  EXPECT_EQ(api.set_sampler(R"({"grammar": "root ::= item"})"),
            R"({"ok":false,"code":"no_model","error":"no model is loaded"})");

  // Still usable: the unconstrained answer as before the bad request.
  ASSERT_TRUE(engine->set_sampler(greedy(), {}).ok());
  bool ended = false;
  EXPECT_EQ(generate(*engine, kQuestion, 100, &ended),
            "A river is a large natural stream of water (larger than a creek). For example: \"the river "
            "was navigable for 50 miles\".");
}

TEST(EngineGrammar, ConstrainedGenerationFollowsTheGrammarAndEndsWhereItMay) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_lexi_chat();
  ASSERT_TRUE(engine->set_sampler(greedy(), {}, "root ::= (\"yes\" | \"no\") \", \" [a-z ]{3,12} \".\"").ok());
  bool ended = false;
  const std::string text = generate(*engine, kQuestion, 40, &ended);
  EXPECT_TRUE(ended) << text;
  ASSERT_GE(text.size(), 7u) << text;
  EXPECT_TRUE(text.rfind("yes, ", 0) == 0 || text.rfind("no, ", 0) == 0) << text;
  EXPECT_EQ(text.back(), '.');
  const size_t body = text.size() - text.find(", ") - 3;
  EXPECT_GE(body, 3u);
  EXPECT_LE(body, 12u);

  // The same grammar for the next request starts again at its beginning.
  EXPECT_EQ(generate(*engine, kQuestion, 40, &ended), text);
}

TEST(EngineGrammar, LogprobsAreTheLogSoftmaxOfTheRawLogits) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_lexi_chat();
  ASSERT_TRUE(engine->set_sampler(greedy(), {}, "", 5).ok());
  std::vector<int32_t> ids;
  ASSERT_TRUE(engine->tokenize(kQuestion, false, true, &ids).ok());
  PromptResult r;
  ASSERT_TRUE(engine->set_prompt(ids, &r).ok());
  const size_t n_vocab = static_cast<size_t>(engine->summary().model.n_vocab);
  const std::vector<float> logits(engine->logits(), engine->logits() + n_vocab);
  StepResult s;
  ASSERT_TRUE(engine->step(&s).ok());
  ASSERT_TRUE(s.has_logprobs);
  double max = *std::max_element(logits.begin(), logits.end()), sum = 0.0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
  const double log_norm = max + std::log(sum);
  EXPECT_NEAR(s.logprob, logits[static_cast<size_t>(s.token)] - log_norm, 1e-5);
  ASSERT_EQ(s.top_logprobs.size(), 5u);
  EXPECT_EQ(s.top_logprobs[0].token, s.token);  // greedy: the most likely one
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(s.top_logprobs[i].logprob, logits[static_cast<size_t>(s.top_logprobs[i].token)] - log_norm, 1e-5);
    if (i > 0) EXPECT_GE(s.top_logprobs[i - 1].logprob, s.top_logprobs[i].logprob);
  }
  // Nothing above the fifth is missing from the list.
  std::vector<float> sorted = logits;
  std::sort(sorted.begin(), sorted.end(), std::greater<float>());
  EXPECT_NEAR(s.top_logprobs[4].logprob, sorted[4] - log_norm, 1e-5);

  // Without logprobs the step carries none.
  ASSERT_TRUE(engine->set_sampler(greedy(), {}).ok());
  ASSERT_TRUE(engine->set_prompt(ids, &r).ok());
  ASSERT_TRUE(engine->step(&s).ok());
  EXPECT_FALSE(s.has_logprobs);
}

}  // namespace
}  // namespace webgguf
