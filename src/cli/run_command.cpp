// `webgguf run MODEL -p PROMPT [-n N] [--temp T] [--seed S] [-c CTX] [-t THREADS]`: prints the
// continuation of PROMPT (special tokens written in it, e.g. <|im_start|>, parsed as such) as it
// is generated; stops at end of generation, after N tokens, or when the context is full.
// --temp 0 is greedy; without --seed every run draws differently. --grammar-file F constrains
// the output to a GBNF grammar (root rule `root`); --ids also prints the generated token ids
// and the prompt's on stderr ("prompt: 1 5 ...", "ids: 12 7 ...") for comparisons with llama.cpp.
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/engine_loading.h"

namespace webgguf {
namespace {

void print_run_usage() {
  std::fprintf(stderr,
               "usage: webgguf run MODEL -p PROMPT [-n N] [--temp T] [--seed S] [-c CTX] [-t THREADS]\n"
               "                   [--grammar-file FILE] [--ids]\n"
               "  -n N        tokens to generate at most (default 128)\n"
               "  --temp T    temperature (default 0.8; 0 = greedy), with top-k 40, top-p 0.95, min-p 0.05\n"
               "  --seed S    random seed (default: a different one each run)\n"
               "  -c CTX      context size (default: min(training context, 4096))\n"
               "  -t THREADS  threads (default 1)\n"
               "  --grammar-file FILE  constrain the output to a GBNF grammar (root rule `root`)\n"
               "  --ids       print the generated token ids on stderr\n");
}

}  // namespace

int command_run(int argc, char** argv) {
  std::string model_path, prompt, grammar_path;
  bool has_prompt = false, print_ids = false;
  long long max_tokens = 128, seed = -1, n_ctx = 0, threads = 1;
  double temperature = 0.8;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    const bool takes_value = std::strcmp(arg, "-p") == 0 || std::strcmp(arg, "-n") == 0 ||
                             std::strcmp(arg, "--temp") == 0 || std::strcmp(arg, "--seed") == 0 ||
                             std::strcmp(arg, "-c") == 0 || std::strcmp(arg, "-t") == 0 ||
                             std::strcmp(arg, "--grammar-file") == 0;
    if (takes_value && value == nullptr) {
      std::fprintf(stderr, "webgguf run: %s needs a value\n", arg);
      return 2;
    }
    bool ok = true;
    if (std::strcmp(arg, "--ids") == 0) {
      print_ids = true;
      continue;
    }
    if (std::strcmp(arg, "--grammar-file") == 0) {
      grammar_path = value;
    } else if (std::strcmp(arg, "-p") == 0) {
      prompt = value;
      has_prompt = true;
    } else if (std::strcmp(arg, "-n") == 0) {
      ok = parse_int_option(arg, value, -1, 1 << 30, &max_tokens);
    } else if (std::strcmp(arg, "--temp") == 0) {
      ok = parse_float_option(arg, value, &temperature);
    } else if (std::strcmp(arg, "--seed") == 0) {
      ok = parse_int_option(arg, value, -1, 0xffffffffll, &seed);
    } else if (std::strcmp(arg, "-c") == 0) {
      ok = parse_int_option(arg, value, 0, 1 << 24, &n_ctx);
    } else if (std::strcmp(arg, "-t") == 0) {
      ok = parse_int_option(arg, value, 1, 256, &threads);
    } else if (arg[0] == '-' || !model_path.empty()) {
      std::fprintf(stderr, "webgguf run: unexpected argument '%s'\n", arg);
      print_run_usage();
      return 2;
    } else {
      model_path = arg;
      continue;
    }
    if (!ok) return 2;
    ++i;
  }
  if (model_path.empty() || !has_prompt) {
    print_run_usage();
    return 2;
  }

  std::string grammar;
  if (!grammar_path.empty()) {
    std::ifstream in(grammar_path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "webgguf run: cannot read %s\n", grammar_path.c_str());
      return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    grammar = text.str();
  }

  Engine engine;
  LoadOptions options;
  options.n_ctx = static_cast<uint32_t>(n_ctx);
  options.n_threads = static_cast<int>(threads);
  if (!load_engine_from_file(engine, model_path, options)) return 1;

  SamplerParams sampler;
  sampler.temperature = static_cast<float>(temperature);
  sampler.seed = seed >= 0 ? static_cast<uint32_t>(seed) : static_cast<uint32_t>(std::time(nullptr));
  EngineError e = engine.set_sampler(sampler, {}, grammar);
  std::vector<int32_t> ids;
  if (e.ok()) e = engine.tokenize(prompt, /*add_special=*/true, /*parse_special=*/true, &ids);
  PromptResult prompt_result;
  if (e.ok()) e = engine.set_prompt(ids, &prompt_result);
  std::string ids_line = "ids:";
  for (long long n = 0; e.ok() && (max_tokens < 0 || n < max_tokens); ++n) {
    StepResult step;
    e = engine.step(&step);
    if (!e.ok()) break;
    ids_line += " " + std::to_string(step.token);
    std::fwrite(step.text.data(), 1, step.text.size(), stdout);
    std::fflush(stdout);
    if (step.end_of_generation) break;
  }
  std::fputc('\n', stdout);
  if (print_ids) {
    std::string prompt_line = "prompt:";
    for (int32_t id : ids) prompt_line += " " + std::to_string(id);
    std::fprintf(stderr, "%s\n%s\n", prompt_line.c_str(), ids_line.c_str());
  }
  if (e.code == ErrorCode::kContextFull && prompt_result.n_past > 0) {
    std::fprintf(stderr, "webgguf run: stopped: the context of %d tokens is full\n", engine.summary().model.n_ctx);
    return 0;
  }
  if (!e.ok()) {
    std::fprintf(stderr, "webgguf run: %s (%s)\n", e.message.c_str(), error_code_name(e.code));
    return 1;
  }
  return 0;
}

}  // namespace webgguf
