// Renders the benchmark results (bench/out/results.json, written by bench/run.mjs) as the
// Markdown of bench/RESULTS.md: machine, the per-file table of medians with the ratios
// ours/wllama and ours/llama-bench, every engine's 2-thread speedup over its 1-thread run, the
// wasm sizes, and the targets of issues 17 (speed) and 8 (load, memory, size), met or not.
//   node bench/results_table.mjs [bench/out/results.json]   re-renders bench/RESULTS.md
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// llama-bench is the native figure of the ratios; node-llama-cpp is shown as a cross-check only.
const ENGINES = ['ours', 'wllama', 'llama-bench', 'node-llama-cpp'];
// Results written before issue 17 called node-llama-cpp 'native'.
const engineOf = (run) => (run.engine === 'native' ? 'node-llama-cpp' : run.engine);
const MB = 2 ** 20;

/**
 * Targets (ratios of our medians to the other engine's, measured in the same run): speed from
 * issue 17, load, memory and size from issue 8.
 */
const TARGETS = {
  decodeVsWllama: 3, decodeVsNative: 0.75, prefillVsWllama: 4, prefillVsNative: 0.5, decodeThreadScaling: 1.5,
  loadOverheadMs: 1000, memoryOverFile: 1.1, threadedWasmGzipBytes: 600 * 1024,
};
// A reference engine's run (wllama, llama-bench) at more threads that is not this much faster than
// its own 1-thread run (prefill or decode) did not get its threads (on a loaded 2-core machine
// llama.cpp's barriers collapse: lexi decode 4.5 tok/s at 2 threads against 633 at 1): its ratios
// are marked suspect rather than used silently.
const MIN_REFERENCE_SCALING = 1.2;
const REFERENCES = ['wllama', 'llama-bench'];

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
    const ok = runs.filter((r) => engineOf(r) === engine && !r.error);
    const failed = runs.filter((r) => engineOf(r) === engine && r.error);
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

/** speed(threads) / speed(1 thread) of one engine on one file, or NaN. */
function threadScaling(file, row, engine, metric) {
  const single = file.rows.find((r) => r.threads === 1);
  if (!single || row.threads === 1) return NaN;
  return ratio(summarize(row.runs)[engine]?.[metric], summarize(single.runs)[engine]?.[metric]);
}

/** Whether a reference engine's run at row.threads > 1 is suspect: not MIN_REFERENCE_SCALING x its 1-thread speed. */
function suspect(file, row, engine) {
  return REFERENCES.includes(engine)
    && ['prefill', 'decode'].some((metric) => threadScaling(file, row, engine, metric) < MIN_REFERENCE_SCALING);
}

