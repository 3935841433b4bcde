// Saved sessions: a conversation's state as bytes (Engine::save_session / load_session), so a
// reloaded page continues where it was without evaluating the conversation again.
//
// Format, little-endian, version 1 (kSessionVersion):
//   header   "WGGUFSES" | u32 version | u32 n_sections | u64 total bytes (the whole blob)
//   section  u32 tag (four ASCII characters) | u32 flags | u64 payload bytes | payload
//   trailer  u64 checksum: Hash64 of every byte before it
// Flags bit 0 (kSectionRequired): a reader that does not know the tag must refuse the session
// (it holds state the conversation needs); an unknown section without it is skipped. Sections
// appear at most once each, in any order. Version 1's sections:
//   MODL (required) u64 model identity | u32 n_layer | u32 n_vocab | u32 name bytes | name
//   CACH (required) u32 key type | u32 value type (ggml type ids) | u32 n_ctx when saved
//   TOKN (required) u32 n | i32 tokens[n]: the conversation as the KV cache holds it
//   SHFT (required) u32 begin | u32 end | u64 prefix hash: the conversation range [begin, end)
//                   a context shift dropped (only when one did, see ShiftedConversation)
//   KVRW (required) u32 n_layer | u32 key row bytes | u32 value row bytes, then per layer
//                   u32 n_head_kv | u32 first position | u32 n positions |
//                   keys [n_head_kv][n][key row bytes] | values [n_head_kv][n][value row bytes]
//                   rows in the cache's own format (f16, or q8_0 / q4_0 blocks), positions
//                   [first, first + n) = [0, n_tokens) on global layers, the last ones a
//                   sliding-window layer's ring holds on those.
//   RCST (required) u32 n_layer | u32 n_copies | u32 floats[n_layer] (one copy's f32 values of
//                   each layer, 0 on attention layers), then per copy u32 position |
//                   f32 state[sum of floats] (layer by layer, in the order of
//                   src/model/recurrent_state.h): the recurrent layers' state of a hybrid model
//                   (lfm2, qwen35), only in sessions of such models. Copy 0 is the state at the
//                   end of the tokens (position n); the others are checkpoints at ascending
//                   positions < n (the engine saves the newest turn boundary, where regenerate
//                   and a re-tokenized next turn resume), restored as turn boundaries.
// A new kind of state is a new required section with its own tag; older readers then refuse such
// a session by name instead of restoring half of it. A change to an existing section's layout
// takes a new tag or a new version.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace webgguf {

constexpr uint32_t kSessionVersion = 1;
constexpr uint32_t kSectionRequired = 1;
constexpr size_t kSessionHeaderBytes = 8 + 4 + 4 + 8;
constexpr size_t kSectionHeaderBytes = 4 + 4 + 8;
constexpr size_t kSessionTrailerBytes = 8;

struct SessionKvLayer {
  uint32_t n_head_kv = 0;
  uint32_t first = 0;  // first cached position
  uint32_t count = 0;  // positions [first, first + count)
  // Parsed sessions: views into the parsed bytes, [n_head_kv][count] rows each.
  const uint8_t* keys = nullptr;
  const uint8_t* values = nullptr;
};

struct SessionRecurrentCopy {
  uint32_t position = 0;
  // Parsed sessions: a view into the parsed bytes (unaligned), sum of recurrent_floats f32 values.
  const uint8_t* state = nullptr;
};

struct Session {
  uint64_t model_identity = 0;
  uint32_t n_layer = 0, n_vocab = 0;
  std::string model_name;
  uint32_t key_type = 0, value_type = 0, n_ctx = 0;
  std::vector<int32_t> tokens;
  bool has_shift = false;
  uint32_t shift_begin = 0, shift_end = 0;
  uint64_t shift_prefix_hash = 0;
  uint32_t key_row_bytes = 0, value_row_bytes = 0;
  std::vector<SessionKvLayer> layers;  // [n_layer]
  // RCST: empty when the session has none (a model without recurrent layers).
  std::vector<uint32_t> recurrent_floats;       // [n_layer]
  std::vector<SessionRecurrentCopy> recurrent;  // [0]: the state at tokens.size(), then checkpoints
};

// Checks the framing (size, magic, version, checksum, section bounds, required sections) and the
// sections' own consistency (row counts against the payload sizes, positions against the tokens),
// and returns a Session whose KV rows point into `data`. Errors name what is wrong.
Result<Session> parse_session(const uint8_t* data, size_t size);

using SessionSink = std::function<void(const uint8_t* bytes, size_t n)>;
// Emits the `count` rows of one layer's kv head (values: the value rows, else the keys), in
// position order, through the sink (in as many pieces as it likes).
using SessionRowSource = std::function<void(int layer, int head, bool values, const SessionSink& sink)>;

// Emits copy `copy` of the recurrent state (sum of recurrent_floats f32 values) through the sink.
using SessionStateSource = std::function<void(size_t copy, const SessionSink& sink)>;

// Bytes write_session will emit for `s`.
uint64_t session_bytes(const Session& s);
// Writes `s` (its row and state pointers are not read: `rows` gives the rows, `states` the
// recurrent state copies, needed only when s.recurrent is not empty) through `sink`.
void write_session(const Session& s, const SessionRowSource& rows, const SessionSink& sink,
                   const SessionStateSource& states = nullptr);

}  // namespace webgguf
