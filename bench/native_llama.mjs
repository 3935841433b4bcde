// Native llama.cpp on the benchmark files, two ways:
//   - llama.cpp's own llama-bench (pp128 / tg64), built by scripts/build_llama_tools.sh from the
//     source node-llama-cpp ships (GGML_NATIVE=ON, CPU): the native figure the ratios use. On a
//     2-core machine node-llama-cpp's 2-thread decode collapses (lexi Q4_K_M: 69 tok/s against
//     665 at one thread) where llama-bench's scales (issue 17);
//   - node-llama-cpp (CPU, prebuilt), kept as a cross-check and for load time and peak RSS:
//     prefill tok/s of a 128-token prompt, decode tok/s over 64 greedy tokens.
//   node bench/native_llama.mjs [--threads 1,2] [--runs 3] FILE.gguf...   table of medians
//   node bench/native_llama.mjs --one --threads N --prompts P.json --run R FILE.gguf
//       one run as JSON, in its own process so its peak RSS is its own (used by bench/run.mjs)
// Each node-llama-cpp measurement is warm: the model is loaded, one untimed completion as long
// as the timed one runs, then the timed one. Timings follow llama-server's definitions so they
// compare with wllama's and ours: prefill = prompt evaluation until the first token is sampled;
// decode = GENERATED_TOKENS tokens over the time from the end of prefill to the last token.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';
import { GENERATED_TOKENS, PROMPT_TOKENS, WARMUP_GENERATED_TOKENS, buildPrompts } from './prompts.mjs';

const N_CTX = 512;
const LLAMA_BENCH = resolve(fileURLToPath(import.meta.url), '../../build/llama-tools/bin/llama-bench');

/**
 * One llama-bench measurement: pp128 and tg64 (its own definitions: tg64 decodes from an empty
 * context), one repetition after llama-bench's own warm-up run.
 * @param {string} file
 * @param {number} threads
 */
export function measureLlamaBench(file, threads) {
  if (!existsSync(LLAMA_BENCH)) throw new Error(`${LLAMA_BENCH} is missing: run bash scripts/build_llama_tools.sh`);
  const out = execFileSync(LLAMA_BENCH, ['-m', file, '-p', String(PROMPT_TOKENS), '-n', String(GENERATED_TOKENS),
    '-t', String(threads), '-r', '1', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 });
  const tests = JSON.parse(out);
  const pp = tests.find((t) => t.n_prompt === PROMPT_TOKENS && t.n_gen === 0);
  const tg = tests.find((t) => t.n_prompt === 0 && t.n_gen === GENERATED_TOKENS);
  if (!pp || !tg) throw new Error(`llama-bench printed no pp${PROMPT_TOKENS}/tg${GENERATED_TOKENS} results`);
  return {
    engine: 'llama-bench', threads,
    prompt_n: PROMPT_TOKENS, prompt_ms: pp.avg_ns / 1e6, prefill_tps: pp.avg_ts,
    predicted_n: GENERATED_TOKENS, predicted_ms: tg.avg_ns / 1e6, decode_tps: tg.avg_ts,
  };
}

/**
 * Evaluates `text` (BOS prepended as the model wants) and generates `generate` greedy tokens.
 * @returns {Promise<{ prompt_n: number, prompt_ms: number, predicted_n: number, predicted_ms: number }>}
 */
async function complete(model, sequence, text, generate) {
  const prompt = model.tokenize(text, false);
  if (model.tokens.shouldPrependBosToken && model.tokens.bos !== null) prompt.unshift(model.tokens.bos);
  const started = performance.now();
  let prefillEnd = 0;
  let generated = 0;
  for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
    void token;
    generated++;
    if (generated === 1) prefillEnd = performance.now();
    if (generated === generate) break;
  }
  const finished = performance.now();
  await sequence.clearHistory();
  return { prompt_n: prompt.length, prompt_ms: prefillEnd - started, predicted_n: generated, predicted_ms: finished - prefillEnd };
}

