#!/usr/bin/env bash
# The end-to-end benchmark of issues 8 and 17 (`npm run bench`; not part of `npm test`): makes the
# benchmark models and llama.cpp's llama-bench (scripts/build_llama_tools.sh) if missing, then runs
# our engine and wllama in headless Chromium (a fresh browser per run) and native llama.cpp
# (llama-bench, node-llama-cpp as a cross-check) on them, and writes bench/RESULTS.md; then
# bench/grammar.mjs prints constrained decode speed (not with --quick). Options go to bench/run.mjs:
#   scripts/bench.sh [--quick] [--files a,b] [--threads 1,2] [--runs 3]
#                    [--engines ours,wllama,llama-bench,node-llama-cpp]
set -euo pipefail
cd "$(dirname "$0")/.."

models_options=()
engines=llama-bench  # bench/run.mjs's default engines include it
previous=
for arg in "$@"; do
  [[ $arg == --quick ]] && models_options+=(--lexi-only)
  [[ $previous == --engines ]] && engines=$arg
  previous=$arg
done
bash scripts/make_bench_models.sh "${models_options[@]}"
if [[ ,$engines, == *,llama-bench,* && ! -x build/llama-tools/bin/llama-bench ]]; then
  bash scripts/build_llama_tools.sh llama-bench
fi
node bench/run.mjs "$@"
# Grammar-constrained decode (issue 16): ours with and without json.gbnf vs llama.cpp's grammar sampler.
[[ " $* " == *" --quick "* ]] || node bench/grammar.mjs
