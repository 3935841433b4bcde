// Saved sessions on lexi-28m: a conversation saved from one engine and restored into a freshly
// loaded one continues bit for bit as the original does, evaluating only the new tokens (f16 and
// q8_0 caches, and after a context shift); sessions of another model, other cache types, a
// smaller context, truncated or corrupt bytes are refused by name and leave the engine's
// conversation as it was. The format's framing (unknown sections) is checked on its own.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/session_file.h"
#include "lexi_engine.h"
#include "session_helpers.h"
#include "test_paths.h"

namespace webgguf {
namespace {

std::unique_ptr<Engine> load_lexi(const char* file = "lexi-28m-f16.gguf", uint32_t n_ctx = 256,
                                  KvCacheTypes types = KvCacheTypes()) {
  return testing::load_lexi_engine(file, n_ctx, types);
}

std::vector<int32_t> text_tokens(Engine& engine, size_t first, size_t n) {
  const std::vector<uint8_t> bytes = testing::read_file_bytes(testing::shared_path("data/eval.txt"));
  std::vector<int32_t> ids;
  EXPECT_TRUE(engine.tokenize(std::string(bytes.begin(), bytes.begin() + 6000), true, false, &ids).ok());
  return std::vector<int32_t>(ids.begin() + first, ids.begin() + first + n);
}

std::vector<uint8_t> save(Engine& engine) {
  return testing::save_session_bytes(engine);
}

// Greedy tokens after the current prompt, with the logits each was sampled from.
std::vector<int32_t> generate(Engine& engine, int n, std::vector<float>* logits = nullptr) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    if (logits) logits->insert(logits->end(), engine.logits(), engine.logits() + engine.summary().model.n_vocab);
    StepResult r;
    EXPECT_TRUE(engine.step(&r).ok());
    out.push_back(r.token);
    if (r.end_of_generation) break;
  }
  return out;
}

// A first turn and its reply in `engine`, then a second turn; the second turn's prefill and
// continuation from the original engine and from a fresh one that restored the saved session
// are the same, and the restored one evaluates only the second turn's new tokens.
void expect_round_trip(KvCacheTypes types) {
  auto original = load_lexi("lexi-28m-f16.gguf", 256, types);
  std::vector<int32_t> conversation = text_tokens(*original, 0, 60);
  PromptResult p;
  ASSERT_TRUE(original->set_prompt(conversation, &p).ok());
  const std::vector<int32_t> reply = generate(*original, 12);
  conversation = original->context_tokens();  // the prompt and the evaluated reply tokens
  const std::vector<uint8_t> bytes = save(*original);

  auto restored = load_lexi("lexi-28m-f16.gguf", 256, types);
  int32_t n_tokens = 0;
  const EngineError e = restored->load_session(bytes.data(), bytes.size(), &n_tokens);
  ASSERT_TRUE(e.ok()) << e.message;
  EXPECT_EQ(n_tokens, static_cast<int32_t>(conversation.size()));
  EXPECT_EQ(restored->context_tokens(), conversation);

  const std::vector<int32_t> turn = text_tokens(*original, 100, 9);
  std::vector<int32_t> next = conversation;
  next.insert(next.end(), turn.begin(), turn.end());
  PromptResult a, b;
  ASSERT_TRUE(original->set_prompt(next, &a).ok());
  ASSERT_TRUE(restored->set_prompt(next, &b).ok());
  EXPECT_EQ(a.n_evaluated, 9);
  EXPECT_EQ(b.n_evaluated, 9);
  EXPECT_EQ(b.n_reused, static_cast<int32_t>(conversation.size()));
  std::vector<float> logits_a, logits_b;
  EXPECT_EQ(generate(*original, 16, &logits_a), generate(*restored, 16, &logits_b));
  EXPECT_EQ(logits_a, logits_b);  // bit for bit: the same rows, the same arithmetic
}

TEST(Session, RoundTripContinuesExactlyAndEvaluatesOnlyNewTokens) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  expect_round_trip(KvCacheTypes());
}

TEST(Session, RoundTripWithAQuantizedCacheKeepsItsRows) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  KvCacheTypes q8;
  q8.keys = q8.values = GgmlType::Q8_0;
  expect_round_trip(q8);
  KvCacheTypes mixed;
  mixed.keys = GgmlType::Q8_0;
  mixed.values = GgmlType::Q4_0;
  expect_round_trip(mixed);
}

TEST(Session, HoldsOnlyTheUsedPositions) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  auto engine = load_lexi();
  const size_t empty = save(*engine).size();
  PromptResult p;
  ASSERT_TRUE(engine->set_prompt(text_tokens(*engine, 0, 40), &p).ok());
  // lexi: 8 layers x 2 kv heads x (64 + 64) f16 values of keys and values, + the token id.
  EXPECT_EQ(save(*engine).size() - empty, 40u * (8 * 2 * 2 * 64 * 2 + 4));
}

