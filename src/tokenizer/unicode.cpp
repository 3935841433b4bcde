#include "tokenizer/unicode.h"

#include <algorithm>
#include <array>

#include "tokenizer/unicode_tables.h"

namespace webgguf::unicode {

namespace tables = unicode_tables;

Category category(uint32_t cpt) {
  if (cpt > kMaxCodepoint) return Category::Undefined;
  const uint32_t* begin = tables::kCategoryRanges;
  const uint32_t* end = begin + tables::kCategoryRangeCount;
  // Last range whose first code point is <= cpt (the table starts at 0).
  const uint32_t* it = std::upper_bound(begin, end, (cpt << 8) | 0xFFu) - 1;
  return static_cast<Category>(*it & 0xFFu);
}

bool is_whitespace(uint32_t cpt) {
  for (size_t i = 0; i < tables::kWhitespaceRangeCount; ++i) {
    const tables::CodepointRange& range = tables::kWhitespaceRanges[i];
    if (cpt < range.first) return false;
    if (cpt <= range.last) return true;
  }
  return false;
}

uint32_t to_lower(uint32_t cpt) {
  const tables::LowercaseRun* begin = tables::kLowercaseRuns;
  const tables::LowercaseRun* end = begin + tables::kLowercaseRunCount;
  const tables::LowercaseRun* it =
      std::upper_bound(begin, end, cpt, [](uint32_t c, const tables::LowercaseRun& run) { return c < run.first; });
  if (it == begin) return cpt;
  --it;
  const uint32_t offset = cpt - it->first;
  if (offset % it->stride != 0 || offset / it->stride >= it->count) return cpt;
  return static_cast<uint32_t>(static_cast<int64_t>(cpt) + it->delta);
}

size_t utf8_sequence_length(uint8_t lead) {
  static constexpr uint8_t kLengthByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengthByHighNibble[lead >> 4];
}

std::vector<uint32_t> decode_utf8_lenient(std::string_view text) {
  std::vector<uint32_t> cpts;
  cpts.reserve(text.size());
  const size_t n = text.size();
  auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  auto continuation = [&](size_t i) { return i < n && (byte(i) & 0xC0) == 0x80; };
  size_t i = 0;
  while (i < n) {
    const uint8_t lead = byte(i);
    uint32_t cpt = kReplacementCharacter;
    size_t length = 1;
    if (lead < 0x80) {
      cpt = lead;
    } else if ((lead & 0xE0) == 0xC0 && continuation(i + 1)) {
      cpt = ((lead & 0x1Fu) << 6) | (byte(i + 1) & 0x3Fu);
      length = 2;
    } else if ((lead & 0xF0) == 0xE0 && continuation(i + 1) && continuation(i + 2)) {
      cpt = ((lead & 0x0Fu) << 12) | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu);
      length = 3;
    } else if ((lead & 0xF8) == 0xF0 && continuation(i + 1) && continuation(i + 2) && continuation(i + 3)) {
      cpt =
          ((lead & 0x07u) << 18) | ((byte(i + 1) & 0x3Fu) << 12) | ((byte(i + 2) & 0x3Fu) << 6) | (byte(i + 3) & 0x3Fu);
      length = 4;
      // F5..F7 leads decode past U+10FFFF, which no encoder can write back: invalid.
      if (cpt > kMaxCodepoint) {
        cpt = kReplacementCharacter;
        length = 1;
      }
    }
    cpts.push_back(cpt);
    i += length;
  }
  return cpts;
}

void append_utf8(uint32_t cpt, std::string& out) {
  if (cpt <= 0x7F) {
    out.push_back(static_cast<char>(cpt));
  } else if (cpt <= 0x7FF) {
    out.push_back(static_cast<char>(0xC0 | (cpt >> 6)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else if (cpt <= 0xFFFF) {
    out.push_back(static_cast<char>(0xE0 | (cpt >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | ((cpt >> 18) & 0x07)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  }
}

namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other 68 bytes
// take code points 256, 257, ... in byte order.
struct Gpt2ByteAlphabet {
  static constexpr uint32_t kCodepointLimit = 256 + 68;
  std::array<std::string, 256> text_of_byte;
  std::array<int16_t, kCodepointLimit> byte_of_codepoint;

  Gpt2ByteAlphabet() {
    byte_of_codepoint.fill(-1);
    uint32_t next_extra = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const uint32_t cpt = printable ? b : next_extra++;
      byte_of_codepoint[cpt] = static_cast<int16_t>(b);
      append_utf8(cpt, text_of_byte[b]);
    }
  }
};

const Gpt2ByteAlphabet& gpt2_alphabet() {
  static const Gpt2ByteAlphabet alphabet;
  return alphabet;
}

}  // namespace

const std::string& gpt2_byte_to_text(uint8_t byte) {
  return gpt2_alphabet().text_of_byte[byte];
}

int gpt2_codepoint_to_byte(uint32_t cpt) {
  if (cpt >= Gpt2ByteAlphabet::kCodepointLimit) return -1;
  return gpt2_alphabet().byte_of_codepoint[cpt];
}

}  // namespace webgguf::unicode
