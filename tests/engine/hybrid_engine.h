// The hybrid families' synthetic models (`webgguf synth --arch A --shape tiny-deep`: 6 layers,
// recurrent on 0, 1, 3, 4, attention on 2 and 5) in an Engine with a greedy sampler, and the chat
// helpers the recurrent-state and hybrid-session tests are written with. Native only (runs the
// CLI's synth): include it under WEBGGUF_CLI_PATH.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "test_paths.h"

namespace webgguf::testing::hybrid {

constexpr int kContext = 512;
constexpr int kReplyTokens = 8;

// The synthetic model of `arch`, written once per test binary.
inline const std::vector<uint8_t>& model_bytes(const std::string& arch) {
  static std::map<std::string, std::vector<uint8_t>> models;
  auto found = models.find(arch);
  if (found != models.end()) return found->second;
  ScratchDir scratch;
  const std::string out = scratch.file(arch + ".gguf");
  const std::string command = std::string("'") + WEBGGUF_CLI_PATH + "' synth '" + out + "' --shape tiny-deep --arch " +
                              arch + " --stddev 0.07 --seed 7 --vocab-from '" +
                              shared_path("models/lexi-28m-f16.gguf") + "' >/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return models[arch] = read_file_bytes(out);
}

inline EngineError load_bytes(Engine& engine, const std::vector<uint8_t>& bytes) {
  uint8_t* buffer = engine.allocate_model(bytes.size());
  if (buffer == nullptr) return EngineError::make(ErrorCode::kTooBig, "allocation failed");
  std::memcpy(buffer, bytes.data(), bytes.size());
  LoadOptions options;
  options.n_ctx = kContext;
  return engine.load_model(options);
}

inline std::unique_ptr<Engine> hybrid_engine(const std::string& arch) {
  auto engine = std::make_unique<Engine>();
  const EngineError e = load_bytes(*engine, model_bytes(arch));
  EXPECT_TRUE(e.ok()) << e.message;
  SamplerParams greedy;
  greedy.temperature = 0.0f;
  EXPECT_TRUE(engine->set_sampler(greedy, {}).ok());
  return engine;
}

inline std::vector<int32_t> tokens_of(const Engine& engine, const std::string& text) {
  std::vector<int32_t> ids;
  EXPECT_TRUE(engine.tokenize(text, false, true, &ids).ok());
  return ids;
}

// A conversation as token ids (replies kept as the ids generated, as a chat UI that keeps them
// would send them back), appended to turn by turn.
struct Conversation {
  const Engine& engine;
  std::vector<int32_t> ids;
  Conversation& text(const std::string& t) {
    const std::vector<int32_t> more = tokens_of(engine, t);
    ids.insert(ids.end(), more.begin(), more.end());
    return *this;
  }
  Conversation& user(const std::string& t) {
    return text("<|im_start|>user\n" + t + "<|im_end|>\n<|im_start|>assistant\n");
  }
  Conversation& reply(const std::vector<int32_t>& r) {
    ids.insert(ids.end(), r.begin(), r.end());
    return text("<|im_end|>\n");
  }
};

// Prefills `ids` in chunks of `chunk` tokens (as the worker does, to stay abortable); the first
// call's result says what was reused.
inline PromptResult prefill_all(Engine& engine, const std::vector<int32_t>& ids, int32_t chunk) {
  PromptResult first, r;
  for (bool started = false; !started || !r.done; started = true) {
    const EngineError e = engine.prefill(ids, chunk, &r);
    EXPECT_TRUE(e.ok()) << e.message;
    if (!e.ok()) break;
    if (!started) first = r;
  }
  return first;
}

// Up to n greedy tokens of the reply (an aborted reply: the caller stops early); the end of
// generation token is not part of it.
inline std::vector<int32_t> reply(Engine& engine, int n) {
  std::vector<int32_t> ids;
  for (int i = 0; i < n; ++i) {
    StepResult r;
    const EngineError e = engine.step(&r);
    EXPECT_TRUE(e.ok()) << e.message;
    if (!e.ok() || r.end_of_generation) break;
    ids.push_back(r.token);
  }
  return ids;
}

inline std::vector<float> current_logits(const Engine& engine) {
  return std::vector<float>(engine.logits(), engine.logits() + engine.summary().model.n_vocab);
}

}  // namespace webgguf::testing::hybrid
