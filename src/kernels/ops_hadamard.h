// The orthonormal Walsh-Hadamard rotation llama.cpp 80fb11a applies to queries and keys (and to
// values and the attention output) when the KV cache is quantized: outliers are spread over a
// chunk before q8_0/q4_0 rounds them, and q.k is unchanged (H is symmetric and H H = I).
#pragma once
#include <cstdint>

namespace webgguf {

// In place, each consecutive chunk of `n` floats (n a power of two) of x[0, count): x = H x with
// H = Sylvester's Hadamard matrix / sqrt(n). Computed as ggml's fwht: scale by 1/sqrt(n) first,
// then butterflies (u, v) -> (u + v, u - v), so the results equal ggml's bit for bit.
void hadamard_rows(float* x, int64_t count, int n);
// Reference: the explicit matrix, in double.
void hadamard_rows_ref(float* x, int64_t count, int n);

// The chunk llama.cpp rotates keys by for a head size: the largest power of two >= 64 dividing
// it; values use 64. 0 when the head size is not a multiple of 64 (no rotation).
int hadamard_key_chunk(int head_dim);
int hadamard_value_chunk(int head_dim);

}  // namespace webgguf
