// Renders the benchmark results (bench/out/results.json, written by bench/run.mjs) as the
// Markdown of bench/RESULTS.md: machine, the per-file table of medians with the ratios
// ours/wllama and ours/native, the wasm sizes, and the targets of issue 8, met or not.
//   node bench/results_table.mjs [bench/out/results.json]   re-renders bench/RESULTS.md
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENGINES = ['ours', 'wllama', 'native'];
const MB = 2 ** 20;

/** Targets of issue 8 (ratios of our medians to the other engine's, measured in the same run). */
const TARGETS = {
  decodeVsWllama: 5, decodeVsNative: 0.5, prefillVsWllama: 8, prefillVsNative: 0.35,
  loadOverheadMs: 1000, memoryOverFile: 1.1, threadedWasmGzipBytes: 600 * 1024,
};

function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Medians per engine of one (file, threads) row; failed runs are left out and listed. */
function summarize(runs) {
  const byEngine = {};
  for (const engine of ENGINES) {
    const ok = runs.filter((r) => r.engine === engine && !r.error);
    const failed = runs.filter((r) => r.engine === engine && r.error);
    if (ok.length === 0 && failed.length === 0) continue;
    const m = (key) => median(ok.map((r) => r[key]).filter((v) => typeof v === 'number'));
    byEngine[engine] = {
      n: ok.length, errors: failed.map((r) => r.error),
      prefill: m('prefill_tps'), decode: m('decode_tps'), load: m('load_ms'), memory: m('memory_bytes'),
      prompt_n: m('prompt_n'), predicted_n: m('predicted_n'), kv_bytes: m('kv_bytes'),
      memory_source: ok[0]?.memory_source, variant: ok[0]?.variant, reused: Math.max(0, ...ok.map((r) => r.prompt_reused ?? 0)),
    };
  }
  return byEngine;
}

const num = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
const verdict = (value, goal) => (Number.isFinite(value) ? (value >= goal ? 'met' : 'NOT met') : 'n/a');

function speedTable(files, metric, label) {
  const lines = [
    `| file | T | ours ${label} | wllama | native | ours/wllama | ours/native | tokens (ours/wllama/native) |`,
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const file of files) {
    for (const row of file.rows) {
      const s = summarize(row.runs);
      const v = (e) => s[e]?.[metric];
      const counts = ENGINES.map((e) => num(s[e]?.[metric === 'prefill' ? 'prompt_n' : 'predicted_n'], 0)).join('/');
      lines.push(`| ${file.name} | ${row.threads} | ${num(v('ours'))} | ${num(v('wllama'))} | ${num(v('native'))} | `
        + `${num(ratio(v('ours'), v('wllama')), 2)}x | ${num(ratio(v('ours'), v('native')), 2)}x | ${counts} |`);
    }
  }
  return lines.join('\n');
}

function resourceTable(files) {
  const lines = [
    '| file | size MB | runs | T | load ms ours | wllama | native | download ms | memory MB ours | wllama | native | ours: file×1.1 + KV |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const file of files) {
    for (const row of file.rows) {
      const s = summarize(row.runs);
      const budget = (file.bytes * TARGETS.memoryOverFile + (s.ours?.kv_bytes ?? NaN)) / MB;
      lines.push(`| ${file.name} | ${num(file.bytes / MB)} | ${file.runs} | ${row.threads} | ${num(s.ours?.load, 0)} | ${num(s.wllama?.load, 0)} | `
        + `${num(s.native?.load, 0)} | ${num(file.download_ms, 0)} | ${num(s.ours?.memory / MB, 0)} | ${num(s.wllama?.memory / MB, 0)} | `
        + `${num(s.native?.memory / MB, 0)} | ${num(budget, 0)} |`);
    }
  }
  return lines.join('\n');
}

function targetTable(files) {
  const lines = [
    '| file | T | decode ≥5x wllama | decode ≥50% native | prefill ≥8x wllama | prefill ≥35% native | load ≤ download + 1 s | memory ≤ 1.1×file + KV |',
    '|---|---:|---|---|---|---|---|---|',
  ];
  for (const file of files) {
    for (const row of file.rows) {
      const s = summarize(row.runs);
      const cell = (value, goal, digits = 2, suffix = 'x') => `${verdict(value, goal)} (${num(value, digits)}${suffix})`;
      const loadSlack = file.download_ms + TARGETS.loadOverheadMs - (s.ours?.load ?? NaN);
      const memorySlack = file.bytes * TARGETS.memoryOverFile + (s.ours?.kv_bytes ?? NaN) - (s.ours?.memory ?? NaN);
      lines.push(`| ${file.name} | ${row.threads} | ${cell(ratio(s.ours?.decode, s.wllama?.decode), TARGETS.decodeVsWllama)} | `
        + `${cell(ratio(s.ours?.decode, s.native?.decode), TARGETS.decodeVsNative)} | `
        + `${cell(ratio(s.ours?.prefill, s.wllama?.prefill), TARGETS.prefillVsWllama)} | `
        + `${cell(ratio(s.ours?.prefill, s.native?.prefill), TARGETS.prefillVsNative)} | `
        + `${cell(loadSlack, 0, 0, ' ms slack')} | ${cell(memorySlack / MB, 0, 0, ' MB slack')} |`);
    }
  }
  return lines.join('\n');
}

