#include "engine/session_file.h"

#include <cstring>
#include <initializer_list>

#include "core/hash64.h"

namespace webgguf {

namespace {

constexpr char kMagic[8] = {'W', 'G', 'G', 'U', 'F', 'S', 'E', 'S'};

constexpr uint32_t tag(const char (&name)[5]) {
  return static_cast<uint32_t>(static_cast<uint8_t>(name[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(name[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(name[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(name[3])) << 24;
}

constexpr uint32_t kModelTag = tag("MODL");
constexpr uint32_t kCacheTag = tag("CACH");
constexpr uint32_t kTokensTag = tag("TOKN");
constexpr uint32_t kShiftTag = tag("SHFT");
constexpr uint32_t kKvRowsTag = tag("KVRW");
constexpr uint32_t kRecurrentTag = tag("RCST");

// A tag as text for messages; bytes outside printable ASCII as \xNN.
std::string tag_name(uint32_t t) {
  std::string name;
  for (int i = 0; i < 4; ++i) {
    const unsigned char c = static_cast<unsigned char>(t >> (8 * i));
    name += c >= 0x20 && c < 0x7F ? std::string(1, static_cast<char>(c)) : format("\\x%02X", c);
  }
  return name;
}

// Reads little-endian fields of one section's payload; every read is bounds-checked.
class Cursor {
 public:
  Cursor(const uint8_t* data, uint64_t size, uint32_t section) : data_(data), size_(size), section_(section) {}

  template <typename T>
  Status read(T* value) {
    const uint8_t* p = nullptr;
    WEBGGUF_RETURN_IF_ERROR(take(sizeof(T), &p));
    std::memcpy(value, p, sizeof(T));
    return Status::ok();
  }
  Status take(uint64_t n, const uint8_t** p) {
    if (n > size_ - offset_) {
      return Status::error(format("the session's '%s' section is cut short (%llu bytes, more are needed)",
                                  tag_name(section_).c_str(), static_cast<unsigned long long>(size_)));
    }
    *p = data_ + offset_;
    offset_ += n;
    return Status::ok();
  }
  // n items of `item` bytes each, refused before n * item could overflow.
  Status take_array(uint64_t n, uint64_t item, const uint8_t** p) {
    if (item != 0 && n > (size_ - offset_) / item) return take(size_ - offset_ + 1, p);
    return take(n * item, p);
  }
  Status finish() const {
    if (offset_ == size_) return Status::ok();
    return Status::error(format("the session's '%s' section has %llu bytes after its fields",
                                tag_name(section_).c_str(), static_cast<unsigned long long>(size_ - offset_)));
  }

 private:
  const uint8_t* data_;
  uint64_t size_, offset_ = 0;
  uint32_t section_;
};

Status parse_model(Cursor c, Session* s) {
  uint32_t name_bytes = 0;
  const uint8_t* name = nullptr;
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->model_identity));
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->n_layer));
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->n_vocab));
  WEBGGUF_RETURN_IF_ERROR(c.read(&name_bytes));
  WEBGGUF_RETURN_IF_ERROR(c.take(name_bytes, &name));
  s->model_name.assign(reinterpret_cast<const char*>(name), name_bytes);
  return c.finish();
}

Status parse_cache(Cursor c, Session* s) {
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->key_type));
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->value_type));
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->n_ctx));
  return c.finish();
}

Status parse_tokens(Cursor c, uint64_t payload_bytes, Session* s) {
  uint32_t n = 0;
  const uint8_t* ids = nullptr;
  WEBGGUF_RETURN_IF_ERROR(c.read(&n));
  // The count is checked against the payload before anything is allocated for it.
  if (uint64_t{n} * 4 != payload_bytes - 4) {
    return Status::error(format("the session's token count %u does not match its 'TOKN' section (%llu bytes)", n,
                                static_cast<unsigned long long>(payload_bytes)));
  }
  WEBGGUF_RETURN_IF_ERROR(c.take(uint64_t{n} * 4, &ids));
  s->tokens.resize(n);
  if (n > 0) std::memcpy(s->tokens.data(), ids, size_t{n} * 4);
  return c.finish();
}

