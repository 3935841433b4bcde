#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (-fsanitize=fuzzer,address,undefined) and runs them
# one at a time on one core, under a memory contract: an allocation over 512 MB or a resident
# size over 2 GB is a finding (-malloc_limit_mb, -rss_limit_mb), as is a 10 s input.
#   scripts/fuzz.sh [seconds=60] [target|all=all]   every target (or one) for SECONDS each
#   scripts/fuzz.sh --smoke [target|all]            the CI smoke: 20 s each
#   scripts/fuzz.sh --budget 10M [target|all]       long run: each target until it has executed
#                                                   10M inputs in all (k/M/G suffixes), counting
#                                                   earlier sessions (OUT/TARGET/executions)
#   scripts/fuzz.sh --time 2h [target|all]          long run: the time (s/m/h) shared evenly
# A long run works in rounds of at most 10 minutes, minimises the corpus (-merge=1) after each
# target and rewrites the table in fuzz/RESULTS.md (see fuzz/README.md for adding a target).
# Per target, OUT/TARGET/ holds corpus/ (kept between runs), seeds/, artifacts/ (crashes, OOMs,
# timeouts: they make the script exit non-zero) and the last log; OUT is build/fuzz unless
# WEBGGUF_FUZZ_OUT names another directory.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=seconds seconds=60 budget=0 total_time=0
case ${1:-} in
  --smoke) mode=seconds seconds=20; shift ;;
  --budget) mode=budget budget=$(numfmt --from=si "$(tr k K <<< "${2:?--budget needs a count such as 10M}")"); shift 2 ;;
  --time) mode=time total_time=$(( $(sed -E 's/h$/*3600/; s/m$/*60/; s/s$//' <<< "${2:?--time needs a duration such as 2h}") )); shift 2 ;;
  '') ;;
  *) seconds=$1; shift ;;
esac
only=${1:-all}
shared=$(realpath "${WEBGGUF_FIXTURES:-../shared}")  # the fixtures folder, as the tests find it
out=${WEBGGUF_FUZZ_OUT:-build/fuzz}
hwy_include=$out/hwy-include

# One line per target: NAME | sources linked with fuzz/NAME_fuzzer.cpp | extra compiler flags.
# Optional: a seed_NAME function below (writes seed inputs into the directory it is given), a
# dictionary fuzz/NAME.dict, and tests/fuzz_regressions/NAME/ (replayed by ctest).
# The kernels are Highway code for the 128-bit SSE4 target (as the native CMake build), and the
# reference quantizers are ggml-exact only without FMA contraction.
target_table=(
  "gguf_reader | src/gguf/*.cpp src/core/status.cpp |"
  "tokenizer   | src/tokenizer/*.cpp src/gguf/*.cpp src/core/status.cpp | -DWEBGGUF_SHARED_DIR=\"$shared\" -DWEBGGUF_LLAMA_CPP_DIR=\"$PWD/build/llama.cpp\""
  "quant       | src/quant/*.cpp src/kernels/*.cpp src/gguf/ggml_type.cpp src/core/status.cpp src/core/hwy_abort.cpp | -msse4.2 -mpclmul -maes -ffp-contract=off -isystem $hwy_include -pthread"
  "grammar     | src/sampler/*.cpp src/core/status.cpp |"
  "session     | src/engine/session_file.cpp src/core/status.cpp |"
  "imatrix     | src/quantizer/importance_matrix.cpp src/gguf/*.cpp src/core/status.cpp |"
)
targets=()
declare -A target_sources target_flags
for row in "${target_table[@]}"; do
  IFS='|' read -r name sources flags <<< "$row"
  name=$(xargs <<< "$name")
  targets+=("$name")
  target_sources[$name]=$sources
  target_flags[$name]=$flags
done
limits=(-rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10)

