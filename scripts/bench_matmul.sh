#!/usr/bin/env bash
# Prefill/decode A/B of the multi-token matmul kernels (src/kernels/vec_dot_tokens.h); not part of
# the tests. Natively and in Node (wasm SIMD128, one thread):
#   1. bench/matmul_bench.cpp: the matrix products of one forward pass (128-token prefill, decode),
#      with and without the multi-token kernels, interleaved in one process;
#   2. bench/forward_bench.cpp: the whole forward pass (128-token prefill, 64 decode steps), built
#      twice: "after" as the tree is, "before" with the model binding its matrices without the
#      multi-token kernels (src/model/model_weights.cpp minus its dot_tokens line, compiled to an
#      object that takes the place of the library's); the two binaries run alternately.
# Node runs with --no-liftoff: on a busy machine V8's background tier-up can leave the kernels in
# baseline code for many seconds, which would measure Liftoff rather than the warm TurboFan code a
# browser runs.
#   scripts/bench_matmul.sh MODEL.gguf [THREADS...]     (default threads: 1 2; wasm runs 1)
#   WEBGGUF_NATIVE_BUILD / WEBGGUF_WASM_BUILD  CMake build folders whose layer libraries to link
#   (default build/native and build/wasm-st); the script builds the library targets there first.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1
shift
threads=("${@:-1 2}")
native=${WEBGGUF_NATIVE_BUILD:-build/native}
wasm=${WEBGGUF_WASM_BUILD:-build/wasm-st}
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
export EM_CACHE=${EM_CACHE:-$PWD/build/emscripten-cache}
libs=(webgguf_model webgguf_quant webgguf_kernels webgguf_gguf webgguf_core)
flags=(-std=c++17 -O3 -DNDEBUG -Isrc)
native_flags=("${flags[@]}" -isystem "$native/hwy-include" -msse4.2 -mpclmul -maes)
wasm_flags=("${flags[@]}" -isystem "$wasm/hwy-include" -msimd128)
wasm_link=(-sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sNODERAWFS=1 -sENVIRONMENT=node)
before_source=$native/model_weights_before.cpp
sed '/matmul.dot_tokens = tokens_dot_for/d' src/model/model_weights.cpp > "$before_source"

echo "bench: building libraries and benches" >&2
cmake --build "$native" -j2 --target "${libs[@]}" >&2
cmake --build "$wasm" -j2 --target "${libs[@]}" >&2
archives() { for lib in "${libs[@]}"; do echo "$1/lib$lib.a"; done; }
g++ "${native_flags[@]}" bench/matmul_bench.cpp $(archives "$native") -lpthread -o "$native/matmul_bench"
g++ "${native_flags[@]}" bench/forward_bench.cpp $(archives "$native") -lpthread -o "$native/forward_bench_after"
g++ "${native_flags[@]}" bench/forward_bench.cpp "$before_source" $(archives "$native") -lpthread \
    -o "$native/forward_bench_before"
em++ "${wasm_flags[@]}" bench/matmul_bench.cpp $(archives "$wasm") "${wasm_link[@]}" -o "$wasm/matmul_bench.js"
em++ "${wasm_flags[@]}" bench/forward_bench.cpp $(archives "$wasm") "${wasm_link[@]}" -o "$wasm/forward_bench_after.js"
em++ "${wasm_flags[@]}" bench/forward_bench.cpp "$before_source" $(archives "$wasm") "${wasm_link[@]}" \
    -o "$wasm/forward_bench_before.js"

for n in ${threads[@]}; do
  echo "== native, $n thread(s): matmuls of one forward pass"
  "$native/matmul_bench" "$model" "$n"
  echo "== native, $n thread(s): forward pass"
  for round in 1 2; do
    for variant in before after; do
      echo -n "$variant  "
      "$native/forward_bench_$variant" "$model" "$n" 3
    done
  done
done
echo "== wasm (Node $(node --version)), 1 thread: matmuls of one forward pass"
node --no-liftoff --no-experimental-fetch "$wasm/matmul_bench.js" "$model" 1
echo "== wasm, 1 thread: forward pass"
for round in 1 2; do
  for variant in before after; do
    echo -n "$variant  "
    node --no-liftoff --no-experimental-fetch "$wasm/forward_bench_$variant.js" "$model" 1 3
  done
done
