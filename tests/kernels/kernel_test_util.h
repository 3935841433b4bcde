// Row builders for the kernel tests: random weight rows of any type (random bits, with the float
// scale fields forced to chosen values so that no block decodes to NaN/Inf by accident), and
// activation rows in each vec_dot_type that are consistent like a real quantizer's output
// (Q8_1's s = d * sum(q), Q8_K's bsums = group sums).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/fp16.h"
#include "gguf/ggml_type.h"
#include "quant/blocks.h"
#include "quant/traits.h"

namespace webgguf::testing {

// How the float scale fields of generated blocks are chosen.
enum class ScaleMode {
  kRandom,  // random normal values of moderate size
  kUnit,    // exactly 1: the dot product is then the exact integer sum
  kMax,     // the largest finite half (65504); MXFP4 exponent 230 (2^102, 254 overflows any sum)
  kTiny,    // the smallest subnormal half, MXFP4 exponent 0
  kZero,    // zero
};

// Byte offsets of the fp16 scale fields inside one block of `type`.
inline std::vector<size_t> half_scale_offsets(GgmlType type) {
  switch (type) {
    case GgmlType::F16: return {0};
    case GgmlType::Q4_0: return {offsetof(BlockQ4_0, d)};
    case GgmlType::Q4_1: return {offsetof(BlockQ4_1, d), offsetof(BlockQ4_1, m)};
    case GgmlType::Q5_0: return {offsetof(BlockQ5_0, d)};
    case GgmlType::Q5_1: return {offsetof(BlockQ5_1, d), offsetof(BlockQ5_1, m)};
    case GgmlType::Q8_0: return {offsetof(BlockQ8_0, d)};
    case GgmlType::Q2_K: return {offsetof(BlockQ2_K, d), offsetof(BlockQ2_K, dmin)};
    case GgmlType::Q3_K: return {offsetof(BlockQ3_K, d)};
    case GgmlType::Q4_K: return {offsetof(BlockQ4_K, d), offsetof(BlockQ4_K, dmin)};
    case GgmlType::Q5_K: return {offsetof(BlockQ5_K, d), offsetof(BlockQ5_K, dmin)};
    case GgmlType::Q6_K: return {offsetof(BlockQ6_K, d)};
    case GgmlType::IQ4_NL: return {offsetof(BlockIQ4_NL, d)};
    case GgmlType::IQ4_XS: return {offsetof(BlockIQ4_XS, d)};
    case GgmlType::TQ1_0: return {offsetof(BlockTQ1_0, d)};
    case GgmlType::TQ2_0: return {offsetof(BlockTQ2_0, d)};
    default: return {};
  }
}

inline uint16_t half_for(ScaleMode mode, std::mt19937& rng) {
  switch (mode) {
    case ScaleMode::kUnit: return 0x3C00;
    case ScaleMode::kMax: return 0x7BFF;  // 65504
    case ScaleMode::kTiny: return 0x0001;
    case ScaleMode::kZero: return 0x0000;
    case ScaleMode::kRandom: break;
  }
  std::uniform_real_distribution<float> magnitude(1e-3f, 0.1f);
  const float v = magnitude(rng) * ((rng() & 1) ? 1.0f : -1.0f);
  return fp32_to_fp16(v);
}

inline std::vector<uint8_t> random_bytes(size_t count, std::mt19937& rng) {
  std::vector<uint8_t> bytes(count);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

// A weight row of n elements. Float types get random values in [-1, 1] (scaled by the mode).
inline std::vector<uint8_t> make_weight_row(GgmlType type, int64_t n, ScaleMode mode, std::mt19937& rng) {
  const QuantTraits* traits = quant_traits(type);
  const int64_t blocks = n / traits->block_size;
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  if (type == GgmlType::F32 || type == GgmlType::BF16) {
    std::vector<float> values(n);
    for (auto& v : values) v = uniform(rng);
    std::vector<uint8_t> row(blocks * traits->type_size);
    traits->quantize(values.data(), row.data(), n, nullptr);
    return row;
  }
  std::vector<uint8_t> row = random_bytes(blocks * traits->type_size, rng);
  const std::vector<size_t> offsets = half_scale_offsets(type);
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t* block = row.data() + b * traits->type_size;
    if (type == GgmlType::MXFP4) {
      const uint8_t exponents[] = {static_cast<uint8_t>(120 + rng() % 12), 128, 230, 0, 0};
      block[offsetof(BlockMXFP4, e)] = exponents[static_cast<int>(mode)];
      if (mode == ScaleMode::kZero) std::memset(block, 0, traits->type_size);
    }
    for (size_t offset : offsets) {
      const uint16_t h = half_for(mode, rng);
      std::memcpy(block + offset, &h, 2);
    }
  }
  return row;
}

// How the int8 quants of generated activation blocks are chosen.
enum class ActMode {
  kRandom,     // uniform over [-128, 127]
  kSmall,      // uniform over [-3, 3] (exact integer tests stay below 2^24)
  kMaxPos,     // all +127
  kMinNeg,     // all -128
  kAlternate,  // +127, -128, +127, ...
};

inline int8_t act_quant(ActMode mode, int index, std::mt19937& rng) {
  switch (mode) {
    case ActMode::kRandom: return static_cast<int8_t>(rng());
    case ActMode::kSmall: return static_cast<int8_t>(static_cast<int>(rng() % 7) - 3);
    case ActMode::kMaxPos: return 127;
    case ActMode::kMinNeg: return -128;
    case ActMode::kAlternate: return index % 2 ? -128 : 127;
  }
  return 0;
}

// An activation row of n elements in `type` (a vec_dot_type). `unit_scale` makes every d 1.
inline std::vector<uint8_t> make_activation_row(GgmlType type, int64_t n, ActMode mode, bool unit_scale,
                                                std::mt19937& rng) {
  const QuantTraits* traits = quant_traits(type);
  std::vector<uint8_t> row(n / traits->block_size * traits->type_size);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::uniform_real_distribution<float> scale(1e-3f, 0.05f);
  if (type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16) {
    std::vector<float> values(n);
    for (auto& v : values) v = uniform(rng);
    traits->quantize(values.data(), row.data(), n, nullptr);
    return row;
  }
  const int block_size = static_cast<int>(traits->block_size);
  for (int64_t b = 0; b < n / block_size; ++b) {
    uint8_t* block = row.data() + b * traits->type_size;
    int8_t qs[kQK_K];
    int sum = 0;
    for (int j = 0; j < block_size; ++j) {
      qs[j] = act_quant(mode, j, rng);
      sum += qs[j];
    }
    const float d = unit_scale ? 1.0f : scale(rng);
    if (type == GgmlType::Q8_K) {
      BlockQ8_K q{};
      q.d = d;
      std::memcpy(q.qs, qs, kQK_K);
      for (int g = 0; g < kQK_K / 16; ++g) {
        int group_sum = 0;
        for (int j = 0; j < 16; ++j) group_sum += qs[16 * g + j];
        q.bsums[g] = static_cast<int16_t>(group_sum);
      }
      std::memcpy(block, &q, sizeof(q));
    } else if (type == GgmlType::Q8_1) {
      BlockQ8_1 q{};
      q.d = fp32_to_fp16(d);
      q.s = fp32_to_fp16(fp16_to_fp32(q.d) * sum);
      std::memcpy(q.qs, qs, kQK8_1);
      std::memcpy(block, &q, sizeof(q));
    } else {
      BlockQ8_0 q{};
      q.d = fp32_to_fp16(d);
      std::memcpy(q.qs, qs, kQK8_0);
      std::memcpy(block, &q, sizeof(q));
    }
  }
  return row;
}

// Copy of `bytes` placed `offset` bytes past a 64-byte boundary (misaligned for SIMD loads).
class OffsetCopy {
 public:
  OffsetCopy(const std::vector<uint8_t>& bytes, size_t offset) : storage_(bytes.size() + 128) {
    const auto base = reinterpret_cast<uintptr_t>(storage_.data());
    data_ = storage_.data() + ((64 - base % 64) % 64) + offset;
    std::memcpy(data_, bytes.data(), bytes.size());
  }
  const void* data() const { return data_; }

 private:
  std::vector<uint8_t> storage_;
  uint8_t* data_;
};

// Sum over elements of |w_i * a_i| in double, from the dequantized rows: the scale that float
// rounding errors of a dot product are measured against.
inline double sum_abs_products(GgmlType weight_type, const void* weights, GgmlType act_type, const void* acts,
                               int64_t n, double* exact_dot = nullptr) {
  std::vector<float> w(n), a(n);
  quant_traits(weight_type)->dequantize(weights, w.data(), n);
  quant_traits(act_type)->dequantize(acts, a.data(), n);
  double sum_abs = 0.0, dot = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    sum_abs += std::abs(static_cast<double>(w[i]) * a[i]);
    dot += static_cast<double>(w[i]) * a[i];
  }
  if (exact_dot) *exact_dot = dot;
  return sum_abs;
}

}  // namespace webgguf::testing
