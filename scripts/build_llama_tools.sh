#!/usr/bin/env bash
# Builds llama.cpp's own command-line tools (llama-bench, llama-quantize, llama-imatrix,
# llama-perplexity) from the source node-llama-cpp 3.21.1 ships (llama.cpp 80fb11a), CPU only,
# tuned for this machine (GGML_NATIVE=ON): the native reference for benchmarks and for the
# quantizer/imatrix comparisons. Not part of `npm test`. Incremental; prints the folder of the binaries.
#   scripts/build_llama_tools.sh [tool...]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
tools=("$@")
(( ${#tools[@]} )) || tools=(llama-bench llama-quantize llama-imatrix llama-perplexity)
source_dir=$(scripts/llama_cpp_source.sh)
build_dir=build/llama-tools
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF \
        -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
        -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" --target "${tools[@]}" >/dev/null
echo "$build_dir/bin"