TEST(Session, AShiftedConversationMapsOntoTheRestoredCache) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  auto original = load_lexi("lexi-28m-f16.gguf", 96);
  ASSERT_TRUE(original->set_context_shift(true, 8).ok());
  const std::vector<int32_t> conversation = text_tokens(*original, 0, 170);
  const std::vector<int32_t> turn1(conversation.begin(), conversation.begin() + 150);
  PromptResult p;
  ASSERT_TRUE(original->set_prompt(turn1, &p).ok());
  ASSERT_GT(p.n_shifted, 0);
  const std::vector<uint8_t> bytes = save(*original);

  auto restored = load_lexi("lexi-28m-f16.gguf", 96);
  ASSERT_TRUE(restored->set_context_shift(true, 8).ok());
  int32_t n_tokens = 0;
  ASSERT_TRUE(restored->load_session(bytes.data(), bytes.size(), &n_tokens).ok());
  // The whole conversation, 10 tokens longer: only those are evaluated, as in the original.
  const std::vector<int32_t> turn2(conversation.begin(), conversation.begin() + 160);
  PromptResult a, b;
  ASSERT_TRUE(original->set_prompt(turn2, &a).ok());
  ASSERT_TRUE(restored->set_prompt(turn2, &b).ok());
  EXPECT_EQ(b.n_evaluated, 10);
  EXPECT_EQ(b.n_shifted, 0);
  EXPECT_EQ(generate(*original, 8), generate(*restored, 8));
}

using testing::expect_refused;

TEST(Session, ForeignTruncatedAndCorruptSessionsAreRefusedByName) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  auto source = load_lexi();
  PromptResult p;
  ASSERT_TRUE(source->set_prompt(text_tokens(*source, 0, 50), &p).ok());
  const std::vector<uint8_t> bytes = save(*source);

  auto engine = load_lexi();
  ASSERT_TRUE(engine->set_prompt(text_tokens(*engine, 200, 20), &p).ok());
  expect_refused(*engine, std::vector<uint8_t>(bytes.begin(), bytes.begin() + 20), "truncated: 20 bytes");
  expect_refused(*engine, std::vector<uint8_t>(bytes.begin(), bytes.end() - 1),
                 format("truncated: %zu bytes of the %zu", bytes.size() - 1, bytes.size()));
  std::vector<uint8_t> flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  expect_refused(*engine, flipped, "corrupt: its checksum does not match");
  std::vector<uint8_t> not_session = bytes;
  not_session[0] = 'G';
  expect_refused(*engine, not_session, "not a webgguf session");

  auto chat_model = load_lexi("lexi-28m-chat-f16.gguf");
  ASSERT_TRUE(chat_model->set_prompt(text_tokens(*chat_model, 0, 30), &p).ok());
  expect_refused(*chat_model, bytes, "saved with another model");

  KvCacheTypes q8;
  q8.keys = q8.values = GgmlType::Q8_0;
  auto quantized_cache = load_lexi("lexi-28m-f16.gguf", 256, q8);
  ASSERT_TRUE(quantized_cache->set_prompt(text_tokens(*quantized_cache, 0, 30), &p).ok());
  expect_refused(*quantized_cache, bytes,
                 "saved with a KV cache of f16 keys and f16 values; this model is loaded with q8_0 keys and q8_0 "
                 "values: load it with cache_type_k 'f16' and cache_type_v 'f16'");

  auto small = load_lexi("lexi-28m-f16.gguf", 32);
  ASSERT_TRUE(small->set_prompt(text_tokens(*small, 0, 10), &p).ok());
  expect_refused(*small, bytes,
                 "the session holds 50 tokens but the context holds 32: load the model with n_ctx >= 50");
}

