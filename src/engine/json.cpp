#include "engine/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace webgguf {

namespace {

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  Status parse_object(std::map<std::string, JsonValue>* out) {
    skip_space();
    if (!consume('{')) return fail("expected '{'");
    skip_space();
    if (consume('}')) return finish();
    while (true) {
      skip_space();
      std::string key;
      WEBGGUF_RETURN_IF_ERROR(parse_string(&key));
      skip_space();
      if (!consume(':')) return fail("expected ':'");
      JsonValue value;
      WEBGGUF_RETURN_IF_ERROR(parse_value(&value, /*allow_array=*/true));
      (*out)[key] = std::move(value);
      skip_space();
      if (consume('}')) return finish();
      if (!consume(',')) return fail("expected ',' or '}'");
    }
  }

 private:
  Status finish() {
    skip_space();
    return pos_ == s_.size() ? Status::ok() : fail("trailing characters");
  }
  Status fail(const char* what) const { return Status::error(format("invalid JSON at offset %zu: %s", pos_, what)); }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  bool consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool consume_word(const char* w) {
    size_t n = 0;
    while (w[n] != 0) ++n;
    if (s_.compare(pos_, n, w) != 0) return false;
    pos_ += n;
    return true;
  }

  Status parse_value(JsonValue* v, bool allow_array) {
    skip_space();
    if (pos_ >= s_.size()) return fail("unexpected end");
    const char c = s_[pos_];
    if (c == '"') {
      v->kind = JsonValue::Kind::String;
      return parse_string(&v->string_value);
    }
    if (c == '[') {
      if (!allow_array) return fail("nested arrays are not accepted");
      ++pos_;
      v->kind = JsonValue::Kind::Array;
      skip_space();
      if (consume(']')) return Status::ok();
      while (true) {
        JsonValue item;
        WEBGGUF_RETURN_IF_ERROR(parse_value(&item, false));
        v->items.push_back(std::move(item));
        skip_space();
        if (consume(']')) return Status::ok();
        if (!consume(',')) return fail("expected ',' or ']'");
      }
    }
    if (consume_word("true")) {
      v->kind = JsonValue::Kind::Bool;
      v->bool_value = true;
      return Status::ok();
    }
    if (consume_word("false")) {
      v->kind = JsonValue::Kind::Bool;
      return Status::ok();
    }
    if (consume_word("null")) {
      v->kind = JsonValue::Kind::Null;
      return Status::ok();
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      const char* begin = s_.c_str() + pos_;
      char* end = nullptr;
      v->number = std::strtod(begin, &end);
      if (end == begin) return fail("bad number");
      pos_ += static_cast<size_t>(end - begin);
      v->kind = JsonValue::Kind::Number;
      return Status::ok();
    }
    return fail(c == '{' ? "nested objects are not accepted" : "unexpected character");
  }

  static void append_utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  Status parse_hex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return fail("short \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<uint32_t>(h - 'A' + 10);
      else
        return fail("bad \\u escape");
    }
    *out = v;
    return Status::ok();
  }

  Status parse_string(std::string* out) {
    if (!consume('"')) return fail("expected a string");
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return Status::ok();
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) break;
      const char e = s_[pos_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          WEBGGUF_RETURN_IF_ERROR(parse_hex4(&cp));
          if (cp >= 0xD800 && cp < 0xDC00 && s_.compare(pos_, 2, "\\u") == 0) {
            pos_ += 2;
            uint32_t low = 0;
            WEBGGUF_RETURN_IF_ERROR(parse_hex4(&low));
            if (low < 0xDC00 || low > 0xDFFF) return fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(cp, out);
          break;
        }
        default: return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }

  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

Result<JsonObject> JsonObject::parse(const std::string& text) {
  JsonObject object;
  Parser parser(text);
  WEBGGUF_RETURN_IF_ERROR(parser.parse_object(&object.values_));
  return object;
}

bool JsonObject::has(const std::string& key) const {
  return find(key) != nullptr;
}

const JsonValue* JsonObject::find(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end() || it->second.kind == JsonValue::Kind::Null) return nullptr;
  return &it->second;
}

Status JsonObject::read_number(const std::string& key, double* out) const {
  const JsonValue* v = find(key);
  if (v == nullptr) return Status::ok();
  if (v->kind != JsonValue::Kind::Number) return Status::error(key + " must be a number");
  *out = v->number;
  return Status::ok();
}

Status JsonObject::read_int(const std::string& key, int64_t* out) const {
  double d = 0.0;
  const JsonValue* v = find(key);
  if (v == nullptr) return Status::ok();
  WEBGGUF_RETURN_IF_ERROR(read_number(key, &d));
  if (d != std::floor(d) || std::fabs(d) > 9007199254740992.0) {
    return Status::error(key + " must be an integer");
  }
  *out = static_cast<int64_t>(d);
  return Status::ok();
}

Status JsonObject::read_bool(const std::string& key, bool* out) const {
  const JsonValue* v = find(key);
  if (v == nullptr) return Status::ok();
  if (v->kind != JsonValue::Kind::Bool) return Status::error(key + " must be true or false");
  *out = v->bool_value;
  return Status::ok();
}

Status JsonObject::read_string(const std::string& key, std::string* out) const {
  const JsonValue* v = find(key);
  if (v == nullptr || v->kind == JsonValue::Kind::Null) return Status::ok();
  if (v->kind != JsonValue::Kind::String) return Status::error(key + " must be a string");
  *out = v->string_value;
  return Status::ok();
}

Status JsonObject::read_string_array(const std::string& key, std::vector<std::string>* out) const {
  const JsonValue* v = find(key);
  if (v == nullptr) return Status::ok();
  if (v->kind == JsonValue::Kind::String) {
    *out = {v->string_value};
    return Status::ok();
  }
  if (v->kind != JsonValue::Kind::Array) return Status::error(key + " must be an array of strings");
  out->clear();
  for (const JsonValue& item : v->items) {
    if (item.kind != JsonValue::Kind::String) return Status::error(key + " must be an array of strings");
    out->push_back(item.string_value);
  }
  return Status::ok();
}

std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

void JsonWriter::key(const char* k) {
  if (need_comma_) text_ += ',';
  if (k != nullptr) {
    text_ += '"';
    text_ += json_escape(k);
    text_ += "\":";
  }
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object(const char* k) {
  key(k);
  text_ += '{';
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  text_ += '}';
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array(const char* k) {
  key(k);
  text_ += '[';
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  text_ += ']';
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::field(const char* k, const std::string& value) {
  key(k);
  text_ += '"';
  text_ += json_escape(value);
  text_ += '"';
  return *this;
}

JsonWriter& JsonWriter::field(const char* k, const char* value) {
  return field(k, std::string(value));
}

JsonWriter& JsonWriter::field(const char* k, bool value) {
  key(k);
  text_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::field(const char* k, int64_t value) {
  key(k);
  text_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::field(const char* k, uint64_t value) {
  key(k);
  text_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::field(const char* k, double value) {
  if (!std::isfinite(value)) return null_field(k);
  key(k);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", value);
  text_ += buf;
  return *this;
}

JsonWriter& JsonWriter::null_field(const char* k) {
  key(k);
  text_ += "null";
  return *this;
}

}  // namespace webgguf
