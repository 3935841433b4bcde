// Holds back an incomplete UTF-8 sequence until its last byte arrives; replaces each maximal
// invalid subpart with U+FFFD (the WHATWG/Unicode "substitution of maximal subparts" rule).
#include "tokenizer/tokenizer.h"

namespace webgguf {

namespace {

const char kReplacement[] = "\xEF\xBF\xBD";

// Expected length of the sequence a lead byte starts and the valid range of its second byte;
// length 0 for a byte that cannot start a sequence.
struct LeadByte {
  size_t length;
  uint8_t second_min;
  uint8_t second_max;
};

LeadByte classify_lead(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};  // no UTF-16 surrogates
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};  // nothing above U+10FFFF
  return {0, 0, 0};
}

}  // namespace

std::string Utf8StreamDecoder::push(const std::string& bytes) {
  const std::string data = pending_ + bytes;
  pending_.clear();
  std::string out;
  out.reserve(data.size());
  size_t i = 0;
  while (i < data.size()) {
    const LeadByte lead = classify_lead(static_cast<uint8_t>(data[i]));
    if (lead.length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    size_t valid = 1;  // bytes of the sequence checked so far
    while (valid < lead.length && i + valid < data.size()) {
      const uint8_t b = static_cast<uint8_t>(data[i + valid]);
      const uint8_t min = valid == 1 ? lead.second_min : 0x80;
      const uint8_t max = valid == 1 ? lead.second_max : 0xBF;
      if (b < min || b > max) break;
      ++valid;
    }
    if (valid == lead.length) {
      out.append(data, i, valid);
    } else if (i + valid == data.size()) {
      pending_ = data.substr(i);  // so far valid: wait for the rest
    } else {
      out += kReplacement;  // the valid prefix is one maximal subpart
    }
    i += valid;
  }
  return out;
}

std::string Utf8StreamDecoder::flush() {
  std::string out = pending_.empty() ? "" : kReplacement;
  pending_.clear();
  return out;
}

}  // namespace webgguf
