// Splits text on special-token texts before subword encoding (llama.cpp's
// tokenizer_st_partition): tokens are tried longest first, each splitting every remaining piece
// of raw text. User-defined tokens always split; control and unknown ones only with parse_special.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/vocab.h"

namespace webgguf {

struct TextFragment {
  int32_t token = -1;  // a special token, or -1 for raw text [offset, offset + length)
  size_t offset = 0;
  size_t length = 0;
};

std::vector<TextFragment> partition_special_tokens(const Vocab& vocab, const std::string& text, bool parse_special);

}  // namespace webgguf