Status parse_shift(Cursor c, Session* s) {
  s->has_shift = true;
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->shift_begin));
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->shift_end));
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->shift_prefix_hash));
  if (s->shift_begin >= s->shift_end) {
    return Status::error(format("the session's context shift range [%u, %u) is empty", s->shift_begin, s->shift_end));
  }
  return c.finish();
}

Status parse_kv_rows(Cursor c, Session* s) {
  uint32_t n_layer = 0;
  WEBGGUF_RETURN_IF_ERROR(c.read(&n_layer));
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->key_row_bytes));
  WEBGGUF_RETURN_IF_ERROR(c.read(&s->value_row_bytes));
  if (s->key_row_bytes == 0 || s->value_row_bytes == 0) {
    return Status::error("the session's KV rows have a size of 0 bytes");
  }
  // Each layer takes at least its 12 header bytes: a count beyond that is refused before the
  // vector is sized.
  std::vector<SessionKvLayer> layers;
  for (uint32_t il = 0; il < n_layer; ++il) {
    SessionKvLayer l;
    WEBGGUF_RETURN_IF_ERROR(c.read(&l.n_head_kv));
    WEBGGUF_RETURN_IF_ERROR(c.read(&l.first));
    WEBGGUF_RETURN_IF_ERROR(c.read(&l.count));
    if (uint64_t{l.first} + l.count > s->tokens.size()) {
      return Status::error(format("layer %u of the session caches positions [%u, %llu) but it holds %zu tokens", il,
                                  l.first, static_cast<unsigned long long>(uint64_t{l.first} + l.count),
                                  s->tokens.size()));
    }
    const uint64_t rows = uint64_t{l.n_head_kv} * l.count;
    WEBGGUF_RETURN_IF_ERROR(c.take_array(rows, s->key_row_bytes, &l.keys));
    WEBGGUF_RETURN_IF_ERROR(c.take_array(rows, s->value_row_bytes, &l.values));
    layers.push_back(l);
  }
  s->layers = std::move(layers);
  return c.finish();
}

Status parse_recurrent(Cursor c, Session* s) {
  uint32_t n_layer = 0, n_copies = 0;
  WEBGGUF_RETURN_IF_ERROR(c.read(&n_layer));
  WEBGGUF_RETURN_IF_ERROR(c.read(&n_copies));
  if (n_layer != s->n_layer) {
    return Status::error(
        format("the session's recurrent state ('RCST') covers %u layers, its model has %u", n_layer, s->n_layer));
  }
  const uint8_t* counts = nullptr;
  WEBGGUF_RETURN_IF_ERROR(c.take_array(n_layer, 4, &counts));
  std::vector<uint32_t> floats(n_layer);
  if (n_layer > 0) std::memcpy(floats.data(), counts, size_t{n_layer} * 4);
  uint64_t copy_floats = 0;  // at most 2^32 layers of 2^32 floats: no overflow
  for (uint32_t f : floats) copy_floats += f;
  if (copy_floats == 0) return Status::error("the session's recurrent state ('RCST') has no values");
  if (n_copies == 0) return Status::error("the session's recurrent state ('RCST') holds no copy of the state");
  // Each copy takes its position and its values: a count beyond the payload is refused by the
  // reads before anything is sized by it.
  std::vector<SessionRecurrentCopy> copies;
  for (uint32_t i = 0; i < n_copies; ++i) {
    SessionRecurrentCopy copy;
    WEBGGUF_RETURN_IF_ERROR(c.read(&copy.position));
    WEBGGUF_RETURN_IF_ERROR(c.take_array(copy_floats, 4, &copy.state));
    const uint64_t n = s->tokens.size();
    if (i == 0 && copy.position != n) {
      return Status::error(format("the session's recurrent state ('RCST') is at position %u, its tokens end at %llu",
                                  copy.position, static_cast<unsigned long long>(n)));
    }
    if (i > 0 && (copy.position >= n || (i > 1 && copy.position <= copies.back().position))) {
      return Status::error(
          format("checkpoint %u of the session's recurrent state ('RCST') is at position %u, not "
                 "after the previous one and before the end (%llu)",
                 i, copy.position, static_cast<unsigned long long>(n)));
    }
    copies.push_back(copy);
  }
  s->recurrent_floats = std::move(floats);
  s->recurrent = std::move(copies);
  return c.finish();
}

