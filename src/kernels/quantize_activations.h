// Fast activation quantizers: f32 rows -> Q8_0 / Q8_1 / Q8_K blocks, byte-identical to the scalar
// references in src/quant (quantize_row_q8_0/_q8_1 round half away from zero like ggml's
// quantize_row_q8_*_ref; Q8_K rounds half to even like ggml's nearest_int). The model quantizes
// each activation row once with these before the dot products of a matrix-vector product.
// n is a multiple of the block size (32, 32, 256); rows need no alignment. NaN inputs are not
// supported (the references themselves give unspecified bytes for them).
#pragma once
#include <cstdint>

namespace webgguf {

void quantize_row_q8_0_fast(const float* src, void* dst, int64_t n);
void quantize_row_q8_1_fast(const float* src, void* dst, int64_t n);
void quantize_row_q8_K_fast(const float* src, void* dst, int64_t n);

}  // namespace webgguf
