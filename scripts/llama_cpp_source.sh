#!/usr/bin/env bash
# llama.cpp's source at the commit node-llama-cpp 3.21.1 was built from (80fb11a), cloned from the
# git bundle the npm package ships into build/llama.cpp: the reference whose test vectors
# (models/ggml-vocab-*), grammars and tools the tests read. Idempotent; prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=node_modules/node-llama-cpp/llama/gitRelease.bundle
target=build/llama.cpp
if [[ ! -f $target/src/llama-vocab.cpp ]]; then
  [[ -f $bundle ]] || { echo "llama_cpp_source: $bundle is missing (run npm ci)" >&2; exit 1; }
  rm -rf "$target"
  mkdir -p build
  git clone --quiet "$bundle" "$target" 2>/dev/null
fi
echo "$target"