void put_u32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<uint8_t>* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// The sections other than KVRW's rows and RCST's states, fully encoded (they are small); the KVRW
// entry holds its fields and layer headers only, its rows follow each layer header when written;
// the RCST entry holds its fields, each state follows its position.
struct EncodedSection {
  uint32_t tag = 0;
  std::vector<uint8_t> head;
  uint64_t payload_bytes = 0;
};

std::vector<EncodedSection> encode_sections(const Session& s) {
  std::vector<EncodedSection> sections;
  // A section of little-endian u32 fields (u64 where marked), the payload of the small ones.
  const auto add = [&](uint32_t t, std::initializer_list<uint32_t> fields) -> std::vector<uint8_t>& {
    sections.push_back({t, {}, 0});
    for (uint32_t f : fields) put_u32(&sections.back().head, f);
    return sections.back().head;
  };
  std::vector<uint8_t> identity;
  put_u64(&identity, s.model_identity);
  std::vector<uint8_t>& model = add(kModelTag, {s.n_layer, s.n_vocab, static_cast<uint32_t>(s.model_name.size())});
  model.insert(model.begin(), identity.begin(), identity.end());
  model.insert(model.end(), s.model_name.begin(), s.model_name.end());
  add(kCacheTag, {s.key_type, s.value_type, s.n_ctx});
  std::vector<uint8_t>& tokens = add(kTokensTag, {static_cast<uint32_t>(s.tokens.size())});
  for (int32_t t : s.tokens) put_u32(&tokens, static_cast<uint32_t>(t));
  if (s.has_shift) put_u64(&add(kShiftTag, {s.shift_begin, s.shift_end}), s.shift_prefix_hash);
  EncodedSection& kv = sections.emplace_back();
  kv.tag = kKvRowsTag;
  for (uint32_t f : {static_cast<uint32_t>(s.layers.size()), s.key_row_bytes, s.value_row_bytes}) put_u32(&kv.head, f);
  kv.payload_bytes = kv.head.size();
  for (const SessionKvLayer& l : s.layers) {
    kv.payload_bytes += 12 + uint64_t{l.n_head_kv} * l.count * (s.key_row_bytes + s.value_row_bytes);
  }
  if (!s.recurrent.empty()) {
    EncodedSection& r = sections.emplace_back();
    r.tag = kRecurrentTag;
    put_u32(&r.head, static_cast<uint32_t>(s.recurrent_floats.size()));
    put_u32(&r.head, static_cast<uint32_t>(s.recurrent.size()));
    uint64_t copy_floats = 0;
    for (uint32_t f : s.recurrent_floats) {
      put_u32(&r.head, f);
      copy_floats += f;
    }
    r.payload_bytes = r.head.size() + s.recurrent.size() * (4 + copy_floats * 4);
  }
  for (EncodedSection& e : sections) {
    if (e.tag != kKvRowsTag && e.tag != kRecurrentTag) e.payload_bytes = e.head.size();
  }
  return sections;
}

uint64_t total_bytes(const std::vector<EncodedSection>& sections) {
  uint64_t total = kSessionHeaderBytes + kSessionTrailerBytes;
  for (const EncodedSection& e : sections) total += kSectionHeaderBytes + e.payload_bytes;
  return total;
}

}  // namespace

