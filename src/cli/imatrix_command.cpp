// `webgguf imatrix MODEL -f TEXT [-o OUT] [--chunks N] [-c CTX] [-t THREADS] [--output-format gguf|dat]`:
// llama-imatrix's collection (engine/imatrix.h) and its files. The dataset name written into the
// file is TEXT as given, as llama-imatrix writes its -f argument.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/engine_loading.h"

namespace webgguf {

int command_imatrix(int argc, char** argv) {
  std::string model_path, text_path, out_path = "imatrix.gguf", output_format = "gguf";
  long long n_ctx = 512, threads = 1, max_chunks = -1;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    bool ok = true;
    if (std::strcmp(arg, "-f") == 0 && value != nullptr) {
      text_path = value;
    } else if (std::strcmp(arg, "-o") == 0 && value != nullptr) {
      out_path = value;
    } else if (std::strcmp(arg, "--output-format") == 0 && value != nullptr) {
      output_format = value;
      ok = output_format == "gguf" || output_format == "dat";
      if (!ok) std::fprintf(stderr, "webgguf imatrix: --output-format takes gguf or dat, not '%s'\n", value);
    } else if (std::strcmp(arg, "-c") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 1 << 24, &n_ctx);
    } else if (std::strcmp(arg, "-t") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 256, &threads);
    } else if (std::strcmp(arg, "--chunks") == 0 && value != nullptr) {
      ok = parse_int_option(arg, value, 1, 1 << 30, &max_chunks);
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
    std::fprintf(stderr,
                 "usage: webgguf imatrix MODEL -f TEXT [-o OUT] [--chunks N] [-c CTX] [-t THREADS] "
                 "[--output-format gguf|dat]\n");
    return 2;
  }
  std::string text;
  if (!read_text_file(text_path, &text)) return 1;
  Engine engine;
  LoadOptions options;
  options.n_ctx = static_cast<uint32_t>(n_ctx);
  options.n_threads = static_cast<int>(threads);
  if (!load_engine_from_file(engine, model_path, options)) return 1;

  ImatrixProgress p;
  EngineError e = engine.imatrix_begin(text, static_cast<int32_t>(n_ctx), static_cast<int32_t>(max_chunks), &p);
  if (!e.ok()) {
    std::fprintf(stderr, "webgguf imatrix: %s (%s)\n", e.message.c_str(), error_code_name(e.code));
    return 1;
  }
  std::fprintf(stderr, "imatrix: %zu tokens, computing over %d chunks, n_ctx=%lld\n", p.n_tokens, p.n_chunks, n_ctx);
  const auto start = std::chrono::steady_clock::now();
  while (!p.done) {
    e = engine.imatrix_next(&p);
    if (!e.ok()) {
      std::fprintf(stderr, "\nwebgguf imatrix: %s (%s)\n", e.message.c_str(), error_code_name(e.code));
      return 1;
    }
    std::fprintf(stderr, "[%d/%d]", p.chunk, p.n_chunks);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "\nimatrix: %.2f s (%.1f tokens/s)\n", seconds, p.n_chunks * n_ctx / seconds);

  std::vector<uint8_t> bytes;
  e = engine.imatrix_file(text_path, output_format == "dat", &bytes);
  if (!e.ok()) {
    std::fprintf(stderr, "webgguf imatrix: %s\n", e.message.c_str());
    return 1;
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "webgguf imatrix: cannot write %s\n", out_path.c_str());
    return 1;
  }
  std::printf("wrote %s (%zu bytes, %d chunks of %lld tokens)\n", out_path.c_str(), bytes.size(), p.n_chunks, n_ctx);
  return 0;
}

}  // namespace webgguf
