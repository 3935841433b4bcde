// The small JSON the engine speaks with JavaScript: flat option objects in, result objects out.
// No exceptions; a malformed request is a Status naming the problem.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace webgguf {

// One parsed value of a request object: numbers, strings, booleans, null, arrays of those.
struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array } kind = Kind::Null;
  bool bool_value = false;
  double number = 0.0;
  std::string string_value;
  std::vector<JsonValue> items;
};

// A request: a JSON object whose values are scalars or arrays of scalars (nesting is refused).
class JsonObject {
 public:
  static Result<JsonObject> parse(const std::string& text);
  bool has(const std::string& key) const;
  const JsonValue* find(const std::string& key) const;
  // Typed reads: a present value of the wrong type is an error naming the key; absent or null
  // keeps *out unchanged.
  Status read_number(const std::string& key, double* out) const;
  Status read_int(const std::string& key, int64_t* out) const;
  Status read_bool(const std::string& key, bool* out) const;
  Status read_string(const std::string& key, std::string* out) const;
  Status read_string_array(const std::string& key, std::vector<std::string>* out) const;

 private:
  std::map<std::string, JsonValue> values_;
};

// Builds one JSON object (or nested objects) as text, escaping strings.
class JsonWriter {
 public:
  JsonWriter& begin_object(const char* key = nullptr);
  JsonWriter& end_object();
  // An array: its items are written with a null key, e.g. field(nullptr, 3).
  JsonWriter& begin_array(const char* key);
  JsonWriter& end_array();
  JsonWriter& field(const char* key, const std::string& value);
  JsonWriter& field(const char* key, const char* value);
  JsonWriter& field(const char* key, bool value);
  JsonWriter& field(const char* key, int64_t value);
  JsonWriter& field(const char* key, int value) { return field(key, static_cast<int64_t>(value)); }
  JsonWriter& field(const char* key, uint64_t value);
  JsonWriter& field(const char* key, double value);  // non-finite numbers become null
  JsonWriter& null_field(const char* key);
  const std::string& text() const { return text_; }

 private:
  void key(const char* k);
  std::string text_;
  bool need_comma_ = false;
};

std::string json_escape(const std::string& s);

}  // namespace webgguf
