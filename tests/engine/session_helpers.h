// Saved sessions in the engine tests: an engine's session as bytes, a refusal checked by its
// message, and sessions rewritten the way a hostile or damaged file would be (fields changed,
// its framing made to match again so the parser gets past the checksum).
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/hash64.h"
#include "engine/engine.h"
#include "engine/session_file.h"

namespace webgguf::testing {

inline std::vector<uint8_t> save_session_bytes(Engine& engine) {
  std::vector<uint8_t> bytes;
  uint64_t declared = 0;
  const EngineError e = engine.save_session(
      Engine::SessionOutput{[&](uint64_t total) {
                              declared = total;
                              return true;
                            },
                            [&](const uint8_t* p, size_t n) { bytes.insert(bytes.end(), p, p + n); }});
  EXPECT_TRUE(e.ok()) << e.message;
  EXPECT_EQ(bytes.size(), declared);
  return bytes;
}

// A refused session leaves the engine's own conversation in place: the next turn still reuses it.
inline void expect_refused(Engine& engine, const std::vector<uint8_t>& bytes, const std::string& message) {
  const std::vector<int32_t> before = engine.context_tokens();
  int32_t n_tokens = -1;
  const EngineError e = engine.load_session(bytes.data(), bytes.size(), &n_tokens);
  EXPECT_EQ(e.code, ErrorCode::kInvalidSession) << message;
  EXPECT_NE(e.message.find(message), std::string::npos) << e.message;
  EXPECT_EQ(n_tokens, -1);
  EXPECT_EQ(engine.context_tokens(), before);
  std::vector<int32_t> next = before;
  next.push_back(before.back());
  PromptResult p;
  ASSERT_TRUE(engine.set_prompt(next, &p).ok());
  EXPECT_EQ(p.n_evaluated, 1);
  engine.set_prompt(before, &p);
}

// The declared size and the checksum made to match the bytes again.
inline void reframe_session(std::vector<uint8_t>* bytes) {
  const uint64_t total = bytes->size();
  std::memcpy(bytes->data() + 16, &total, 8);
  const uint64_t checksum = Hash64::of(bytes->data(), bytes->size() - kSessionTrailerBytes);
  std::memcpy(bytes->data() + bytes->size() - kSessionTrailerBytes, &checksum, 8);
}

// The offset of section `tag`'s header (its payload follows it), or 0 when there is none.
inline size_t find_session_section(const std::vector<uint8_t>& bytes, const char (&tag)[5]) {
  uint32_t n_sections = 0;
  std::memcpy(&n_sections, bytes.data() + 12, 4);
  size_t at = kSessionHeaderBytes;
  for (uint32_t i = 0; i < n_sections; ++i) {
    uint64_t payload = 0;
    std::memcpy(&payload, bytes.data() + at + 8, 8);
    if (std::memcmp(bytes.data() + at, tag, 4) == 0) return at;
    at += kSectionHeaderBytes + payload;
  }
  return 0;
}

// The session with its model identity replaced (a file crafted to get past that check).
inline std::vector<uint8_t> with_model_identity(std::vector<uint8_t> bytes, uint64_t identity) {
  const size_t model = find_session_section(bytes, "MODL");
  EXPECT_NE(model, 0u);
  std::memcpy(bytes.data() + model + kSectionHeaderBytes, &identity, 8);
  reframe_session(&bytes);
  return bytes;
}

inline uint64_t session_model_identity(const std::vector<uint8_t>& bytes) {
  Result<Session> parsed = parse_session(bytes.data(), bytes.size());
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().message();
  return parsed.is_ok() ? parsed.value().model_identity : 0;
}

}  // namespace webgguf::testing
