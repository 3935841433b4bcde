#include "kernels/vec_dot_tokens.h"

namespace webgguf {

TokensDotFn tokens_dot_for(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::F16: return dot_tokens_f16;
    case GgmlType::BF16: return dot_tokens_bf16;
    case GgmlType::Q4_0: return dot_tokens_q4_0;
    case GgmlType::Q5_0: return dot_tokens_q5_0;
    case GgmlType::Q8_0: return dot_tokens_q8_0;
    case GgmlType::IQ4_NL: return dot_tokens_iq4_nl;
    case GgmlType::IQ4_XS: return dot_tokens_iq4_xs;
    case GgmlType::Q2_K: return dot_tokens_q2_K;
    case GgmlType::Q3_K: return dot_tokens_q3_K;
    case GgmlType::Q4_K: return dot_tokens_q4_K;
    case GgmlType::Q5_K: return dot_tokens_q5_K;
    case GgmlType::Q6_K: return dot_tokens_q6_K;
    default: return nullptr;
  }
}

}  // namespace webgguf
