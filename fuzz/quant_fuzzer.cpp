// libFuzzer target for the quant layer through quant_traits, every type we compute with:
//   - random block bytes through dequantize, vec_dot_reference and vec_dot (random activation
//     blocks of the type's vec_dot_type): no UB, no out-of-bounds table lookups (IQ grids, sign
//     tables, scale nibbles), whatever the scales and indices say;
//   - quantize of random floats (raw bit patterns, so NaN, +-Inf, denormals and huge values
//     occur), with and without an importance matrix, then dequantize of the result.
// Finiteness is checked only where the format guarantees it: finite input of moderate magnitude
// (|x| <= 1000, so every block scale fits in fp16) quantizes to blocks that dequantize finite.
// Random blocks may carry fp16 Inf/NaN scales, so their outputs are not checked.
//
// NaN input: ggml's quantizers do not check for it. Their float-to-int conversions of NaN/Inf are
// undefined behaviour in C (x86 stores garbage levels); llama-quantize only catches the damage
// afterwards, when ggml_validate_row_data finds NaN/Inf block scales, and aborts. Ours refuse:
// a block type's quantize returns false for a row with NaN, Inf or |x| > 1e9 (checked here),
// F32/F16/BF16 convert it bit-wise. Other rows (denormals included) quantize without UB.
//
// Input layout: byte 0 picks the type, byte 1 the mode (bit 0: quantize instead of dequantize,
// bit 1: pass an importance matrix, bits 2-3: number of blocks - 1), the rest is the payload,
// repeated as needed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quant/iq_lattice.h"
#include "quant/traits.h"

namespace {

using webgguf::GgmlType;
using webgguf::QuantTraits;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

std::vector<const QuantTraits*> computable_types() {
  std::vector<const QuantTraits*> out;
  for (uint32_t id = 0; id < static_cast<uint32_t>(GgmlType::COUNT); ++id) {
    if (const QuantTraits* t = webgguf::quant_traits(static_cast<GgmlType>(id))) out.push_back(t);
  }
  return out;
}

// `count` bytes from the payload, cycled from `start`; zeros when the payload is empty.
std::vector<uint8_t> payload_bytes(const uint8_t* data, size_t size, size_t start, size_t count) {
  std::vector<uint8_t> out(count, 0);
  if (size == 0) return out;
  for (size_t i = 0; i < count; ++i) out[i] = data[(start + i) % size];
  return out;
}

void fuzz_dequantize_and_dot(const QuantTraits& t, const uint8_t* payload, size_t size, int64_t n_blocks) {
  const int64_t n = n_blocks * t.block_size;
  // Exactly sized heap buffers, so ASan flags any read past the last block.
  const std::vector<uint8_t> weights = payload_bytes(payload, size, 0, n_blocks * t.type_size);
  std::vector<float> out(static_cast<size_t>(n));
  t.dequantize(weights.data(), out.data(), n);

  const QuantTraits* act = webgguf::quant_traits(t.vec_dot_type);
  check(act != nullptr && n % act->block_size == 0);
  const std::vector<uint8_t> activations =
      payload_bytes(payload, size, size / 2, static_cast<size_t>(n / act->block_size) * act->type_size);
  (void)t.vec_dot_reference(n, weights.data(), activations.data());
  (void)t.vec_dot(n, weights.data(), activations.data());
}

void fuzz_quantize(const QuantTraits& t, const uint8_t* payload, size_t size, int64_t n_blocks, bool with_importance) {
  if (t.quantize == nullptr) return;
  const int64_t n = n_blocks * t.block_size;
  const std::vector<uint8_t> raw = payload_bytes(payload, size, 0, static_cast<size_t>(n) * sizeof(float));
  std::vector<float> x(static_cast<size_t>(n));
  std::memcpy(x.data(), raw.data(), raw.size());
  bool accepted = true, moderate = true;
  for (float v : x) {
    accepted = accepted && std::fabs(v) <= 1e9f;
    moderate = moderate && std::isfinite(v) && std::fabs(v) <= 1000.0f;
  }
  const bool float_type = t.type == GgmlType::F32 || t.type == GgmlType::F16 || t.type == GgmlType::BF16;

  // An importance matrix is finite and non-negative (llama-quantize rejects others).
  std::vector<float> importance;
  if (with_importance) {
    const std::vector<uint8_t> w = payload_bytes(payload, size, size / 3, static_cast<size_t>(n));
    for (uint8_t b : w) importance.push_back(b / 16.0f);
  }
  std::vector<uint8_t> blocks(static_cast<size_t>(n_blocks) * t.type_size);
  const bool quantized = t.quantize(x.data(), blocks.data(), n, with_importance ? importance.data() : nullptr);
  // The I-quants that need an importance matrix refuse a row given none (ggml asserts there).
  check(quantized == ((accepted || float_type) && (with_importance || !t.needs_importance)));
  if (!quantized) return;

  std::vector<float> back(static_cast<size_t>(n));
  t.dequantize(blocks.data(), back.data(), n);
  if (moderate) {
    for (float v : back) check(std::isfinite(v));
  }
}

}  // namespace

// The I-quant lattices' neighbour tables are built on first use, which takes seconds under the
// sanitizers: built here, before any input's time budget starts.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using webgguf::IqLatticeKind;
  for (IqLatticeKind kind : {IqLatticeKind::kIQ2XXS, IqLatticeKind::kIQ2XS, IqLatticeKind::kIQ2S, IqLatticeKind::kIQ1S,
                             IqLatticeKind::kIQ3XXS, IqLatticeKind::kIQ3S}) {
    (void)webgguf::iq_lattice(kind);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<const QuantTraits*> types = computable_types();
  if (size < 2) return 0;
  const QuantTraits& t = *types[data[0] % types.size()];
  const uint8_t mode = data[1];
  const int64_t n_blocks = 1 + ((mode >> 2) & 3);
  if (mode & 1) {
    fuzz_quantize(t, data + 2, size - 2, n_blocks, (mode & 2) != 0);
  } else {
    fuzz_dequantize_and_dot(t, data + 2, size - 2, n_blocks);
  }
  return 0;
}
