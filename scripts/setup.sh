#!/usr/bin/env bash
# Installs what building and testing webgguf needs on Debian 12, as root. Idempotent and quiet
# when everything is already present.
# Chromium is Debian's (driven by playwright-core in the browser tests; never a downloaded browser).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ clang clang-format-14 make emscripten libhwy-dev googletest libgtest-dev wabt unicode-data chromium
          libclang-rt-14-dev python3)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
fi

# npm dependencies: only when package-lock.json changed since the last install.
if [[ ! -f node_modules/.package-lock.json ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  # No install scripts: none of our dependencies needs one (node-llama-cpp's prebuilt binaries
  # come as packages; its postinstall would only try to download or build llama.cpp).
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

# llama.cpp's source (test vectors, grammars) from node-llama-cpp's bundle, once.
scripts/llama_cpp_source.sh >/dev/null
