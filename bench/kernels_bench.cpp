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
// Output, one line per type:  <type> <median ns per row> <GB/s at the median> <fastest ns per row>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/quantize_activations.h"
#include "quant/traits.h"

namespace {

using webgguf::GgmlType;
using webgguf::QuantTraits;

constexpr int64_t kCols = 4096;
constexpr int kRows = 128;
constexpr int kRepetitions = 41;
constexpr double kSecondsPerRepetition = 0.002;

const GgmlType kTypes[] = {
    GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,   GgmlType::Q4_0,   GgmlType::Q4_1,  GgmlType::Q5_0,
    GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,   GgmlType::Q3_K,   GgmlType::Q4_K,  GgmlType::Q5_K,
    GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::TQ1_0, GgmlType::TQ2_0, GgmlType::MXFP4,
    GgmlType::IQ2_XXS, GgmlType::IQ2_XS, GgmlType::IQ2_S, GgmlType::IQ3_XXS, GgmlType::IQ3_S, GgmlType::IQ1_S,
    GgmlType::IQ1_M,
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

}  // namespace

int main() {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> weights(kCols * kRows), activation(kCols);
  for (float& v : weights) v = normal(rng) * 0.02f;
  for (float& v : activation) v = normal(rng);

  volatile float sink = 0.0f;
  for (GgmlType type : kTypes) {
    const QuantTraits& traits = *webgguf::quant_traits(type);
    const size_t row_bytes = kCols / traits.block_size * traits.type_size;
    const std::vector<uint8_t> matrix =
        traits.quantize ? quantize_rows(traits, weights, kRows) : random_blocks(traits, kRows, rng);
    const std::vector<uint8_t> act = quantize_activation(traits.vec_dot_type, activation);

    const auto pass = [&] {
      float sum = 0.0f;
      for (int r = 0; r < kRows; ++r) sum += traits.vec_dot(kCols, matrix.data() + r * row_bytes, act.data());
      sink = sink + sum;
    };
    // Calibrate the passes per repetition on a warm run.
    pass();
    int passes = 1;
    for (;;) {
      const auto start = std::chrono::steady_clock::now();
      for (int p = 0; p < passes; ++p) pass();
      if (seconds_since(start) > kSecondsPerRepetition / 4) {
        passes = std::max(1, static_cast<int>(passes * kSecondsPerRepetition / seconds_since(start)));
        break;
      }
      passes *= 2;
    }
    std::vector<double> ns_per_row;
    for (int rep = 0; rep < kRepetitions; ++rep) {
      const auto start = std::chrono::steady_clock::now();
      for (int p = 0; p < passes; ++p) pass();
      ns_per_row.push_back(seconds_since(start) * 1e9 / (static_cast<double>(passes) * kRows));
    }
    std::sort(ns_per_row.begin(), ns_per_row.end());
    const double median = ns_per_row[kRepetitions / 2];
    std::printf("%s %.1f %.2f %.1f\n", traits.name, median, row_bytes / median, ns_per_row.front());
  }
  return sink == 12345.0f ? 1 : 0;  // keeps the sums alive
}
