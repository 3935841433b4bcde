// libFuzzer target for the tokenizer: random bytes through encode (with and without
// parse_special, with and without BOS/EOS) and decode, for every shared vocabulary and lexi's.
// Input layout: byte 0 picks the vocabulary, byte 1 the options, the rest is the text (also read
// as little-endian int32 ids for decode, so invalid and negative ids reach it too).
// Beyond "no crash, no sanitizer report" it checks (a violation traps, so libFuzzer saves it):
//   - every id encode returns is inside the vocabulary;
//   - without parse_special, encode is deterministic and the same ids decode to the same text;
//   - decode of any ids, valid or not, never fails and streams to valid UTF-8 through
//     Utf8StreamDecoder.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

#ifndef WEBGGUF_SHARED_DIR
#error "build with -DWEBGGUF_SHARED_DIR=\"/path/to/shared\""
#endif

namespace {

using webgguf::Tokenizer;

const char* const kVocabFiles[] = {
    "fixtures/tokenizers/ggml-vocab-gpt-2.gguf",     "fixtures/tokenizers/ggml-vocab-llama-bpe.gguf",
    "fixtures/tokenizers/ggml-vocab-llama-spm.gguf", "fixtures/tokenizers/ggml-vocab-phi-3.gguf",
    "fixtures/tokenizers/ggml-vocab-qwen2.gguf",     "models/lexi-28m-f16.gguf",
};

std::vector<std::unique_ptr<Tokenizer>>* g_tokenizers = nullptr;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// Only the header is needed; 16 MB covers every shared vocabulary's metadata.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return nullptr;
  std::vector<uint8_t> bytes(16u << 20);
  bytes.resize(std::fread(bytes.data(), 1, bytes.size(), f));
  std::fclose(f);
  webgguf::Result<webgguf::GgufFile> file = webgguf::parse_gguf(bytes.data(), bytes.size(), webgguf::kUnknownFileSize);
  if (!file.is_ok()) return nullptr;
  webgguf::Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file.value());
  return tokenizer.is_ok() ? tokenizer.take() : nullptr;
}

bool is_valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    const size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

void check_ids_in_vocab(const Tokenizer& t, const std::vector<int32_t>& ids) {
  for (int32_t id : ids) check(id >= 0 && id < t.n_vocab());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_tokenizers = new std::vector<std::unique_ptr<Tokenizer>>();
  for (const char* name : kVocabFiles) {
    std::unique_ptr<Tokenizer> t = load_tokenizer(std::string(WEBGGUF_SHARED_DIR) + "/" + name);
    if (t == nullptr) {
      std::fprintf(stderr, "tokenizer_fuzzer: cannot load %s\n", name);
      __builtin_trap();
    }
    g_tokenizers->push_back(std::move(t));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const Tokenizer& t = *(*g_tokenizers)[data[0] % g_tokenizers->size()];
  const bool add_special = (data[1] & 1) != 0;
  const bool render_special = (data[1] & 2) != 0;
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);

  const std::vector<int32_t> plain = t.encode(text, add_special, /*parse_special=*/false);
  check_ids_in_vocab(t, plain);
  check(t.encode(text, add_special, false) == plain);
  const std::string decoded = t.decode(plain, render_special);
  check(t.decode(plain, render_special) == decoded);

  const std::vector<int32_t> special = t.encode(text, add_special, /*parse_special=*/true);
  check_ids_in_vocab(t, special);
  (void)t.decode(special, render_special);

  // The text as raw ids: out-of-range and negative ids must be ignored, not read.
  std::vector<int32_t> raw((size - 2) / 4);
  if (!raw.empty()) std::memcpy(raw.data(), data + 2, raw.size() * 4);
  (void)t.decode(raw, render_special);
  webgguf::Utf8StreamDecoder stream;
  std::string streamed;
  for (int32_t id : raw) {
    streamed += stream.push(t.token_to_piece(id, render_special));
    (void)t.token_type(id);
    (void)t.token_text(id);
    (void)t.is_end_of_generation(id);
  }
  streamed += stream.flush();
  check(is_valid_utf8(streamed));
  return 0;
}
