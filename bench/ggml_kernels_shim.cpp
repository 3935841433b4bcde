// ggml's own wasm dot kernels, for the same-run comparison of bench/kernels_bench.cpp (wasm build
// only). scripts/bench_kernels.sh compiles llama.cpp's ggml/src/ggml-cpu/arch/wasm/quants.c (the
// SIMD128 kernels) and ggml/src/ggml-cpu/quants.c (the scalar kernels ggml's wasm build falls back
// to, e.g. iq4_nl and iq4_xs) with Emscripten and links them with this file, which supplies the one
// piece of ggml-cpu state those kernels read: the fp16 -> fp32 table that ggml_cpu_init() fills.
#include <cstddef>
#include <cstdint>

#include "core/fp16.h"
#include "gguf/ggml_type.h"

extern "C" {
// ggml-cpu's table (defined in ggml-cpu.c upstream), indexed by the raw fp16 bits.
float ggml_table_f32_f16[1 << 16];

#define WEBGGUF_GGML_VEC_DOT(name) \
  void ggml_vec_dot_##name(int n, float* s, size_t bs, const void* vx, size_t bx, const void* vy, size_t by, int nrc);
WEBGGUF_GGML_VEC_DOT(q4_0_q8_0)
WEBGGUF_GGML_VEC_DOT(q4_1_q8_1)
WEBGGUF_GGML_VEC_DOT(q5_0_q8_0)
WEBGGUF_GGML_VEC_DOT(q5_1_q8_1)
WEBGGUF_GGML_VEC_DOT(q8_0_q8_0)
WEBGGUF_GGML_VEC_DOT(q2_K_q8_K)
WEBGGUF_GGML_VEC_DOT(q3_K_q8_K)
WEBGGUF_GGML_VEC_DOT(q4_K_q8_K)
WEBGGUF_GGML_VEC_DOT(q5_K_q8_K)
WEBGGUF_GGML_VEC_DOT(q6_K_q8_K)
WEBGGUF_GGML_VEC_DOT(iq4_nl_q8_0)
WEBGGUF_GGML_VEC_DOT(iq4_xs_q8_K)
#undef WEBGGUF_GGML_VEC_DOT
}

namespace {

bool fill_half_table() {
  for (uint32_t bits = 0; bits < (1u << 16); ++bits) {
    ggml_table_f32_f16[bits] = webgguf::fp16_to_fp32(static_cast<uint16_t>(bits));
  }
  return true;
}

}  // namespace

using GgmlVecDot = void (*)(int, float*, size_t, const void*, size_t, const void*, size_t, int);

// ggml's dot of one weight row of `type` with an activation row in the type's vec_dot_type, or
// nullptr for the types this comparison does not cover. The fp16 table is filled before the first
// kernel is handed out.
GgmlVecDot ggml_wasm_vec_dot(webgguf::GgmlType type) {
  using webgguf::GgmlType;
  static const bool half_table_filled = fill_half_table();
  (void)half_table_filled;
  switch (type) {
    case GgmlType::Q4_0: return ggml_vec_dot_q4_0_q8_0;
    case GgmlType::Q4_1: return ggml_vec_dot_q4_1_q8_1;
    case GgmlType::Q5_0: return ggml_vec_dot_q5_0_q8_0;
    case GgmlType::Q5_1: return ggml_vec_dot_q5_1_q8_1;
    case GgmlType::Q8_0: return ggml_vec_dot_q8_0_q8_0;
    case GgmlType::Q2_K: return ggml_vec_dot_q2_K_q8_K;
    case GgmlType::Q3_K: return ggml_vec_dot_q3_K_q8_K;
    case GgmlType::Q4_K: return ggml_vec_dot_q4_K_q8_K;
    case GgmlType::Q5_K: return ggml_vec_dot_q5_K_q8_K;
    case GgmlType::Q6_K: return ggml_vec_dot_q6_K_q8_K;
    case GgmlType::IQ4_NL: return ggml_vec_dot_iq4_nl_q8_0;
    case GgmlType::IQ4_XS: return ggml_vec_dot_iq4_xs_q8_K;
    default: return nullptr;
  }
}
