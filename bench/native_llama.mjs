// Native llama.cpp (node-llama-cpp, CPU, prebuilt) on the benchmark files: load time, prefill
// tok/s of a 128-token prompt, decode tok/s over 64 greedy tokens, peak RSS.
//   node bench/native_llama.mjs [--threads 1,2] [--runs 3] FILE.gguf...   table of medians
//   node bench/native_llama.mjs --one --threads N --prompts P.json --run R FILE.gguf
//       one run as JSON, in its own process so its peak RSS is its own (used by bench/run.mjs)
// Each measurement is warm: the model is loaded, one short untimed completion runs, then the
// timed one. Timings follow llama-server's definitions so they compare with wllama's and ours:
// prefill = prompt evaluation until the first token is sampled; decode = GENERATED_TOKENS tokens
// over the time from the end of prefill to the last token.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';
import { GENERATED_TOKENS, WARMUP_GENERATED_TOKENS, buildPrompts } from './prompts.mjs';

const N_CTX = 512;

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
      engine: 'native',
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
  console.log('| file | threads | load ms | prefill tok/s | decode tok/s | peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const file of options.files) {
    writeFileSync(promptsPath, JSON.stringify(await buildPrompts(llama, options.runs, file, Math.max(...options.threads))));
    for (const threads of options.threads) {
      const runs = [];
      for (let r = 0; r < options.runs; r++) runs.push(measureNativeIsolated(file, threads, promptsPath, r));
      const m = (key) => median(runs.map((x) => x[key]));
      console.log(`| ${basename(file)} | ${threads} | ${m('load_ms').toFixed(0)} | ${m('prefill_tps').toFixed(1)} | ${m('decode_tps').toFixed(1)} | ${(m('memory_bytes') / 2 ** 20).toFixed(0)} |`);
    }
  }
  rmSync(scratch, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
