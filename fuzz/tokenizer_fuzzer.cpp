// libFuzzer target for the tokenizer: random bytes through encode (with and without
// parse_special, with and without BOS/EOS) and decode, for every shared vocabulary, lexi's,
// llama.cpp's test vocabularies (every pre-tokenizer family they cover, Gemma 4's raw-byte BPE)
// and a SentencePiece vocabulary without the space prefix (as Gemma 1-3 use it); and random text
// through each of the pre-tokenizers llama.cpp names.
// Input layout: byte 0 picks the vocabulary (or, past the vocabularies, a pre-tokenizer name),
// byte 1 the options, the rest is the text (also read as little-endian int32 ids for decode, so
// invalid and negative ids reach it too).
// Beyond "no crash, no sanitizer report" it checks (a violation traps, so libFuzzer saves it):
//   - every id encode returns is inside the vocabulary;
//   - without parse_special, encode is deterministic and the same ids decode to the same text;
//   - decode of any ids, valid or not, never fails and streams to valid UTF-8 through
//     Utf8StreamDecoder;
//   - a pre-tokenizer's words are non-empty and cover the text exactly.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

#if !defined(WEBGGUF_SHARED_DIR) || !defined(WEBGGUF_LLAMA_CPP_DIR)
#error "build with -DWEBGGUF_SHARED_DIR=\"/path/to/shared\" -DWEBGGUF_LLAMA_CPP_DIR=\"/path/to/llama.cpp\""
#endif

namespace {

using webgguf::Tokenizer;

const char* const kVocabFiles[] = {
    "fixtures/tokenizers/ggml-vocab-gpt-2.gguf",     "fixtures/tokenizers/ggml-vocab-llama-bpe.gguf",
    "fixtures/tokenizers/ggml-vocab-llama-spm.gguf", "fixtures/tokenizers/ggml-vocab-phi-3.gguf",
    "fixtures/tokenizers/ggml-vocab-qwen2.gguf",     "models/lexi-28m-f16.gguf",
};

// llama.cpp's models/ggml-vocab-NAME.gguf (scripts/llama_cpp_source.sh).
const char* const kLlamaCppVocabs[] = {
    "command-r", "deepseek-coder", "deepseek-llm", "falcon", "gemma-4",  "mpt",
    "qwen35",    "refact",         "starcoder",    "aquila", "baichuan", "gpt-neox",
};

std::vector<std::unique_ptr<Tokenizer>>* g_tokenizers = nullptr;
std::vector<std::shared_ptr<const webgguf::PreTokenizer>>* g_pre_tokenizers = nullptr;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// The whole file (the largest vocabulary, Gemma 4's, is 16 MB); `edit` may change the metadata.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path, void (*edit)(webgguf::GgufFile&) = nullptr) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return nullptr;
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (size_t n; (n = std::fread(chunk, 1, sizeof(chunk), f)) > 0;) bytes.insert(bytes.end(), chunk, chunk + n);
  std::fclose(f);
  webgguf::Result<webgguf::GgufFile> file = webgguf::parse_gguf(bytes.data(), bytes.size(), bytes.size());
  if (!file.is_ok()) return nullptr;
  if (edit) edit(file.value());
  webgguf::Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file.value());
  return tokenizer.is_ok() ? tokenizer.take() : nullptr;
}

void without_space_prefix(webgguf::GgufFile& file) {
  file.metadata.push_back({"tokenizer.ggml.add_space_prefix", webgguf::GgufValue::of_bool(false)});
  file.reindex();
}

void add_tokenizer(const std::string& path, void (*edit)(webgguf::GgufFile&) = nullptr) {
  std::unique_ptr<Tokenizer> t = load_tokenizer(path, edit);
  if (t == nullptr) {
    std::fprintf(stderr, "tokenizer_fuzzer: cannot load %s\n", path.c_str());
    __builtin_trap();
  }
  g_tokenizers->push_back(std::move(t));
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
  for (const char* name : kVocabFiles) add_tokenizer(std::string(WEBGGUF_SHARED_DIR) + "/" + name);
  const std::string models = std::string(WEBGGUF_LLAMA_CPP_DIR) + "/models/ggml-vocab-";
  for (const char* name : kLlamaCppVocabs) add_tokenizer(models + name + ".gguf");
  add_tokenizer(std::string(WEBGGUF_SHARED_DIR) + "/fixtures/tokenizers/ggml-vocab-llama-spm.gguf",
                without_space_prefix);

  g_pre_tokenizers = new std::vector<std::shared_ptr<const webgguf::PreTokenizer>>();
  for (const std::string& name : webgguf::pre_tokenizer_names()) {
    auto spec = webgguf::find_pre_tokenizer(name);
    auto pre = webgguf::PreTokenizer::create(*spec.value());
    if (!pre.is_ok()) __builtin_trap();
    g_pre_tokenizers->push_back(pre.take());
  }
  return 0;
}

// One pre-tokenizer on the text: words are non-empty and add up to the text.
void fuzz_pre_tokenizer(const webgguf::PreTokenizer& pre, const std::string& text) {
  const std::vector<uint32_t> cpts = webgguf::unicode::decode_utf8_lenient(text);
  size_t total = 0;
  for (size_t length : pre.split(cpts)) {
    check(length > 0);
    total += length;
  }
  check(total == cpts.size());
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  if (data[0] >= g_tokenizers->size()) {
    const size_t index = (data[0] - g_tokenizers->size()) % g_pre_tokenizers->size();
    fuzz_pre_tokenizer(*(*g_pre_tokenizers)[index], std::string(reinterpret_cast<const char*>(data + 2), size - 2));
    return 0;
  }
  const Tokenizer& t = *(*g_tokenizers)[data[0]];
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
