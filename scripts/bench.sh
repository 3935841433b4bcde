#!/usr/bin/env bash
# The end-to-end benchmark of issue 8 (`npm run bench`; not part of `npm test`): makes the
# benchmark models if missing, then runs our engine and wllama in headless Chromium and native
# llama.cpp on them, and writes bench/RESULTS.md. Options go to bench/run.mjs:
#   scripts/bench.sh [--quick] [--files a,b] [--threads 1,2] [--runs 3] [--engines ours,wllama,native]
set -euo pipefail
cd "$(dirname "$0")/.."

models_options=()
for arg in "$@"; do
  [[ $arg == --quick ]] && models_options+=(--lexi-only)
done
bash scripts/make_bench_models.sh "${models_options[@]}"
node bench/run.mjs "$@"
