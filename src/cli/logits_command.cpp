// `webgguf logits MODEL -f FILE -o OUT [-c CTX] [-n TOKENS] [-b BATCH] [-t THREADS] [-ctk T] [-ctv T]`: the raw
// next-token logits of every position, for comparing with another implementation (llama.cpp) on the same token ids. The
// file's text is tokenized as llama-perplexity does (BOS in front when the model adds one, specials not parsed) and cut
// to its first TOKENS tokens (default: all, rounded down to whole windows); each window of CTX tokens is evaluated from
// an empty KV cache, BATCH tokens per forward call (default CTX; 1 takes the decode path, for comparing it with
// prefill). Prints the token ids on one line; OUT receives f32 logits [tokens, n_vocab], row after row.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/engine_loading.h"
#include "core/aligned_buffer.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace webgguf {

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: webgguf logits MODEL -f FILE -o OUT.f32 [-c CTX] [-n TOKENS] [-b BATCH] [-t THREADS] [-ctk T] "
               "[-ctv T]\n");
  return 2;
}

// The whole file in a 64-byte aligned buffer, as the engine holds it (weights are used in place).
bool read_model_file(const std::string& path, AlignedBuffer* buffer) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "webgguf logits: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  bool ok = std::fseek(f, 0, SEEK_END) == 0;
  const long size = ok ? std::ftell(f) : -1;
  ok = ok && size > 0 && std::fseek(f, 0, SEEK_SET) == 0 && buffer->allocate(static_cast<size_t>(size)) &&
       std::fread(buffer->data(), 1, static_cast<size_t>(size), f) == static_cast<size_t>(size);
  std::fclose(f);
  if (!ok) std::fprintf(stderr, "webgguf logits: cannot read %s\n", path.c_str());
  return ok;
}

}  // namespace

int command_logits(int argc, char** argv) {
  std::string model_path, text_path, out_path;
  long long n_ctx = 512, n_tokens = -1, threads = 1, batch = -1;
  KvCacheTypes cache_types;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    bool ok = true;
    if (std::strcmp(arg, "-f") == 0 && value != nullptr) {
      text_path = value;
    } else if (std::strcmp(arg, "-o") == 0 && value != nullptr) {
      out_path = value;
    } else if (std::strcmp(arg, "-c") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 1 << 24, &n_ctx);
    } else if (std::strcmp(arg, "-n") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 1 << 30, &n_tokens);
    } else if (std::strcmp(arg, "-b") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 1 << 24, &batch);
    } else if (std::strcmp(arg, "-t") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 256, &threads);
    } else if (std::strcmp(arg, "-ctk") == 0 && value != nullptr) {
      ok = parse_cache_type_option(arg, value, &cache_types.keys);
    } else if (std::strcmp(arg, "-ctv") == 0 && value != nullptr) {
      ok = parse_cache_type_option(arg, value, &cache_types.values);
    } else if (arg[0] != '-' && model_path.empty()) {
      model_path = arg;
      continue;
    } else {
      return usage();
    }
    if (!ok) return 2;
    ++i;
  }
  if (model_path.empty() || text_path.empty() || out_path.empty()) return usage();

  std::string text;
  AlignedBuffer buffer;
  if (!read_text_file(text_path, &text) || !read_model_file(model_path, &buffer)) return 1;
  const uint8_t* bytes = buffer.as<uint8_t>();
  Result<GgufFile> file = parse_gguf(bytes, buffer.size(), buffer.size());
  if (!file.is_ok()) {
    std::fprintf(stderr, "webgguf logits: %s: %s\n", model_path.c_str(), file.status().message().c_str());
    return 1;
  }
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file.value());
  ModelOptions options;
  options.n_ctx = static_cast<uint32_t>(n_ctx);
  options.n_threads = static_cast<int>(threads);
  options.cache_types = cache_types;
  Result<std::unique_ptr<Model>> model = tokenizer.is_ok() ? Model::load(file.value(), bytes, buffer.size(), options)
                                                           : Result<std::unique_ptr<Model>>(tokenizer.status());
  if (!model.is_ok()) {
    std::fprintf(stderr, "webgguf logits: %s: %s\n", model_path.c_str(), model.status().message().c_str());
    return 1;
  }

  std::vector<int32_t> tokens = tokenizer.value()->encode(text, /*add_special=*/true, /*parse_special=*/false);
  if (n_tokens > 0 && static_cast<size_t>(n_tokens) < tokens.size()) tokens.resize(static_cast<size_t>(n_tokens));
  tokens.resize(tokens.size() / static_cast<size_t>(n_ctx) * static_cast<size_t>(n_ctx));
  if (tokens.empty()) {
    std::fprintf(stderr, "webgguf logits: the text has fewer than %lld tokens\n", n_ctx);
    return 1;
  }

  std::FILE* out = std::fopen(out_path.c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "webgguf logits: cannot create %s: %s\n", out_path.c_str(), std::strerror(errno));
    return 1;
  }
  const size_t n_vocab = static_cast<size_t>(model.value()->info().n_vocab);
  std::vector<float> logits(static_cast<size_t>(n_ctx) * n_vocab);  // [n_ctx, n_vocab]
  const int32_t step = static_cast<int32_t>(batch > 0 && batch < n_ctx ? batch : n_ctx);
  for (size_t start = 0; start < tokens.size(); start += static_cast<size_t>(n_ctx)) {
    for (int32_t pos = 0; pos < n_ctx; pos += step) {
      const int32_t n = std::min<int32_t>(step, static_cast<int32_t>(n_ctx) - pos);
      const Status status = model.value()->forward(tokens.data() + start + pos, n, pos, /*all_logits=*/true,
                                                   logits.data() + static_cast<size_t>(pos) * n_vocab);
      if (!status.is_ok()) {
        std::fprintf(stderr, "webgguf logits: %s\n", status.message().c_str());
        std::fclose(out);
        return 1;
      }
    }
    if (std::fwrite(logits.data(), sizeof(float), logits.size(), out) != logits.size()) {
      std::fprintf(stderr, "webgguf logits: writing %s failed\n", out_path.c_str());
      std::fclose(out);
      return 1;
    }
  }
  if (std::fclose(out) != 0) return 1;
  for (size_t i = 0; i < tokens.size(); ++i) std::printf(i == 0 ? "%d" : " %d", tokens[i]);
  std::printf("\n");
  return 0;
}

}  // namespace webgguf
