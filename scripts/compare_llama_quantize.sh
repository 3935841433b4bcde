#!/usr/bin/env bash
# webgguf's importance matrices and imatrix quantization against llama.cpp's own tools
# (scripts/build_llama_tools.sh; not part of npm test):
#  1. imatrix: llama-imatrix and `webgguf imatrix` on lexi-28m-f16 over the first N chunks
#     (default 32) of eval.txt at ctx 512; the engine test Imatrix.LexiEqualsLlamaImatrix then
#     checks identical counts and every value within relative 1e-5 against llama-imatrix's file.
#  2. quantization: for every preset, llama-quantize --imatrix and `webgguf quantize --imatrix`
#     with llama-imatrix's file, on lexi-28m-f16 and on a 2-layer synthetic 960-wide model (its
#     rows of 960 are no multiple of 256: the fallback types); the files must be byte-identical
#     (the per-tensor sha256 of both is printed on a mismatch).
# Usage: scripts/compare_llama_quantize.sh [--chunks N] [--presets "IQ2_XXS Q4_K_M ..."] [--threads N]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
chunks=32
threads=2
presets="Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 IQ4_NL IQ4_XS Q3_K_L Q3_K_M Q3_K_S IQ3_M IQ3_S
         IQ3_XS IQ3_XXS Q2_K Q2_K_S IQ2_M IQ2_S IQ2_XS IQ2_XXS IQ1_M IQ1_S"
while (( $# )); do
  case $1 in
    --chunks) chunks=$2; shift 2 ;;
    --presets) presets=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--chunks N] [--presets LIST] [--threads N]" >&2; exit 2 ;;
  esac
done
tools=$root/build/llama-tools/bin
ours=$root/build/native/webgguf
fixtures=${WEBGGUF_FIXTURES:-$root/../shared}
for f in "$tools/llama-imatrix" "$tools/llama-quantize" "$ours" "$fixtures/models/lexi-28m-f16.gguf"; do
  [[ -e $f ]] || { echo "missing $f (scripts/build_llama_tools.sh, scripts/build.sh native)" >&2; exit 1; }
done
work=$root/build/compare-llama-quantize
mkdir -p "$work"
cp "$fixtures/data/eval.txt" "$work/eval.txt"
cd "$work"  # relative names: both tools write the -f and --imatrix arguments into their files

echo "== imatrix: $chunks chunks of eval.txt at ctx 512"
"$tools/llama-imatrix" -m "$fixtures/models/lexi-28m-f16.gguf" -f eval.txt -o lexi.llama.imatrix.gguf -c 512 \
    --chunks "$chunks" -t "$threads" --no-ppl >llama-imatrix.log 2>&1
start=$(date +%s%N)
"$ours" imatrix "$fixtures/models/lexi-28m-f16.gguf" -f eval.txt -o lexi.webgguf.imatrix.gguf -c 512 \
    --chunks "$chunks" -t "$threads" 2>webgguf-imatrix.log
echo "webgguf imatrix: $(( ($(date +%s%N) - start) / 1000000 )) ms"
WEBGGUF_IMATRIX_REFERENCE=$work/lexi.llama.imatrix.gguf WEBGGUF_IMATRIX_CHUNKS=$chunks \
    "$root/build/native/test_engine" --gtest_filter='Imatrix.LexiEqualsLlamaImatrix*' | grep -E "imatrix:|OK|FAILED"

"$ours" synth synth960.gguf --shape smollm2-360m --layers 2 --vocab-from "$fixtures/models/lexi-28m-f16.gguf" \
    --seed 7 >/dev/null
"$tools/llama-imatrix" -m synth960.gguf -f eval.txt -o synth960.llama.imatrix.gguf -c 512 --chunks 4 \
    -t "$threads" --no-ppl >>llama-imatrix.log 2>&1

failed=0
for model in lexi synth960; do
  input=$([[ $model == lexi ]] && echo "$fixtures/models/lexi-28m-f16.gguf" || echo synth960.gguf)
  for preset in $presets; do
    "$tools/llama-quantize" --imatrix "$model.llama.imatrix.gguf" "$input" "$model-$preset.llama.gguf" "$preset" \
        "$threads" >llama-quantize.log 2>&1
    start=$(date +%s%N)
    "$ours" quantize "$input" "$model-$preset.webgguf.gguf" "$preset" -t "$threads" \
        --imatrix "$model.llama.imatrix.gguf" >/dev/null 2>webgguf-quantize.log
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if cmp -s "$model-$preset.llama.gguf" "$model-$preset.webgguf.gguf"; then
      echo "$model $preset identical $(sha256sum <"$model-$preset.webgguf.gguf" | cut -c1-16) (webgguf ${ms} ms)"
      rm -f "$model-$preset.llama.gguf" "$model-$preset.webgguf.gguf"
    else
      echo "$model $preset DIFFERENT"
      diff <(python3 "$root/scripts/gguf_tensor_hashes.py" "$model-$preset.llama.gguf") \
           <(python3 "$root/scripts/gguf_tensor_hashes.py" "$model-$preset.webgguf.gguf") | head -20 || true
      failed=1
    fi
  done
done
exit $failed