# Seeds: llama-imatrix's GGUF (vendored) and small files of both formats written by our writer.
seed_imatrix() {
  local dir=$1
  cp tests/fixtures/imatrix/*.gguf "$dir/"
  cp tests/fuzz_regressions/imatrix/* "$dir/" 2>/dev/null || true
}

# Seeds: the start of every real GGUF (its header is what the reader sees first), and small
# complete files with tensors so mutations reach the tensor table from the first run.
seed_gguf_reader() {
  local dir=$1 f
  for f in "$shared"/models/*.gguf "$shared"/fixtures/tokenizers/*.gguf; do
    head -c 65536 "$f" > "$dir/$(basename "$f" .gguf).head"
  done
  python3 - "$dir" <<'PY'
import struct, sys
def s(b): return struct.pack('<Q', len(b)) + b
def kv(key, vtype, payload): return s(key) + struct.pack('<I', vtype) + payload
def tensor(name, dims, ggml_type, offset):
    return s(name) + struct.pack('<I', len(dims)) + b''.join(struct.pack('<Q', d) for d in dims) + struct.pack('<IQ', ggml_type, offset)
def gguf(version, kvs, tensors, alignment=32, data=b''):
    head = b'GGUF' + struct.pack('<IQQ', version, len(tensors), len(kvs)) + b''.join(kvs) + b''.join(tensors)
    return head + b'\0' * (-len(head) % alignment) + data
arrays = kv(b'tokenizer.ggml.tokens', 9, struct.pack('<IQ', 8, 3) + s(b'a') + s(b'bc') + s(b'')) + \
         kv(b'tokenizer.ggml.scores', 9, struct.pack('<IQ', 6, 2) + struct.pack('<ff', 0.5, -1.0))
scalars = [kv(b'general.architecture', 8, s(b'llama')), kv(b'general.alignment', 4, struct.pack('<I', 64)),
           kv(b'u8', 0, b'\x07'), kv(b'i16', 3, struct.pack('<h', -3)), kv(b'b', 7, b'\x01'),
           kv(b'u64', 10, struct.pack('<Q', 2**64 - 1)), kv(b'f64', 12, struct.pack('<d', 0.25))]
files = {
    'small_v3': gguf(3, scalars + [arrays], [tensor(b'a.weight', [4, 2], 0, 0), tensor(b'b.weight', [32], 8, 64)],
                     64, b'\1' * 32 + b'\0' * 32 + b'\2' * 34),
    'small_v2': gguf(2, [kv(b'split.count', 2, struct.pack('<H', 2)), kv(b'split.no', 2, struct.pack('<H', 0))],
                     [tensor(b'q', [256, 1, 1, 2], 12, 0), tensor(b'scalar', [], 30, 288)], 32, b'\3' * 290),
    'vocab_only': gguf(3, [arrays], []),
}
for name, data in files.items():
    open(f'{sys.argv[1]}/{name}.gguf', 'wb').write(data)
PY
}

# Tokenizer seeds: the llama.cpp test strings of each vocabulary (split at its separator line),
# each behind the vocabulary selector byte and an options byte.
seed_tokenizer() {
  python3 - "$1" "$shared" <<'PY'
import os, sys
out, shared = sys.argv[1], sys.argv[2]
vocabs = ['gpt-2', 'llama-bpe', 'llama-spm', 'phi-3', 'qwen2']  # order of kVocabFiles
texts = set()
for v in vocabs:
    data = open(f'{shared}/fixtures/tokenizers/ggml-vocab-{v}.gguf.inp', 'rb').read()
    texts.update(t.strip(b'\n') for t in data.split(b'\n__ggml_vocab_test__\n'))
for v in ['deepseek-llm', 'gemma-4', 'qwen35']:  # llama.cpp's own vectors (build/llama.cpp)
    data = open(f'build/llama.cpp/models/ggml-vocab-{v}.gguf.inp', 'rb').read()
    texts.update(t.strip(b'\n') for t in data.split(b'\n__ggml_vocab_test__\n'))
texts.update([b'<s>[INST] hi [/INST]</s>', b'<|im_start|>user\nhi<|im_end|>', b'<|endoftext|>\xff\xfe',
              b'<|begin_of_text|><|start_header_id|>user<|end_header_id|>'])
n = 0
for t in sorted(texts):
    # Selectors 0-18: the vocabularies (6 shared, 12 of llama.cpp's, the SPM variant); 19-105:
    # the pre-tokenizer names. Each text goes to a few of them, all of them over the texts.
    for k in range(4):
        open(os.path.join(out, f'seed{n}'), 'wb').write(bytes([(n + 29 * k) % 106, n % 4]) + t)
        n += 1
PY
}

# Quant seeds: ggml's own blocks of every type (fixtures/quants) for dequantize/dot, and real
# and edge-case weight rows (rows.f32) plus NaN/Inf/denormal rows for quantize.
seed_quant() {
  python3 - "$1" "$shared/fixtures/quants" <<'PY'
import os, struct, sys
out, quants = sys.argv[1], sys.argv[2]
# Types with quant_traits, in id order (the fuzzer's selector byte indexes this list).
names = ['f32', 'f16', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q8_0', 'q8_1', 'q2_K', 'q3_K', 'q4_K', 'q5_K',
         'q6_K', 'q8_K', 'iq2_xxs', 'iq2_xs', 'iq3_xxs', 'iq1_s', 'iq4_nl', 'iq3_s', 'iq2_s', 'iq4_xs',
         'iq1_m', 'bf16', 'tq1_0', 'tq2_0', 'mxfp4']
rows = open(f'{quants}/rows.f32', 'rb').read()
special = struct.pack('<8f', float('nan'), float('inf'), -float('inf'), 1e-45, -1e-40, 3e38, -0.0, 1.0) * 128
for i, name in enumerate(names):
    path = f'{quants}/{name}.bin'
    if os.path.exists(path):
        blocks = open(path, 'rb').read()
        open(os.path.join(out, f'{name}.deq'), 'wb').write(bytes([i, 12]) + blocks[:4096])
    for r in (0, 16, 18, 19, 21):
        open(os.path.join(out, f'{name}.q{r}'), 'wb').write(bytes([i, 15 if r % 2 else 13]) + rows[r * 2048:(r + 2) * 2048])
    open(os.path.join(out, f'{name}.special'), 'wb').write(bytes([i, 13]) + special)
PY
}

# Grammar seeds: every grammar of llama.cpp's grammars/ folder, each followed by a token walk.
seed_grammar() {
  local dir=$1 f
  for f in node_modules/node-llama-cpp/llama/grammars/*.gbnf; do
    { cat "$f"; printf '\0\x04\x01\x06\x0d\x09\x07\x10\x05\x11\x12\x02'; } > "$dir/$(basename "$f" .gbnf)"
  done
}

# Session seeds: small sessions in the format of src/engine/session_file.h (two layers, one a
# sliding-window ring that starts later; with and without a context-shift range and an unknown
# optional section; a hybrid one with a recurrent state and a checkpoint), checksummed as
# core/hash64.h does.
seed_session() {
  python3 - "$1" <<'PY'
import struct, sys
M = (1 << 64) - 1
P1, P2, P3, P5 = 11400714785074694791, 14029467366897019727, 1609587929392839161, 2870177450012600261
rotl = lambda x, r: ((x << r) | (x >> (64 - r))) & M
def hash64(b):
    h = P5
    n = len(b) // 8 * 8
    for i in range(0, n, 8):
        h = rotl(h ^ (struct.unpack_from('<Q', b, i)[0] * P2 & M), 31) * P1 & M
    h ^= len(b) * P5 & M
    for c in b[n:]:
        h = rotl(h ^ (c * P5 & M), 11) * P1 & M
    h ^= h >> 33; h = h * P2 & M; h ^= h >> 29; h = h * P3 & M; h ^= h >> 32
    return h
def section(tag, payload, flags=1): return tag + struct.pack('<IQ', flags, len(payload)) + payload
def session(tokens, layers, row=(4, 2), shift=None, extra=b'', recurrent=None):
    secs = [section(b'MODL', struct.pack('<QIII', 7, len(layers), 64, 4) + b'seed'),
            section(b'CACH', struct.pack('<III', 8, 2, 128)),
            section(b'TOKN', struct.pack('<I', len(tokens)) + struct.pack(f'<{len(tokens)}i', *tokens))]
    if shift: secs.append(section(b'SHFT', struct.pack('<IIQ', *shift)))
    kv = struct.pack('<III', len(layers), *row)
    for heads, first in layers:
        count = len(tokens) - first
        kv += struct.pack('<III', heads, first, count) + bytes(range(heads * count * row[0])) + b'\x5a' * (heads * count * row[1])
    secs.append(section(b'KVRW', kv))
    if recurrent:  # (floats per layer, positions of the copies: the end first)
        floats, positions = recurrent
        rc = struct.pack(f'<II{len(floats)}I', len(floats), len(positions), *floats)
        for i, pos in enumerate(positions):
            rc += struct.pack('<I', pos) + struct.pack(f'<{sum(floats)}f', *[0.25 * (i + 1)] * sum(floats))
        secs.append(section(b'RCST', rc))
    if extra: secs.append(extra)
    body = b''.join(secs)
    head = b'WGGUFSES' + struct.pack('<IIQ', 1, len(secs), 24 + len(body) + 8)
    return head + body + struct.pack('<Q', hash64(head + body))
out = sys.argv[1]
open(f'{out}/plain', 'wb').write(session([1, 2, 3, 4, 5], [(2, 0), (1, 2)]))
open(f'{out}/shifted', 'wb').write(session([1, 2, 9, 8], [(1, 0)], shift=(2, 6, 12345)))
open(f'{out}/future_section', 'wb').write(session([3], [(1, 0), (1, 0)], extra=section(b'RECR', b'\1\2\3', 0)))
open(f'{out}/empty', 'wb').write(session([], [(2, 0)]))
open(f'{out}/hybrid', 'wb').write(session([1, 2, 3, 4], [(0, 0), (1, 0)], recurrent=([6, 0], [4, 2])))
PY
}

build_target() {  # name
  local t=$1
  # shellcheck disable=SC2086  # the source lists are globs, the flags are words
  clang++-14 -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
      -fno-sanitize-recover=all ${target_flags[$t]} -Isrc "fuzz/${t}_fuzzer.cpp" ${target_sources[$t]} -o "$out/$t/fuzzer"
}

# The inputs this target once failed on (fixed since) start every run too.
regressions() { [[ -d tests/fuzz_regressions/$1 ]] && echo "tests/fuzz_regressions/$1" || true; }

# Runs target $1 once with the extra libFuzzer flags that follow; appends its executions to
# OUT/TARGET/executions. Returns 0, 1 on a finding, or 72 when stopped: SIGTERM or SIGINT to the
# fuzzer ends a long run early (libFuzzer prints its counts and exits 72; the corpus is merged
# and the results written as usual).
fuzz_round() {
  local t=$1 dir=$out/$1; shift
  local dict=() status=0 runs
  [[ -f fuzz/$t.dict ]] && dict=(-dict="fuzz/$t.dict")
  "$dir/fuzzer" "$dir/corpus" "$dir/seeds" $(regressions "$t") "${dict[@]}" "${limits[@]}" -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/" "$@" 2> "$dir/last.log" || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/last.log" | tail -1)
  echo $(( $(cat "$dir/executions" 2>/dev/null || echo 0) + ${runs:-0} )) > "$dir/executions"
  (( status == 0 || status == 72 )) && return $status
  return 1
}

# Minimises the corpus to the inputs that add coverage (the seeds are rebuilt every run).
merge_corpus() {
  local t=$1 dir=$out/$1
  rm -rf "$dir/corpus.merged" && mkdir -p "$dir/corpus.merged"
  "$dir/fuzzer" -merge=1 "${limits[@]}" "$dir/corpus.merged" "$dir/corpus" "$dir/seeds" $(regressions "$t") 2> "$dir/merge.log"
  rm -rf "$dir/corpus" && mv "$dir/corpus.merged" "$dir/corpus"
  # The last "cov: N ft: M" libFuzzer printed while merging: the minimised corpus's coverage.
  grep -oE 'cov: [0-9]+ ft: [0-9]+' "$dir/merge.log" | tail -1 | tr -d ':' | awk '{print $2, $4}' > "$dir/coverage"
}

mkdir -p "$out"
[[ -e $hwy_include/hwy ]] || { mkdir -p "$hwy_include" && ln -s /usr/include/hwy "$hwy_include/hwy"; }
selected=()
for t in "${targets[@]}"; do [[ $only == all || $only == "$t" ]] && selected+=("$t"); done
(( ${#selected[@]} )) || { echo "fuzz: no target '$only' (targets: ${targets[*]})" >&2; exit 2; }
per_target_time=$(( total_time / ${#selected[@]} ))
status=0
for t in "${selected[@]}"; do
  dir=$out/$t
  mkdir -p "$dir/corpus" "$dir/seeds" "$dir/artifacts"
  build_target "$t"
  if declare -F "seed_$t" >/dev/null; then "seed_$t" "$dir/seeds"; fi
  found=0
  case $mode in
    seconds)
      echo "fuzz: $t for ${seconds}s"
      fuzz_round "$t" -max_total_time="$seconds" || found=$? ;;
    budget|time)
      started=$SECONDS
      while :; do
        done_runs=$(cat "$dir/executions" 2>/dev/null || echo 0)
        if [[ $mode == budget ]]; then
          left=$(( budget - done_runs ))
          round=(-runs="$left" -max_total_time=600)
        else
          left=$(( per_target_time - (SECONDS - started) ))
          round=(-max_total_time=$(( left < 600 ? left : 600 )))
        fi
        (( left > 0 )) || break
        echo "fuzz: $t at $done_runs executions, round of ${round[*]}"
        fuzz_round "$t" "${round[@]}" || { found=$?; break; }
      done
      merge_corpus "$t" ;;
  esac
  if (( found == 72 )); then
    echo "fuzz: $t stopped early" >&2
    found=0
  fi
  if (( found )); then
    echo "fuzz: $t FAILED, see $dir/last.log and $dir/artifacts/ (fix it, then keep the input in tests/fuzz_regressions/$t/)" >&2
    status=1
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)" "$dir/last.log" || true
  if [[ $mode != seconds ]]; then
    python3 fuzz/update_results.py "$out" "$t" "$(date -u +%Y-%m-%d)" "$(ls "$dir/artifacts" | wc -l)"
  fi
done
exit $status
