#!/usr/bin/env bash
# Builds webgguf incrementally: native (tests + CLI) and the wasm modules (single-threaded with
# the C++ tests, and threaded). Output: build/native, build/wasm-st, build/wasm-mt, and the
# modules copied to dist/wasm/ where the JavaScript package finds them.
#   scripts/build.sh [native] [wasm]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)
# Emscripten's JS optimizer needs Debian's acorn when Node is not Debian's own.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

targets=("$@")
(( ${#targets[@]} )) || targets=(native wasm)

configure() {  # dir, configure command...
  local dir=$1; shift
  [[ -f $dir/CMakeCache.txt ]] || "$@" -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
}

for t in "${targets[@]}"; do
  case $t in
    native)
      configure build/native cmake
      cmake --build build/native -j "$jobs" ;;
    wasm)
      configure build/wasm-st emcmake cmake
      cmake --build build/wasm-st -j "$jobs"
      configure build/wasm-mt emcmake cmake -DWEBGGUF_THREADS=ON -DWEBGGUF_TESTS=OFF
      cmake --build build/wasm-mt -j "$jobs"
      # Every file the package loads, named: a missing one stops the build.
      mkdir -p dist/wasm
      cp build/wasm-st/webgguf-st-{web.mjs,web.wasm,node.cjs,node.wasm} \
         build/wasm-mt/webgguf-mt-{web.mjs,web.wasm,web.worker.js,node.cjs,node.wasm,node.worker.js} dist/wasm/
      # The Node flavour is CommonJS (and its pthread worker too): keep it out of the ESM scope.
      echo '{"type":"commonjs"}' > dist/wasm/package.json ;;
    *) echo "build: unknown target $t" >&2; exit 2 ;;
  esac
done
