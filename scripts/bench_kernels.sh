#!/usr/bin/env bash
# Kernel benchmark (npm run bench:kernels; not part of the tests): builds bench/kernels_bench.cpp
# natively (-msse4.2: Highway's 128-bit SSE4 target) and with Emscripten (SIMD128), runs both on
# one thread, and prints per type: ns per 4096-weight row and GB/s of weights, native and wasm
# (Node), our wasm speed as a fraction of native, ggml's wasm kernels as measured for issue 3 (fixed
# figures) with our speedup over them, and ggml's own wasm kernels measured in the same run: the wasm
# bench links llama.cpp's ggml-cpu quants.c (SIMD128 kernels, and the scalar ones ggml's wasm build
# falls back to) and times them interleaved with ours on the same rows (bench/ggml_kernels_shim.cpp).
# Times are medians of 41 repetitions of ~2 ms; "best" is the fastest repetition (other processes on
# a shared machine inflate the median). llama.cpp's source comes from the git bundle node-llama-cpp
# ships (cloned offline into build/llama.cpp by scripts/llama_cpp_source.sh).
#   WEBGGUF_BENCH_DIR  build folder (default build/bench-kernels)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${WEBGGUF_BENCH_DIR:-build/bench-kernels}
mkdir -p "$out/hwy-include"
# Emscripten's Node output is CommonJS; keep it out of the repository's "type": "module" scope.
echo '{"type":"commonjs"}' > "$out/package.json"
[[ -e $out/hwy-include/hwy ]] || ln -s /usr/include/hwy "$out/hwy-include/hwy"
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
# Emscripten's own cache (Debian's is prebuilt and frozen): the wasm build uses it too.

# The bench needs the traits table (src/quant), the kernels it dispatches to, and their deps.
sources=(bench/kernels_bench.cpp src/kernels/dot_*.cpp src/kernels/half_table.cpp src/kernels/quantize_activations.cpp
         src/quant/*.cpp src/gguf/ggml_type.cpp src/core/*.cpp)
flags=(-std=c++17 -O3 -DNDEBUG -Isrc -isystem "$out/hwy-include")

llama_src=$(scripts/llama_cpp_source.sh)
ggml=$llama_src/ggml/src/ggml-cpu
ggml_flags=(-O3 -DNDEBUG -msimd128 -w -I"$llama_src/ggml/include" -I"$llama_src/ggml/src" -I"$ggml")

echo "bench: building native and wasm (with ggml's wasm kernels)" >&2
g++ "${flags[@]}" -msse4.2 -mpclmul -maes "${sources[@]}" -o "$out/kernels_bench" &
mkdir -p "$out/ggml"
emcc "${ggml_flags[@]}" -c "$ggml/arch/wasm/quants.c" -o "$out/ggml/quants_wasm.o"
emcc "${ggml_flags[@]}" -c "$ggml/quants.c" -o "$out/ggml/quants_generic.o"
em++ "${flags[@]}" -msimd128 -DWEBGGUF_BENCH_GGML "${sources[@]}" bench/ggml_kernels_shim.cpp \
    "$out/ggml/quants_wasm.o" "$out/ggml/quants_generic.o" -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node \
    -o "$out/kernels_bench.js"
wait

echo "bench: running native" >&2
"$out/kernels_bench" > "$out/native.txt"
echo "bench: running wasm (Node $(node --version))" >&2
node --no-experimental-fetch "$out/kernels_bench.js" > "$out/wasm.txt"

# ggml's wasm kernels, ns per 4096-weight row, 1 thread, Node 20 (issue 3).
ggml_wasm="q4_0 265 q8_0 200 q4_K 309 q5_K 446 q6_K 500 q3_K 509 q2_K 377 iq4_nl 1899 iq4_xs 1954"

awk -v ggml="$ggml_wasm" '
  function ratio(a, b) { return sprintf("%.2fx", a / b) }
  BEGIN {
    n = split(ggml, g, " ");
    for (i = 1; i < n; i += 2) ggml_ns[g[i]] = g[i + 1];
    printf "%-8s %10s %8s %10s %10s %8s %10s %12s %10s %9s %9s %17s %10s %25s %9s\n", "type", "native ns",
           "GB/s", "best ns", "wasm ns", "GB/s", "best ns", "wasm/native", "ggml fixed", "speedup", "best",
           "ggml same-run ns", "best ns", "speedup vs same-run ggml", "best";
  }
  FNR == NR { native_ns[$1] = $2; native_gbs[$1] = $3; native_best[$1] = $4; next }
  {
    ref = "-"; speedup = "-"; best = "-";
    if ($1 in ggml_ns) { ref = ggml_ns[$1]; speedup = ratio(ref, $2); best = ratio(ref, $4); }
    run = "-"; run_best = "-"; run_speedup = "-"; run_speedup_best = "-";
    if ($5 != "-") { run = $5; run_best = $6; run_speedup = ratio($5, $2); run_speedup_best = ratio($6, $4); }
    printf "%-8s %10.1f %8.2f %10.1f %10.1f %8.2f %10.1f %12.2f %10s %9s %9s %17s %10s %25s %9s\n", $1,
           native_ns[$1], native_gbs[$1], native_best[$1], $2, $3, $4, native_ns[$1] / $2, ref, speedup, best,
           run, run_best, run_speedup, run_speedup_best;
  }' "$out/native.txt" "$out/wasm.txt"
