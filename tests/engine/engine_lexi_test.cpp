// The engine end to end on the lexi-28m fixtures: perplexity as llama.cpp, KV prefix reuse,
// context overflow and greedy chat generation against the PyTorch/llama.cpp references.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "test_paths.h"

namespace webgguf {
namespace {

using webgguf::testing::read_file_bytes;
using webgguf::testing::shared_path;

std::unique_ptr<Engine> load_engine(const std::string& model, uint32_t n_ctx) {
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path("models/" + model));
  if (bytes.empty()) return nullptr;
  auto engine = std::make_unique<Engine>();
  uint8_t* buffer = engine->allocate_model(bytes.size());
  if (buffer == nullptr) return nullptr;
  std::memcpy(buffer, bytes.data(), bytes.size());
  LoadOptions options;
  options.n_ctx = n_ctx;
  EngineError e = engine->load_model(options);
  if (!e.ok()) {
    ADD_FAILURE() << error_code_name(e.code) << ": " << e.message;
    return nullptr;
  }
  return engine;
}

std::string read_text(const std::string& relative) {
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path(relative));
  return std::string(bytes.begin(), bytes.end());
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

SamplerParams greedy() {
  SamplerParams p;
  p.temperature = 0.0f;
  return p;
}

// Generates until end of generation (or max_tokens), returning the ids and the streamed text.
void generate(Engine& engine, int max_tokens, std::vector<int32_t>* ids, std::string* text) {
  for (int i = 0; i < max_tokens; ++i) {
    StepResult r;
    EngineError e = engine.step(&r);
    ASSERT_TRUE(e.ok()) << e.message;
    ids->push_back(r.token);
    *text += r.text;
    if (r.end_of_generation) return;
  }
}

// Chunks to evaluate: WEBGGUF_PERPLEXITY_CHUNKS (natively; 0 = all 180), else 1 so the test stays
// fast. The full run checks the PyTorch/llama.cpp figure 41.306; the first chunk alone is checked
// against llama.cpp (node-llama-cpp 3.21.1, same file, same 255 scored positions): 30.4175.
int perplexity_chunks_to_run(int n_chunks) {
  const char* env = std::getenv("WEBGGUF_PERPLEXITY_CHUNKS");
  if (env == nullptr) return 1;
  const int n = std::atoi(env);
  return n <= 0 || n > n_chunks ? n_chunks : n;
}

TEST(EngineLexi, PerplexityOfEvalTextAtContext512) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_engine("lexi-28m-f16.gguf", 512);
  ASSERT_NE(engine, nullptr);
  PerplexityProgress p;
  EngineError e = engine->perplexity_begin(read_text("data/eval.txt"), 512, &p);
  ASSERT_TRUE(e.ok()) << e.message;
  ASSERT_EQ(p.n_chunks, 180);  // 45,900 scored tokens / 255 per chunk
  EXPECT_EQ(p.n_tokens, 92329u);
  const int chunks = perplexity_chunks_to_run(p.n_chunks);
  const auto start = std::chrono::steady_clock::now();
  double ppl_after_1 = 0.0;
  for (int i = 0; i < chunks; ++i) {
    e = engine->perplexity_next(&p);
    ASSERT_TRUE(e.ok()) << e.message;
    if (p.chunk == 1) ppl_after_1 = p.ppl;
  }
  const double seconds = seconds_since(start);
  std::printf("perplexity: %d chunk(s) in %.1f s (%.1f tokens/s): PPL = %.4f +/- %.5f\n", chunks, seconds,
              chunks * 512 / seconds, p.ppl, p.uncertainty);
  EXPECT_EQ(p.chunk, chunks);
  EXPECT_NEAR(ppl_after_1, 30.4175, 30.4175 * 1e-4);
  if (chunks == p.n_chunks) {
    EXPECT_TRUE(p.done);
    EXPECT_NEAR(p.ppl, 41.306, 41.306 * 1e-3);
  }
}

TEST(EngineLexi, KvPrefixReuseGivesTheLogitsOfAFreshEvaluation) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_engine("lexi-28m-f16.gguf", 256);
  ASSERT_NE(engine, nullptr);
  std::vector<int32_t> first, full;
  ASSERT_TRUE(engine->tokenize("The meaning of life is", false, false, &first).ok());
  ASSERT_TRUE(engine->tokenize("The meaning of life is a question people ask", false, false, &full).ok());
  ASSERT_LT(first.size(), full.size());
  ASSERT_TRUE(std::equal(first.begin(), first.end(), full.begin()));
  const int32_t n_vocab = engine->summary().model.n_vocab;

  PromptResult r;
  ASSERT_TRUE(engine->set_prompt(full, &r).ok());
  EXPECT_EQ(r.n_evaluated, static_cast<int32_t>(full.size()));
  const std::vector<float> fresh(engine->logits(), engine->logits() + n_vocab);

  engine->reset_context();
  ASSERT_TRUE(engine->set_prompt(first, &r).ok());
  EXPECT_EQ(r.n_reused, 0);
  ASSERT_TRUE(engine->set_prompt(full, &r).ok());
  EXPECT_EQ(r.n_reused, static_cast<int32_t>(first.size()));
  EXPECT_EQ(r.n_evaluated, static_cast<int32_t>(full.size() - first.size()));
  EXPECT_EQ(r.n_past, static_cast<int32_t>(full.size()));
  float max_diff = 0.0f;
  for (int32_t i = 0; i < n_vocab; ++i) max_diff = std::max(max_diff, std::fabs(engine->logits()[i] - fresh[i]));
  std::printf("KV reuse: max |logit difference| = %g\n", max_diff);
  // Every position is computed by the same per-token kernels whatever the batch split: exact.
  EXPECT_EQ(max_diff, 0.0f);

  // The same prompt again re-evaluates only its last token; a shorter one rewinds.
  ASSERT_TRUE(engine->set_prompt(full, &r).ok());
  EXPECT_EQ(r.n_evaluated, 1);
  ASSERT_TRUE(engine->set_prompt(first, &r).ok());
  EXPECT_EQ(r.n_reused, static_cast<int32_t>(first.size()) - 1);
  EXPECT_EQ(engine->context_tokens(), first);
}