uint64_t session_bytes(const Session& s) {
  return total_bytes(encode_sections(s));
}

void write_session(const Session& s, const SessionRowSource& rows, const SessionSink& sink,
                   const SessionStateSource& states) {
  const std::vector<EncodedSection> sections = encode_sections(s);
  Hash64 checksum;
  const SessionSink hashed = [&](const uint8_t* bytes, size_t n) {
    checksum.update(bytes, n);
    sink(bytes, n);
  };
  std::vector<uint8_t> head(kMagic, kMagic + sizeof(kMagic));
  put_u32(&head, kSessionVersion);
  put_u32(&head, static_cast<uint32_t>(sections.size()));
  put_u64(&head, total_bytes(sections));
  hashed(head.data(), head.size());
  for (const EncodedSection& e : sections) {
    head.clear();
    put_u32(&head, e.tag);
    put_u32(&head, kSectionRequired);
    put_u64(&head, e.payload_bytes);
    head.insert(head.end(), e.head.begin(), e.head.end());
    hashed(head.data(), head.size());
    if (e.tag == kRecurrentTag) {
      for (size_t i = 0; i < s.recurrent.size(); ++i) {
        head.clear();
        put_u32(&head, s.recurrent[i].position);
        hashed(head.data(), head.size());
        states(i, hashed);
      }
    }
    if (e.tag != kKvRowsTag) continue;
    for (size_t il = 0; il < s.layers.size(); ++il) {
      const SessionKvLayer& l = s.layers[il];
      head.clear();
      put_u32(&head, l.n_head_kv);
      put_u32(&head, l.first);
      put_u32(&head, l.count);
      hashed(head.data(), head.size());
      // No positions, no rows: a parsed header's n_head_kv (up to 2^32) costs no loop over heads.
      if (l.count == 0) continue;
      for (bool values : {false, true}) {
        for (uint32_t h = 0; h < l.n_head_kv; ++h) rows(static_cast<int>(il), static_cast<int>(h), values, hashed);
      }
    }
  }
  head.clear();
  put_u64(&head, checksum.finish());
  sink(head.data(), head.size());
}