/**
 * One warm measurement of one file.
 * @param {{ llama: any, modelPath: string, threads: number, prompt: string, warmup: string }} options
 */
export async function measureNative({ llama, modelPath, threads, prompt, warmup }) {
  const loadStarted = performance.now();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: N_CTX, threads: { ideal: threads, min: threads } });
  const loadMs = performance.now() - loadStarted;
  try {
    const sequence = context.getSequence();
    await complete(model, sequence, warmup, WARMUP_GENERATED_TOKENS);
    const t = await complete(model, sequence, prompt, GENERATED_TOKENS);
    return {
      engine: 'node-llama-cpp',
      threads,
      load_ms: loadMs,
      prompt_n: t.prompt_n,
      prompt_ms: t.prompt_ms,
      prefill_tps: (t.prompt_n * 1000) / t.prompt_ms,
      predicted_n: t.predicted_n,
      predicted_ms: t.predicted_ms,
      decode_tps: (t.predicted_n * 1000) / t.predicted_ms,
      // Peak resident set of this process (model pages are mmapped and count once touched).
      memory_bytes: process.resourceUsage().maxRSS * 1024,
      memory_source: 'process peak RSS',
    };
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

export async function nativeLlama(threads) {
  return getLlama({ gpu: false, build: 'never', logLevel: 'error', maxThreads: threads });
}

function parseArgs(argv) {
  const options = { threads: [1, 2], runs: 3, run: 0, one: false, prompts: '', files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--threads') options.threads = argv[++i].split(',').map(Number);
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--run') options.run = Number(argv[++i]);
    else if (arg === '--one') options.one = true;
    else if (arg === '--prompts') options.prompts = argv[++i];
    else if (arg.startsWith('--')) throw new Error(`native_llama: unknown option ${arg}`);
    else options.files.push(arg);
  }
  if (options.files.length === 0) throw new Error('native_llama: give one or more GGUF files');
  return options;
}

/**
 * One measurement in a child process (its peak RSS is that run's alone).
 * @param {string} file
 * @param {number} threads
 * @param {string} promptsPath JSON of buildPrompts()
 * @param {number} run index of the timed prompt
 */
export function measureNativeIsolated(file, threads, promptsPath, run) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--one', '--threads', String(threads),
    '--prompts', promptsPath, '--run', String(run), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 900_000 });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.one) {
    const threads = options.threads[0];
    const llama = await nativeLlama(threads);
    const prompts = JSON.parse(readFileSync(options.prompts, 'utf8'));
    const result = await measureNative({ llama, modelPath: options.files[0], threads, prompt: prompts.timed[options.run], warmup: prompts.warmup });
    console.log(JSON.stringify(result));
    return;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'webgguf-bench-'));
  const promptsPath = join(scratch, 'prompts.json');
  const llama = await nativeLlama(Math.max(...options.threads));
  console.log('| file | threads | load ms | prefill tok/s | decode tok/s | peak RSS MB | llama-bench pp128 | tg64 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const file of options.files) {
    writeFileSync(promptsPath, JSON.stringify(await buildPrompts(llama, options.runs, file, Math.max(...options.threads))));
    for (const threads of options.threads) {
      const runs = [];
      const benches = [];
      for (let r = 0; r < options.runs; r++) {
        runs.push(measureNativeIsolated(file, threads, promptsPath, r));
        benches.push(measureLlamaBench(file, threads));
      }
      const m = (key, values = runs) => median(values.map((x) => x[key]));
      console.log(`| ${basename(file)} | ${threads} | ${m('load_ms').toFixed(0)} | ${m('prefill_tps').toFixed(1)} | ${m('decode_tps').toFixed(1)} | `
        + `${(m('memory_bytes') / 2 ** 20).toFixed(0)} | ${m('prefill_tps', benches).toFixed(1)} | ${m('decode_tps', benches).toFixed(1)} |`);
    }
  }
  rmSync(scratch, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
