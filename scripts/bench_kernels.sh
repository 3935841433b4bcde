#!/usr/bin/env bash
# Kernel benchmark (npm run bench:kernels; not part of the tests): builds bench/kernels_bench.cpp
# natively (-msse4.2: Highway's 128-bit SSE4 target) and with Emscripten (SIMD128), runs both on
# one thread, and prints per type: ns per 4096-weight row and GB/s of weights, native and wasm
# (Node), our wasm speed as a fraction of native, and ggml's own wasm kernels measured on this
# machine class (issue 3) with our speedup over them. Times are medians of 41 repetitions of ~2 ms;
# "best" is the fastest repetition (other processes on a shared machine inflate the median).
#   WEBGGUF_BENCH_DIR  build folder (default build/bench-kernels)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${WEBGGUF_BENCH_DIR:-build/bench-kernels}
mkdir -p "$out/hwy-include"
# Emscripten's Node output is CommonJS; keep it out of the repository's "type": "module" scope.
echo '{"type":"commonjs"}' > "$out/package.json"
[[ -e $out/hwy-include/hwy ]] || ln -s /usr/include/hwy "$out/hwy-include/hwy"
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
export EM_CACHE=${EM_CACHE:-$PWD/build/emscripten-cache}

# The bench needs the traits table (src/quant), the kernels it dispatches to, and their deps.
sources=(bench/kernels_bench.cpp src/kernels/dot_*.cpp src/kernels/half_table.cpp src/kernels/quantize_activations.cpp
         src/quant/*.cpp src/gguf/ggml_type.cpp src/core/*.cpp)
flags=(-std=c++17 -O3 -DNDEBUG -Isrc -isystem "$out/hwy-include")

echo "bench: building native and wasm" >&2
g++ "${flags[@]}" -msse4.2 -mpclmul -maes "${sources[@]}" -o "$out/kernels_bench" &
em++ "${flags[@]}" -msimd128 "${sources[@]}" -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node \
    -o "$out/kernels_bench.js"
wait

echo "bench: running native" >&2
"$out/kernels_bench" > "$out/native.txt"
echo "bench: running wasm (Node $(node --version))" >&2
node --no-experimental-fetch "$out/kernels_bench.js" > "$out/wasm.txt"

# ggml's wasm kernels, ns per 4096-weight row, 1 thread, Node 20 (issue 3).
ggml_wasm="q4_0 265 q8_0 200 q4_K 309 q5_K 446 q6_K 500 q3_K 509 q2_K 377 iq4_nl 1899 iq4_xs 1954"

awk -v ggml="$ggml_wasm" '
  BEGIN {
    n = split(ggml, g, " ");
    for (i = 1; i < n; i += 2) ggml_ns[g[i]] = g[i + 1];
    printf "%-8s %10s %8s %10s %10s %8s %10s %12s %10s %9s %9s\n", "type", "native ns", "GB/s",
           "best ns", "wasm ns", "GB/s", "best ns", "wasm/native", "ggml wasm", "speedup", "best";
  }
  FNR == NR { native_ns[$1] = $2; native_gbs[$1] = $3; native_best[$1] = $4; next }
  {
    ratio = native_ns[$1] / $2;
    ref = "-"; speedup = "-"; best = "-";
    if ($1 in ggml_ns) {
      ref = ggml_ns[$1]; speedup = sprintf("%.2fx", ref / $2); best = sprintf("%.2fx", ref / $4);
    }
    printf "%-8s %10.1f %8.2f %10.1f %10.1f %8.2f %10.1f %12.2f %10s %9s %9s\n", $1, native_ns[$1],
           native_gbs[$1], native_best[$1], $2, $3, $4, ratio, ref, speedup, best;
  }' "$out/native.txt" "$out/wasm.txt"
