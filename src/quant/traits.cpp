// The type-traits table: the only place that maps a ggml type id to its arithmetic.
#include "quant/traits.h"

#include <cmath>

#include "kernels/dot_iq_low_bit.h"
#include "kernels/vec_dot.h"
#include "quant/blocks.h"
#include "quant/blocks_iq.h"
#include "quant/float_types.h"
#include "quant/i_quants_low_bit.h"
#include "quant/iq4_quants.h"
#include "quant/iq_quantize.h"
#include "quant/k_quants.h"
#include "quant/legacy_quants.h"
#include "quant/mxfp4.h"
#include "quant/ternary_quants.h"

namespace webgguf {
namespace {

constexpr uint32_t kHalf = sizeof(uint16_t);

// Block quantizers refuse a row holding NaN, Inf or a magnitude above kMaxBlockInput. ggml's do
// not check: their float-to-int conversions of such values (and of the Inf/NaN that sums of
// squares of huge values become) are undefined behaviour, and llama-quantize only notices
// afterwards, when ggml_validate_row_data finds NaN/Inf scales. No real weight comes near 1e9.
// F32/F16/BF16 convert every value, NaN and Inf included, as ggml does.
constexpr float kMaxBlockInput = 1e9f;

template <QuantizeRowFn quantize>
bool quantize_finite_row(const float* src, void* dst, int64_t n, const float* importance) {
  for (int64_t i = 0; i < n; ++i) {
    if (!(std::fabs(src[i]) <= kMaxBlockInput)) return false;  // NaN fails too
  }
  return quantize(src, dst, n, importance);
}

// clang-format off
const QuantTraits kQuantTraits[] = {
  // type            name      block      bytes               dequantize             quantize             importance  vec_dot_type   vec_dot_reference    vec_dot
  {GgmlType::F32,    "f32",    1,         sizeof(float),       dequantize_row_f32,    quantize_row_f32,    false, GgmlType::F32,  vec_dot_f32_f32,     vec_dot_f32_f32_simd},
  {GgmlType::F16,    "f16",    1,         kHalf,               dequantize_row_f16,    quantize_row_f16,    false, GgmlType::F16,  vec_dot_f16_f16,     vec_dot_f16_f16_simd},
  {GgmlType::BF16,   "bf16",   1,         kHalf,               dequantize_row_bf16,   quantize_row_bf16,   false, GgmlType::BF16, vec_dot_bf16_bf16,   vec_dot_bf16_bf16_simd},
  {GgmlType::Q4_0,   "q4_0",   kQK4_0,    sizeof(BlockQ4_0),   dequantize_row_q4_0,   quantize_finite_row<quantize_row_q4_0>,   false, GgmlType::Q8_0, vec_dot_q4_0_q8_0,   vec_dot_q4_0_q8_0_simd},
  {GgmlType::Q4_1,   "q4_1",   kQK4_1,    sizeof(BlockQ4_1),   dequantize_row_q4_1,   quantize_finite_row<quantize_row_q4_1>,   false, GgmlType::Q8_1, vec_dot_q4_1_q8_1,   vec_dot_q4_1_q8_1_simd},
  {GgmlType::Q5_0,   "q5_0",   kQK5_0,    sizeof(BlockQ5_0),   dequantize_row_q5_0,   quantize_finite_row<quantize_row_q5_0>,   false, GgmlType::Q8_0, vec_dot_q5_0_q8_0,   vec_dot_q5_0_q8_0_simd},
  {GgmlType::Q5_1,   "q5_1",   kQK5_1,    sizeof(BlockQ5_1),   dequantize_row_q5_1,   quantize_finite_row<quantize_row_q5_1>,   false, GgmlType::Q8_1, vec_dot_q5_1_q8_1,   vec_dot_q5_1_q8_1_simd},
  {GgmlType::Q8_0,   "q8_0",   kQK8_0,    sizeof(BlockQ8_0),   dequantize_row_q8_0,   quantize_finite_row<quantize_row_q8_0>,   false, GgmlType::Q8_0, vec_dot_q8_0_q8_0,   vec_dot_q8_0_q8_0_simd},
  {GgmlType::Q8_1,   "q8_1",   kQK8_1,    sizeof(BlockQ8_1),   dequantize_row_q8_1,   quantize_finite_row<quantize_row_q8_1>,   false, GgmlType::Q8_1, vec_dot_q8_1_q8_1,   vec_dot_q8_1_q8_1},
  {GgmlType::Q2_K,   "q2_K",   kQK_K,     sizeof(BlockQ2_K),   dequantize_row_q2_k,   quantize_finite_row<quantize_row_q2_k>,   false, GgmlType::Q8_K, vec_dot_q2_k_q8_k,   vec_dot_q2_K_q8_K_simd},
  {GgmlType::Q3_K,   "q3_K",   kQK_K,     sizeof(BlockQ3_K),   dequantize_row_q3_k,   quantize_finite_row<quantize_row_q3_k>,   false, GgmlType::Q8_K, vec_dot_q3_k_q8_k,   vec_dot_q3_K_q8_K_simd},
  {GgmlType::Q4_K,   "q4_K",   kQK_K,     sizeof(BlockQ4_K),   dequantize_row_q4_k,   quantize_finite_row<quantize_row_q4_k>,   false, GgmlType::Q8_K, vec_dot_q4_k_q8_k,   vec_dot_q4_K_q8_K_simd},
  {GgmlType::Q5_K,   "q5_K",   kQK_K,     sizeof(BlockQ5_K),   dequantize_row_q5_k,   quantize_finite_row<quantize_row_q5_k>,   false, GgmlType::Q8_K, vec_dot_q5_k_q8_k,   vec_dot_q5_K_q8_K_simd},
  {GgmlType::Q6_K,   "q6_K",   kQK_K,     sizeof(BlockQ6_K),   dequantize_row_q6_k,   quantize_finite_row<quantize_row_q6_k>,   false, GgmlType::Q8_K, vec_dot_q6_k_q8_k,   vec_dot_q6_K_q8_K_simd},
  {GgmlType::Q8_K,   "q8_K",   kQK_K,     sizeof(BlockQ8_K),   dequantize_row_q8_k,   quantize_finite_row<quantize_row_q8_k>,   false, GgmlType::Q8_K, vec_dot_q8_k_q8_k,   vec_dot_q8_k_q8_k},
  {GgmlType::IQ4_NL, "iq4_nl", kQK4_NL,   sizeof(BlockIQ4_NL), dequantize_row_iq4_nl, quantize_finite_row<quantize_row_iq4_nl>, false, GgmlType::Q8_0, vec_dot_iq4_nl_q8_0, vec_dot_iq4_nl_q8_0_simd},
  {GgmlType::IQ4_XS, "iq4_xs", kQK_K,     sizeof(BlockIQ4_XS), dequantize_row_iq4_xs, quantize_finite_row<quantize_row_iq4_xs>, false, GgmlType::Q8_K, vec_dot_iq4_xs_q8_k, vec_dot_iq4_xs_q8_K_simd},
  {GgmlType::TQ1_0,  "tq1_0",  kQK_K,     sizeof(BlockTQ1_0),  dequantize_row_tq1_0,  quantize_finite_row<quantize_row_tq1_0>,  false, GgmlType::Q8_K, vec_dot_tq1_0_q8_k,  vec_dot_tq1_0_q8_K_simd},
  {GgmlType::TQ2_0,  "tq2_0",  kQK_K,     sizeof(BlockTQ2_0),  dequantize_row_tq2_0,  quantize_finite_row<quantize_row_tq2_0>,  false, GgmlType::Q8_K, vec_dot_tq2_0_q8_k,  vec_dot_tq2_0_q8_K_simd},
  {GgmlType::IQ2_XXS, "iq2_xxs", kQK_K,   sizeof(BlockIQ2_XXS), dequantize_row_iq2_xxs, quantize_finite_row<quantize_row_iq2_xxs>, true,  GgmlType::Q8_K, vec_dot_iq2_xxs_q8_k, vec_dot_iq2_xxs_q8_K_simd},
  {GgmlType::IQ2_XS, "iq2_xs", kQK_K,     sizeof(BlockIQ2_XS), dequantize_row_iq2_xs, quantize_finite_row<quantize_row_iq2_xs>, true,  GgmlType::Q8_K, vec_dot_iq2_xs_q8_k, vec_dot_iq2_xs_q8_K_simd},
  {GgmlType::IQ2_S,  "iq2_s",  kQK_K,     sizeof(BlockIQ2_S),  dequantize_row_iq2_s,  quantize_finite_row<quantize_row_iq2_s>,  false,  GgmlType::Q8_K, vec_dot_iq2_s_q8_k,  vec_dot_iq2_s_q8_K_simd},
  {GgmlType::IQ3_XXS, "iq3_xxs", kQK_K,   sizeof(BlockIQ3_XXS), dequantize_row_iq3_xxs, quantize_finite_row<quantize_row_iq3_xxs>, false,  GgmlType::Q8_K, vec_dot_iq3_xxs_q8_k, vec_dot_iq3_xxs_q8_K_simd},
  {GgmlType::IQ3_S,  "iq3_s",  kQK_K,     sizeof(BlockIQ3_S),  dequantize_row_iq3_s,  quantize_finite_row<quantize_row_iq3_s>,  false,  GgmlType::Q8_K, vec_dot_iq3_s_q8_k,  vec_dot_iq3_s_q8_K_simd},
  {GgmlType::IQ1_S,  "iq1_s",  kQK_K,     sizeof(BlockIQ1_S),  dequantize_row_iq1_s,  quantize_finite_row<quantize_row_iq1_s>,  true,  GgmlType::Q8_K, vec_dot_iq1_s_q8_k,  vec_dot_iq1_s_q8_K_simd},
  {GgmlType::IQ1_M,  "iq1_m",  kQK_K,     sizeof(BlockIQ1_M),  dequantize_row_iq1_m,  quantize_finite_row<quantize_row_iq1_m>,  false,  GgmlType::Q8_K, vec_dot_iq1_m_q8_k,  vec_dot_iq1_m_q8_K_simd},
  {GgmlType::MXFP4,  "mxfp4",  kQK_MXFP4, sizeof(BlockMXFP4),  dequantize_row_mxfp4,  quantize_finite_row<quantize_row_mxfp4>,  false, GgmlType::Q8_0, vec_dot_mxfp4_q8_0,  vec_dot_mxfp4_q8_0_simd},
};
// clang-format on

}  // namespace

const QuantTraits* quant_traits(GgmlType type) {
  for (const QuantTraits& traits : kQuantTraits) {
    if (traits.type == type) return &traits;
  }
  return nullptr;
}

}  // namespace webgguf
