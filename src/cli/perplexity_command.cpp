// `webgguf perplexity MODEL -f FILE [-c CTX] [-t THREADS] [--chunks N] [-ctk T] [-ctv T]`: llama-perplexity's method
// and output: running "[chunk]ppl," figures, then
//   Final estimate: PPL = <value> +/- <error>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands.h"
#include "cli/engine_loading.h"

namespace webgguf {

int command_perplexity(int argc, char** argv) {
  std::string model_path, text_path;
  long long n_ctx = 512, threads = 1, max_chunks = -1;
  KvCacheTypes cache_types;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    bool ok = true;
    if (std::strcmp(arg, "-f") == 0 && value != nullptr) {
      text_path = value;
    } else if (std::strcmp(arg, "-c") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 4, 1 << 24, &n_ctx);
    } else if (std::strcmp(arg, "-t") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 256, &threads);
    } else if (std::strcmp(arg, "--chunks") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 1 << 30, &max_chunks);
    } else if (std::strcmp(arg, "-ctk") == 0 && value != nullptr) {
      ok = parse_cache_type_option(arg, value, &cache_types.keys);
    } else if (std::strcmp(arg, "-ctv") == 0 && value != nullptr) {
      ok = parse_cache_type_option(arg, value, &cache_types.values);
    } else if (arg[0] != '-' && model_path.empty()) {
      model_path = arg;
      continue;
    } else {
      model_path.clear();
      break;
    }
    if (!ok) return 2;
    ++i;
  }
  if (model_path.empty() || text_path.empty()) {
    std::fprintf(
        stderr, "usage: webgguf perplexity MODEL -f FILE [-c CTX] [-t THREADS] [--chunks N] [-ctk TYPE] [-ctv TYPE]\n");
    return 2;
  }
  std::string text;
  if (!read_text_file(text_path, &text)) return 1;
  Engine engine;
  LoadOptions options;
  options.n_ctx = static_cast<uint32_t>(n_ctx);
  options.n_threads = static_cast<int>(threads);
  options.cache_types = cache_types;
  if (!load_engine_from_file(engine, model_path, options)) return 1;

  PerplexityProgress p;
  EngineError e = engine.perplexity_begin(text, static_cast<int32_t>(n_ctx), &p);
  if (!e.ok()) {
    std::fprintf(stderr, "webgguf perplexity: %s (%s)\n", e.message.c_str(), error_code_name(e.code));
    return 1;
  }
  const int32_t chunks = max_chunks > 0 && max_chunks < p.n_chunks ? static_cast<int32_t>(max_chunks) : p.n_chunks;
  std::fprintf(stderr, "perplexity: %zu tokens, calculating over %d chunks, n_ctx=%lld\n", p.n_tokens, chunks, n_ctx);
  const auto start = std::chrono::steady_clock::now();
  for (int32_t i = 0; i < chunks; ++i) {
    e = engine.perplexity_next(&p);
    if (!e.ok()) {
      std::fprintf(stderr, "\nwebgguf perplexity: %s (%s)\n", e.message.c_str(), error_code_name(e.code));
      return 1;
    }
    std::printf("[%d]%.4f,", p.chunk, p.ppl);
    std::fflush(stdout);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "\nperplexity: %.2f s (%.1f tokens/s)\n", seconds, chunks * n_ctx / seconds);
  std::printf("\nFinal estimate: PPL = %.4f +/- %.5f\n", p.ppl, p.uncertainty);
  return 0;
}

}  // namespace webgguf
