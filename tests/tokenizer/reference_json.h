// Just enough JSON reading for ../shared/models/*.reference.json: each prompt's "text" and its
// "ids" / "greedy_ids" / "greedy_text".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace webgguf::testing {

// The JSON string starting at the quote at `pos`; pos ends after the closing quote.
inline std::string parse_json_string(const std::string& json, size_t& pos) {
  std::string out;
  ++pos;  // opening quote
  while (pos < json.size() && json[pos] != '"') {
    char c = json[pos++];
    if (c != '\\') {
      out += c;
      continue;
    }
    const char e = json[pos++];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        uint32_t cpt = static_cast<uint32_t>(std::stoul(json.substr(pos, 4), nullptr, 16));
        pos += 4;
        if (cpt >= 0xD800 && cpt <= 0xDBFF && json.compare(pos, 2, "\\u") == 0) {
          const uint32_t low = static_cast<uint32_t>(std::stoul(json.substr(pos + 2, 4), nullptr, 16));
          cpt = 0x10000 + ((cpt - 0xD800) << 10) + (low - 0xDC00);
          pos += 6;
        }
        if (cpt < 0x80) {
          out += static_cast<char>(cpt);
        } else if (cpt < 0x800) {
          out += static_cast<char>(0xC0 | (cpt >> 6));
          out += static_cast<char>(0x80 | (cpt & 0x3F));
        } else if (cpt < 0x10000) {
          out += static_cast<char>(0xE0 | (cpt >> 12));
          out += static_cast<char>(0x80 | ((cpt >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cpt & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (cpt >> 18));
          out += static_cast<char>(0x80 | ((cpt >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((cpt >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cpt & 0x3F));
        }
        break;
      }
      default: out += e; break;  // \" \\ \/
    }
  }
  ++pos;  // closing quote
  return out;
}

struct ReferencePrompt {
  std::string name;
  std::string text;
  std::vector<int32_t> ids;
  std::vector<int32_t> greedy_ids;
  std::string greedy_text;
};

// The value of `"key":` searched from `from` (within the prompt object ending at `limit`).
inline size_t find_value(const std::string& json, const std::string& key, size_t from, size_t limit) {
  const size_t at = json.find("\"" + key + "\"", from);
  if (at == std::string::npos || at >= limit) return std::string::npos;
  return json.find_first_not_of(" \n\t:", at + key.size() + 2);
}

inline std::vector<int32_t> parse_int_array(const std::string& json, size_t pos) {
  std::vector<int32_t> values;
  const size_t end = json.find(']', pos);
  for (size_t i = pos + 1; i < end;) {
    const size_t digit = json.find_first_of("-0123456789", i);
    if (digit == std::string::npos || digit >= end) break;
    size_t used = 0;
    values.push_back(static_cast<int32_t>(std::stol(json.substr(digit), &used)));
    i = digit + used;
  }
  return values;
}

// Prompts in the order of the file: "prompts": { "NAME": { "text": ..., "ids": [...], ... }, ... }
inline std::vector<ReferencePrompt> parse_reference_prompts(const std::string& json) {
  std::vector<ReferencePrompt> prompts;
  size_t pos = json.find("\"prompts\"");
  if (pos == std::string::npos) return prompts;
  pos = json.find('{', pos) + 1;
  while (true) {
    const size_t name_at = json.find_first_not_of(" \n\t,", pos);
    if (name_at == std::string::npos || json[name_at] != '"') break;
    ReferencePrompt prompt;
    size_t cursor = name_at;
    prompt.name = parse_json_string(json, cursor);
    const size_t object = json.find('{', cursor);
    // Prompt objects hold no nested objects: the first '}' closes it.
    const size_t object_end = json.find('}', object);
    size_t at = find_value(json, "text", object, object_end);
    if (at != std::string::npos) prompt.text = parse_json_string(json, at);
    at = find_value(json, "ids", object, object_end);
    if (at != std::string::npos) prompt.ids = parse_int_array(json, at);
    at = find_value(json, "greedy_ids", object, object_end);
    if (at != std::string::npos) prompt.greedy_ids = parse_int_array(json, at);
    at = find_value(json, "greedy_text", object, object_end);
    if (at != std::string::npos) prompt.greedy_text = parse_json_string(json, at);
    prompts.push_back(std::move(prompt));
    pos = object_end + 1;
  }
  return prompts;
}

}  // namespace webgguf::testing
