#include "gguf/ggml_type.h"

#include <strings.h>

namespace webgguf {
namespace {

// Indexed by ggml type id. Sizes are those of ggml-common.h's block structs.
constexpr GgmlTypeInfo kTypes[static_cast<size_t>(GgmlType::COUNT)] = {
    /* 0 F32     */ {"f32", 1, 4},
    /* 1 F16     */ {"f16", 1, 2},
    /* 2 Q4_0    */ {"q4_0", 32, 18},
    /* 3 Q4_1    */ {"q4_1", 32, 20},
    /* 4 removed */ {nullptr, 0, 0},
    /* 5 removed */ {nullptr, 0, 0},
    /* 6 Q5_0    */ {"q5_0", 32, 22},
    /* 7 Q5_1    */ {"q5_1", 32, 24},
    /* 8 Q8_0    */ {"q8_0", 32, 34},
    /* 9 Q8_1    */ {"q8_1", 32, 36},
    /* 10 Q2_K   */ {"q2_K", 256, 84},
    /* 11 Q3_K   */ {"q3_K", 256, 110},
    /* 12 Q4_K   */ {"q4_K", 256, 144},
    /* 13 Q5_K   */ {"q5_K", 256, 176},
    /* 14 Q6_K   */ {"q6_K", 256, 210},
    /* 15 Q8_K   */ {"q8_K", 256, 292},
    /* 16 IQ2_XXS*/ {"iq2_xxs", 256, 66},
    /* 17 IQ2_XS */ {"iq2_xs", 256, 74},
    /* 18 IQ3_XXS*/ {"iq3_xxs", 256, 98},
    /* 19 IQ1_S  */ {"iq1_s", 256, 50},
    /* 20 IQ4_NL */ {"iq4_nl", 32, 18},
    /* 21 IQ3_S  */ {"iq3_s", 256, 110},
    /* 22 IQ2_S  */ {"iq2_s", 256, 82},
    /* 23 IQ4_XS */ {"iq4_xs", 256, 136},
    /* 24 I8     */ {"i8", 1, 1},
    /* 25 I16    */ {"i16", 1, 2},
    /* 26 I32    */ {"i32", 1, 4},
    /* 27 I64    */ {"i64", 1, 8},
    /* 28 F64    */ {"f64", 1, 8},
    /* 29 IQ1_M  */ {"iq1_m", 256, 56},
    /* 30 BF16   */ {"bf16", 1, 2},
    /* 31 removed*/ {nullptr, 0, 0},
    /* 32 removed*/ {nullptr, 0, 0},
    /* 33 removed*/ {nullptr, 0, 0},
    /* 34 TQ1_0  */ {"tq1_0", 256, 54},
    /* 35 TQ2_0  */ {"tq2_0", 256, 66},
    /* 36 removed*/ {nullptr, 0, 0},
    /* 37 removed*/ {nullptr, 0, 0},
    /* 38 removed*/ {nullptr, 0, 0},
    /* 39 MXFP4  */ {"mxfp4", 32, 17},
};

}  // namespace

const GgmlTypeInfo* ggml_type_info(uint32_t type_id) {
  if (type_id >= static_cast<uint32_t>(GgmlType::COUNT)) return nullptr;
  const GgmlTypeInfo* info = &kTypes[type_id];
  return info->name ? info : nullptr;
}

const char* ggml_type_name(GgmlType t) {
  const GgmlTypeInfo* info = ggml_type_info(t);
  return info ? info->name : "?";
}

bool parse_ggml_type_name(const char* name, GgmlType* type) {
  for (uint32_t id = 0; id < static_cast<uint32_t>(GgmlType::COUNT); ++id) {
    const GgmlTypeInfo* info = ggml_type_info(id);
    if (info != nullptr && strcasecmp(info->name, name) == 0) {
      *type = static_cast<GgmlType>(id);
      return true;
    }
  }
  return false;
}

uint64_t ggml_row_bytes(GgmlType t, uint64_t n) {
  const GgmlTypeInfo* info = ggml_type_info(t);
  if (info == nullptr || n % info->block_size != 0) return 0;
  return n / info->block_size * info->type_size;
}

}  // namespace webgguf
