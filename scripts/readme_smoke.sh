#!/usr/bin/env bash
# Smoke of every command the README lists (CI runs it after the tests, .ci/run): each one on a tiny
# input, under a time limit, with a check of what it printed or wrote, so a documented command
# cannot rot unnoticed. Everything it writes goes to a temporary folder removed at the end (the
# benchmarks keep their usual build folders). Needs the builds (`npm test` makes them) and, for
# `npm run bench` and scripts/perplexity_table.sh's defaults, the fixture models.
#   scripts/readme_smoke.sh
# Not smoked: `npm test` (CI has just run it), `npm run fuzz` (CI runs `scripts/fuzz.sh --smoke`),
# `npm run test:large` (writes 2.5 GB and needs 3 GB of RAM).
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d "${TMPDIR:-/tmp}/webgguf-readme-smoke-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cli=build/native/webgguf
text=tests/fixtures/eval-sample.txt
failures=0

# check NAME SECONDS PATTERN COMMAND...: runs COMMAND under a time limit, its output in
# $scratch/NAME.out; passes when it exits 0 and the output matches PATTERN (grep -E).
check() {
  local name=$1 seconds=$2 pattern=$3; shift 3
  local started=$SECONDS status=0
  timeout --kill-after=10 "$seconds" "$@" > "$scratch/$name.out" 2>&1 || status=$?
  if (( status != 0 )); then
    echo "readme-smoke: FAIL $name (exit $status$( (( status == 124 )) && echo ": over ${seconds} s"))"
    tail -n 20 "$scratch/$name.out" | sed 's/^/    /'
    failures=$((failures + 1))
  elif ! grep -Eq -- "$pattern" "$scratch/$name.out"; then
    echo "readme-smoke: FAIL $name: the output does not match /$pattern/"
    tail -n 20 "$scratch/$name.out" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "readme-smoke: ok   $name ($(( SECONDS - started )) s)"
  fi
}

# A tiny random-weight model (F16, 1.3 MB) with the bundled model's vocabulary, and its Q8_0.
tiny=$scratch/tiny-f16.gguf
$cli synth "$tiny" --shape tiny --vocab-from web/models/lexi-28m-chat-Q4_K_M.gguf > /dev/null

check build 1800 . npm run build
check info 30 "general.architecture = 'llama'" $cli info "$tiny"
check quantize 60 . $cli quantize "$tiny" "$scratch/tiny-q8_0.gguf" Q8_0
check quantize-output 30 "general.file_type = 7" $cli info "$scratch/tiny-q8_0.gguf"
check quantize-pure 60 . $cli quantize "$tiny" "$scratch/tiny-q4_0.gguf" Q4_0 --pure
check kl-divergence 60 "Mean +KLD: " $cli kl-divergence "$tiny" "$scratch/tiny-q8_0.gguf" -f "$text" -c 64
check logits 60 . $cli logits "$tiny" -f "$text" -o "$scratch/logits.f32" -c 64 -n 128
check logits-output 5 "^[1-9][0-9]*$" stat -c %s "$scratch/logits.f32"
check run 60 . $cli run "$tiny" -p "The river" -n 4 --temp 0
check perplexity 60 "Final estimate: PPL = " $cli perplexity "$tiny" -f "$text" -c 64
check tokenize 30 "[0-9]+ [0-9]+ [0-9]+" $cli tokenize "$tiny" -f "$text"
# The terminal chat on the bundled model: a question on stdin, kept open while it answers (it
# samples at temperature 0.8, so the check is that an answer came, not its words).
check node-chat 120 "^> [A-Za-z]" bash -c '{ echo "What is a river?"; sleep 30; } | node examples/node-chat.mjs'
check perplexity-table 300 "\| Q8_0 " scripts/perplexity_table.sh --model "$tiny" --text "$text" --ctx 64 --chunks 1 \
    --presets Q8_0 --out "$scratch/perplexity" --nice 0
check perplexity-table-output 5 "Q8_0" cat "$scratch/perplexity/table.md"
check soak 300 . npm run soak -- --turns 3 --n-ctx 128 --max-tokens 4
check bench-kernels 1200 "^q4_K " npm run bench:kernels
# The end-to-end benchmark at its smallest: one lexi file, our engine only, one thread, one run;
# its tables go to the scratch folder, not to bench/RESULTS.md.
check bench 1200 "lexi-28m-Q4_K_M" npm run bench -- --quick --files lexi-28m-Q4_K_M --engines ours --threads 1 --runs 1 \
    --out "$scratch/bench"

# `npm start`: set up, build, serve; the page must come back with COOP/COEP, then the server stops.
port=$(( 20000 + RANDOM % 20000 ))
started=$SECONDS
PORT=$port setsid npm start > "$scratch/start.out" 2>&1 &
server=$!
page=""
while (( SECONDS - started < 900 )) && kill -0 "$server" 2>/dev/null; do
  if page=$(curl -fsS -D "$scratch/start.headers" "http://127.0.0.1:$port/" 2>/dev/null); then break; fi
  sleep 2
done
kill -- "-$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
if [[ $page == *"<html"* ]] && grep -qi '^cross-origin-embedder-policy: require-corp' "$scratch/start.headers"; then
  echo "readme-smoke: ok   npm start ($(( SECONDS - started )) s)"
else
  echo "readme-smoke: FAIL npm start: no page with COOP/COEP on port $port"
  tail -n 20 "$scratch/start.out" | sed 's/^/    /'
  failures=$((failures + 1))
fi

(( failures == 0 )) || { echo "readme-smoke: $failures command(s) failed"; exit 1; }
echo "readme-smoke: every README command works"
