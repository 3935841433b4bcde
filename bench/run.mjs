// The benchmark of issues 8 and 17: our engine and wllama in headless Chromium, and native
// llama.cpp (its own llama-bench, and node-llama-cpp as a cross-check), on the same GGUF files at
// 1 and 2 threads. Per file and thread count, each engine runs `--runs` times, A/B interleaved
// (run r rotates the engine order by r), and the medians are compared. Every browser run gets a
// fresh Chromium process, as a user's tab would: in one shared browser wllama's 2-thread runs
// were no faster than its 1-thread ones (lexi prefill 208 tok/s against 519 in a fresh process).
// Prints the table and writes bench/RESULTS.md (and the raw runs to bench/out/results.json).
//   node bench/run.mjs [--quick] [--files a,b] [--threads 1,2] [--runs 3]
//                     [--engines ours,wllama,llama-bench,node-llama-cpp]
//                     [--timeout S] [--merge] [--out DIR]
//     --quick     the lexi files only
//     --files     substrings of the file names to keep (default: every file below that exists)
//     --timeout   seconds after which a browser run is failed (default 900)
//     --merge     keep the previous bench/out/results.json's results of the other files, and of
//                 the other engines on these files (slow parts can be measured in later invocations)
//     --out       write results.json and RESULTS.md into DIR instead (a smoke run: scripts/readme_smoke.sh)
// Make the files first: bash scripts/make_bench_models.sh (scripts/bench.sh does).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startBrowser } from '../tests/browser/harness.js';
import { measureLlamaBench, measureNativeIsolated, nativeLlama } from './native_llama.mjs';
import { WARMUP_PROMPT_TOKENS, buildPrompts } from './prompts.mjs';
import { renderResults } from './results_table.mjs';

const benchDir = resolve(fileURLToPath(import.meta.url), '..');
const repoRoot = resolve(benchDir, '..');
const outDir = join(benchDir, 'out');
const modelsDir = join(outDir, 'models');

const FILES = [
  'lexi-28m-Q4_K_M.gguf', 'lexi-28m-Q8_0.gguf',
  'synth-smollm2-360m-Q4_K_M.gguf', 'synth-smollm2-360m-Q8_0.gguf', 'synth-smollm2-360m-Q4_0.gguf',
  'synth-llama3.2-1b-Q4_K_M.gguf', 'synth-llama3.2-1b-Q8_0.gguf', 'synth-llama3.2-1b-Q4_0.gguf',
  'synth-gemma3-270m-Q4_K_M.gguf',
];

const ENGINES = ['ours', 'wllama', 'llama-bench', 'node-llama-cpp'];

function parseArgs(argv) {
  const options = { files: null, quick: false, threads: [1, 2], runs: 3, engines: ENGINES, merge: false, timeout: 900, out: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--files') options.files = argv[++i].split(',');
    else if (arg === '--threads') options.threads = argv[++i].split(',').map(Number);
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--engines') options.engines = argv[++i].split(',');
    else if (arg === '--merge') options.merge = true;
    else if (arg === '--timeout') options.timeout = Number(argv[++i]);
    else if (arg === '--out') options.out = argv[++i];
    else throw new Error(`bench: unknown option ${arg}`);
  }
  const unknown = options.engines.filter((e) => !ENGINES.includes(e));
  if (unknown.length) throw new Error(`bench: unknown engine ${unknown.join(', ')} (known: ${ENGINES.join(', ')})`);
  return options;
}

function selectedFiles(options) {
  let names = FILES;
  if (options.quick) names = names.filter((n) => n.startsWith('lexi-'));
  if (options.files) names = names.filter((n) => options.files.some((f) => n.includes(f)));
  const missing = names.filter((n) => !existsSync(join(modelsDir, n)));
  for (const n of missing) console.error(`bench: ${n} is missing (bash scripts/make_bench_models.sh): skipped`);
  return names.filter((n) => !missing.includes(n));
}

