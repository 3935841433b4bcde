#!/usr/bin/env bash
# Thread scaling of the forward pass (issue 17); not part of the tests. Builds bench/forward_bench.cpp
# natively and as the threaded wasm module (run in Node), then runs 1 and 2 threads alternately,
# `rounds` times each, so that both see the same machine load. Each line gives prefill and decode
# tok/s and the thread pool's barriers per decode token and the calling thread's wait in them.
#   scripts/bench_threads.sh MODEL.gguf [ROUNDS] [REPETITIONS]      (default 2 rounds of 3 repetitions)
#   WEBGGUF_NATIVE_BUILD / WEBGGUF_WASM_MT_BUILD  CMake build folders whose layer libraries to link
#   (default build/native and build/wasm-mt, configured by scripts/build.sh); WEBGGUF_BENCH_WASM=0
#   skips the wasm runs.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1
rounds=${2:-2}
repetitions=${3:-3}
native=${WEBGGUF_NATIVE_BUILD:-build/native}
wasm=${WEBGGUF_WASM_MT_BUILD:-build/wasm-mt}
with_wasm=${WEBGGUF_BENCH_WASM:-1}
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
libs=(webgguf_model webgguf_quant webgguf_kernels webgguf_gguf webgguf_core)
archives() { for lib in "${libs[@]}"; do echo "$1/lib$lib.a"; done; }
flags=(-std=c++17 -O3 -DNDEBUG -Isrc)

echo "bench_threads: building libraries and benches" >&2
cmake --build "$native" -j2 --target "${libs[@]}" >&2
g++ "${flags[@]}" -isystem "$native/hwy-include" -msse4.2 -mpclmul -maes bench/forward_bench.cpp \
    $(archives "$native") -lpthread -o "$native/forward_bench"
if (( with_wasm )); then
  cmake --build "$wasm" -j2 --target "${libs[@]}" >&2
  # EXIT_RUNTIME: without it the pool's pthreads keep Node alive after main returns.
  em++ "${flags[@]}" -isystem "$wasm/hwy-include" -msimd128 -pthread bench/forward_bench.cpp $(archives "$wasm") \
       -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sNODERAWFS=1 -sENVIRONMENT=node,worker \
       -sPTHREAD_POOL_SIZE=2 -sEXIT_RUNTIME=1 -Wno-pthreads-mem-growth -o "$wasm/forward_bench.js"
fi

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
for round in $(seq "$rounds"); do
  for n in 1 2; do
    echo -n "native  "
    "$native/forward_bench" "$model" "$n" "$repetitions"
  done
  if (( with_wasm )); then
    for n in 1 2; do
      echo -n "wasm-mt "
      # --no-liftoff: measure the TurboFan code a warm browser tab runs, not V8's baseline tier.
      node --no-liftoff --no-experimental-fetch "$wasm/forward_bench.js" "$model" "$n" "$repetitions"
    done
  fi
done
