// A/B of the prefill and decode matrix products of a real model file: every weight matrix of the
// transformer blocks plus the output matrix (the matmuls of one forward pass), over a prompt of
// kPromptTokens tokens and over one token, with the multi-token kernels (vec_dot_tokens.h) and
// without them (vec_dot per token, as before), interleaved in one process.
//
// Usage: matmul_bench MODEL.gguf [THREADS] [TYPE]   (TYPE, e.g. q6_K: only the matrices of that type)
// Prints one line per variant: threads, variant, prefill and decode matmul tok/s as the median
// and best of kRepetitions (tok/s of the matmuls alone: attention, norms and activation
// quantization are not included).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "kernels/matmul.h"
#include "kernels/vec_dot_tokens.h"
#include "quant/traits.h"

namespace {

using namespace webgguf;

constexpr int kPromptTokens = 128;
constexpr int kRepetitions = 7;
constexpr int kDecodeCalls = 8;  // decode passes per timed repetition (one is too short to time)

struct Matrix {
  MatmulWeights weights;       // dot_tokens set per variant
  TokensDotFn dot_tokens;      // the type's multi-token kernel, or nullptr
  const uint8_t* activations;  // kPromptTokens rows in the vec_dot type
  size_t activation_row_bytes;
};

// Random activations for every (activation type, row length): kPromptTokens rows each.
struct Activations {
  std::vector<uint8_t> bytes;
  size_t row_bytes;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: matmul_bench MODEL.gguf [THREADS] [TYPE]\n");
    return 2;
  }
  const int n_threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const std::string only_type = argc > 3 ? argv[3] : "";
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<GgufFile> parsed = parse_gguf(file.data(), file.size(), file.size());
  if (!parsed.is_ok()) {
    std::fprintf(stderr, "%s\n", parsed.status().message().c_str());
    return 1;
  }
  const GgufFile& gguf = parsed.value();

  std::vector<Matrix> matrices;
  std::map<std::pair<GgmlType, int64_t>, Activations> activations;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (const GgufTensorInfo& t : gguf.tensors) {
    const bool is_matmul = t.name.rfind("blk.", 0) == 0 || t.name == "output.weight";
    if (!is_matmul || t.n_dims != 2) continue;
    if (!only_type.empty() && only_type != ggml_type_name(t.type)) continue;
    const QuantTraits* traits = quant_traits(t.type);
    const QuantTraits* act = quant_traits(traits->vec_dot_type);
    const int64_t n_cols = static_cast<int64_t>(t.ne[0]);
    MatmulWeights w{file.data() + gguf.data_offset + t.offset, static_cast<size_t>(ggml_row_bytes(t.type, n_cols)),
                    static_cast<int64_t>(t.ne[1]), n_cols, traits->vec_dot};
    Activations& a = activations[{act->type, n_cols}];
    if (a.bytes.empty()) {
      a.row_bytes = ggml_row_bytes(act->type, n_cols);
      a.bytes.resize(a.row_bytes * kPromptTokens);
      std::vector<float> values(n_cols);
      for (int tok = 0; tok < kPromptTokens; ++tok) {
        for (float& v : values) v = normal(rng);
        act->quantize(values.data(), a.bytes.data() + tok * a.row_bytes, n_cols, nullptr);
      }
    }
    matrices.push_back({w, tokens_dot_for(t.type), a.bytes.data(), a.row_bytes});
  }
  int64_t max_rows = 0;
  for (const Matrix& m : matrices) max_rows = std::max(max_rows, m.weights.n_rows);
  std::vector<float> out(max_rows * kPromptTokens);
  ThreadPool pool(n_threads);

  // The matmuls of one forward pass over n_tokens tokens, one call per matrix; seconds.
  auto pass = [&](bool token_kernels, int n_tokens) {
    const auto start = std::chrono::steady_clock::now();
    for (Matrix& m : matrices) {
      m.weights.dot_tokens = token_kernels ? m.dot_tokens : nullptr;
      const MatmulTask task{&m.weights, m.activations, m.activation_row_bytes, out.data(), m.weights.n_rows};
      matmul(pool, &task, 1, n_tokens);
    }
    return seconds_since(start);
  };

  const char* names[2] = {"vec_dot", "tokens"};
  std::vector<double> prefill[2], decode[2];
  pass(false, kPromptTokens);  // warm caches and the half table
  for (int rep = 0; rep < kRepetitions; ++rep) {
    for (int variant = 0; variant < 2; ++variant) {
      prefill[variant].push_back(kPromptTokens / pass(variant == 1, kPromptTokens));
      double decode_seconds = 0.0;
      for (int i = 0; i < kDecodeCalls; ++i) decode_seconds += pass(variant == 1, 1);
      decode[variant].push_back(kDecodeCalls / decode_seconds);
    }
  }
  std::printf("%-8s %-8s %14s %14s %14s %14s\n", "threads", "variant", "prefill med", "prefill best", "decode med",
              "decode best");
  for (int variant = 0; variant < 2; ++variant) {
    std::printf("%-8d %-8s %14.1f %14.1f %14.1f %14.1f\n", n_threads, names[variant], median(prefill[variant]),
                *std::max_element(prefill[variant].begin(), prefill[variant].end()), median(decode[variant]),
                *std::max_element(decode[variant].begin(), decode[variant].end()));
  }
  return 0;
}
