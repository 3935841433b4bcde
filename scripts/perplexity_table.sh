#!/usr/bin/env bash
# Perplexity of one F16/BF16/F32 model quantized to every llama-quantize preset (issue 7's table):
# each preset is written by our own quantizer (`webgguf quantize`), then scored by our engine
# natively with llama-perplexity's method, one thread. Writes OUT/table.md (markdown, rows in
# preset order, rewritten after every preset so a partial run is still readable) and keeps each
# preset's perplexity output as OUT/<PRESET>.txt; the quantized files go to OUT/models/.
#   scripts/perplexity_table.sh [--bin build/native/webgguf] [--model M.gguf] [--text T.txt]
#                               [--out DIR] [--ctx 512] [--chunks N] [--nice 10] [--presets Q8_0,...]
# --chunks N scores only the first N chunks (llama-perplexity's --chunks); all of them by default.
# Runs at `nice -n 10` by default so builds on the same machine keep their CPU.
# Delete OUT to rerun with other options.
# A preset whose OUT/<PRESET>.txt already holds a final estimate is not run again.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=build/native/webgguf
fixtures=${WEBGGUF_FIXTURES:-../shared}  # the fixtures folder, as the tests find it
model=$fixtures/models/lexi-28m-f16.gguf
text=$fixtures/data/eval.txt
out=bench/out/perplexity
ctx=512
chunks=()
niceness=10
# Table order (largest first); run order: F16 (the reference) first, the slow F32 last.
table_presets=(F32 F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 IQ4_NL IQ4_XS Q3_K_L Q3_K_M Q3_K_S Q2_K)
run_presets=(F16 Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 IQ4_NL IQ4_XS Q3_K_L Q3_K_M Q3_K_S Q2_K BF16 F32)

while [[ $# -gt 0 ]]; do
  case $1 in
    --bin) bin=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --text) text=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --ctx) ctx=$2; shift 2 ;;
    --chunks) chunks=(--chunks "$2"); shift 2 ;;
    --nice) niceness=$2; shift 2 ;;
    --presets) IFS=, read -r -a run_presets <<< "$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$out/models"

final_estimate() {  # prints "PPL ERR" from a perplexity output, nothing when absent
  [[ -f $1 ]] && sed -n 's/^Final estimate: PPL = \([0-9.]*\) +\/- \([0-9.]*\).*/\1 \2/p' "$1"
}

write_table() {
  local f16_size="" f16_ppl=""
  [[ -f $out/models/F16.gguf ]] && f16_size=$(stat -c %s "$out/models/F16.gguf")
  read -r f16_ppl _ <<< "$(final_estimate "$out/F16.txt")" || true
  {
    echo "| Preset | File size (bytes) | % of F16 | PPL | +/- | PPL vs F16 | Time (s) |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for preset in "${table_presets[@]}"; do
      local file=$out/models/$preset.gguf ppl="" err="" size="" pct="" delta="" seconds=""
      [[ -f $file ]] && size=$(stat -c %s "$file")
      [[ -n $size && -n $f16_size ]] && pct=$(awk -v a="$size" -v b="$f16_size" 'BEGIN { printf "%.1f%%", 100 * a / b }')
      read -r ppl err <<< "$(final_estimate "$out/$preset.txt")" || true
      [[ -n $ppl && -n $f16_ppl ]] && delta=$(awk -v a="$ppl" -v b="$f16_ppl" 'BEGIN { printf "%+.2f%%", 100 * (a / b - 1) }')
      [[ -f $out/$preset.seconds ]] && seconds=$(cat "$out/$preset.seconds")
      [[ -z $size && -z $ppl ]] && continue
      echo "| $preset | $size | $pct | $ppl | $err | $delta | $seconds |"
    done
  } > "$out/table.md"
}

# The F16 file is the size reference of the "% of F16" column, so it is written first.
[[ -f $out/models/F16.gguf ]] || nice -n "$niceness" "$bin" quantize "$model" "$out/models/F16.gguf" F16 -t 1 > /dev/null 2>&1
for preset in "${run_presets[@]}"; do
  if [[ -n $(final_estimate "$out/$preset.txt") ]]; then continue; fi
  file=$out/models/$preset.gguf
  [[ -f $file ]] || nice -n "$niceness" "$bin" quantize "$model" "$file" "$preset" -t 1 > /dev/null 2>&1
  start=$(date +%s)
  nice -n "$niceness" "$bin" perplexity "$file" -f "$text" -c "$ctx" -t 1 "${chunks[@]}" \
    > "$out/$preset.txt.partial" 2> "$out/$preset.log"
  mv "$out/$preset.txt.partial" "$out/$preset.txt"
  echo $(( $(date +%s) - start )) > "$out/$preset.seconds"
  write_table
  echo "$preset: $(final_estimate "$out/$preset.txt")"
done
write_table
cat "$out/table.md"
