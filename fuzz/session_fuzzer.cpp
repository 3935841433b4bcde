// libFuzzer target for saved sessions (src/engine/session_file.h): parse arbitrary bytes twice,
// as they are and with their declared size and checksum made to match (so that mutations reach
// the sections instead of stopping at the checksum).
// Beyond "no crash, no sanitizer report, no hang" it checks (a violation traps):
//   - a refusal has a message;
//   - a parsed session's KV rows and recurrent states lie inside the input;
//   - writing a parsed session again and parsing that gives the same session.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/hash64.h"
#include "engine/session_file.h"

namespace {

using webgguf::Result;
using webgguf::Session;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// Bytes of one copy of the recurrent state.
size_t recurrent_bytes(const Session& s) {
  size_t floats = 0;
  for (uint32_t f : s.recurrent_floats) floats += f;
  return floats * 4;
}

bool same(const Session& a, const Session& b) {
  if (a.model_identity != b.model_identity || a.n_layer != b.n_layer || a.n_vocab != b.n_vocab ||
      a.model_name != b.model_name || a.key_type != b.key_type || a.value_type != b.value_type || a.n_ctx != b.n_ctx ||
      a.tokens != b.tokens || a.has_shift != b.has_shift || a.shift_begin != b.shift_begin ||
      a.shift_end != b.shift_end || a.shift_prefix_hash != b.shift_prefix_hash || a.key_row_bytes != b.key_row_bytes ||
      a.value_row_bytes != b.value_row_bytes || a.layers.size() != b.layers.size() ||
      a.recurrent_floats != b.recurrent_floats || a.recurrent.size() != b.recurrent.size()) {
    return false;
  }
  const size_t state_bytes = recurrent_bytes(a);
  for (size_t i = 0; i < a.recurrent.size(); ++i) {
    if (a.recurrent[i].position != b.recurrent[i].position) return false;
    if (std::memcmp(a.recurrent[i].state, b.recurrent[i].state, state_bytes) != 0) return false;
  }
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const webgguf::SessionKvLayer &x = a.layers[i], &y = b.layers[i];
    if (x.n_head_kv != y.n_head_kv || x.first != y.first || x.count != y.count) return false;
    const size_t n = size_t{x.n_head_kv} * x.count;
    if (std::memcmp(x.keys, y.keys, n * a.key_row_bytes) != 0) return false;
    if (std::memcmp(x.values, y.values, n * a.value_row_bytes) != 0) return false;
  }
  return true;
}

void parse_and_check(const uint8_t* data, size_t size) {
  Result<Session> parsed = webgguf::parse_session(data, size);
  if (!parsed.is_ok()) {
    check(!parsed.status().message().empty());
    return;
  }
  const Session& s = parsed.value();
  for (const webgguf::SessionKvLayer& l : s.layers) {
    const uint64_t rows = uint64_t{l.n_head_kv} * l.count;
    check(l.keys >= data && l.keys + rows * s.key_row_bytes <= data + size);
    check(l.values >= data && l.values + rows * s.value_row_bytes <= data + size);
  }
  const size_t state_bytes = recurrent_bytes(s);
  for (const webgguf::SessionRecurrentCopy& copy : s.recurrent) {
    check(copy.state >= data && copy.state + state_bytes <= data + size);
  }
  std::vector<uint8_t> again;
  webgguf::write_session(
      s,
      [&](int layer, int head, bool values, const webgguf::SessionSink& sink) {
        const webgguf::SessionKvLayer& l = s.layers[static_cast<size_t>(layer)];
        const size_t row_bytes = values ? s.value_row_bytes : s.key_row_bytes;
        sink((values ? l.values : l.keys) + size_t(head) * l.count * row_bytes, size_t{l.count} * row_bytes);
      },
      [&](const uint8_t* p, size_t n) { again.insert(again.end(), p, p + n); },
      [&](size_t copy, const webgguf::SessionSink& sink) { sink(s.recurrent[copy].state, state_bytes); });
  check(again.size() == webgguf::session_bytes(s));
  Result<Session> reparsed = webgguf::parse_session(again.data(), again.size());
  check(reparsed.is_ok() && same(s, reparsed.value()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  parse_and_check(data, size);
  if (size < webgguf::kSessionHeaderBytes + webgguf::kSessionTrailerBytes) return 0;
  std::vector<uint8_t> framed(data, data + size);
  const uint64_t total = size;
  std::memcpy(framed.data() + 16, &total, 8);
  const uint64_t checksum = webgguf::Hash64::of(framed.data(), size - webgguf::kSessionTrailerBytes);
  std::memcpy(framed.data() + size - webgguf::kSessionTrailerBytes, &checksum, 8);
  parse_and_check(framed.data(), framed.size());
  return 0;
}
