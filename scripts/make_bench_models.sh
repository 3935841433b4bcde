#!/usr/bin/env bash
# Makes the benchmark models of bench/run.mjs into bench/out/models/ (gitignored):
#   lexi-28m-{Q4_K_M,Q8_0}.gguf              from ../shared/models/lexi-28m-f16.gguf by our quantizer
#   synth-{smollm2-360m,llama3.2-1b}-F16.gguf random weights with the real shapes and lexi's vocab
#   synth-*-{Q4_K_M,Q8_0,Q4_0}.gguf           quantized from those
#   synth-gemma3-270m-{F16,Q4_K_M}.gguf       Gemma 3 270M's shape (18 layers, 640 wide, head 256,
#                                             window 512) with lexi's vocabulary padded to 262,144 tokens
# Idempotent: files that exist are kept (delete one to remake it). Files are written under a
# temporary name and renamed, so an interrupted run leaves no truncated model behind.
#   scripts/make_bench_models.sh [--lexi-only] [--no-1b]
#   WEBGGUF_CLI=path/to/webgguf overrides the CLI (default build/native/webgguf, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

lexi_only=0
with_1b=1
for arg in "$@"; do
  case $arg in
    --lexi-only) lexi_only=1 ;;
    --no-1b) with_1b=0 ;;
    *) echo "make_bench_models: unknown option $arg" >&2; exit 2 ;;
  esac
done

out=bench/out/models
lexi_f16=${WEBGGUF_FIXTURES:-../shared}/models/lexi-28m-f16.gguf
cli=${WEBGGUF_CLI:-build/native/webgguf}
threads=$(nproc)
mkdir -p "$out"

if [[ ! -x $cli ]]; then
  echo "make_bench_models: building $cli" >&2
  bash scripts/build.sh native
fi

# produce OUT COMMAND...: runs COMMAND with the output path replaced by a temporary one.
produce() {
  local target=$1; shift
  if [[ -f $target ]]; then
    echo "have   $target"
    return
  fi
  echo "making $target"
  local partial=$target.partial
  "${@//@OUT@/$partial}"
  mv "$partial" "$target"
}

quantize_all() {  # base name (without -F16.gguf / .gguf), source file, presets...
  local base=$1 source=$2; shift 2
  for preset in "$@"; do
    produce "$out/$base-$preset.gguf" "$cli" quantize "$source" @OUT@ "$preset" -t "$threads"
  done
}

quantize_all lexi-28m "$lexi_f16" Q4_K_M Q8_0
(( lexi_only )) && exit 0

shapes=(smollm2-360m)
(( with_1b )) && shapes+=(llama3.2-1b)
for shape in "${shapes[@]}"; do
  f16=$out/synth-$shape-F16.gguf
  produce "$f16" "$cli" synth @OUT@ --shape "$shape" --vocab-from "$lexi_f16"
  quantize_all "synth-$shape" "$f16" Q4_K_M Q8_0 Q4_0
done

gemma_f16=$out/synth-gemma3-270m-F16.gguf
produce "$gemma_f16" "$cli" synth @OUT@ --shape gemma3-270m --arch gemma3 --vocab-from "$lexi_f16" --vocab-size 262144
quantize_all synth-gemma3-270m "$gemma_f16" Q4_K_M