TEST(EngineLexi, ContextOverflowIsContextFull) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_engine("lexi-28m-f16.gguf", 32);
  ASSERT_NE(engine, nullptr);
  ASSERT_EQ(engine->summary().model.n_ctx, 32);
  PromptResult r;
  EngineError e = engine->set_prompt(std::vector<int32_t>(33, 100), &r);
  EXPECT_EQ(e.code, ErrorCode::kContextFull);
  EXPECT_NE(e.message.find("33"), std::string::npos) << e.message;

  std::vector<int32_t> prompt;
  ASSERT_TRUE(engine->tokenize("The meaning of life is", false, false, &prompt).ok());
  engine->set_sampler(greedy(), {});
  ASSERT_TRUE(engine->set_prompt(prompt, &r).ok());
  StepResult s;
  int generated = 0;
  while ((e = engine->step(&s)).ok()) {
    ASSERT_FALSE(s.end_of_generation) << "the base model ended early; pick a longer text";
    ++generated;
  }
  EXPECT_EQ(e.code, ErrorCode::kContextFull);
  EXPECT_EQ(generated, 32 - static_cast<int>(prompt.size()));
  EXPECT_EQ(engine->context_tokens().size(), 32u);
}

TEST(EngineLexi, GreedyChatAnswerEqualsTheReference) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_engine("lexi-28m-chat-f16.gguf", 256);
  ASSERT_NE(engine, nullptr);
  const std::string prompt = "<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n";
  std::vector<int32_t> ids;
  ASSERT_TRUE(engine->tokenize(prompt, false, true, &ids).ok());
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 288, 201, 315, 284, 276, 2113, 33, 2, 201, 1, 290, 201}));
  ASSERT_TRUE(engine->set_sampler(greedy(), {}).ok());
  PromptResult r;
  ASSERT_TRUE(engine->set_prompt(ids, &r).ok());
  std::vector<int32_t> out;
  std::string text;
  const auto start = std::chrono::steady_clock::now();
  generate(*engine, 100, &out, &text);
  std::printf("chat: prefill %d tokens %.1f ms, %zu tokens generated in %.1f ms\n", r.n_evaluated, r.ms, out.size(),
              seconds_since(start) * 1e3);
  // lexi-28m-chat.reference.json, prompts.chat.greedy_ids / greedy_text
  EXPECT_EQ(out, (std::vector<int32_t>{35,   2113, 284, 276, 738,  1999, 1508, 322,  306, 834, 386, 78,   263,
                                       1120, 823,  276, 294, 1960, 547,  349,  350,  28,  302, 471, 2113, 556,
                                       352,  404,  373, 488, 377,  2452, 18,   1071, 286, 403, 2}));
  EXPECT_EQ(text,
            "A river is a large natural stream of water (larger than a creek). For example: \"the river "
            "was navigable for 50 miles\".");
}

TEST(EngineLexi, StopStringEndsGenerationBeforeIt) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  std::unique_ptr<Engine> engine = load_engine("lexi-28m-chat-f16.gguf", 256);
  ASSERT_NE(engine, nullptr);
  std::vector<int32_t> ids;
  ASSERT_TRUE(
      engine->tokenize("<|im_start|>user\nWhat is a river?<|im_end|>\n<|im_start|>assistant\n", false, true, &ids)
          .ok());
  ASSERT_TRUE(engine->set_sampler(greedy(), {"(larger"}).ok());
  PromptResult r;
  ASSERT_TRUE(engine->set_prompt(ids, &r).ok());
  std::string text;
  StepResult s;
  do {
    ASSERT_TRUE(engine->step(&s).ok());
    text += s.text;
  } while (!s.end_of_generation);
  EXPECT_EQ(s.stop_string, "(larger");
  EXPECT_EQ(text, "A river is a large natural stream of water ");
}

TEST(EngineLexi, CallsWithoutAModelOrPromptAreRefused) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  Engine engine;
  PromptResult r;
  StepResult s;
  EXPECT_EQ(engine.set_prompt({1, 2}, &r).code, ErrorCode::kNoModel);
  EXPECT_EQ(engine.step(&s).code, ErrorCode::kNoModel);
  EXPECT_EQ(engine.load_model(LoadOptions()).code, ErrorCode::kBadRequest);
  std::unique_ptr<Engine> loaded = load_engine("lexi-28m-f16.gguf", 64);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->step(&s).code, ErrorCode::kBadRequest);
  EXPECT_EQ(loaded->set_prompt({}, &r).code, ErrorCode::kBadRequest);
  EXPECT_EQ(loaded->set_prompt({5000}, &r).code, ErrorCode::kBadRequest);
  loaded->free_model();
  EXPECT_FALSE(loaded->has_model());
  EXPECT_EQ(loaded->step(&s).code, ErrorCode::kNoModel);
}

}  // namespace
}  // namespace webgguf