// Framing: a session written from a Session struct (two layers of 1 kv head, 4-byte rows; a
// recurrent state if asked), with
// a section inserted after its header; the checksum is recomputed so that the framing is what
// the parser sees.
// `recurrent`: positions of recurrent state copies (layer 0 holds 2 floats, layer 1 none).
std::vector<uint8_t> tiny_session(uint32_t extra_tag = 0, uint32_t extra_flags = 0,
                                  const std::vector<uint8_t>& extra_payload = {0xAB, 0xAB, 0xAB},
                                  const std::vector<uint32_t>& recurrent = {}) {
  Session s;
  if (!recurrent.empty()) s.recurrent_floats = {2, 0};
  for (uint32_t position : recurrent) s.recurrent.push_back({position, nullptr});
  s.model_identity = 42;
  s.n_layer = 2;
  s.n_vocab = 10;
  s.model_name = "tiny";
  s.tokens = {1, 2, 3};
  s.key_row_bytes = s.value_row_bytes = 4;
  s.layers = {{1, 0, 3, nullptr, nullptr}, {1, 1, 2, nullptr, nullptr}};
  std::vector<uint8_t> bytes;
  write_session(
      s,
      [&](int layer, int, bool values, const SessionSink& sink) {
        const std::vector<uint8_t> rows(s.layers[layer].count * 4u, static_cast<uint8_t>(layer * 2 + values));
        sink(rows.data(), rows.size());
      },
      [&](const uint8_t* p, size_t n) { bytes.insert(bytes.end(), p, p + n); },
      [&](size_t copy, const SessionSink& sink) {
        const float state[2] = {1.5f, static_cast<float>(copy)};
        sink(reinterpret_cast<const uint8_t*>(state), sizeof(state));
      });
  EXPECT_EQ(bytes.size(), session_bytes(s));
  if (extra_tag != 0) {
    std::vector<uint8_t> section(16);
    std::memcpy(section.data(), &extra_tag, 4);
    std::memcpy(section.data() + 4, &extra_flags, 4);
    const uint64_t payload = extra_payload.size();
    std::memcpy(section.data() + 8, &payload, 8);
    section.insert(section.end(), extra_payload.begin(), extra_payload.end());
    bytes.insert(bytes.begin() + kSessionHeaderBytes, section.begin(), section.end());
    uint32_t n_sections = 0;
    std::memcpy(&n_sections, bytes.data() + 12, 4);
    ++n_sections;
    std::memcpy(bytes.data() + 12, &n_sections, 4);
    testing::reframe_session(&bytes);
  }
  return bytes;
}

TEST(SessionFile, ParsesWhatItWritesSkipsUnknownOptionalSectionsAndRefusesUnknownRequiredOnes) {
  const std::vector<uint8_t> bytes = tiny_session();
  Result<Session> parsed = parse_session(bytes.data(), bytes.size());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  const Session& s = parsed.value();
  EXPECT_EQ(s.model_identity, 42u);
  EXPECT_EQ(s.model_name, "tiny");
  EXPECT_EQ(s.tokens, (std::vector<int32_t>{1, 2, 3}));
  ASSERT_EQ(s.layers.size(), 2u);
  EXPECT_EQ(s.layers[1].first, 1u);
  EXPECT_EQ(s.layers[1].count, 2u);
  EXPECT_EQ(s.layers[1].keys[0], 2);
  EXPECT_EQ(s.layers[1].values[7], 3);
  EXPECT_FALSE(s.has_shift);

  const uint32_t future = 'R' | 'E' << 8 | 'C' << 16 | 'R' << 24;
  const std::vector<uint8_t> optional = tiny_session(future, 0);
  EXPECT_TRUE(parse_session(optional.data(), optional.size()).is_ok());
  const std::vector<uint8_t> required = tiny_session(future, kSectionRequired);
  parsed = parse_session(required.data(), required.size());
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("has a 'RECR' section this engine does not know"), std::string::npos)
      << parsed.status().message();
  const uint32_t tokens = 'T' | 'O' << 8 | 'K' << 16 | 'N' << 24;
  const std::vector<uint8_t> twice = tiny_session(tokens, kSectionRequired, {0, 0, 0, 0});
  parsed = parse_session(twice.data(), twice.size());
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("two 'TOKN' sections"), std::string::npos) << parsed.status().message();

  // Every prefix is refused (and none reads past its end: the fuzz target checks the rest).
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(parse_session(bytes.data(), n).is_ok()) << n;
}

TEST(SessionFile, ARecurrentStateIsAtTheTokensEndAndItsCheckpointsAscendBeforeIt) {
  const std::vector<uint8_t> bytes = tiny_session(0, 0, {}, {3, 1, 2});
  Result<Session> parsed = parse_session(bytes.data(), bytes.size());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().message();
  const Session& s = parsed.value();
  EXPECT_EQ(s.recurrent_floats, (std::vector<uint32_t>{2, 0}));
  ASSERT_EQ(s.recurrent.size(), 3u);
  EXPECT_EQ(s.recurrent[2].position, 2u);
  float state[2];
  std::memcpy(state, s.recurrent[2].state, sizeof(state));
  EXPECT_EQ(state[0], 1.5f);
  EXPECT_EQ(state[1], 2.0f);
  const struct {
    std::vector<uint32_t> positions;
    const char* message;
  } refused[] = {
      {{2}, "recurrent state ('RCST') is at position 2, its tokens end at 3"},
      {{3, 2, 1}, "checkpoint 2 of the session's recurrent state ('RCST') is at position 1, not after"},
      {{3, 3}, "checkpoint 1 of the session's recurrent state ('RCST') is at position 3"},
  };
  for (const auto& r : refused) {
    const std::vector<uint8_t> b = tiny_session(0, 0, {}, r.positions);
    parsed = parse_session(b.data(), b.size());
    ASSERT_FALSE(parsed.is_ok()) << r.message;
    EXPECT_NE(parsed.status().message().find(r.message), std::string::npos) << parsed.status().message();
  }
}

}  // namespace
}  // namespace webgguf
