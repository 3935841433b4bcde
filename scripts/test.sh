#!/usr/bin/env bash
# Sets up, builds and runs every test: native C++ (ctest), the same C++ tests compiled to wasm
# and run under Node (ctest), and the JavaScript tests (node --test).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
scripts/setup.sh
scripts/build.sh native wasm

echo "== native C++ tests"
ctest --test-dir build/native --output-on-failure -j 2
echo "== wasm C++ tests (Node)"
ctest --test-dir build/wasm-st --output-on-failure -j 2
echo "== JavaScript tests"
node --test tests/js/ tests/browser/
echo "== all tests passed in $(( SECONDS - start )) s"
