// `webgguf kl-divergence BASE MODEL -f FILE [-c CTX] [-t THREADS] [--chunks N]`: how far MODEL
// (e.g. a quantization of BASE) is from BASE, as llama-perplexity --kl-divergence measures it:
// running per-chunk figures, then the mean KL divergence, the top-1 agreement ("Same top p")
// and the perplexity of both models over the scored positions.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands.h"
#include "cli/engine_loading.h"

namespace webgguf {

namespace {

int usage() {
  std::fprintf(stderr, "usage: webgguf kl-divergence BASE MODEL -f FILE [-c CTX] [-t THREADS] [--chunks N]\n");
  return 2;
}

}  // namespace

int command_kl_divergence(int argc, char** argv) {
  std::string base_path, model_path, text_path;
  long long n_ctx = 512, threads = 1, max_chunks = -1;
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
    } else if (arg[0] != '-' && (base_path.empty() || model_path.empty())) {
      (base_path.empty() ? base_path : model_path) = arg;
      continue;
    } else {
      return usage();
    }
    if (!ok) return 2;
    ++i;
  }
  if (base_path.empty() || model_path.empty() || text_path.empty()) return usage();
  std::string text;
  if (!read_text_file(text_path, &text)) return 1;
  LoadOptions options;
  options.n_ctx = static_cast<uint32_t>(n_ctx);
  options.n_threads = static_cast<int>(threads);
  Engine base, model;
  if (!load_engine_from_file(base, base_path, options) || !load_engine_from_file(model, model_path, options)) return 1;

  KlDivergenceProgress p;
  EngineError e = model.kl_divergence_begin(base, text, static_cast<int32_t>(n_ctx), &p);
  if (!e.ok()) {
    std::fprintf(stderr, "webgguf kl-divergence: %s (%s)\n", e.message.c_str(), error_code_name(e.code));
    return 1;
  }
  const int32_t chunks = max_chunks > 0 && max_chunks < p.n_chunks ? static_cast<int32_t>(max_chunks) : p.n_chunks;
  std::fprintf(stderr, "kl-divergence: %zu tokens, calculating over %d chunks, n_ctx=%lld\n", p.n_tokens, chunks,
               n_ctx);
  std::printf("chunk        PPL(Q)      PPL(base)      KL divergence        Same top p\n");
  const auto start = std::chrono::steady_clock::now();
  for (int32_t i = 0; i < chunks; ++i) {
    e = model.kl_divergence_next(base, &p);
    if (!e.ok()) {
      std::fprintf(stderr, "webgguf kl-divergence: %s (%s)\n", e.message.c_str(), error_code_name(e.code));
      return 1;
    }
    const MeanAndError kl = p.totals.kl_divergence();
    const MeanAndError top = p.totals.same_top_fraction();
    std::printf("%5d %12.4f %12.4f %10.6f +/- %8.6f %7.3f +/- %5.3f %%\n", p.chunk, p.totals.model.perplexity(),
                p.totals.base.perplexity(), kl.mean, kl.error, 100.0 * top.mean, 100.0 * top.error);
    std::fflush(stdout);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "kl-divergence: %.2f s for %d chunks\n", seconds, chunks);
  const MeanAndError kl = p.totals.kl_divergence();
  const MeanAndError top = p.totals.same_top_fraction();
  std::printf("\nPositions      : %lld\n", static_cast<long long>(p.totals.count));
  std::printf("Mean PPL(Q)    : %10.6f +/- %10.6f\n", p.totals.model.perplexity(), p.totals.model.uncertainty());
  std::printf("Mean PPL(base) : %10.6f +/- %10.6f\n", p.totals.base.perplexity(), p.totals.base.uncertainty());
  std::printf("Mean    KLD: %10.6f +/- %10.6f\n", kl.mean, kl.error);
  std::printf("Same top p: %6.3f +/- %5.3f %%\n", 100.0 * top.mean, 100.0 * top.error);
  return 0;
}

}  // namespace webgguf