Result<Session> parse_session(const uint8_t* data, size_t size) {
  if (size < kSessionHeaderBytes + kSessionTrailerBytes) {
    return Status::error(format("the session is truncated: %zu bytes, its header alone takes %zu", size,
                                kSessionHeaderBytes + kSessionTrailerBytes));
  }
  if (std::memcmp(data, kMagic, sizeof(kMagic)) != 0) {
    return Status::error("these bytes are not a webgguf session (no WGGUFSES magic)");
  }
  uint32_t version = 0, n_sections = 0;
  uint64_t declared = 0;
  std::memcpy(&version, data + 8, 4);
  std::memcpy(&n_sections, data + 12, 4);
  std::memcpy(&declared, data + 16, 8);
  if (version != kSessionVersion) {
    return Status::error(format("session format version %u is not this engine's (%u)%s", version, kSessionVersion,
                                version > kSessionVersion ? ": it was saved by a newer webgguf" : ""));
  }
  if (declared != size) {
    return Status::error(format("the session is %s: %zu bytes of the %llu it declares",
                                size < declared ? "truncated" : "longer than it declares", size,
                                static_cast<unsigned long long>(declared)));
  }
  uint64_t stored = 0;
  std::memcpy(&stored, data + size - kSessionTrailerBytes, 8);
  if (Hash64::of(data, size - kSessionTrailerBytes) != stored) {
    return Status::error("the session is corrupt: its checksum does not match its bytes");
  }

  Session s;
  const uint8_t* const end = data + size - kSessionTrailerBytes;
  const uint8_t* p = data + kSessionHeaderBytes;
  uint32_t seen = 0;  // bits: MODL, CACH, TOKN, SHFT, KVRW, RCST
  const uint32_t known[] = {kModelTag, kCacheTag, kTokensTag, kShiftTag, kKvRowsTag, kRecurrentTag};
  constexpr uint32_t n_known = sizeof(known) / sizeof(known[0]);
  // KVRW and RCST check their positions against the tokens: they are read after the others.
  const uint8_t* kv_payload = nullptr;
  const uint8_t* recurrent_payload = nullptr;
  uint64_t kv_bytes = 0, recurrent_bytes = 0;
  for (uint32_t i = 0; i < n_sections; ++i) {
    if (static_cast<size_t>(end - p) < kSectionHeaderBytes) {
      return Status::error(format("the session ends inside the header of section %u of %u", i + 1, n_sections));
    }
    uint32_t t = 0, flags = 0;
    uint64_t bytes = 0;
    std::memcpy(&t, p, 4);
    std::memcpy(&flags, p + 4, 4);
    std::memcpy(&bytes, p + 8, 8);
    p += kSectionHeaderBytes;
    if (bytes > static_cast<uint64_t>(end - p)) {
      return Status::error(format("the session's '%s' section (%llu bytes) runs past its end", tag_name(t).c_str(),
                                  static_cast<unsigned long long>(bytes)));
    }
    const uint8_t* payload = p;
    p += bytes;
    uint32_t bit = 0;
    while (bit < n_known && known[bit] != t) ++bit;
    if (bit == n_known) {
      if (flags & kSectionRequired) {
        return Status::error(
            format("the session has a '%s' section this engine does not know (saved by a newer "
                   "webgguf, or for a model kind it cannot restore)",
                   tag_name(t).c_str()));
      }
      continue;
    }
    if (seen & (1u << bit)) return Status::error(format("the session has two '%s' sections", tag_name(t).c_str()));
    seen |= 1u << bit;
    const Cursor c(payload, bytes, t);
    Status status;
    if (t == kModelTag) status = parse_model(c, &s);
    if (t == kCacheTag) status = parse_cache(c, &s);
    if (t == kTokensTag)
      status = bytes < 4 ? Status::error("the session's 'TOKN' section is cut short") : parse_tokens(c, bytes, &s);
    if (t == kShiftTag) status = parse_shift(c, &s);
    if (t == kKvRowsTag) {
      kv_payload = payload;
      kv_bytes = bytes;
    }
    if (t == kRecurrentTag) {
      recurrent_payload = payload;
      recurrent_bytes = bytes;
    }
    WEBGGUF_RETURN_IF_ERROR(status);
  }
  if (p != end) {
    return Status::error(format("the session has %llu bytes after its %u sections",
                                static_cast<unsigned long long>(end - p), n_sections));
  }
  for (uint32_t bit = 0; bit < n_known; ++bit) {
    if (known[bit] != kShiftTag && known[bit] != kRecurrentTag && !(seen & (1u << bit))) {
      return Status::error(format("the session has no '%s' section", tag_name(known[bit]).c_str()));
    }
  }
  WEBGGUF_RETURN_IF_ERROR(parse_kv_rows(Cursor(kv_payload, kv_bytes, kKvRowsTag), &s));
  if (s.layers.size() != s.n_layer) {
    return Status::error(
        format("the session's KV rows cover %zu layers, its model has %u", s.layers.size(), s.n_layer));
  }
  if (recurrent_payload != nullptr) {
    WEBGGUF_RETURN_IF_ERROR(parse_recurrent(Cursor(recurrent_payload, recurrent_bytes, kRecurrentTag), &s));
  }
  if (s.has_shift && s.shift_begin > s.tokens.size()) {
    return Status::error(
        format("the session's context shift keeps %u tokens but it holds %zu", s.shift_begin, s.tokens.size()));
  }
  return s;
}

}  // namespace webgguf
