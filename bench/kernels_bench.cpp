// Single-thread speed of the SIMD dot-product kernels (the `vec_dot` of each type's traits):
// nanoseconds per 4096-weight row and GB/s of weight bytes streamed. Built natively and with
// Emscripten by scripts/bench_kernels.sh, which puts the two side by side.
//
// Setup per type: a [kRows, 4096] weight matrix quantized from Gaussian values with the type's
// own quantizer (about 0.1-2 MB: cache-resident, so this measures compute, like ggml's figures),
// one activation row in the type's vec_dot_type, and the dot of every row with it, repeated.
// Each repetition takes ~2 ms; the median of kRepetitions is printed, and the fastest
// repetition too (on a shared 2-core machine other processes inflate the median).
//
// Built with WEBGGUF_BENCH_GGML (the wasm build), ggml's own wasm kernel for the type, when
// bench/ggml_kernels_shim.cpp has one, is timed in the same process on the same rows and activation,
// interleaved with ours (every repetition times both, ~2 ms each, in alternating order), and
// checked to give our result for every row within kMaxRelativeDiff of the row's sum |x_i * y_i|
// (a warning on stderr otherwise; see check_against_ggml).
//
// Output, one line per type:
//   <type> <median ns per row> <GB/s at the median> <fastest ns per row> <ggml median> <ggml fastest>
// with "- -" for the ggml figures when there is no ggml kernel to compare with.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/quantize_activations.h"
#include "quant/traits.h"

using GgmlVecDot = void (*)(int n, float* s, size_t bs, const void* vx, size_t bx, const void* vy, size_t by, int nrc);
#ifdef WEBGGUF_BENCH_GGML
GgmlVecDot ggml_wasm_vec_dot(webgguf::GgmlType type);  // bench/ggml_kernels_shim.cpp
#else
// Natively only our kernels are timed (ggml's x86 kernels are not what the browser runs).
GgmlVecDot ggml_wasm_vec_dot(webgguf::GgmlType) {
  return nullptr;
}
#endif