function speedTable(files, metric, label) {
  const lines = [
    `| file | T | ours ${label} | wllama | llama-bench | node-llama-cpp (cross-check) | ours/wllama | ours/llama-bench | tokens (ours/wllama/node-llama-cpp) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const file of files) {
    for (const row of file.rows) {
      const s = summarize(row.runs);
      const v = (e) => s[e]?.[metric];
      const mark = (engine) => (suspect(file, row, engine) ? ' (suspect)' : '');
      const counts = ['ours', 'wllama', 'node-llama-cpp'].map((e) => num(s[e]?.[metric === 'prefill' ? 'prompt_n' : 'predicted_n'], 0)).join('/');
      lines.push(`| ${file.name} | ${row.threads} | ${num(v('ours'))} | ${num(v('wllama'))}${mark('wllama')} | `
        + `${num(v('llama-bench'))}${mark('llama-bench')} | ${num(v('node-llama-cpp'))} | `
        + `${num(ratio(v('ours'), v('wllama')), 2)}x${mark('wllama')} | `
        + `${num(ratio(v('ours'), v('llama-bench')), 2)}x${mark('llama-bench')} | ${counts} |`);
    }
  }
  return lines.join('\n');
}

function scalingTable(files) {
  const lines = ['| file | T | engine | prefill T/1T | decode T/1T |', '|---|---:|---|---:|---:|'];
  for (const file of files) {
    for (const row of file.rows.filter((r) => r.threads > 1)) {
      for (const engine of ENGINES) {
        const prefill = threadScaling(file, row, engine, 'prefill');
        const decode = threadScaling(file, row, engine, 'decode');
        if (!Number.isFinite(prefill) && !Number.isFinite(decode)) continue;
        const flag = suspect(file, row, engine) ? ' (suspect)' : '';
        lines.push(`| ${file.name} | ${row.threads} | ${engine}${flag} | ${num(prefill, 2)}x | ${num(decode, 2)}x |`);
      }
    }
  }
  return lines.join('\n');
}

function resourceTable(files) {
  const lines = [
    '| file | size MB | runs | T | load ms ours | wllama | node-llama-cpp | download ms | memory MB ours | wllama | node-llama-cpp | ours: file×1.1 + KV |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const file of files) {
    for (const row of file.rows) {
      const s = summarize(row.runs);
      const budget = (file.bytes * TARGETS.memoryOverFile + (s.ours?.kv_bytes ?? NaN)) / MB;
      const native = s['node-llama-cpp'];
      lines.push(`| ${file.name} | ${num(file.bytes / MB)} | ${file.runs} | ${row.threads} | ${num(s.ours?.load, 0)} | ${num(s.wllama?.load, 0)} | `
        + `${num(native?.load, 0)} | ${num(file.download_ms, 0)} | ${num(s.ours?.memory / MB, 0)} | ${num(s.wllama?.memory / MB, 0)} | `
        + `${num(native?.memory / MB, 0)} | ${num(budget, 0)} |`);
    }
  }
  return lines.join('\n');
}

function targetTable(files) {
  const lines = [
    '| file | T | prefill ≥4x wllama | decode ≥3x wllama | prefill ≥50% llama-bench | decode ≥75% llama-bench | decode ≥1.5x our 1T | load ≤ download + 1 s | memory ≤ 1.1×file + KV |',
    '|---|---:|---|---|---|---|---|---|---|',
  ];
  for (const file of files) {
    for (const row of file.rows) {
      const s = summarize(row.runs);
      const cell = (value, goal, digits = 2, suffix = 'x') => `${verdict(value, goal)} (${num(value, digits)}${suffix})`;
      const versus = (engine, value, goal) => (suspect(file, row, engine) ? `suspect ${engine} (${num(value, 2)}x)` : cell(value, goal));
      const loadSlack = file.download_ms + TARGETS.loadOverheadMs - (s.ours?.load ?? NaN);
      const memorySlack = file.bytes * TARGETS.memoryOverFile + (s.ours?.kv_bytes ?? NaN) - (s.ours?.memory ?? NaN);
      const scaling = row.threads > 1 ? cell(threadScaling(file, row, 'ours', 'decode'), TARGETS.decodeThreadScaling) : '';
      lines.push(`| ${file.name} | ${row.threads} | ${versus('wllama', ratio(s.ours?.prefill, s.wllama?.prefill), TARGETS.prefillVsWllama)} | `
        + `${versus('wllama', ratio(s.ours?.decode, s.wllama?.decode), TARGETS.decodeVsWllama)} | `
        + `${versus('llama-bench', ratio(s.ours?.prefill, s['llama-bench']?.prefill), TARGETS.prefillVsNative)} | `
        + `${versus('llama-bench', ratio(s.ours?.decode, s['llama-bench']?.decode), TARGETS.decodeVsNative)} | ${scaling} | `
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
  return `# Benchmark results (issues 8 and 17)

Written by \`npm run bench\` (\`bench/run.mjs\`); do not edit by hand.

- Machine: ${machine.cpu}, ${machine.cores} CPUs
- Browser: ${machine.chromium}, headless; Node ${machine.node}; wllama 3.8.1; llama-bench of llama.cpp 80fb11a
  (scripts/build_llama_tools.sh: CPU, GGML_NATIVE=ON); node-llama-cpp 3.21.1 (CPU, prebuilt)
- Date: ${machine.date}
- Runs: median of the runs per engine, file and thread count given in the load table (3 unless noted), A/B interleaved (run r rotates the engine order by r)

Method: every browser run is a fresh Chromium process with one page (COOP/COEP, served by scripts/serve.mjs):
create the engine, load the file from the local server (load ms: engine creation + download + load, no model
cache), one untimed completion as long as the timed one (128-token prompt, 64 tokens) to warm up, then the
timed greedy completion of a 128-token prompt (llama.cpp's tokenization of held-out text, ../shared/data/eval.txt;
BOS included) with 64 tokens. Each run uses a different prompt, starting at a different paragraph. KV reuse: every prompt starts with BOS, so after
the warm-up our engine unloads and reloads the model (untimed; the compiled wasm stays warm) and wllama is
asked for \`cache_prompt: false\`; the engines' own counts of reused prompt tokens are checked below. Prompts
are kept only when llama.cpp's greedy continuation on that file runs 64 tokens without EOS (our engine cannot
be told to ignore EOS; the token columns show what each engine really generated). Prefill tok/s = the engine's
prompt tokens / prompt time; decode tok/s = generated tokens / time from the end of prefill to the last token
(llama-server's definitions; node-llama-cpp is timed the same way around its evaluate()).
**Native figure of the ratios: llama-bench** pp128 (prefill) and tg64 (decode, from an empty context), one
repetition per run after its own warm-up, medians over the runs. node-llama-cpp is a cross-check only (on 2
cores its 2-thread decode collapses) and gives the native load time and memory. A wllama or llama-bench run
at 2 threads that is not ${MIN_REFERENCE_SCALING}x its own 1-thread speed (prefill or decode) is marked
suspect, and so are the ratios that use it.
Memory: ours is the size of our wasm memory after the timed run (engine.memory().heapSize; it only grows, so
this is its peak; Chromium's performance.measureUserAgentSpecificMemory() does not see our worker's memory);
wllama: measureUserAgentSpecificMemory() of the page with its workers after the timed run; native: peak RSS
of the node-llama-cpp process, mmapped weights included. node-llama-cpp runs each in its own Node process
(load + warm-up + timed run).

## Prefill (tok/s)

${speedTable(files, 'prefill', 'prefill')}

## Decode (tok/s)

${speedTable(files, 'decode', 'decode')}

## Thread scaling (each engine against its own 1-thread run)

${scalingTable(files)}

## Load and memory (medians)

${resourceTable(files)}

## Wasm sizes

${wasmTable(wasm)}

## Targets (speed: issue 17; load, memory: issue 8)

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
