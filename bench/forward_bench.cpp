// End-to-end speed of the forward pass on a model file, without the tokenizer or sampler:
// prefill of a kPromptTokens-token prompt, then kDecodeTokens single-token steps, per repetition.
//
// Usage: forward_bench MODEL.gguf [THREADS] [REPETITIONS] [POSITION...]
// Prints: threads, prefill and decode tok/s (median, best) of wall time, and of the process's CPU
// time (std::clock, natively the sum over its threads, spinning included), which other processes
// on a busy machine disturb less: CPU tok/s as high at 2 threads as at 1 means the second thread
// added no work and wasted no time waiting;
// then the thread pool's barriers per decode token and the calling thread's wait in them (ms per
// token, median), the cost issue 17 asks about.
// With POSITIONs: the decode speed after a prompt of each length instead (how decode cost grows
// with the conversation; flat on recurrent layers), as CPU time, and the ratio of the first to
// each later one.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <vector>

#include "gguf/gguf.h"
#include "model/model.h"

namespace {

constexpr int kPromptTokens = 128;
constexpr int kDecodeTokens = 64;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds_since(std::clock_t start) {
  return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace webgguf;
  if (argc < 2) {
    std::fprintf(stderr, "usage: forward_bench MODEL.gguf [THREADS] [REPETITIONS]\n");
    return 2;
  }
  const int n_threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const int repetitions = argc > 3 ? std::atoi(argv[3]) : 3;
  std::vector<int> positions;
  for (int i = 4; i < argc; ++i) positions.push_back(std::atoi(argv[i]));
  std::ifstream in(argv[1], std::ios::binary);
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<GgufFile> gguf = parse_gguf(file.data(), file.size(), file.size());
  if (!gguf.is_ok()) {
    std::fprintf(stderr, "%s\n", gguf.status().message().c_str());
    return 1;
  }
  ModelOptions options;
  const int longest = positions.empty() ? kPromptTokens : *std::max_element(positions.begin(), positions.end());
  options.n_ctx = longest + kDecodeTokens;
  options.n_threads = n_threads;
  Result<std::unique_ptr<Model>> loaded = Model::load(gguf.value(), file.data(), file.size(), options);
  if (!loaded.is_ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    return 1;
  }
  Model& model = *loaded.value();
  const int32_t n_vocab = model.info().n_vocab;
  std::vector<int32_t> prompt(longest);
  for (int i = 0; i < longest; ++i) prompt[i] = (i * 7919 + 13) % n_vocab;
  std::vector<float> logits(n_vocab);

  if (!positions.empty()) {
    double first = 0.0;
    for (int position : positions) {
      std::vector<double> decode_cpu;
      for (int rep = 0; rep <= repetitions; ++rep) {  // repetition 0 warms up, untimed
        if (!model.forward(prompt.data(), position, 0, false, logits.data()).is_ok()) return 1;
        const std::clock_t cpu_start = std::clock();
        for (int i = 0; i < kDecodeTokens; ++i) {
          const int32_t token = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
          if (!model.forward(&token, 1, position + i, false, logits.data()).is_ok()) return 1;
        }
        if (rep > 0) decode_cpu.push_back(kDecodeTokens / cpu_seconds_since(cpu_start));
      }
      const double speed = median(decode_cpu);
      if (first == 0.0) first = speed;
      std::printf("decode at position %d: %.1f tok/s (cpu time, median of %d)  ratio to position %d: %.3f\n", position,
                  speed, repetitions, positions[0], first / speed);
    }
    return 0;
  }

  std::vector<double> prefill, decode, prefill_cpu, decode_cpu, decode_wait_ms;
  uint64_t decode_barriers = 0;
  for (int rep = 0; rep <= repetitions; ++rep) {  // repetition 0 warms up, untimed
    auto start = std::chrono::steady_clock::now();
    std::clock_t cpu_start = std::clock();
    if (!model.forward(prompt.data(), kPromptTokens, 0, false, logits.data()).is_ok()) return 1;
    const double prefill_seconds = seconds_since(start);
    const double prefill_cpu_seconds = cpu_seconds_since(cpu_start);
    const ThreadPool::Stats pool_before = model.thread_pool_stats();
    start = std::chrono::steady_clock::now();
    cpu_start = std::clock();
    for (int i = 0; i < kDecodeTokens; ++i) {
      const int32_t token = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      if (!model.forward(&token, 1, kPromptTokens + i, false, logits.data()).is_ok()) return 1;
    }
    const double decode_seconds = seconds_since(start);
    const double decode_cpu_seconds = cpu_seconds_since(cpu_start);
    const ThreadPool::Stats& pool_after = model.thread_pool_stats();
    if (rep == 0) continue;
    decode_barriers = (pool_after.runs - pool_before.runs) / kDecodeTokens;
    decode_wait_ms.push_back((pool_after.wait_seconds - pool_before.wait_seconds) * 1e3 / kDecodeTokens);
    prefill.push_back(kPromptTokens / prefill_seconds);
    decode.push_back(kDecodeTokens / decode_seconds);
    prefill_cpu.push_back(kPromptTokens / prefill_cpu_seconds);
    decode_cpu.push_back(kDecodeTokens / decode_cpu_seconds);
  }
  auto best = [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); };
  std::printf("threads %d  prefill %.1f (best %.1f)  decode %.1f (best %.1f) tok/s", n_threads, median(prefill),
              best(prefill), median(decode), best(decode));
  std::printf("  | cpu time: prefill %.1f (best %.1f)  decode %.1f (best %.1f)", median(prefill_cpu), best(prefill_cpu),
              median(decode_cpu), best(decode_cpu));
  std::printf("\n  decode: %llu barriers per token, caller waits %.3f ms per token in them\n",
              static_cast<unsigned long long>(decode_barriers), median(decode_wait_ms));
  return 0;
}
