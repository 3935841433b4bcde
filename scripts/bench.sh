#!/usr/bin/env bash
# The end-to-end benchmark of issue 8 (`npm run bench`; not part of `npm test`): makes the
# benchmark models if missing, then runs our engine and wllama in headless Chromium and native
# llama.cpp on them, and writes bench/RESULTS.md; then bench/grammar.mjs prints constrained decode
# speed (not with --quick). Options go to bench/run.mjs:
#   scripts/bench.sh [--quick] [--files a,b] [--threads 1,2] [--runs 3] [--engines ours,wllama,native]
set -euo pipefail
cd "$(dirname "$0")/.."

models_options=()
for arg in "$@"; do
  [[ $arg == --quick ]] && models_options+=(--lexi-only)
done
bash scripts/make_bench_models.sh "${models_options[@]}"
node bench/run.mjs "$@"
# Grammar-constrained decode (issue 16): ours with and without json.gbnf vs llama.cpp's grammar sampler.
[[ " $* " == *" --quick "* ]] || node bench/grammar.mjs
