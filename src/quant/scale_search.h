// The scale searches shared by the legacy and K-quant quantizers (ggml-quants.c helpers of the
// same names). Each picks a scale (and for the *kx* variants a min) for a group of n values and
// writes the integer levels L. They reproduce ggml's float operation order exactly: the quantized
// bytes of a model depend on every rounding here.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace webgguf {

// Groups whose largest |x| is below this are treated as all zero.
constexpr float kGroupMaxEps = 1e-15f;

// 1/d for a block scale, 0 when d is 0 or so small (denormal) that 1/d overflows. ggml writes
// `d ? 1/d : 0`; with an infinite inverse its float-to-int conversions of x*id are undefined
// behaviour (Inf and 0*Inf = NaN), so this differs from ggml only where ggml has no defined result.
inline float inverse_or_zero(float d) {
  const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
  return inverse - inverse == 0.0f ? inverse : 0.0f;  // finite
}

// Round to nearest (ties to even) through the float mantissa, as ggml's nearest_int for
// |fval| <= 4194303 (ggml's precondition). Beyond it (an infinite scale from a denormal maximum,
// NaN from 0 * Inf) ggml returns garbage that later shifts or indexes turn into undefined
// behaviour; here it saturates to +-4194303, and NaN gives 0.
inline int nearest_int(float fval) {
  if (!(std::fabs(fval) <= 4194303.f)) return fval > 0 ? 4194303 : fval < 0 ? -4194303 : 0;
  const float val = fval + 12582912.f;
  int32_t i;
  std::memcpy(&i, &val, sizeof(i));
  return (i & 0x007fffff) - 0x00400000;
}

// Symmetric levels in [-nmax, nmax-1] stored as L = l + nmax. rmse_type 0: plain max scaling;
// 1..4: weighted least squares with weights x^2, 1, |x|, sqrt|x| (or qw when given), plus a search
// over 18 nearby scales; negative rmse_type returns after the first fit. Returns the scale.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, int rmse_type, const float* qw);

// Q3_K's symmetric search: levels in [-nmax, nmax-1] + nmax, optionally refined coordinate-wise.
float make_q3_quants(int n, int nmax, const float* x, int8_t* L, bool do_rmse);

// Asymmetric levels in [0, nmax] with x ~ scale * L - the_min, weighted; tries nstep+1 scales
// (rmin + rdelta*is + nmax)/(max - min). Laux is scratch of n bytes.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min, uint8_t* Laux,
                       float rmin, float rdelta, int nstep, bool use_mad);

// As make_qkx2_quants, but weights may be nullptr (then x^2) and max <= min counts as flat.
float make_qkx3_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min, uint8_t* Laux,
                       float rmin, float rdelta, int nstep, bool use_mad);

// Non-negative levels in [0, nmax] for quantizing positive sub-block scales, weighted by
// quant_weights (never nullptr).
float make_qp_quants(int n, int nmax, const float* x, uint8_t* L, const float* quant_weights);

}  // namespace webgguf