function wasmTable(wasm) {
  const lines = ['| engine | file | size KB | gzip -9 KB | threaded build ≤ 600 KB gzip |', '|---|---|---:|---:|---|'];
  for (const w of wasm) {
    const threaded = w.engine === 'ours' && w.file.includes('-mt-');
    const check = threaded ? (w.gzip_bytes <= TARGETS.threadedWasmGzipBytes ? 'met' : 'NOT met') : '';
    lines.push(`| ${w.engine} | ${w.file} | ${num(w.bytes / 1024, 0)} | ${num(w.gzip_bytes / 1024, 0)} | ${check} |`);
  }
  return lines.join('\n');
}

function failures(files) {
  const lines = [];
  for (const file of files) {
    for (const row of file.rows) {
      for (const r of row.runs) if (r.error) lines.push(`- ${file.name}, ${row.threads}T, run ${r.run}, ${r.engine}: ${r.error}`);
      const s = summarize(row.runs);
      for (const [engine, e] of Object.entries(s)) {
        if (e.reused > 0) lines.push(`- ${file.name}, ${row.threads}T, ${engine}: reused ${e.reused} prompt tokens from its KV cache`);
      }
    }
  }
  return lines.length ? lines.join('\n') : 'None.';
}

function variants(files) {
  const seen = new Set();
  for (const file of files) for (const row of file.rows) for (const r of row.runs) {
    if (r.variant && !r.error) seen.add(`${r.engine} ${row.threads}T: ${r.variant}${r.fallback_reason ? ` (${r.fallback_reason})` : ''}`);
  }
  return [...seen].sort().map((v) => `- ${v}`).join('\n');
}

/** @param {any} results the object bench/run.mjs writes to bench/out/results.json */
export function renderResults(results) {
  const { machine, files, wasm } = results;
  return `# Benchmark results (issue 8)

Written by \`npm run bench\` (\`bench/run.mjs\`); do not edit by hand.

- Machine: ${machine.cpu}, ${machine.cores} CPUs
- Browser: ${machine.chromium}, headless; Node ${machine.node}; wllama 3.8.1; node-llama-cpp 3.21.1 (CPU, prebuilt)
- Date: ${machine.date}
- Runs: median of the runs per engine, file and thread count given in the load table (3 unless noted), A/B interleaved (run r rotates the engine order by r)

Method: every browser run is a fresh page (COOP/COEP, served by scripts/serve.mjs): create the engine, load
the file from the local server (load ms: engine creation + download + load, no model cache), one untimed
completion (32-token prompt, 8 tokens) to warm up, then the timed greedy completion of a 128-token prompt
(llama.cpp's tokenization of held-out text, ../shared/data/eval.txt; BOS included) with 64 tokens. Each run
uses a different prompt, starting at a different paragraph. KV reuse: every prompt starts with BOS, so after
the warm-up our engine unloads and reloads the model (untimed; the compiled wasm stays warm) and wllama is
asked for \`cache_prompt: false\`; the engines' own counts of reused prompt tokens are checked below. Prompts
are kept only when llama.cpp's greedy continuation on that file runs 64 tokens without EOS (our engine cannot
be told to ignore EOS; the token columns show what each engine really generated). Prefill tok/s = the engine's
prompt tokens / prompt time; decode tok/s = generated tokens / time from the end of prefill to the last token
(llama-server's definitions; native llama.cpp is timed the same way around node-llama-cpp's evaluate()).
Memory: ours is the size of our wasm memory after the timed run (engine.memory().heapSize; it only grows, so
this is its peak; Chromium's performance.measureUserAgentSpecificMemory() does not see our worker's memory);
wllama: measureUserAgentSpecificMemory() of the page with its workers after the timed run; native: peak RSS
of the process, mmapped weights included. Native runs each in its own Node process (load + warm-up + timed run).

## Prefill (tok/s)

${speedTable(files, 'prefill', 'prefill')}

## Decode (tok/s)

${speedTable(files, 'decode', 'decode')}

## Load and memory (medians)

${resourceTable(files)}

## Wasm sizes

${wasmTable(wasm)}

## Targets (issue 8)

${targetTable(files)}

Load target: time to ready (load ms) ≤ a plain fetch of the file in the same page (download ms) + 1 s.

## Builds used

${variants(files)}

## Failures and warnings

${failures(files)}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const benchDir = resolve(fileURLToPath(import.meta.url), '..');
  const input = process.argv[2] ?? resolve(benchDir, 'out/results.json');
  const markdown = renderResults(JSON.parse(readFileSync(input, 'utf8')));
  writeFileSync(resolve(benchDir, 'RESULTS.md'), markdown);
  console.log(markdown);
}
