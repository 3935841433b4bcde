#include "kernels/ops_delta_net.h"

#include "hwy/highway.h"

namespace webgguf {
namespace hn = hwy::HWY_NAMESPACE;

// Each row is finished in one pass (decay, delta, update, output): rows are independent, so this
// is the same arithmetic as ggml's four passes over the matrix. The dot products sum lane-wise and
// then across lanes (ggml's vec_dot has its own order), so results match the reference to float
// rounding, not bit for bit.
void gated_delta_rule(float* state, const float* q, const float* k, const float* v, float decay, float beta,
                      float scale, int64_t n, float* out) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const auto vdecay = hn::Set(d, decay);
  for (int64_t j = 0; j < n; ++j) {
    float* row = state + j * n;
    auto acc = hn::Zero(d);
    int64_t i = 0;
    for (; i + lanes <= n; i += lanes) {
      const auto r = hn::Mul(hn::LoadU(d, row + i), vdecay);
      hn::StoreU(r, d, row + i);
      acc = hn::MulAdd(r, hn::LoadU(d, k + i), acc);
    }
    float sk = hn::GetLane(hn::SumOfLanes(d, acc));
    for (; i < n; ++i) {
      row[i] *= decay;
      sk += row[i] * k[i];
    }
    const float delta = (v[j] - sk) * beta;
    const auto vdelta = hn::Set(d, delta);
    acc = hn::Zero(d);
    for (i = 0; i + lanes <= n; i += lanes) {
      const auto r = hn::MulAdd(hn::LoadU(d, k + i), vdelta, hn::LoadU(d, row + i));
      hn::StoreU(r, d, row + i);
      acc = hn::MulAdd(r, hn::LoadU(d, q + i), acc);
    }
    float sq = hn::GetLane(hn::SumOfLanes(d, acc));
    for (; i < n; ++i) {
      row[i] += k[i] * delta;
      sq += row[i] * q[i];
    }
    out[j] = sq * scale;
  }
}

void gated_delta_rule_ref(float* state, const float* q, const float* k, const float* v, float decay, float beta,
                          float scale, int64_t n, float* out) {
  for (int64_t j = 0; j < n; ++j) {
    float* row = state + j * n;
    float sk = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      row[i] *= decay;
      sk += row[i] * k[i];
    }
    const float delta = (v[j] - sk) * beta;
    float sq = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      row[i] += k[i] * delta;
      sq += row[i] * q[i];
    }
    out[j] = sq * scale;
  }
}

}  // namespace webgguf