function machine() {
  const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
  const field = (name) => (new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(lscpu)?.[1] ?? '?').trim();
  return {
    cpu: field('Model name'),
    cores: field('CPU\\(s\\)'),
    chromium: execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim(),
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** gzip -9 sizes of our wasm builds and wllama's. */
function wasmSizes() {
  const wasmFiles = [];
  const ours = join(repoRoot, 'dist/wasm');
  if (existsSync(ours)) for (const f of readdirSync(ours)) if (f.endsWith('.wasm')) wasmFiles.push({ engine: 'ours', path: join(ours, f) });
  const wllamaDir = join(repoRoot, 'node_modules/@wllama/wllama/esm/wasm');
  for (const f of readdirSync(wllamaDir)) if (f.endsWith('.wasm')) wasmFiles.push({ engine: 'wllama', path: join(wllamaDir, f) });
  return wasmFiles.map(({ engine, path }) => {
    const bytes = readFileSync(path);
    return { engine, file: basename(path), bytes: bytes.length, gzip_bytes: gzipSync(bytes, { level: 9 }).length };
  });
}

/** A fresh Chromium (its own user-data dir) serving the bench page, wllama's build and the models. */
function startBenchBrowser() {
  // The bench page and wllama's build are not part of the site: mounted for the bench only.
  return startBrowser({
    extraRoots: [modelsDir], args: ['--enable-blink-features=ForceEagerMeasureMemory'],
    mounts: [{ prefix: '/bench/', dir: benchDir },
             { prefix: '/node_modules/@wllama/wllama/', dir: join(repoRoot, 'node_modules/@wllama/wllama') }],
  });
}

/**
 * fn(page) on the bench page of a Chromium started for this call alone; failed after `timeoutS`
 * (closing the browser stops the page's workers).
 */
async function inFreshBrowser(timeoutS, fn) {
  const browser = await startBenchBrowser();
  let timer;
  try {
    const page = await browser.newPage();
    await page.goto(`${browser.baseUrl}/bench/browser_bench.html`);
    await page.waitForFunction(() => window.benchmark !== undefined);
    const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no result after ${timeoutS} s`)), timeoutS * 1000); });
    return await Promise.race([fn(page), timeout]);
  } finally {
    clearTimeout(timer);
    await browser.close();
  }
}

const runInBrowser = (options, timeoutS) => inFreshBrowser(timeoutS, (page) => page.evaluate((o) => window.benchmark.run(o), options));
const pageDownloadMs = (modelUrl, timeoutS) => inFreshBrowser(timeoutS, (page) => page.evaluate((url) => window.benchmark.downloadMs(url), modelUrl));

/** One run of one engine. */
async function runEngine(engine, { path, modelUrl, threads, prompts, promptsPath, run, timeout }) {
  if (engine === 'llama-bench') return measureLlamaBench(path, threads);
  if (engine === 'node-llama-cpp') return measureNativeIsolated(path, threads, promptsPath, run);
  return runInBrowser({ engine, modelUrl, threads, prompt: prompts.timed[run], warmup: prompts.warmup }, timeout);
}

/** The prompts of a file, kept in bench/out/ (they need greedy runs of the file to pick). */
async function promptsFor(llama, path, promptsPath, options) {
  if (existsSync(promptsPath) && statSync(promptsPath).mtimeMs > statSync(path).mtimeMs) {
    const kept = JSON.parse(readFileSync(promptsPath, 'utf8'));
    if (kept.timed.length >= options.runs && kept.warmupTokens === WARMUP_PROMPT_TOKENS) return kept;
  }
  console.error(`bench: ${basename(path)}: choosing prompts`);
  // One thread: the greedy runs that pick the prompts do not depend on it, and on a loaded 2-core
  // machine node-llama-cpp's 2-thread decode collapses.
  const prompts = await buildPrompts(llama, options.runs, path, 1);
  writeFileSync(promptsPath, JSON.stringify(prompts));
  return prompts;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const files = selectedFiles(options);
  if (files.length === 0) throw new Error('bench: no benchmark files: run bash scripts/make_bench_models.sh');
  mkdirSync(outDir, { recursive: true });
  if (options.out) mkdirSync(options.out, { recursive: true });
  const llama = await nativeLlama(Math.max(...options.threads));
  const resultsPath = join(options.out ?? outDir, 'results.json');
  const previous = options.merge && existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')).files : [];
  const results = { machine: machine(), wasm: wasmSizes(), files: previous.filter((f) => !files.includes(f.name)) };
  // Runs of the engines not measured now, kept from the previous results with --merge.
  const keptRuns = (name, threads) => previous.find((f) => f.name === name)?.rows.find((row) => row.threads === threads)
    ?.runs.filter((run) => !options.engines.includes(run.engine)) ?? [];
  for (const name of files) {
    const path = join(modelsDir, name);
    const modelUrl = `/${name}`;
    const promptsPath = join(outDir, `prompts-${name}.json`);
    const prompts = await promptsFor(llama, path, promptsPath, options);
    const entry = { name, bytes: statSync(path).size, download_ms: await pageDownloadMs(modelUrl, options.timeout), runs: options.runs, date: new Date().toISOString(), rows: [] };
    results.files.push(entry);
    for (const threads of options.threads) {
      const runs = keptRuns(name, threads);
      for (let r = 0; r < options.runs; r++) {
        const order = options.engines.map((_, i) => options.engines[(i + r) % options.engines.length]);
        for (const engine of order) {
          const started = Date.now();
          let result;
          try {
            result = await runEngine(engine, { path, modelUrl, threads, prompts, promptsPath, run: r, timeout: options.timeout });
          } catch (error) {
            result = { engine, threads, error: String(error.message ?? error).split('\n')[0] };
          }
          result.run = r;
          runs.push(result);
          const summary = result.error ? `FAILED ${result.error}`
            : `prefill ${result.prefill_tps.toFixed(1)} tok/s (${result.prompt_n}), decode ${result.decode_tps.toFixed(1)} tok/s (${result.predicted_n}), load ${result.load_ms?.toFixed(0) ?? '–'} ms`;
          console.error(`bench: ${name} ${threads}T run ${r} ${engine}: ${summary} [${((Date.now() - started) / 1000).toFixed(1)} s]`);
        }
      }
      entry.rows.push({ threads, runs });
    }
    results.files.sort((a, b) => FILES.indexOf(a.name) - FILES.indexOf(b.name));
    writeFileSync(resultsPath, JSON.stringify(results, null, 1));
  }
  const markdown = renderResults(results);
  writeFileSync(options.out ? join(options.out, 'RESULTS.md') : join(benchDir, 'RESULTS.md'), markdown);
  console.log(markdown);
}

await main();