namespace {

using webgguf::GgmlType;
using webgguf::QuantTraits;

constexpr int64_t kCols = 4096;
constexpr int kRows = 128;
constexpr int kRepetitions = 41;
constexpr double kSecondsPerRepetition = 0.002;
constexpr double kMaxRelativeDiff = 1e-6;

const GgmlType kTypes[] = {
    GgmlType::F32,   GgmlType::F16,     GgmlType::BF16,  GgmlType::Q4_0,    GgmlType::Q4_1,
    GgmlType::Q5_0,  GgmlType::Q5_1,    GgmlType::Q8_0,  GgmlType::Q2_K,    GgmlType::Q3_K,
    GgmlType::Q4_K,  GgmlType::Q5_K,    GgmlType::Q6_K,  GgmlType::IQ4_NL,  GgmlType::IQ4_XS,
    GgmlType::TQ1_0, GgmlType::TQ2_0,   GgmlType::MXFP4, GgmlType::IQ2_XXS, GgmlType::IQ2_XS,
    GgmlType::IQ2_S, GgmlType::IQ3_XXS, GgmlType::IQ3_S, GgmlType::IQ1_S,   GgmlType::IQ1_M,
};

// Types without a quantizer (the low-bit I-quants): random block bytes, which are all valid blocks
// (the kernels' speed does not depend on the values), with a finite fp16 super-scale so the float
// steps never meet NaN or subnormals: the leading `d` field, or for IQ1_M the top nibble of its
// last scale word, which holds the half's sign and top exponent bits.
std::vector<uint8_t> random_blocks(const QuantTraits& traits, int rows, std::mt19937& rng) {
  const size_t blocks = kCols / traits.block_size * rows;
  std::vector<uint8_t> out(blocks * traits.type_size);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  for (size_t i = 0; i < blocks; ++i) {
    uint8_t* block = out.data() + i * traits.type_size;
    if (traits.type == GgmlType::IQ1_M) {
      block[traits.type_size - 1] = static_cast<uint8_t>((block[traits.type_size - 1] & 0x0f) | 0x20);
    } else {
      block[0] = 0x1f;  // fp16 0x211f ~ 0.01
      block[1] = 0x21;
    }
  }
  return out;
}

std::vector<uint8_t> quantize_rows(const QuantTraits& traits, const std::vector<float>& values, int rows) {
  const size_t row_bytes = kCols / traits.block_size * traits.type_size;
  std::vector<uint8_t> out(row_bytes * rows);
  for (int r = 0; r < rows; ++r) traits.quantize(values.data() + r * kCols, out.data() + r * row_bytes, kCols, nullptr);
  return out;
}

std::vector<uint8_t> quantize_activation(GgmlType type, const std::vector<float>& values) {
  const QuantTraits& traits = *webgguf::quant_traits(type);
  std::vector<uint8_t> out(kCols / traits.block_size * traits.type_size);
  switch (type) {
    case GgmlType::Q8_0: webgguf::quantize_row_q8_0_fast(values.data(), out.data(), kCols); break;
    case GgmlType::Q8_1: webgguf::quantize_row_q8_1_fast(values.data(), out.data(), kCols); break;
    case GgmlType::Q8_K: webgguf::quantize_row_q8_K_fast(values.data(), out.data(), kCols); break;
    default: traits.quantize(values.data(), out.data(), kCols, nullptr); break;
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// How many passes of `pass` take kSecondsPerRepetition, measured after a warm-up pass.
template <typename Pass>
int passes_per_repetition(const Pass& pass) {
  pass();
  for (int passes = 1;; passes *= 2) {
    const auto start = std::chrono::steady_clock::now();
    for (int p = 0; p < passes; ++p) pass();
    const double seconds = seconds_since(start);
    if (seconds > kSecondsPerRepetition / 4) {
      return std::max(1, static_cast<int>(passes * kSecondsPerRepetition / seconds));
    }
  }
}

// One repetition: `passes` passes over the kRows rows, in nanoseconds per row.
template <typename Pass>
double ns_per_row(const Pass& pass, int passes) {
  const auto start = std::chrono::steady_clock::now();
  for (int p = 0; p < passes; ++p) pass();
  return seconds_since(start) * 1e9 / (static_cast<double>(passes) * kRows);
}

struct Timing {
  double median_ns = 0.0;
  double best_ns = 0.0;
};

Timing summarize(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples.front()};
}

// Compares ggml's dot of every row with ours and returns the largest difference relative to the
// row's sum of |weight_i * activation_i| (dequantized): the scale of float rounding in a dot
// product, so differences of summation order stay ~1e-8 while any wrong block or weight shows up
// far above kMaxRelativeDiff. (Relative to the dot itself, summation order alone reaches ~1e-5 on
// rows whose terms cancel.) Warns on stderr above kMaxRelativeDiff.
double check_against_ggml(const QuantTraits& traits, GgmlVecDot ggml, const uint8_t* matrix, size_t row_bytes,
                          const uint8_t* act) {
  std::vector<float> act_values(kCols), row_values(kCols);
  webgguf::quant_traits(traits.vec_dot_type)->dequantize(act, act_values.data(), kCols);
  double worst = 0.0;
  for (int r = 0; r < kRows; ++r) {
    const uint8_t* row = matrix + r * row_bytes;
    const float ours = traits.vec_dot(kCols, row, act);
    float theirs = 0.0f;
    ggml(kCols, &theirs, 0, row, 0, act, 0, 1);
    traits.dequantize(row, row_values.data(), kCols);
    double magnitude = 0.0;
    for (int64_t i = 0; i < kCols; ++i) magnitude += std::fabs(static_cast<double>(row_values[i]) * act_values[i]);
    const double diff = std::fabs(static_cast<double>(ours) - theirs) / std::max(magnitude, 1e-30);
    if (!(diff <= kMaxRelativeDiff)) {  // also catches NaN
      std::fprintf(stderr, "warning: %s row %d: ours %.9g, ggml %.9g (difference %.3g of sum |x*y| %.6g)\n",
                   traits.name, r, ours, theirs, diff, magnitude);
    }
    if (!(diff <= worst)) worst = diff;
  }
  return worst;
}

}  // namespace

int main() {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> weights(kCols * kRows), activation(kCols);
  for (float& v : weights) v = normal(rng) * 0.02f;
  for (float& v : activation) v = normal(rng);

  volatile float sink = 0.0f;
  bool compared_with_ggml = false;  // stays false natively
  double worst_ggml_diff = 0.0;
  for (GgmlType type : kTypes) {
    const QuantTraits& traits = *webgguf::quant_traits(type);
    const size_t row_bytes = kCols / traits.block_size * traits.type_size;
    const std::vector<uint8_t> matrix =
        traits.quantize ? quantize_rows(traits, weights, kRows) : random_blocks(traits, kRows, rng);
    const std::vector<uint8_t> act = quantize_activation(traits.vec_dot_type, activation);
    const GgmlVecDot ggml = ggml_wasm_vec_dot(type);
    if (ggml) {
      const double diff = check_against_ggml(traits, ggml, matrix.data(), row_bytes, act.data());
      if (!(diff <= worst_ggml_diff)) worst_ggml_diff = diff;  // keeps a NaN
      compared_with_ggml = true;
    }

    const auto pass = [&] {
      float sum = 0.0f;
      for (int r = 0; r < kRows; ++r) sum += traits.vec_dot(kCols, matrix.data() + r * row_bytes, act.data());
      sink = sink + sum;
    };
    const auto ggml_pass = [&] {
      float sum = 0.0f;
      for (int r = 0; r < kRows; ++r) {
        float dot = 0.0f;
        ggml(kCols, &dot, 0, matrix.data() + r * row_bytes, 0, act.data(), 0, 1);
        sum += dot;
      }
      sink = sink + sum;
    };
    // Each kernel gets its own passes per repetition, so both repetitions last ~2 ms.
    const int passes = passes_per_repetition(pass);
    const int ggml_passes = ggml ? passes_per_repetition(ggml_pass) : 0;
    std::vector<double> ours_ns, ggml_ns;
    for (int rep = 0; rep < kRepetitions; ++rep) {
      const bool ggml_first = ggml && rep % 2 == 1;
      if (ggml_first) ggml_ns.push_back(ns_per_row(ggml_pass, ggml_passes));
      ours_ns.push_back(ns_per_row(pass, passes));
      if (ggml && !ggml_first) ggml_ns.push_back(ns_per_row(ggml_pass, ggml_passes));
    }
    const Timing ours = summarize(ours_ns);
    std::printf("%s %.1f %.2f %.1f", traits.name, ours.median_ns, row_bytes / ours.median_ns, ours.best_ns);
    if (ggml) {
      const Timing theirs = summarize(ggml_ns);
      std::printf(" %.1f %.1f\n", theirs.median_ns, theirs.best_ns);
    } else {
      std::printf(" - -\n");
    }
  }
  if (compared_with_ggml) {
    const bool ok = worst_ggml_diff <= kMaxRelativeDiff;
    std::fprintf(stderr, "%s: ggml's wasm dots differ from ours by at most %.2g of sum |x*y| per row (limit %.0e)\n",
                 ok ? "bench" : "warning", worst_ggml_diff, kMaxRelativeDiff);
  }
  return sink == 12345.0f ? 1 : 0;  // keeps the sums alive
}
